#!/usr/bin/env bash
# Checks the lock annotations (ABSL_GUARDED_BY, ABSL_EXCLUSIVE_LOCKS_REQUIRED) with clang's
# -Wthread-safety. The regular build uses gcc, which ignores them. Parses (clang -fsyntax-only,
# nothing is built with clang) every .cc under libs/ services/ tools/ tests/ that uses
# absl::Mutex itself or through its own header, against the headers of the regular build
# (generated headers in bazel-bin). Exits non-zero on any thread-safety warning.
#
#   scripts/thread_safety.sh                       # every such file
#   scripts/thread_safety.sh services/ingest/event_hub.cc   # only these
set -euo pipefail
cd "$(dirname "$0")/.."

# The regular build, for the generated headers (protos, test services).
bazel build //libs/... //services/... //tools/... //tests/... >/dev/null 2>&1
BIN="$(bazel info bazel-bin 2>/dev/null)"

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=()
  while IFS= read -r cc; do
    header="${cc%.cc}.h"
    if grep -q 'absl/synchronization/mutex.h' "$cc" ||
       { [ -f "$header" ] && grep -q 'absl/synchronization/mutex.h' "$header"; }; then
      files+=("$cc")
    fi
  done < <(find libs services tools tests -name '*.cc' | sort)
fi

failed=0
for cc in "${files[@]}"; do
  out="$(clang++ -std=c++17 -fsyntax-only -Wthread-safety -Wno-unknown-warning-option \
           -I. -I"$BIN" "$cc" 2>&1 | grep -E 'warning: .*\[-Wthread-safety|error:' || true)"
  if [ -n "$out" ]; then
    echo "$out"
    failed=1
  fi
done
echo "thread_safety: ${#files[@]} files, $([ "$failed" -eq 0 ] && echo clean || echo FAILED)"
exit "$failed"
