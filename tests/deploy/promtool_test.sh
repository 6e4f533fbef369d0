#!/usr/bin/env bash
# Checks the Prometheus and Grafana files of deploy/ with promtool:
#   promtool check config  prometheus.yml              (and the rule file it names)
#   promtool check rules   wm-backend-rules.yml
#   promtool test rules    wm-backend-rules_test.yml   (each alert fires, and does not)
# and the dashboard: valid JSON, schemaVersion >= 36, every query on the ${DS_PROMETHEUS}
# datasource variable, panels not overlapping, and every expression valid PromQL.
# Usage: promtool_test.sh PROMETHEUS_YML RULES RULES_TEST DASHBOARD_JSON
set -uo pipefail

PROMETHEUS_YML="$1"
RULES="$2"
RULES_TEST="$3"
DASHBOARD="$4"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

PROMTOOL="$(command -v promtool || true)"
if [ -z "$PROMTOOL" ] && [ -x /usr/bin/promtool ]; then PROMTOOL=/usr/bin/promtool; fi
if [ -z "$PROMTOOL" ]; then
  echo "FAIL: promtool not found (Debian package prometheus); run scripts/bootstrap.sh" >&2
  exit 1
fi

passed=0
failed=0
check() {
  local name="$1"
  shift
  echo "=== $name"
  if "$@"; then
    echo "--- ok: $name"
    passed=$((passed + 1))
  else
    echo "--- FAIL: $name"
    failed=$((failed + 1))
  fi
}

check "promtool check config" "$PROMTOOL" check config "$PROMETHEUS_YML"
check "promtool check rules" "$PROMTOOL" check rules "$RULES"
check "promtool test rules" "$PROMTOOL" test rules "$RULES_TEST"

# The dashboard's structure; its expressions become recording rules for promtool to parse.
dashboard_structure() {
  python3 - "$DASHBOARD" "$TMP/dashboard_rules.yml" <<'EOF'
import json
import re
import sys

dashboard_path, rules_path = sys.argv[1], sys.argv[2]
with open(dashboard_path) as f:
    dashboard = json.load(f)
problems = []
if dashboard.get("schemaVersion", 0) < 36:
    problems.append("schemaVersion %s < 36" % dashboard.get("schemaVersion"))
variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
ds = variables.get("DS_PROMETHEUS")
if ds is None or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
    problems.append("no datasource variable DS_PROMETHEUS of type prometheus")

panels = []
for panel in dashboard.get("panels", []):
    panels.append(panel)
    panels.extend(panel.get("panels", []))  # a collapsed row holds its panels

rules = []
ids = set()
areas = []
rows = []
for panel in panels:
    title = panel.get("title", "?")
    if panel.get("id") in ids:
        problems.append("panel id %s used twice" % panel.get("id"))
    ids.add(panel.get("id"))
    if panel.get("type") == "row":
        rows.append(title)
        continue
    g = panel["gridPos"]
    for other_title, o in areas:
        if (g["x"] < o["x"] + o["w"] and o["x"] < g["x"] + g["w"] and
                g["y"] < o["y"] + o["h"] and o["y"] < g["y"] + g["h"]):
            problems.append("panels %r and %r overlap" % (title, other_title))
    if g["x"] + g["w"] > 24:
        problems.append("panel %r is wider than the grid" % title)
    areas.append((title, g))
    if panel.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
        problems.append("panel %r is not on ${DS_PROMETHEUS}" % title)
    targets = panel.get("targets", [])
    if not targets:
        problems.append("panel %r has no query" % title)
    for target in targets:
        if target.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            problems.append("a query of %r is not on ${DS_PROMETHEUS}" % title)
        expr = target.get("expr", "")
        expr = re.sub(r"\$__(rate_interval|interval|range)", "5m", expr)
        if "$" in expr:
            problems.append("panel %r uses an unknown variable: %s" % (title, expr))
        rules.append({"record": "dashboard:panel_%s_%s" % (panel["id"], target.get("refId")),
                      "expr": expr})
for wanted in ("wm-ingest", "wm-registry", "wm-command", "MQTT"):
    if wanted not in rows:
        problems.append("no row %r" % wanted)

with open(rules_path, "w") as f:
    json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, f, indent=1)
for p in problems:
    print("dashboard: " + p)
print("dashboard: %d panels, %d queries" % (len(areas), len(rules)))
sys.exit(1 if problems else 0)
EOF
}
check "dashboard structure" dashboard_structure
check "dashboard expressions parse" "$PROMTOOL" check rules "$TMP/dashboard_rules.yml"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
