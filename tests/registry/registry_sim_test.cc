// wm-registry fed by the real wm-gateway-sim through mosquitto and wm-ingest: the inventory a
// user sees for a simulated site.
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"
#include "tests/registry/registry_stack.h"

namespace wm::registry {
namespace {

using ::wm::testing::RegistryStack;
using ::wm::testing::Subprocess;
using ::wm::testing::WaitUntil;

constexpr uint64_t kSimNetwork = 0x123456;  // the simulator's default network address
constexpr size_t kNodes = 2 * 2 * 5;        // gateways x sinks x nodes per sink

// Whether every node of the simulated site is listed with role and voltage.
bool AllNodesReported(RegistryStack& stack, std::vector<wm::v1::Node>* out) {
  absl::StatusOr<std::vector<wm::v1::Node>> nodes = stack.ListAllNodes();
  if (!nodes.ok() || nodes->size() != kNodes) return false;
  for (const wm::v1::Node& node : *nodes) {
    if (!node.has_role() || !node.has_voltage_mv()) return false;
  }
  *out = *nodes;
  return true;
}

TEST(RegistrySimulatorTest, TheSimulatedSiteAppearsWithItsConfigsAndDiagnostics) {
  auto stack = RegistryStack::Start();
  ASSERT_TRUE(stack.ok()) << stack.status();
  RegistryStack& s = **stack;
  auto sim = Subprocess::Start(
      wm::testing::RunfilePath("tools/gateway_sim/wm-gateway-sim"),
      {"--mqtt_hostname=127.0.0.1", absl::StrCat("--mqtt_port=", s.broker().port()),
       "--mqtt_force_unsecure", "--gateways=2", "--sinks_per_gateway=2", "--nodes_per_sink=5",
       "--joining_nodes_per_sink=0", "--seed=5", "--rate=300",
       "--payload_mix=node_diagnostics=1,diagnostics_v2=1"});
  ASSERT_TRUE(sim.ok()) << sim.status();

  std::vector<wm::v1::Node> nodes;
  ASSERT_TRUE(WaitUntil([&] { return AllNodesReported(s, &nodes); }, absl::Seconds(30)))
      << (*sim)->Output();
  for (const wm::v1::Node& node : nodes) {
    SCOPED_TRACE(node.address());
    EXPECT_EQ(node.network_address(), kSimNetwork);
    EXPECT_EQ(node.gateway_id().rfind("sim-gw-", 0), 0u);
    EXPECT_FALSE(node.sink_id().empty());
    // The simulator's nodes are routers or non-routers on a ~3 V cell.
    EXPECT_TRUE(node.role().base() == wm::v1::BASE_ROLE_ROUTER ||
                node.role().base() == wm::v1::BASE_ROLE_NON_ROUTER);
    EXPECT_GE(node.voltage_mv(), 2000u);
    EXPECT_LE(node.voltage_mv(), 3700u);
    EXPECT_GT(node.packets(), 0u);
  }

  absl::StatusOr<std::vector<wm::v1::Gateway>> gateways = s.ListGateways();
  ASSERT_TRUE(gateways.ok());
  ASSERT_EQ(gateways->size(), 2u);
  for (const wm::v1::Gateway& gateway : *gateways) {
    EXPECT_EQ(gateway.state(), wm::v1::GATEWAY_STATE_ONLINE);
    EXPECT_EQ(gateway.model(), "wm-gateway-sim");
    EXPECT_EQ(gateway.sink_ids_size(), 2);
  }
  absl::StatusOr<std::vector<wm::v1::Sink>> sinks = s.ListSinks();
  ASSERT_TRUE(sinks.ok());
  ASSERT_EQ(sinks->size(), 4u);
  uint32_t heard_through_sinks = 0;
  for (const wm::v1::Sink& sink : *sinks) {
    EXPECT_EQ(sink.config().network_address(), kSimNetwork);
    EXPECT_TRUE(sink.config().has_node_address());
    EXPECT_TRUE(sink.config().has_firmware_version());
    heard_through_sinks += sink.node_count();
  }
  EXPECT_EQ(heard_through_sinks, kNodes);
  absl::StatusOr<std::vector<wm::v1::Network>> networks = s.ListNetworks();
  ASSERT_TRUE(networks.ok());
  ASSERT_EQ(networks->size(), 1u);
  EXPECT_EQ((*networks)[0].gateway_count(), 2u);
  EXPECT_EQ((*networks)[0].sink_count(), 4u);
  EXPECT_EQ((*networks)[0].node_count(), kNodes);

  // The simulator stops: its gateways say OFFLINE, the inventory stays.
  ASSERT_TRUE((*sim)->Signal(SIGTERM).ok());
  ASSERT_TRUE((*sim)->Wait(absl::Seconds(20)).ok());
  EXPECT_TRUE(WaitUntil([&] {
    absl::StatusOr<std::vector<wm::v1::Gateway>> now = s.ListGateways();
    if (!now.ok() || now->size() != 2) return false;
    for (const wm::v1::Gateway& gateway : *now) {
      if (gateway.state() != wm::v1::GATEWAY_STATE_OFFLINE) return false;
    }
    return true;
  }));
  EXPECT_TRUE(AllNodesReported(s, &nodes));
}

}  // namespace
}  // namespace wm::registry
