#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/mqtt/client.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/subprocess.h"
#include "protos/wm/v1/registry.grpc.pb.h"
#include "tests/harness/service_process.h"

namespace wm::testing {

// Everything RegistryStack::StartWith can vary.
struct RegistryStackOptions {
  // Added to wm-registry's command line after the defaults (see RegistryStack::Start).
  std::vector<std::string> registry_args;
  // Added to wm-ingest's command line.
  std::vector<std::string> ingest_args;
  // The broker, e.g. extra_config {"max_queued_messages 0"} so that a persistent session keeps
  // every message for an absent ingest (mosquitto keeps 1000 by default).
  MosquittoOptions broker;
};

// The backend as wm-registry sees it, for integration tests: a private mosquitto, the real
// wm-ingest on ports that stay the same across its restarts, the real wm-registry with its
// database in a test directory (kept across its restarts), an MQTT client playing gateways,
// and a wm.v1.Registry client.
//
//   auto stack = RegistryStack::Start({"--node_stale_after_s=1"});
//   ASSERT_TRUE(stack.ok()) << stack.status();
//   (*stack)->Publish(topic, payload, /*retained=*/true);
//   ASSERT_TRUE(WaitUntil([&] { return ... (*stack)->registry_client() ... }));
class RegistryStack {
 public:
  // Starts everything and waits until ingest and the registry are ready. `registry_args` are
  // added to the registry's command line (after the defaults: wm_ingest, registry_db and a
  // 50 ms flush interval; --registry_postgres=... puts the inventory in PostgreSQL instead),
  // `ingest_args` to ingest's.
  static absl::StatusOr<std::unique_ptr<RegistryStack>> Start(
      std::vector<std::string> registry_args = {}, std::vector<std::string> ingest_args = {});
  // The same with a broker of the test's choosing.
  static absl::StatusOr<std::unique_ptr<RegistryStack>> StartWith(RegistryStackOptions options);

  // Publishes as a gateway (QoS 1) and waits for the broker's acknowledgement.
  absl::Status Publish(const std::string& topic, const std::string& payload, bool retained = false);

  // wm-ingest: stopped with SIGTERM (exit 0 expected), started again on the same ports.
  absl::Status StopIngest();
  absl::Status StartIngest();
  // wm-ingest: SIGKILL (no flush, no goodbye to the broker), waited for.
  absl::Status KillIngest();
  // One sample of wm-ingest's /metrics (see MetricValue in tests/harness/metrics_text.h);
  // nullopt when it does not answer.
  std::optional<double> IngestMetric(std::string_view name, std::string_view labels = "");

  // wm-registry: started again on the same database (new ports; registry_client() follows).
  absl::Status StartRegistry();
  // The same without waiting until it is ready (it is not while wm-ingest is away); wait with
  // registry().WaitReady.
  absl::Status LaunchRegistry();
  // Another wm-registry following the same wm-ingest, with `args` after wm_ingest and the
  // 50 ms flush interval (and none of registry_args: give it a database of its own or, with
  // --registry_postgres, the shared one), ready when returned. The test owns it.
  absl::StatusOr<std::unique_ptr<ServiceProcess>> StartAnotherRegistry(
      const std::vector<std::string>& args);
  // SIGKILL: no flush, no goodbye.
  absl::Status KillRegistry();
  // SIGTERM; the exit code.
  absl::StatusOr<int> StopRegistry(absl::Duration timeout);

  // wm.v1.Registry calls on the running registry (5 s deadline each).
  absl::StatusOr<std::vector<wm::v1::Gateway>> ListGateways();
  absl::StatusOr<wm::v1::Gateway> GetGateway(const std::string& id);
  absl::StatusOr<std::vector<wm::v1::Sink>> ListSinks(const wm::v1::ListSinksRequest& request = {});
  absl::StatusOr<std::vector<wm::v1::Network>> ListNetworks();
  // Every page of a listing; `pages` (optional) counts the calls.
  absl::StatusOr<std::vector<wm::v1::Node>> ListAllNodes(wm::v1::ListNodesRequest request = {},
                                                         int* pages = nullptr);
  absl::StatusOr<wm::v1::Node> GetNode(uint64_t network_address, uint32_t address);

  ServiceProcess& registry() { return *registry_; }
  wm::v1::Registry::Stub& registry_client() { return *client_; }
  Subprocess& ingest() { return *ingest_; }
  MosquittoProcess& broker() { return *broker_; }
  const std::string& db_path() const { return db_path_; }
  std::string ingest_address() const { return "127.0.0.1:" + std::to_string(ingest_grpc_port_); }

 private:
  RegistryStack() = default;

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<mqtt::MqttClient> publisher_;
  int ingest_grpc_port_ = 0;
  int ingest_http_port_ = 0;
  std::vector<std::string> ingest_args_;
  std::unique_ptr<Subprocess> ingest_;
  std::vector<std::string> registry_args_;
  std::string db_path_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<wm::v1::Registry::Stub> client_;
};

// Every page of a listing from any registry; `pages` (optional) counts the calls.
absl::StatusOr<std::vector<wm::v1::Node>> ListAllNodes(wm::v1::Registry::Stub& client,
                                                       wm::v1::ListNodesRequest request = {},
                                                       int* pages = nullptr);

// Polls `condition` every 20 ms until it holds; false after `timeout`.
bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(20));

}  // namespace wm::testing
