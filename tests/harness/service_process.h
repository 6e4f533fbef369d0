#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/testing/subprocess.h"

namespace wm::testing {

// A wm-backend service binary run by an integration test, on free loopback gRPC and HTTP
// ports chosen by the test (so they are known before it starts).
//
//   auto ingest = ServiceProcess::Start("services/ingest/wm-ingest", {"--mqtt_port=1883", ...});
//   ASSERT_TRUE((*ingest)->WaitReady(absl::Seconds(20)).ok());
//   double dups = (*ingest)->Metric("wm_ingest_duplicates_total").value_or(-1);
class ServiceProcess {
 public:
  // `binary` is the runfiles path from the workspace root. --grpc_port, --http_port and
  // --grpc_host/--http_host=127.0.0.1 are added.
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(
      const std::string& binary, std::vector<std::string> args,
      std::map<std::string, std::string> env = {});

  // Polls /readyz until it answers 200. Errors quote the service's output.
  absl::Status WaitReady(absl::Duration timeout);
  // Polls /readyz until it answers anything but 200 (e.g. the broker went away).
  absl::Status WaitNotReady(absl::Duration timeout);
  // GET /readyz, the body whatever the status (what is not ready, and why).
  absl::StatusOr<std::string> ReadinessReport();
  // GET /metrics, the whole text.
  absl::StatusOr<std::string> ScrapeMetrics();
  // One sample of /metrics (see MetricValue).
  std::optional<double> Metric(std::string_view name, std::string_view labels = "");
  // Polls /metrics until the sample reaches at least `value`.
  absl::Status WaitForMetric(std::string_view name, std::string_view labels, double value,
                             absl::Duration timeout);

  std::string grpc_address() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  Subprocess& process() { return *process_; }

 private:
  ServiceProcess() = default;
  // Status code of GET `path`, or nullopt when nothing answers.
  std::optional<int> Get(const std::string& path, std::string* body);

  std::unique_ptr<Subprocess> process_;
  int grpc_port_ = 0;
  int http_port_ = 0;
};

}  // namespace wm::testing
