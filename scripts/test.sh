#!/usr/bin/env bash
# Runs every test (unit and integration) and ends with the plain line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
bazel test //... --keep_going --test_summary=short "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# Fuzz smoke run: every fuzz target for a few seconds from its committed corpus, with ASan and
# UBSan (the corpus replay tests above ran the same inputs without sanitizers).
SECONDS_PER_FUZZER="${SECONDS_PER_FUZZER:-5}" scripts/fuzz.sh 2>&1 | tee -a "$log"
fuzz_rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && rc=$fuzz_rc

passed=$(grep -cE '^//\S+\s+(\(cached\) )?PASSED|^fuzz: //\S+ PASSED' "$log")
failed=$(grep -cE '^//\S+\s+.*(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)|^fuzz: //\S+ FAILED' "$log")
# A build failure runs no test at all: count it as a failure so the line never reads green.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$rc"
