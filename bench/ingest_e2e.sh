#!/usr/bin/env bash
# End-to-end ingest benchmark (not a test): wm-gateway-sim at full speed -> mosquitto ->
# wm-ingest -> one Subscribe client, with a raw MQTT subscriber on the same broker in the same
# run as the reference for what the broker delivers.
#
#   bench/ingest_e2e.sh                 # 200000 packets from 2 simulator processes
#   N=500000 SIMS=3 bench/ingest_e2e.sh
#   PROFILE=/tmp/ingest.perf bench/ingest_e2e.sh   # also samples wm-ingest with `perf record`
#   INGEST_FLAGS=--stream_gather_ms=0 bench/ingest_e2e.sh   # extra wm-ingest flags
#
# Prints one result line per measurement; bench/README.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${N:-200000}"          # packets in total
SIMS="${SIMS:-2}"         # simulator processes (each 2 gateways x 2 sinks x 20 nodes)
PER_SIM=$((N / SIMS))
N=$((PER_SIM * SIMS))

bazel build -c opt //services/ingest:wm-ingest //tools/gateway_sim:wm-gateway-sim \
  //bench:event_rate //libs/mqtt:throughput >/dev/null 2>&1
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

MQTT_PORT=$(free_port)
GRPC_PORT=$(free_port)
sed "s/@PORT@/$MQTT_PORT/" deploy/local/mosquitto.conf >"$WORK/mosquitto.conf"
/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
pids+=($!); MOSQ=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break; sleep 0.05; done

"$BIN/services/ingest/wm-ingest" --mqtt_hostname=127.0.0.1 --mqtt_port="$MQTT_PORT" \
  --mqtt_force_unsecure --grpc_port="$GRPC_PORT" --http_port=0 --subscriber_queue_size=1000000 \
  ${INGEST_FLAGS:-} \
  >"$WORK/ingest.log" 2>&1 &
pids+=($!); INGEST=$!
wait_for_line "$WORK/ingest.log" "mqtt connected"

"$BIN/bench/event_rate" --wm_ingest="127.0.0.1:$GRPC_PORT" --count="$N" --timeout_s=300 \
  >"$WORK/events.out" 2>&1 &
pids+=($!); EVENTS=$!
"$BIN/libs/mqtt/throughput" receive "$MQTT_PORT" 'gw-event/received_data/#' "$N" 1 \
  >"$WORK/raw.out" 2>&1 &
pids+=($!); RAW=$!
wait_for_line "$WORK/events.out" subscribed
wait_for_line "$WORK/raw.out" subscribed

ingest_before=$(cpu_ticks "$INGEST")
mosq_before=$(cpu_ticks "$MOSQ")
if [ -n "${PROFILE:-}" ]; then
  perf record -F 2000 -g -o "$PROFILE" -p "$INGEST" >"$WORK/perf.log" 2>&1 &
  PERF=$!
fi
start=$(date +%s.%N)
sims=()
for i in $(seq "$SIMS"); do
  "$BIN/tools/gateway_sim/wm-gateway-sim" --mqtt_hostname=127.0.0.1 --mqtt_port="$MQTT_PORT" \
    --mqtt_force_unsecure --gateway_id_prefix="bench$i-gw-" --rate=0 --count="$PER_SIM" \
    --exit_after_count --seed="$i" >"$WORK/sim$i.log" 2>&1 &
  sims+=($!); pids+=($!)
done
for pid in "${sims[@]}"; do wait "$pid"; done
sim_end=$(date +%s.%N)
wait "$RAW" || true
wait "$EVENTS" || true
ingest_after=$(cpu_ticks "$INGEST")
if [ -n "${PROFILE:-}" ]; then kill -INT "$PERF"; wait "$PERF" || true; fi
mosq_after=$(cpu_ticks "$MOSQ")
hz=$(getconf CLK_TCK)

raw_rate=$(sed -n 's/.*s: \([0-9]*\) messages\/s.*/\1/p' "$WORK/raw.out")
events_line=$(tail -1 "$WORK/events.out")
events_rate=$(sed -n 's/.*events_per_s=\([0-9]*\).*/\1/p' <<<"$events_line")
events_count=$(sed -n 's/^events=\([0-9]*\).*/\1/p' <<<"$events_line")
lost=$(sed -n 's/.*lost=\([0-9]*\).*/\1/p' <<<"$events_line")
publish_rate=$(python3 -c "print(round($N / ($sim_end - $start)))")
ingest_us=$(python3 -c "print(round(($ingest_after - $ingest_before) / $hz * 1e6 / $N, 2))")
mosq_us=$(python3 -c "print(round(($mosq_after - $mosq_before) / $hz * 1e6 / $N, 2))")
ratio=$(python3 -c "print(round(100.0 * ${events_rate:-0} / ${raw_rate:-1}, 1))")

echo "packets=$N simulators=$SIMS"
echo "simulators_published_per_s=$publish_rate"
echo "raw_subscriber_per_s=$raw_rate"
echo "ingest_stream_events=$events_count lost=$lost"
echo "ingest_stream_per_s=$events_rate (${ratio}% of the raw subscriber)"
echo "ingest_cpu_us_per_message=$ingest_us"
echo "mosquitto_cpu_us_per_message=$mosq_us"
