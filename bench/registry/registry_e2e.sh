#!/usr/bin/env bash
# wm-registry following a busy wm-ingest (a benchmark, not a test): wm-gateway-sim at full
# speed -> mosquitto -> wm-ingest -> wm-registry, with the registry's SQLite file in a temporary
# directory.
#
#   bench/registry/registry_e2e.sh             # 200000 packets, 2 gateways x 2 sinks x 20 nodes
#   N=100000 NODES=2500 bench/registry/registry_e2e.sh   # 10000 nodes in the site
#
# Prints the packets the registry applied, the events ingest dropped for it (it read too
# slowly), its CPU per packet, its flushes and their rows, and its memory.
set -euo pipefail
cd "$(dirname "$0")/../.."

N="${N:-200000}"          # packets
NODES="${NODES:-20}"      # nodes per sink (2 gateways x 2 sinks)

bazel build -c opt //services/ingest:wm-ingest //services/registry:wm-registry \
  //tools/gateway_sim:wm-gateway-sim >/dev/null 2>&1
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
WORK="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
wait_for_line() {  # file text
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "bench: '$2' never appeared in $1" >&2; cat "$1" >&2; return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
metric() {  # port name -> value (0 when absent)
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics").read().decode()
values = [line.split()[-1] for line in text.splitlines() if line.split(" ")[0] == sys.argv[2]]
print(values[0] if values else 0)
PY
}

MQTT_PORT=$(free_port)
INGEST_PORT=$(free_port)
REGISTRY_HTTP=$(free_port)
sed "s/@PORT@/$MQTT_PORT/" deploy/local/mosquitto.conf >"$WORK/mosquitto.conf"
/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break; sleep 0.05; done

"$BIN/services/ingest/wm-ingest" --mqtt_hostname=127.0.0.1 --mqtt_port="$MQTT_PORT" \
  --mqtt_force_unsecure --grpc_port="$INGEST_PORT" --http_port=0 >"$WORK/ingest.log" 2>&1 &
pids+=($!)
wait_for_line "$WORK/ingest.log" "mqtt connected"
"$BIN/services/registry/wm-registry" --wm_ingest="127.0.0.1:$INGEST_PORT" --grpc_port=0 \
  --http_port="$REGISTRY_HTTP" --registry_db="$WORK/registry.db" >"$WORK/registry.log" 2>&1 &
pids+=($!); REGISTRY=$!
wait_for_line "$WORK/registry.log" "ingest_stream_connected"

before=$(cpu_ticks "$REGISTRY")
start=$(date +%s.%N)
"$BIN/tools/gateway_sim/wm-gateway-sim" --mqtt_hostname=127.0.0.1 --mqtt_port="$MQTT_PORT" \
  --mqtt_force_unsecure --nodes_per_sink="$NODES" --rate=0 --count="$N" --exit_after_count \
  >"$WORK/sim.log" 2>&1
sim_end=$(date +%s.%N)
# Until the registry has applied (or lost) every packet.
for _ in $(seq 600); do
  applied=$(metric "$REGISTRY_HTTP" 'wm_registry_events_total{kind="packet"}')
  lost=$(metric "$REGISTRY_HTTP" wm_registry_ingest_stream_dropped_total)
  python3 -c "import sys; sys.exit(0 if $applied + $lost >= $N else 1)" && break
  sleep 0.1
done
end=$(date +%s.%N)
after=$(cpu_ticks "$REGISTRY")
sleep 0.5  # one more flush interval, for the flush counters
hz=$(getconf CLK_TCK)
flushes=$(metric "$REGISTRY_HTTP" wm_registry_store_flush_seconds_count)
flush_sum=$(metric "$REGISTRY_HTTP" wm_registry_store_flush_seconds_sum)
rows=$(metric "$REGISTRY_HTTP" wm_registry_store_rows_total)
nodes=$(metric "$REGISTRY_HTTP" 'wm_registry_nodes{stale="false"}')
rss=$(awk '/VmRSS/ {print $2 / 1024}' "/proc/$REGISTRY/status")

echo "packets=$N site_nodes=$nodes"
echo "simulator_published_per_s=$(python3 -c "print(round($N / ($sim_end - $start)))")"
echo "registry_applied=$applied lost=$lost"
echo "registry_caught_up_after_s=$(python3 -c "print(round($end - $start, 2))")"
echo "registry_cpu_us_per_packet=$(python3 -c "print(round(($after - $before) / $hz * 1e6 / $N, 2))")"
echo "store_flushes=$flushes rows=$rows mean_flush_ms=$(python3 -c "print(round(1000 * $flush_sum / max($flushes, 1), 2))")"
echo "registry_rss_mib=$rss"
