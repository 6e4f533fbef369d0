#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the local stack need.
# Idempotent: when everything is present it only checks and returns (well under a second).
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap bazel-rules-java build-essential pkg-config clang libclang-rt-14-dev
  # code generation and RPC
  protobuf-compiler libprotobuf-dev protobuf-compiler-grpc libgrpc++-dev grpc-proto libabsl-dev
  # libraries
  libmosquitto-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libcpp-httplib-dev prometheus-cpp-dev libsqlite3-dev libssl-dev libpq-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 openssl
  # a private PostgreSQL server per test (initdb, postgres in /usr/lib/postgresql/15/bin), run
  # as another user through util-linux's unshare or setpriv when the tests run as root
  postgresql-15 util-linux
  # promtool (in Debian's prometheus package): //tests/deploy checks deploy/prometheus (config,
  # rules, their unit tests) and every service's /metrics with it
  prometheus
  # the local stack
  mosquitto mosquitto-clients
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
