#!/usr/bin/env bash
# JavaScript the browser tests inject into pages (axe-core, pinned in package-lock.json), installed
# into node_modules/ from the npm registry. Quick when already there; never fails `make`: without
# npm it says so, and the accessibility test then fails naming what is missing.
set -u
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ -f node_modules/axe-core/axe.min.js ] && [ "$stamp" -nt package-lock.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "js-deps: npm not found; axe-core is not installed and the accessibility browser test will fail."
  echo "js-deps: install Node.js and npm (apt-get install npm), then run: npm ci"
  exit 0
fi
echo "js-deps: installing axe-core into node_modules (npm ci)"
npm ci --no-audit --no-fund --loglevel=error \
  || echo "js-deps: npm ci failed; the accessibility browser test will fail until node_modules/axe-core is installed"
exit 0
