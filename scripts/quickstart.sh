#!/usr/bin/env bash
# Quick start: set everything up, then extract the bundled sample reports into out/samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/govreport extract samples/* --out out/samples
echo "JSON per report written to out/samples/; e.g. one field:"
.venv/bin/python - <<'PY'
import json, pathlib
for path in sorted(pathlib.Path("out/samples").glob("*.json")):
    doc = json.loads(path.read_text(encoding="utf-8"))
    field = doc["fields"].get("requests.received.total")
    print(f"  {path.name}: {doc['agency']} {doc['year']} template {doc['template']}"
          f" 本年新收申请 总计 = {field and field['value']} ({field and field['status']})")
PY
