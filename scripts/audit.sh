#!/usr/bin/env bash
# `make audit`: pip-audit over the locked dependencies (requirements.lock), against the first
# vulnerability source this machine reaches: OSV (api.osv.dev), then PyPI's per-release JSON API.
# Where neither answers, it says so plainly instead of reporting "no known vulnerabilities".
set -uo pipefail
cd "$(dirname "$0")/.."
LOCK="${1:-requirements.lock}"
AUDIT=.venv/bin/pip-audit
out="$(mktemp)"; trap 'rm -f "$out"' EXIT

for source in osv pypi; do
  if "$AUDIT" -r "$LOCK" --no-deps --disable-pip --progress-spinner off -s "$source" -f json -o "$out" 2>/dev/null \
     || [ -s "$out" ]; then
    if .venv/bin/python - "$out" "$source" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
deps = report.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
if deps and len(skipped) == len(deps):
    sys.exit(3)  # the source answered nothing about any package: not reachable for auditing
vulnerable = [d for d in deps if d.get("vulns")]
print(f"pip-audit ({sys.argv[2]}): {len(deps) - len(skipped)} of {len(deps)} locked packages audited, "
      f"{len(vulnerable)} with known vulnerabilities.")
for d in vulnerable:
    for v in d["vulns"]:
        print(f"  {d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})")
for d in skipped:
    print(f"  not audited: {d['name']} {d.get('version', '')}: {d['skip_reason']}")
sys.exit(1 if vulnerable else 0)
PY
    then exit 0; else status=$?; [ "$status" -eq 3 ] || exit "$status"; fi
  fi
  : > "$out"
done
echo "pip-audit: NOT AUDITED. No vulnerability source is reachable from this machine (OSV did not answer;"
echo "PyPI's JSON API answered for no locked package). Run \`make audit\` where api.osv.dev or pypi.org is reachable."
exit 0
