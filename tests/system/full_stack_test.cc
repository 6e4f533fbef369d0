// The whole backend at once: mosquitto, wm-gateway-sim, wm-ingest, wm-registry and wm-command,
// each the real binary. What a user does through wm-command must show in wm-registry through
// the gateway's own announcements, and a gateway's last will must reach both.
#include <signal.h>

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "protos/wm/v1/registry.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/harness/service_process.h"

namespace wm::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(30);

// Polls `condition` until it holds or `timeout` passes.
template <typename F>
bool Eventually(F condition, absl::Duration timeout = kTimeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

class FullStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stack = CommandStack::Start();
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    const std::string mqtt_port = std::to_string(stack_->broker().port());
    auto ingest = ServiceProcess::Start(
        "services/ingest/wm-ingest",
        {"--mqtt_hostname=127.0.0.1", "--mqtt_port=" + mqtt_port, "--mqtt_force_unsecure"});
    ASSERT_TRUE(ingest.ok()) << ingest.status();
    ingest_ = *std::move(ingest);
    ASSERT_TRUE(ingest_->WaitReady(kTimeout).ok()) << ingest_->process().Output();
    auto registry = ServiceProcess::Start(
        "services/registry/wm-registry",
        {"--wm_ingest=" + ingest_->grpc_address(),
         "--registry_db=" + ::testing::TempDir() + "/full_stack_registry.db"});
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    ASSERT_TRUE(registry_->WaitReady(kTimeout).ok()) << registry_->process().Output();
    registry_stub_ = wm::v1::Registry::NewStub(
        grpc::CreateChannel(registry_->grpc_address(), grpc::InsecureChannelCredentials()));

    // Nodes send diagnostics often enough to be seen quickly.
    auto sim = stack_->StartSimulator({.gateway_id_prefix = "fs-gw-",
                                       .gateways = 1,
                                       .sinks_per_gateway = 2,
                                       .nodes_per_sink = 3,
                                       .extra_args = {"--rate=200", "--count=0"}});
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *sim;
    gateway_id_ = sim_->gateway_id(0);
  }

  std::optional<wm::v1::Sink> RegistrySink(const std::string& sink_id) {
    grpc::ClientContext context;
    wm::v1::ListSinksRequest request;
    request.set_gateway_id(gateway_id_);
    wm::v1::ListSinksResponse response;
    if (!registry_stub_->ListSinks(&context, request, &response).ok()) return std::nullopt;
    for (const wm::v1::Sink& sink : response.sinks()) {
      if (sink.sink_id() == sink_id) return sink;
    }
    return std::nullopt;
  }

  std::optional<wm::v1::Gateway> RegistryGateway() {
    grpc::ClientContext context;
    wm::v1::GetGatewayRequest request;
    request.set_gateway_id(gateway_id_);
    wm::v1::Gateway gateway;
    if (!registry_stub_->GetGateway(&context, request, &gateway).ok()) return std::nullopt;
    return gateway;
  }

  std::unique_ptr<CommandStack> stack_;
  std::unique_ptr<ServiceProcess> ingest_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<wm::v1::Registry::Stub> registry_stub_;
  SimulatedGateways* sim_ = nullptr;
  std::string gateway_id_;
};

TEST_F(FullStackTest, SetConfigThroughCommandReachesTheRegistry) {
  ASSERT_TRUE(Eventually([&] { return RegistrySink("sink0").has_value(); }))
      << registry_->process().Output();
  const uint32_t old_channel = RegistrySink("sink0")->config().network_channel();
  const uint32_t new_channel = old_channel == 7 ? 9 : 7;

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  wm::v1::SetConfigRequest request;
  request.set_gateway_id(gateway_id_);
  request.set_sink_id("sink0");
  request.mutable_config()->set_network_channel(new_channel);
  wm::v1::SetConfigResponse response;
  grpc::Status status = stack_->commands().SetConfig(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);

  // The gateway announces its new config (status and req_id 0 responses); ingest streams it
  // and the registry takes it, without anyone asking the registry to refresh.
  EXPECT_TRUE(Eventually([&] {
    auto sink = RegistrySink("sink0");
    return sink && sink->config().network_channel() == new_channel;
  })) << registry_->process().Output();
  EXPECT_EQ(RegistrySink("sink1")->config().network_channel(), old_channel);
}

TEST_F(FullStackTest, NodesAppearInTheRegistryWithTheirDiagnostics) {
  EXPECT_TRUE(Eventually([&] {
    grpc::ClientContext context;
    wm::v1::ListNodesRequest request;
    request.set_gateway_id(gateway_id_);
    wm::v1::ListNodesResponse response;
    if (!registry_stub_->ListNodes(&context, request, &response).ok()) return false;
    int with_voltage = 0;
    for (const wm::v1::Node& node : response.nodes()) {
      if (node.has_voltage_mv() && node.voltage_mv() > 2000 && node.voltage_mv() < 4000) {
        ++with_voltage;
      }
    }
    // The 6 mesh nodes, plus any joining node heard with a provisioning request.
    return response.nodes_size() >= 6 && with_voltage > 0;
  })) << registry_->process().Output();
}

TEST_F(FullStackTest, LastWillFlipsTheRegistryAndCommandsFailFast) {
  ASSERT_TRUE(Eventually([&] {
    auto gateway = RegistryGateway();
    return gateway && gateway->state() == wm::v1::GATEWAY_STATE_ONLINE;
  })) << registry_->process().Output();

  // The gateway dies without a word: the broker publishes its retained OFFLINE last will.
  ASSERT_TRUE(sim_->process().Signal(SIGKILL).ok());
  EXPECT_TRUE(Eventually([&] {
    auto gateway = RegistryGateway();
    return gateway && gateway->state() == wm::v1::GATEWAY_STATE_OFFLINE;
  })) << registry_->process().Output();

  ASSERT_TRUE(Eventually([&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    wm::v1::GetConfigsRequest request;
    request.set_gateway_id(gateway_id_);
    wm::v1::GetConfigsResponse response;
    const absl::Time start = absl::Now();
    grpc::Status status = stack_->commands().GetConfigs(&context, request, &response);
    // Fast: no waiting for the 2 s request timeout.
    return status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
           absl::Now() - start < absl::Milliseconds(500);
  })) << stack_->Output();
}

}  // namespace
}  // namespace wm::testing
