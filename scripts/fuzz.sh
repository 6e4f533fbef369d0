#!/usr/bin/env bash
# Builds every wm_fuzz_target with clang + libFuzzer (ASan, UBSan) in its own Bazel output
# base, so the regular gcc build stays untouched, then runs each fuzzer for SECONDS seconds
# starting from its committed corpus (copied: new inputs stay out of the tree unless KEEP=1).
#
#   scripts/fuzz.sh            # 60 s per fuzzer
#   SECONDS_PER_FUZZER=5 scripts/fuzz.sh     # the smoke run make test does
#   FUZZERS="diagnostics_v2_fuzzer node_data_fuzzer" scripts/fuzz.sh   # only these targets
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_FUZZER="${SECONDS_PER_FUZZER:-60}"
OUTPUT_BASE="${FUZZ_OUTPUT_BASE:-$HOME/.cache/wm-backend-fuzz}"
BAZEL=(bazel --output_base="$OUTPUT_BASE")
# Fuzz targets live with the code they fuzz. (`//...` would also walk the regular output
# base's bazel-* symlinks, which this output base does not own.)
SCOPE='//libs/... + //services/... + //tools/...'

mapfile -t targets < <("${BAZEL[@]}" query "attr(tags, '\bfuzz\b', $SCOPE)" 2>/dev/null)
if [ -n "${FUZZERS:-}" ]; then
  wanted=" $FUZZERS "
  selected=()
  for target in "${targets[@]}"; do
    [[ "$wanted" == *" ${target##*:} "* ]] && selected+=("$target")
  done
  targets=("${selected[@]}")
fi
if [ ${#targets[@]} -eq 0 ]; then echo "fuzz: no fuzz targets"; exit 0; fi
# --symlink_prefix=/: no bazel-* links, so the regular build's links keep pointing at its own.
CC=clang CXX=clang++ "${BAZEL[@]}" build --config=fuzz --symlink_prefix=/ "${targets[@]}" 2>&1 |
  tail -3
BIN="$(CC=clang CXX=clang++ "${BAZEL[@]}" info --config=fuzz bazel-bin 2>/dev/null)"

failed=0
for target in "${targets[@]}"; do
  pkg="${target#//}"; pkg="${pkg%%:*}"; name="${target##*:}"
  corpus_src="$pkg/corpus/${name%_fuzzer}"
  work="$(mktemp -d)"
  [ -d "$corpus_src" ] && cp -r "$corpus_src/." "$work/"
  echo "fuzz: $target for ${SECONDS_PER_FUZZER}s"
  if ! "$BIN/$pkg/$name" -max_total_time="$SECONDS_PER_FUZZER" -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
    failed=1
    echo "fuzz: $target FAILED (crashing input and log kept in $work)"
    tail -30 "$work.log"
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
  echo "fuzz: $target PASSED ($runs inputs)"
  if [ "${KEEP:-0}" = 1 ] && [ -d "$corpus_src" ]; then cp -n "$work"/* "$corpus_src/" 2>/dev/null || true; fi
  rm -rf "$work" "$work.log"
done
"${BAZEL[@]}" shutdown 2>/dev/null || true  # frees the second server's memory
exit "$failed"
