#!/usr/bin/env bash
# Benchmarks (not tests): per-message CPU cost of ingest's own work, then the end-to-end run.
# Results are recorded in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ingest processing (no MQTT, no gRPC)"
bazel run -c opt //bench:processor_benchmark 2>/dev/null
echo "== end to end: simulator -> mosquitto -> wm-ingest -> Subscribe client"
bench/ingest_e2e.sh
echo "== decoders (fixed layouts, records)"
bazel run -c opt //bench/decoders:decoders_benchmark 2>/dev/null
echo "== decoders (CBOR diagnostics v2, MSAP, provisioning)"
bazel run -c opt //bench/decoders_v2:decoders_v2_benchmark 2>/dev/null
echo "== registry: 100,000 nodes listed, memory"
bench/registry/registry_e2e.sh
echo "== commands: round trip and sustained SendData through the simulator"
bench/command/command_bench.sh
