#include "tests/harness/service_process.h"

#include "absl/time/clock.h"
#include "httplib.h"
#include "libs/testing/files.h"
#include "libs/testing/ports.h"
#include "tests/harness/metrics_text.h"

namespace wm::testing {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(20);

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceProcess>> ServiceProcess::Start(
    const std::string& binary, std::vector<std::string> args,
    std::map<std::string, std::string> env) {
  std::unique_ptr<ServiceProcess> service(new ServiceProcess());
  service->grpc_port_ = FreeLoopbackPort();
  service->http_port_ = FreeLoopbackPort();
  args.push_back("--grpc_host=127.0.0.1");
  args.push_back("--grpc_port=" + std::to_string(service->grpc_port_));
  args.push_back("--http_host=127.0.0.1");
  args.push_back("--http_port=" + std::to_string(service->http_port_));
  auto process = Subprocess::Start(RunfilePath(binary), args, env);
  if (!process.ok()) return process.status();
  service->process_ = *std::move(process);
  return service;
}

std::optional<int> ServiceProcess::Get(const std::string& path, std::string* body) {
  httplib::Client client("127.0.0.1", http_port_);
  client.set_connection_timeout(1);
  client.set_read_timeout(5);
  auto result = client.Get(path.c_str());
  if (!result) return std::nullopt;
  if (body != nullptr) *body = result->body;
  return result->status;
}

absl::Status ServiceProcess::WaitReady(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Get("/readyz", nullptr) == 200) return absl::OkStatus();
    if (!process_->running()) {
      return absl::FailedPreconditionError("service exited before ready:\n" + process_->Output());
    }
    absl::SleepFor(kPollInterval);
  }
  return absl::DeadlineExceededError("service not ready in time:\n" + process_->Output());
}

absl::Status ServiceProcess::WaitNotReady(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Get("/readyz", nullptr) != 200) return absl::OkStatus();
    absl::SleepFor(kPollInterval);
  }
  return absl::DeadlineExceededError("service stayed ready");
}

absl::StatusOr<std::string> ServiceProcess::ReadinessReport() {
  std::string body;
  if (!Get("/readyz", &body).has_value()) return absl::UnavailableError("GET /readyz failed");
  return body;
}

absl::StatusOr<std::string> ServiceProcess::ScrapeMetrics() {
  std::string body;
  std::optional<int> status = Get("/metrics", &body);
  if (status != 200) return absl::UnavailableError("GET /metrics failed");
  return body;
}

std::optional<double> ServiceProcess::Metric(std::string_view name, std::string_view labels) {
  absl::StatusOr<std::string> text = ScrapeMetrics();
  if (!text.ok()) return std::nullopt;
  return MetricValue(*text, name, labels);
}

absl::Status ServiceProcess::WaitForMetric(std::string_view name, std::string_view labels,
                                           double value, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::optional<double> last;
  while (absl::Now() < deadline) {
    last = Metric(name, labels);
    if (last.has_value() && *last >= value) return absl::OkStatus();
    absl::SleepFor(kPollInterval);
  }
  return absl::DeadlineExceededError(std::string(name) + " stayed at " +
                                     (last ? std::to_string(*last) : "absent") + ", wanted " +
                                     std::to_string(value));
}

}  // namespace wm::testing
