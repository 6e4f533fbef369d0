#!/usr/bin/env bash
# wm-command benchmark (not a test): command_rate -> gRPC -> wm-command -> mosquitto ->
# wm-gateway-sim, which answers every request, and back. Real binaries built with -c opt,
# mosquitto with deploy/local/mosquitto.conf.
#
#   bench/command/command_bench.sh                       # the whole set, defaults below
#   N=5000 CONCURRENCY=128 DURATION=20 bench/command/command_bench.sh
#   PROFILE=/tmp/command.perf bench/command/command_bench.sh   # perf record of wm-command
#                                                        # during the SendData throughput run
#   COMMAND_FLAGS=--max_inflight_per_sink=64 bench/command/command_bench.sh
#
# Runs, each printing one result line:
#   1. round trip: N sequential GetConfigs calls (p50/p90/p99/max)
#   2. round trip: N sequential SendData calls
#   3. throughput: SendData with CONCURRENCY calls in flight for DURATION seconds, spread over
#      GATEWAYS x SINKS sinks; with the CPU each process used per call over that run.
# bench/command/README.md records the results.
set -euo pipefail
cd "$(dirname "$0")/../.."

N="${N:-2000}"                      # calls per round-trip run
CONCURRENCY="${CONCURRENCY:-64}"    # calls in flight in the throughput run
DURATION="${DURATION:-10}"          # seconds of the throughput run
GATEWAYS="${GATEWAYS:-2}"           # simulated gateways (one simulator process)
SINKS="${SINKS:-2}"                 # sinks per gateway

bazel build -c opt //services/command:wm-command //tools/gateway_sim:wm-gateway-sim \
  //bench/command:command_rate >/dev/null 2>&1
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

"$BIN/services/command/wm-command" --mqtt_hostname=127.0.0.1 --mqtt_port="$MQTT_PORT" \
  --mqtt_force_unsecure --grpc_host=127.0.0.1 --grpc_port="$GRPC_PORT" --http_port=0 \
  ${COMMAND_FLAGS:-} >"$WORK/command.log" 2>&1 &
pids+=($!); COMMAND=$!
wait_for_line "$WORK/command.log" "mqtt connected"

# No traffic besides one packet: the gateways only answer requests.
"$BIN/tools/gateway_sim/wm-gateway-sim" --mqtt_hostname=127.0.0.1 --mqtt_port="$MQTT_PORT" \
  --mqtt_force_unsecure --gateway_id_prefix=bench-gw- --gateways="$GATEWAYS" \
  --sinks_per_gateway="$SINKS" --nodes_per_sink=3 --joining_nodes_per_sink=0 --count=1 --rate=0 \
  >"$WORK/sim.log" 2>&1 &
pids+=($!); SIM=$!

rate() {  # extra command_rate flags...
  "$BIN/bench/command/command_rate" --wm_command="127.0.0.1:$GRPC_PORT" \
    --gateway_prefix=bench-gw- --gateways="$GATEWAYS" --sinks="$SINKS" "$@" | grep -v '^ready$'
}

echo "gateways=$GATEWAYS sinks_per_gateway=$SINKS"
rate --mode=round_trip --method=GetConfigs --count="$N"
rate --mode=round_trip --method=SendData --count="$N"

# The throughput run, with each process's CPU time over it.
"$BIN/bench/command/command_rate" --wm_command="127.0.0.1:$GRPC_PORT" \
  --gateway_prefix=bench-gw- --gateways="$GATEWAYS" --sinks="$SINKS" --mode=throughput \
  --method=SendData --concurrency="$CONCURRENCY" --duration_s="$DURATION" \
  >"$WORK/throughput.out" 2>&1 &
CLIENT=$!
wait_for_line "$WORK/throughput.out" "^ready"
command_before=$(cpu_ticks "$COMMAND"); mosq_before=$(cpu_ticks "$MOSQ")
sim_before=$(cpu_ticks "$SIM"); client_before=$(cpu_ticks "$CLIENT")
if [ -n "${PROFILE:-}" ]; then
  perf record -F 2000 -g -o "$PROFILE" -p "$COMMAND" >"$WORK/perf.log" 2>&1 &
  PERF=$!
fi
# Sampled just before the client exits (its /proc entry goes with it).
while ! grep -q '^mode=' "$WORK/throughput.out"; do
  client_after=$(cpu_ticks "$CLIENT" 2>/dev/null || echo "${client_after:-$client_before}")
  sleep 0.05
done
command_after=$(cpu_ticks "$COMMAND"); mosq_after=$(cpu_ticks "$MOSQ"); sim_after=$(cpu_ticks "$SIM")
wait "$CLIENT" || true
if [ -n "${PROFILE:-}" ]; then kill -INT "$PERF"; wait "$PERF" || true; fi
grep -v '^ready$' "$WORK/throughput.out"
calls=$(sed -n 's/^mode=throughput .* calls=\([0-9]*\) .*/\1/p' "$WORK/throughput.out")
hz=$(getconf CLK_TCK)
per_call() { python3 -c "print(round(($2 - $1) / $hz * 1e6 / max(1, ${calls:-0}), 1))"; }
echo "cpu_us_per_call wm-command=$(per_call "$command_before" "$command_after")" \
  "mosquitto=$(per_call "$mosq_before" "$mosq_after")" \
  "wm-gateway-sim=$(per_call "$sim_before" "$sim_after")" \
  "command_rate=$(per_call "$client_before" "$client_after")"
