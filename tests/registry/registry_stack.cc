#include "tests/registry/registry_stack.h"

#include <signal.h>

#include "absl/time/clock.h"
#include "httplib.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/status.h"
#include "libs/testing/files.h"
#include "libs/testing/ports.h"
#include "tests/harness/metrics_text.h"

namespace wm::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr char kIngest[] = "services/ingest/wm-ingest";
constexpr char kRegistry[] = "services/registry/wm-registry";

// Polls GET /readyz on `port` until it answers 200.
absl::Status WaitHttpReady(int port, Subprocess& process, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(1);
    auto result = client.Get("/readyz");
    if (result && result->status == 200) return absl::OkStatus();
    if (!process.running()) {
      return absl::FailedPreconditionError("exited before ready:\n" + process.Output());
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("not ready in time:\n" + process.Output());
}

// A context with the deadline every call here gets.
std::unique_ptr<grpc::ClientContext> CallContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return context;
}

}  // namespace

bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return condition();
}

absl::StatusOr<std::unique_ptr<RegistryStack>> RegistryStack::Start(
    std::vector<std::string> registry_args, std::vector<std::string> ingest_args) {
  return StartWith({.registry_args = std::move(registry_args),
                    .ingest_args = std::move(ingest_args)});
}

absl::StatusOr<std::unique_ptr<RegistryStack>> RegistryStack::StartWith(
    RegistryStackOptions stack_options) {
  std::vector<std::string>& registry_args = stack_options.registry_args;
  std::unique_ptr<RegistryStack> stack(new RegistryStack());
  stack->ingest_args_ = std::move(stack_options.ingest_args);
  auto broker = MosquittoProcess::Start(std::move(stack_options.broker));
  if (!broker.ok()) return broker.status();
  stack->broker_ = *std::move(broker);

  mqtt::MqttOptions options;
  options.host = "127.0.0.1";
  options.port = stack->broker_->port();
  options.force_unsecure = true;
  options.reconnect_max_delay = absl::Milliseconds(500);
  stack->publisher_ = std::make_unique<mqtt::MqttClient>(options);
  if (absl::Status s = stack->publisher_->Start(); !s.ok()) return s;
  if (!stack->publisher_->WaitUntilConnected(kStartTimeout)) {
    return absl::DeadlineExceededError("the publisher did not connect");
  }

  stack->ingest_grpc_port_ = FreeLoopbackPort();
  stack->ingest_http_port_ = FreeLoopbackPort();
  if (absl::Status s = stack->StartIngest(); !s.ok()) return s;

  absl::StatusOr<std::string> dir = MakeTempDir("registry");
  if (!dir.ok()) return dir.status();
  stack->db_path_ = *dir + "/registry.db";
  stack->registry_args_ = {"--wm_ingest=" + stack->ingest_address(),
                           "--registry_db=" + stack->db_path_, "--registry_flush_ms=50"};
  stack->registry_args_.insert(stack->registry_args_.end(), registry_args.begin(),
                               registry_args.end());
  if (absl::Status s = stack->StartRegistry(); !s.ok()) return s;
  return stack;
}

absl::Status RegistryStack::Publish(const std::string& topic, const std::string& payload,
                                    bool retained) {
  return publisher_->PublishAndWait(topic, payload, 1, retained, kStartTimeout);
}

absl::Status RegistryStack::StartIngest() {
  ingest_.reset();
  std::vector<std::string> args = {
      "--mqtt_hostname=127.0.0.1", "--mqtt_port=" + std::to_string(broker_->port()),
      "--mqtt_force_unsecure",     "--mqtt_reconnect_max_s=0.5",
      "--grpc_host=127.0.0.1",     "--grpc_port=" + std::to_string(ingest_grpc_port_),
      "--http_host=127.0.0.1",     "--http_port=" + std::to_string(ingest_http_port_),
      "--drain_timeout_s=0.5"};
  args.insert(args.end(), ingest_args_.begin(), ingest_args_.end());
  auto ingest = Subprocess::Start(RunfilePath(kIngest), args);
  if (!ingest.ok()) return ingest.status();
  ingest_ = *std::move(ingest);
  return WaitHttpReady(ingest_http_port_, *ingest_, kStartTimeout);
}

absl::Status RegistryStack::StopIngest() {
  if (absl::Status s = ingest_->Signal(SIGTERM); !s.ok()) return s;
  absl::StatusOr<int> code = ingest_->Wait(kStartTimeout);
  if (!code.ok()) return code.status();
  if (*code != 0) return absl::InternalError("wm-ingest exited with " + std::to_string(*code));
  return absl::OkStatus();
}

absl::Status RegistryStack::KillIngest() {
  if (absl::Status s = ingest_->Signal(SIGKILL); !s.ok()) return s;
  return ingest_->Wait(kStartTimeout).status();
}

std::optional<double> RegistryStack::IngestMetric(std::string_view name, std::string_view labels) {
  httplib::Client client("127.0.0.1", ingest_http_port_);
  client.set_connection_timeout(1);
  auto result = client.Get("/metrics");
  if (!result || result->status != 200) return std::nullopt;
  return MetricValue(result->body, name, labels);
}

absl::Status RegistryStack::StartRegistry() {
  if (absl::Status s = LaunchRegistry(); !s.ok()) return s;
  return registry_->WaitReady(kStartTimeout);
}

absl::Status RegistryStack::LaunchRegistry() {
  registry_.reset();
  client_.reset();
  auto registry = ServiceProcess::Start(kRegistry, registry_args_);
  if (!registry.ok()) return registry.status();
  registry_ = *std::move(registry);
  client_ = wm::v1::Registry::NewStub(grpcutil::CreateChannel(registry_->grpc_address(), {}));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> RegistryStack::StartAnotherRegistry(
    const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--wm_ingest=" + ingest_address(), "--registry_flush_ms=50"};
  all.insert(all.end(), args.begin(), args.end());
  auto registry = ServiceProcess::Start(kRegistry, all);
  if (!registry.ok()) return registry.status();
  if (absl::Status s = (*registry)->WaitReady(kStartTimeout); !s.ok()) return s;
  return registry;
}

absl::Status RegistryStack::KillRegistry() {
  if (absl::Status s = registry_->process().Signal(SIGKILL); !s.ok()) return s;
  return registry_->process().Wait(kStartTimeout).status();
}

absl::StatusOr<int> RegistryStack::StopRegistry(absl::Duration timeout) {
  if (absl::Status s = registry_->process().Signal(SIGTERM); !s.ok()) return s;
  return registry_->process().Wait(timeout);
}

absl::StatusOr<std::vector<wm::v1::Gateway>> RegistryStack::ListGateways() {
  wm::v1::ListGatewaysResponse response;
  grpc::Status status = client_->ListGateways(CallContext().get(), {}, &response);
  if (!status.ok()) return grpcutil::FromGrpcStatus(status);
  return std::vector<wm::v1::Gateway>(response.gateways().begin(), response.gateways().end());
}

absl::StatusOr<wm::v1::Gateway> RegistryStack::GetGateway(const std::string& id) {
  wm::v1::GetGatewayRequest request;
  request.set_gateway_id(id);
  wm::v1::Gateway gateway;
  grpc::Status status = client_->GetGateway(CallContext().get(), request, &gateway);
  if (!status.ok()) return grpcutil::FromGrpcStatus(status);
  return gateway;
}

absl::StatusOr<std::vector<wm::v1::Sink>> RegistryStack::ListSinks(
    const wm::v1::ListSinksRequest& request) {
  wm::v1::ListSinksResponse response;
  grpc::Status status = client_->ListSinks(CallContext().get(), request, &response);
  if (!status.ok()) return grpcutil::FromGrpcStatus(status);
  return std::vector<wm::v1::Sink>(response.sinks().begin(), response.sinks().end());
}

absl::StatusOr<std::vector<wm::v1::Network>> RegistryStack::ListNetworks() {
  wm::v1::ListNetworksResponse response;
  grpc::Status status = client_->ListNetworks(CallContext().get(), {}, &response);
  if (!status.ok()) return grpcutil::FromGrpcStatus(status);
  return std::vector<wm::v1::Network>(response.networks().begin(), response.networks().end());
}

absl::StatusOr<std::vector<wm::v1::Node>> RegistryStack::ListAllNodes(
    wm::v1::ListNodesRequest request, int* pages) {
  return wm::testing::ListAllNodes(*client_, std::move(request), pages);
}

absl::StatusOr<std::vector<wm::v1::Node>> ListAllNodes(wm::v1::Registry::Stub& client,
                                                       wm::v1::ListNodesRequest request,
                                                       int* pages) {
  std::vector<wm::v1::Node> nodes;
  int calls = 0;
  while (true) {
    wm::v1::ListNodesResponse response;
    grpc::Status status = client.ListNodes(CallContext().get(), request, &response);
    if (!status.ok()) return grpcutil::FromGrpcStatus(status);
    ++calls;
    nodes.insert(nodes.end(), response.nodes().begin(), response.nodes().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  if (pages != nullptr) *pages = calls;
  return nodes;
}

absl::StatusOr<wm::v1::Node> RegistryStack::GetNode(uint64_t network_address, uint32_t address) {
  wm::v1::GetNodeRequest request;
  request.set_network_address(network_address);
  request.set_address(address);
  wm::v1::Node node;
  grpc::Status status = client_->GetNode(CallContext().get(), request, &node);
  if (!status.ok()) return grpcutil::FromGrpcStatus(status);
  return node;
}

}  // namespace wm::testing
