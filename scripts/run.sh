#!/usr/bin/env bash
# The local stack on loopback: mosquitto, wm-ingest, wm-registry, wm-command and
# wm-gateway-sim, with decoded traffic shown live by `wm-gw-cli events`. Ctrl-C (or DURATION
# seconds) stops everything it started. With SETTINGS=path/settings.yml, the services connect to
# the broker that file names instead and no simulator runs.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-}"
SETTINGS="${SETTINGS:-}"
RUN_DIR="$PWD/.run"
mkdir -p "$RUN_DIR"

bazel build -c opt //services/ingest:wm-ingest //services/registry:wm-registry \
  //services/command:wm-command //tools/gateway_sim:wm-gateway-sim //tools/gw_cli:wm-gw-cli
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
port_is_free() { ! (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for_port() {
  for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "run: nothing is listening on port $1; see $RUN_DIR/*.log" >&2
  return 1
}

pids=()
stop_all() {
  trap - EXIT INT TERM
  # Newest first, each gone before the next, the broker last: the simulated gateways still
  # publish their OFFLINE status, and no client sees the broker vanish while it stops.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 0' INT TERM

# Every service listens on loopback only: the gRPC API is open without tokens (see
# docs/authentication.md), and nobody else on the network may send commands to the mesh.
LOCAL=(--grpc_host=127.0.0.1 --http_host=127.0.0.1)

# Default ports (docs/gateway-api.md "Binaries and ports"), or free ones when those are taken.
pick_port() { if port_is_free "$1"; then echo "$1"; else free_port; fi; }
GRPC_PORT=$(pick_port 7001); HTTP_PORT=$(pick_port 9101)
REGISTRY_GRPC=$(pick_port 7002); REGISTRY_HTTP=$(pick_port 9102)
COMMAND_GRPC=$(pick_port 7003); COMMAND_HTTP=$(pick_port 9103)

if [ -z "$SETTINGS" ]; then
  MQTT_PORT=1883
  port_is_free "$MQTT_PORT" || MQTT_PORT=$(free_port)
  sed "s/@PORT@/$MQTT_PORT/" deploy/local/mosquitto.conf >"$RUN_DIR/mosquitto.conf"
  /usr/sbin/mosquitto -c "$RUN_DIR/mosquitto.conf" >"$RUN_DIR/mosquitto.log" 2>&1 &
  pids+=($!)
  wait_for_port "$MQTT_PORT"
  echo "run: mosquitto on 127.0.0.1:$MQTT_PORT"
  MQTT_FLAGS=(--mqtt_hostname=127.0.0.1 --mqtt_port="$MQTT_PORT" --mqtt_force_unsecure)
  # The broker keeps ingest's session while ingest restarts (docs/durability.md).
  INGEST_SESSION=(--mqtt_persist_session --mqtt_client_id=wm-ingest-local)
else
  MQTT_FLAGS=(--settings "$SETTINGS")
  INGEST_SESSION=()
fi

# The event stream survives a restart of ingest: its replay log is kept on disk
# (docs/event-stream.md "The disk log").
"$BIN/services/ingest/wm-ingest" "${MQTT_FLAGS[@]}" "${INGEST_SESSION[@]}" "${LOCAL[@]}" \
  --replay_log_dir="$RUN_DIR/wm-ingest-log" --grpc_port="$GRPC_PORT" \
  --http_port="$HTTP_PORT" >"$RUN_DIR/wm-ingest.log" 2>&1 &
pids+=($!)
wait_for_port "$GRPC_PORT"
echo "run: wm-ingest gRPC 127.0.0.1:$GRPC_PORT, metrics http://127.0.0.1:$HTTP_PORT/metrics"

"$BIN/services/registry/wm-registry" "${LOCAL[@]}" --wm_ingest="127.0.0.1:$GRPC_PORT" \
  --registry_db="$RUN_DIR/wm-registry.db" --grpc_port="$REGISTRY_GRPC" \
  --http_port="$REGISTRY_HTTP" >"$RUN_DIR/wm-registry.log" 2>&1 &
pids+=($!)
"$BIN/services/command/wm-command" "${MQTT_FLAGS[@]}" "${LOCAL[@]}" --grpc_port="$COMMAND_GRPC" \
  --http_port="$COMMAND_HTTP" >"$RUN_DIR/wm-command.log" 2>&1 &
pids+=($!)
wait_for_port "$REGISTRY_GRPC"
wait_for_port "$COMMAND_GRPC"
echo "run: wm-registry gRPC 127.0.0.1:$REGISTRY_GRPC, metrics" \
  "http://127.0.0.1:$REGISTRY_HTTP/metrics (state in $RUN_DIR/wm-registry.db)"
echo "run: wm-command gRPC 127.0.0.1:$COMMAND_GRPC, metrics http://127.0.0.1:$COMMAND_HTTP/metrics"

if [ -z "$SETTINGS" ]; then
  SIM_HTTP=$(pick_port 9110)
  "$BIN/tools/gateway_sim/wm-gateway-sim" "${MQTT_FLAGS[@]}" --rate=20 --http_host=127.0.0.1 \
    --http_port="$SIM_HTTP" \
    >"$RUN_DIR/wm-gateway-sim.log" 2>&1 &
  pids+=($!)
  echo "run: wm-gateway-sim publishing 20 packets/s, metrics http://127.0.0.1:$SIM_HTTP/metrics" \
    "(logs in $RUN_DIR)"
fi

GW_CLI="$BIN/tools/gw_cli/wm-gw-cli"
REG=(--wm_registry="127.0.0.1:$REGISTRY_GRPC")
CMD=(--wm_command="127.0.0.1:$COMMAND_GRPC")
if [ -z "$SETTINGS" ]; then
  # The registry learns the simulated gateways through wm-ingest within a moment.
  for _ in $(seq 100); do
    "$GW_CLI" gateways "${REG[@]}" 2>/dev/null | grep -q "sim-gw-1 .*ONLINE" && break
    sleep 0.1
  done
  echo; echo "\$ wm-gw-cli gateways"; "$GW_CLI" gateways "${REG[@]}" || true
  echo; echo "\$ wm-gw-cli sinks"; "$GW_CLI" sinks "${REG[@]}" || true
  echo; echo "\$ wm-gw-cli ping --gateway=sim-gw-1 --sink=sink0 --quiet_s=1"
  "$GW_CLI" ping "${CMD[@]}" --gateway=sim-gw-1 --sink=sink0 --quiet_s=1 || true
  echo
  echo "run: more to try in another terminal (wm-gw-cli is $GW_CLI):"
  echo "       wm-gw-cli nodes ${REG[*]}"
  echo "       wm-gw-cli get_configs ${CMD[*]} --gateway=sim-gw-1"
  echo "       wm-gw-cli help"
  echo
fi

echo "run: decoded events follow; Ctrl-C stops the stack"
CLI=("$GW_CLI" events --wm_ingest="127.0.0.1:$GRPC_PORT")
if [ -n "$DURATION" ]; then
  "${CLI[@]}" --duration_s="$DURATION" || true
  echo "run: stopped after ${DURATION}s"
else
  "${CLI[@]}" || true
fi
