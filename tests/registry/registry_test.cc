// wm-registry end to end: a real mosquitto, the real wm-ingest and wm-registry, an MQTT client
// playing gateways, and wm.v1.Registry clients.
#include <grpcpp/grpcpp.h>

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/registry/gateway_script.h"
#include "tests/registry/registry_stack.h"

namespace wm::registry {
namespace {

using ::testing::ElementsAre;
using ::wm::testing::GatewayPacket;
using ::wm::testing::PlayedSink;
using ::wm::testing::RegistryStack;
using ::wm::testing::WaitUntil;

constexpr uint64_t kNetwork = 77;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { StartStack({}); }

  void StartStack(std::vector<std::string> registry_args) {
    stack_.reset();
    auto stack = RegistryStack::Start(std::move(registry_args));
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
  }

  void PublishStatus(const std::string& gateway, const std::vector<PlayedSink>& sinks) {
    ASSERT_TRUE(stack_
                    ->Publish(wm::testing::GatewayStatusTopic(gateway),
                              wm::testing::OnlineStatusBytes(gateway, sinks, ++event_id_),
                              /*retained=*/true)
                    .ok());
  }

  void PublishPacket(const std::string& gateway, const std::string& sink, uint64_t network,
                     uint32_t node, uint32_t src_ep = 10, uint32_t dst_ep = 10,
                     const std::string& payload = "app") {
    GatewayPacket packet{.gateway_id = gateway,
                         .sink_id = sink,
                         .network_address = network,
                         .event_id = ++event_id_,
                         .source_address = node,
                         .source_endpoint = src_ep,
                         .destination_endpoint = dst_ep,
                         .payload = payload};
    ASSERT_TRUE(stack_->Publish(packet.Topic(), packet.Bytes()).ok());
  }

  // The gateway, once the registry has it with `state`.
  wm::v1::Gateway GatewayIn(const std::string& id, wm::v1::GatewayState state) {
    wm::v1::Gateway found;
    EXPECT_TRUE(WaitUntil([&] {
      absl::StatusOr<wm::v1::Gateway> gateway = stack_->GetGateway(id);
      if (!gateway.ok() || gateway->state() != state) return false;
      found = *gateway;
      return true;
    })) << id
        << " never reached state " << wm::v1::GatewayState_Name(state);
    return found;
  }

  // Sink ids of the registry's sinks ("gateway/sink"), once `expected`.
  bool SinksBecome(const std::vector<std::string>& expected) {
    return WaitUntil([&] {
      absl::StatusOr<std::vector<wm::v1::Sink>> sinks = stack_->ListSinks();
      if (!sinks.ok()) return false;
      std::vector<std::string> ids;
      for (const wm::v1::Sink& sink : *sinks)
        ids.push_back(sink.gateway_id() + "/" + sink.sink_id());
      return ids == expected;
    });
  }

  // The node, once the registry has counted `packets` packets from it.
  wm::v1::Node NodeWith(uint64_t network, uint32_t address, uint64_t packets) {
    wm::v1::Node found;
    EXPECT_TRUE(WaitUntil([&] {
      absl::StatusOr<wm::v1::Node> node = stack_->GetNode(network, address);
      if (!node.ok() || node->packets() < packets) return false;
      found = *node;
      return true;
    })) << "node "
        << address << " never reached " << packets << " packets";
    return found;
  }

  std::unique_ptr<RegistryStack> stack_;
  uint64_t event_id_ = 0;
};

TEST_F(RegistryTest, GatewaysAndSinksAppearWithTheirConfigs) {
  ASSERT_NO_FATAL_FAILURE(
      PublishStatus("gw-1", {{"sink0", kNetwork, 1, 5}, {"sink1", kNetwork + 1, 2, 7}}));
  const wm::v1::Gateway gateway = GatewayIn("gw-1", wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_EQ(gateway.model(), "played-gw");
  EXPECT_EQ(gateway.version(), "1.6.0");
  EXPECT_EQ(gateway.max_scratchpad_size(), 1024u);
  EXPECT_THAT(gateway.features(), ElementsAre(wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1));
  EXPECT_THAT(gateway.sink_ids(), ElementsAre("sink0", "sink1"));
  EXPECT_GT(gateway.last_seen_ms_epoch(), 0u);

  absl::StatusOr<std::vector<wm::v1::Sink>> sinks = stack_->ListSinks();
  ASSERT_TRUE(sinks.ok());
  ASSERT_EQ(sinks->size(), 2u);
  const wm::v1::SinkConfig& config = (*sinks)[1].config();
  EXPECT_EQ(config.sink_id(), "sink1");
  EXPECT_EQ(config.network_address(), kNetwork + 1);
  EXPECT_EQ(config.node_address(), 2u);
  EXPECT_EQ(config.network_channel(), 7u);
  EXPECT_EQ(config.max_mtu(), 102u);
  EXPECT_TRUE(config.started());
  EXPECT_EQ(config.node_role().base(), wm::v1::BASE_ROLE_SINK);

  wm::v1::ListSinksRequest of_network;
  of_network.set_network_address(kNetwork);
  sinks = stack_->ListSinks(of_network);
  ASSERT_TRUE(sinks.ok());
  ASSERT_EQ(sinks->size(), 1u);
  EXPECT_EQ((*sinks)[0].sink_id(), "sink0");

  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_gateways", "state=\"online\"", 1, absl::Seconds(10))
                  .ok());
  EXPECT_EQ(stack_->registry().Metric("wm_registry_sinks"), 2);
  EXPECT_EQ(stack_->GetGateway("gw-nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RegistryTest, UnsolicitedConfigResponsesUpdateTheSinks) {
  ASSERT_NO_FATAL_FAILURE(PublishStatus("gw-1", {{"sink0", kNetwork, 1, 5}}));
  ASSERT_TRUE(SinksBecome({"gw-1/sink0"}));
  // A change made elsewhere (another backend, the gateway's own API): req_id 0 responses.
  const PlayedSink moved{"sink0", kNetwork, 1, /*channel=*/9};
  ASSERT_TRUE(stack_
                  ->Publish(wm::testing::SetConfigResponseTopic("gw-1", "sink0"),
                            wm::testing::SetConfigResponseBytes("gw-1", moved))
                  .ok());
  ASSERT_TRUE(WaitUntil([&] {
    auto sinks = stack_->ListSinks();
    return sinks.ok() && sinks->size() == 1 && (*sinks)[0].config().network_channel() == 9;
  }));
  ASSERT_TRUE(stack_
                  ->Publish(wm::testing::GetConfigsResponseTopic("gw-1"),
                            wm::testing::GetConfigsResponseBytes(
                                "gw-1", {moved, {"sink1", kNetwork, 2, 9}}))
                  .ok());
  ASSERT_TRUE(SinksBecome({"gw-1/sink0", "gw-1/sink1"}));
  // Another backend's get_configs answer (its own request id) is as good a report.
  ASSERT_TRUE(stack_
                  ->Publish(wm::testing::GetConfigsResponseTopic("gw-1"),
                            wm::testing::GetConfigsResponseBytes(
                                "gw-1", {{"sink1", kNetwork, 2, 9}}, /*request_id=*/987654))
                  .ok());
  ASSERT_TRUE(SinksBecome({"gw-1/sink1"}));
  EXPECT_EQ(GatewayIn("gw-1", wm::v1::GATEWAY_STATE_ONLINE).sink_ids_size(), 1);
}

TEST_F(RegistryTest, ALastWillFlipsTheGatewayOffline) {
  ASSERT_NO_FATAL_FAILURE(PublishStatus("gw-1", {{"sink0", kNetwork, 1, 5}}));
  GatewayIn("gw-1", wm::v1::GATEWAY_STATE_ONLINE);
  // A gateway process holding a last will (its OFFLINE status) vanishes without a goodbye.
  const std::string will = wm::testing::GatewayStatusBytes("gw-1", /*online=*/false, 1);
  ASSERT_EQ(will.find('\0'), std::string::npos) << "passed as a command-line argument";
  auto gateway =
      wm::testing::Subprocess::Start(wm::testing::RunfilePath("libs/mqtt/will_client"),
                                     {std::to_string(stack_->broker().port()), "gw-1-transport",
                                      wm::testing::GatewayStatusTopic("gw-1"), will});
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  ASSERT_TRUE((*gateway)->WaitForOutput("connected", absl::Seconds(20)).ok());
  ASSERT_TRUE((*gateway)->Signal(SIGKILL).ok());
  const wm::v1::Gateway offline = GatewayIn("gw-1", wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_THAT(offline.sink_ids(), ElementsAre("sink0")) << "the will carries no configs";
  EXPECT_THAT(offline.features(), ElementsAre(wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1));
  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_gateways", "state=\"offline\"", 1, absl::Seconds(10))
                  .ok());
}

TEST_F(RegistryTest, AnEmptyRetainedStatusRemovesTheGateway) {
  ASSERT_NO_FATAL_FAILURE(PublishStatus("gw-1", {{"sink0", kNetwork, 1, 5}}));
  ASSERT_NO_FATAL_FAILURE(PublishStatus("gw-2", {{"sink0", kNetwork, 2, 5}}));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-1", "sink0", kNetwork, 1001));
  NodeWith(kNetwork, 1001, 1);
  ASSERT_TRUE(SinksBecome({"gw-1/sink0", "gw-2/sink0"}));
  ASSERT_TRUE(stack_->Publish(wm::testing::GatewayStatusTopic("gw-1"), "", /*retained=*/true).ok());
  ASSERT_TRUE(WaitUntil(
      [&] { return stack_->GetGateway("gw-1").status().code() == absl::StatusCode::kNotFound; }));
  ASSERT_TRUE(SinksBecome({"gw-2/sink0"}));
  absl::StatusOr<wm::v1::Node> node = stack_->GetNode(kNetwork, 1001);
  ASSERT_TRUE(node.ok()) << "nodes are never deleted silently";
  EXPECT_EQ(node->gateway_id(), "gw-1");
}

TEST_F(RegistryTest, NodesAppearWithTheirDiagnostics) {
  ASSERT_NO_FATAL_FAILURE(PublishStatus("gw-1", {{"sink0", kNetwork, 1, 5}}));
  // Node diagnostics: router with autorole, 95 -> 2.95 V.
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-1", "sink0", kNetwork, 1001, 253, 255,
                                        wm::testing::NodeDiagnosticsPayload(0x82, 95)));
  ASSERT_NO_FATAL_FAILURE(
      PublishPacket("gw-1", "sink0", kNetwork, 1001, 254, 255,
                    wm::testing::BootDiagnosticsPayload(4, 0x82, 5, 1, 0, 20, 12)));
  ASSERT_NO_FATAL_FAILURE(
      PublishPacket("gw-1", "sink0", kNetwork, 2002, 247, 255,
                    wm::testing::DiagnosticsV2Payload(0x03, 3012, 9, 0x05020001)));
  const wm::v1::Node router = NodeWith(kNetwork, 1001, 2);
  EXPECT_EQ(router.gateway_id(), "gw-1");
  EXPECT_EQ(router.sink_id(), "sink0");
  EXPECT_EQ(router.role().base(), wm::v1::BASE_ROLE_ROUTER);
  EXPECT_TRUE(router.role().autorole());
  EXPECT_EQ(router.voltage_mv(), 2950u);
  EXPECT_EQ(router.boot_count(), 4u);
  EXPECT_EQ(router.firmware_version().major(), 5u);
  EXPECT_EQ(router.firmware_version().minor(), 1u);
  EXPECT_EQ(router.firmware_version().dev(), 20u);
  EXPECT_EQ(router.scratchpad_sequence(), 12u);
  EXPECT_EQ(router.hop_count(), 1u);
  EXPECT_EQ(router.travel_time_ms(), 25u);
  EXPECT_GT(router.first_seen_ms_epoch(), 0u);
  EXPECT_FALSE(router.stale());

  const wm::v1::Node leaf = NodeWith(kNetwork, 2002, 1);
  EXPECT_EQ(leaf.role().base(), wm::v1::BASE_ROLE_NON_ROUTER);
  EXPECT_EQ(leaf.voltage_mv(), 3012u);
  EXPECT_EQ(leaf.boot_count(), 9u);
  EXPECT_EQ(leaf.firmware_version().minor(), 2u);
  EXPECT_FALSE(leaf.has_scratchpad_sequence());

  absl::StatusOr<std::vector<wm::v1::Network>> networks = stack_->ListNetworks();
  ASSERT_TRUE(networks.ok());
  ASSERT_EQ(networks->size(), 1u);
  EXPECT_EQ((*networks)[0].node_count(), 2u);
  EXPECT_EQ((*networks)[0].sink_count(), 1u);
  EXPECT_EQ((*networks)[0].gateway_count(), 1u);
  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_nodes", "stale=\"false\"", 2, absl::Seconds(10))
                  .ok());
}

TEST_F(RegistryTest, ListNodesPagesAndFilters) {
  std::set<std::pair<uint64_t, uint32_t>> all;
  for (uint32_t i = 0; i < 30; ++i) {
    const uint64_t network = kNetwork + i % 2;
    const uint32_t address = 5000 - i * 7;
    ASSERT_NO_FATAL_FAILURE(
        PublishPacket(i < 20 ? "gw-a" : "gw-b", "sink" + std::to_string(i % 3), network, address));
    all.insert({network, address});
  }
  ASSERT_TRUE(WaitUntil([&] {
    auto nodes = stack_->ListAllNodes();
    return nodes.ok() && nodes->size() == all.size();
  }));
  wm::v1::ListNodesRequest paged;
  paged.set_page_size(7);
  int pages = 0;
  absl::StatusOr<std::vector<wm::v1::Node>> nodes = stack_->ListAllNodes(paged, &pages);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(pages, 5);
  std::vector<std::pair<uint64_t, uint32_t>> listed;
  for (const wm::v1::Node& node : *nodes)
    listed.push_back({node.network_address(), node.address()});
  const std::vector<std::pair<uint64_t, uint32_t>> expected(all.begin(), all.end());
  EXPECT_EQ(listed, expected) << "every node once, by (network, address)";

  wm::v1::ListNodesRequest network;
  network.set_network_address(kNetwork + 1);
  network.set_page_size(4);
  nodes = stack_->ListAllNodes(network);
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->size(), 15u);
  for (const wm::v1::Node& node : *nodes) EXPECT_EQ(node.network_address(), kNetwork + 1);

  wm::v1::ListNodesRequest gateway_sink;
  gateway_sink.set_gateway_id("gw-b");
  gateway_sink.set_sink_id("sink1");
  nodes = stack_->ListAllNodes(gateway_sink);
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->size(), 3u);  // i = 22, 25, 28
  for (const wm::v1::Node& node : *nodes) {
    EXPECT_EQ(node.gateway_id(), "gw-b");
    EXPECT_EQ(node.sink_id(), "sink1");
  }

  wm::v1::ListNodesRequest stale;
  stale.set_stale(true);
  nodes = stack_->ListAllNodes(stale);
  ASSERT_TRUE(nodes.ok());
  EXPECT_TRUE(nodes->empty());

  // A token only continues the listing it came from.
  wm::v1::ListNodesRequest first;
  first.set_page_size(2);
  wm::v1::ListNodesResponse page;
  grpc::ClientContext context;
  ASSERT_TRUE(stack_->registry_client().ListNodes(&context, first, &page).ok());
  wm::v1::ListNodesRequest mismatched = network;
  mismatched.set_page_token(page.next_page_token());
  grpc::ClientContext mismatched_context;
  EXPECT_EQ(
      stack_->registry_client().ListNodes(&mismatched_context, mismatched, &page).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext get_context;
  wm::v1::GetNodeRequest broadcast;
  broadcast.set_network_address(kNetwork);
  broadcast.set_address(0xFFFFFFFF);
  wm::v1::Node node;
  EXPECT_EQ(stack_->registry_client().GetNode(&get_context, broadcast, &node).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RegistryTest, WatchChangesStreamsChanges) {
  grpc::ClientContext context;
  auto watch = stack_->registry_client().WatchChanges(&context, {});
  watch->WaitForInitialMetadata();
  ASSERT_NO_FATAL_FAILURE(PublishStatus("gw-1", {{"sink0", kNetwork, 1, 5}}));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-1", "sink0", kNetwork, 1001, 253, 255,
                                        wm::testing::NodeDiagnosticsPayload(0x82, 95)));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-1", "sink0", kNetwork, 1001, 253, 255,
                                        wm::testing::NodeDiagnosticsPayload(0x82, 80)));
  std::vector<std::string> seen;
  wm::v1::RegistryChange change;
  uint64_t previous = 0;
  while (seen.size() < 4 && watch->Read(&change)) {
    EXPECT_GT(change.sequence(), previous);
    previous = change.sequence();
    std::string what = wm::v1::ChangeKind_Name(change.kind());
    if (change.has_gateway()) what += " gateway " + change.gateway().id();
    if (change.has_sink()) what += " sink " + change.sink().sink_id();
    if (change.has_node()) {
      what += " node " + std::to_string(change.node().address()) + " " +
              std::to_string(change.node().voltage_mv());
    }
    seen.push_back(what);
  }
  EXPECT_THAT(
      seen, ElementsAre("CHANGE_KIND_ADDED gateway gw-1", "CHANGE_KIND_ADDED sink sink0",
                        "CHANGE_KIND_ADDED node 1001 2950", "CHANGE_KIND_UPDATED node 1001 2800"));
  context.TryCancel();
}

TEST_F(RegistryTest, SilentNodesTurnStaleAndAreKept) {
  StartStack({"--node_stale_after_s=1"});
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-1", "sink0", kNetwork, 1001));
  NodeWith(kNetwork, 1001, 1);
  ASSERT_TRUE(WaitUntil([&] {
    auto node = stack_->GetNode(kNetwork, 1001);
    return node.ok() && node->stale();
  }));
  EXPECT_TRUE(stack_->registry()
                  .WaitForMetric("wm_registry_nodes", "stale=\"true\"", 1, absl::Seconds(10))
                  .ok());
  wm::v1::ListNodesRequest stale;
  stale.set_stale(true);
  auto nodes = stack_->ListAllNodes(stale);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  // Heard again: active again.
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-1", "sink0", kNetwork, 1001));
  const wm::v1::Node back = NodeWith(kNetwork, 1001, 2);
  EXPECT_FALSE(back.stale());
}

}  // namespace
}  // namespace wm::registry
