#!/usr/bin/env bash
# System packages the app needs beyond Python: a CJK font and HarfBuzz subsetting for Chinese
# PDFs, Chromium for the browser tests, gettext to compile translations, npm to install axe-core
# (package.json) for the accessibility test. Installs them where
# apt is available and we are root; elsewhere prints what to install. Quick when all are present.
set -u
packages=(fonts-noto-cjk libharfbuzz-subset0 chromium gettext poppler-utils)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node.js may come from elsewhere than Debian's package (it then brings its own npm).
  command -v npm >/dev/null 2>&1 || missing+=(npm)
else
  echo "system-deps: not a Debian/Ubuntu system; please install: ${packages[*]} (or equivalents)"
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "system-deps: apt-get failed; please install: ${missing[*]}"
else
  echo "system-deps: please install (as root): apt-get install ${missing[*]}"
fi
exit 0
