#!/usr/bin/env bash
# System packages the app needs beyond Python: CJK fonts and HarfBuzz subsetting for Chinese
# PDFs (Noto Sans/Serif CJK, and the Fandol FangSong, KaiTi, HeiTi and SongTi faces of official
# documents: see fonts_for_documents below), Chromium for the browser tests, gettext to compile translations, npm to install axe-core
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

# The Fandol faces (FandolFang, FandolKai, FandolHei, FandolSong; GPL with the font exception) are the
# free FangSong and KaiTi that official documents (GB/T 9704) are set in. Debian ships them only inside
# texlive-lang-chinese, whose TeX dependencies the app does not need: the package is downloaded and
# only its fonts are unpacked, into the system's font directory (or the user's without root).
fonts_for_documents() {
  command -v fc-list >/dev/null 2>&1 && fc-list : family | grep -q FandolFang && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "system-deps: please install the Fandol fonts (CTAN: fandol)"; return 0; }
  local target work deb
  if [ "$(id -u)" = "0" ]; then target=/usr/local/share/fonts/fandol; else target="${XDG_DATA_HOME:-$HOME/.local/share}/fonts/fandol"; fi
  work="$(mktemp -d)"
  if (cd "$work" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1); then
    deb="$(ls "$work"/texlive-lang-chinese_*.deb)"
    mkdir -p "$work/x" "$target"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards '*/fonts/opentype/public/fandol/Fandol[FHKS]*.otf'
    cp "$work"/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/*.otf "$target"/
    command -v fc-cache >/dev/null 2>&1 && fc-cache -f "$target" >/dev/null 2>&1
    echo "system-deps: Fandol fonts installed in $target"
  else
    echo "system-deps: could not download texlive-lang-chinese for the Fandol fonts; documents fall back to Noto Serif CJK"
  fi
  rm -rf "$work"
}

# A server needs only the fonts of official documents beyond its Debian packages (README, "Deploying").
if [ "${1:-}" = "--fonts-only" ]; then fonts_for_documents; exit 0; fi
if [ ${#missing[@]} -eq 0 ]; then fonts_for_documents; exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "system-deps: apt-get failed; please install: ${missing[*]}"
else
  echo "system-deps: please install (as root): apt-get install ${missing[*]}"
fi
fonts_for_documents
exit 0
