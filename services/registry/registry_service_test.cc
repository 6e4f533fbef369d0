#include "services/registry/registry_service.h"

#include <grpcpp/grpcpp.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/server.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "services/registry/test_events.h"

namespace wm::registry {
namespace {

using ::testing::ElementsAre;
using ::wm::registry::testing::PacketEvent;
using ::wm::registry::testing::SinkConfigOf;
using ::wm::registry::testing::StatusEvent;

class RegistryServiceTest : public ::testing::Test {
 protected:
  explicit RegistryServiceTest(size_t watch_queue = 1000)
      : feed_(watch_queue, dropped_, watchers_), state_({}, &feed_), service_(state_, feed_) {
    server_.AddService(&service_);
    grpcutil::GrpcServerOptions options;
    options.host = "127.0.0.1";
    absl::StatusOr<int> port = server_.Start(options);
    EXPECT_TRUE(port.ok()) << port.status();
    stub_ = wm::v1::Registry::NewStub(
        grpcutil::CreateChannel("127.0.0.1:" + std::to_string(*port), {}));
  }
  ~RegistryServiceTest() override { server_.Shutdown(absl::Seconds(1)); }

  void AddSample() {
    state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                             {SinkConfigOf("sink0", 10, 1), SinkConfigOf("sink1", 11, 2)}));
    state_.Apply(StatusEvent("gw-2", wm::v1::GATEWAY_STATE_OFFLINE));
    for (uint32_t address = 1; address <= 25; ++address) {
      state_.Apply(PacketEvent("gw-1", "sink0", 10, address * 3));
    }
  }

  prometheus::Counter dropped_;
  prometheus::Gauge watchers_;
  ChangeFeed feed_;
  RegistryState state_;
  RegistryService service_;
  grpcutil::GrpcServer server_;
  std::unique_ptr<wm::v1::Registry::Stub> stub_;
};

TEST_F(RegistryServiceTest, GatewaysAndSinks) {
  AddSample();
  grpc::ClientContext list_context;
  wm::v1::ListGatewaysRequest online;
  online.set_state(wm::v1::GATEWAY_STATE_ONLINE);
  wm::v1::ListGatewaysResponse gateways;
  ASSERT_TRUE(stub_->ListGateways(&list_context, online, &gateways).ok());
  ASSERT_EQ(gateways.gateways_size(), 1);
  EXPECT_EQ(gateways.gateways(0).id(), "gw-1");
  EXPECT_GT(gateways.change_sequence(), 0u);

  grpc::ClientContext get_context;
  wm::v1::GetGatewayRequest get;
  get.set_gateway_id("gw-2");
  wm::v1::Gateway gateway;
  ASSERT_TRUE(stub_->GetGateway(&get_context, get, &gateway).ok());
  EXPECT_EQ(gateway.state(), wm::v1::GATEWAY_STATE_OFFLINE);

  grpc::ClientContext missing_context;
  get.set_gateway_id("gw-404");
  EXPECT_EQ(stub_->GetGateway(&missing_context, get, &gateway).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext empty_context;
  get.clear_gateway_id();
  EXPECT_EQ(stub_->GetGateway(&empty_context, get, &gateway).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext sinks_context;
  wm::v1::ListSinksRequest network_11;
  network_11.set_network_address(11);
  wm::v1::ListSinksResponse sinks;
  ASSERT_TRUE(stub_->ListSinks(&sinks_context, network_11, &sinks).ok());
  ASSERT_EQ(sinks.sinks_size(), 1);
  EXPECT_EQ(sinks.sinks(0).sink_id(), "sink1");

  grpc::ClientContext networks_context;
  wm::v1::ListNetworksResponse networks;
  ASSERT_TRUE(stub_->ListNetworks(&networks_context, {}, &networks).ok());
  ASSERT_EQ(networks.networks_size(), 2);
  EXPECT_EQ(networks.networks(0).address(), 10u);
  EXPECT_EQ(networks.networks(0).node_count(), 25u);
  EXPECT_EQ(networks.networks(1).address(), 11u);
  EXPECT_EQ(networks.networks(1).node_count(), 0u);
}

TEST_F(RegistryServiceTest, NodesPageAndAnswerErrors) {
  AddSample();
  wm::v1::ListNodesRequest request;
  request.set_page_size(10);
  std::vector<uint32_t> addresses;
  int pages = 0;
  while (true) {
    grpc::ClientContext context;
    wm::v1::ListNodesResponse response;
    grpc::Status status = stub_->ListNodes(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ++pages;
    for (const wm::v1::Node& node : response.nodes()) addresses.push_back(node.address());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(addresses.size(), 25u);
  EXPECT_EQ(addresses.front(), 3u);
  EXPECT_EQ(addresses.back(), 75u);

  grpc::ClientContext bad_size;
  wm::v1::ListNodesRequest negative;
  negative.set_page_size(-5);
  wm::v1::ListNodesResponse response;
  EXPECT_EQ(stub_->ListNodes(&bad_size, negative, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  wm::v1::GetNodeRequest get;
  get.set_network_address(10);
  get.set_address(6);
  wm::v1::Node node;
  grpc::ClientContext found;
  ASSERT_TRUE(stub_->GetNode(&found, get, &node).ok());
  EXPECT_EQ(node.gateway_id(), "gw-1");
  get.set_address(7);
  grpc::ClientContext not_found;
  EXPECT_EQ(stub_->GetNode(&not_found, get, &node).error_code(), grpc::StatusCode::NOT_FOUND);
  get.set_address(0xFFFFFFFF);
  grpc::ClientContext broadcast;
  EXPECT_EQ(stub_->GetNode(&broadcast, get, &node).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RegistryServiceTest, WatchChangesStreamsChangesUntilTheFeedCloses) {
  grpc::ClientContext context;
  wm::v1::WatchChangesRequest request;
  request.add_entities(wm::v1::CHANGE_ENTITY_GATEWAY);
  request.add_entities(wm::v1::CHANGE_ENTITY_NODE);
  auto reader = stub_->WatchChanges(&context, request);
  reader->WaitForInitialMetadata();  // the watch is in place
  AddSample();
  std::vector<std::string> seen;
  wm::v1::RegistryChange change;
  while (seen.size() < 27 && reader->Read(&change)) {
    if (change.has_gateway()) seen.push_back("gateway " + change.gateway().id());
    if (change.has_node()) seen.push_back("node " + std::to_string(change.node().address()));
    ASSERT_FALSE(change.has_sink()) << "sinks were not asked for";
  }
  ASSERT_EQ(seen.size(), 27u);
  EXPECT_EQ(seen[0], "gateway gw-1");
  EXPECT_EQ(seen[1], "gateway gw-2");
  EXPECT_EQ(seen[2], "node 3");
  EXPECT_EQ(watchers_.Value(), 1);
  feed_.Close();
  EXPECT_FALSE(reader->Read(&change));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(RegistryServiceTest, WatchChangesRejectsUnknownEntities) {
  grpc::ClientContext context;
  wm::v1::WatchChangesRequest request;
  request.add_entities(static_cast<wm::v1::ChangeEntity>(9));
  auto reader = stub_->WatchChanges(&context, request);
  wm::v1::RegistryChange change;
  EXPECT_FALSE(reader->Read(&change));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

class SlowWatcherTest : public RegistryServiceTest {
 protected:
  SlowWatcherTest() : RegistryServiceTest(/*watch_queue=*/2) {}
};

TEST_F(SlowWatcherTest, ASlowWatcherGetsAGapMarkerAndEveryChangeIsAccountedFor) {
  grpc::ClientContext context;
  auto reader = stub_->WatchChanges(&context, {});
  reader->WaitForInitialMetadata();
  constexpr uint32_t kNodes = 20000;
  const uint64_t before = state_.change_sequence();
  for (uint32_t address = 1; address <= kNodes; ++address) {
    state_.Apply(PacketEvent("gw", "sink0", 1, address));
  }
  const uint64_t total = state_.change_sequence() - before;  // the gateway and every node
  ASSERT_EQ(total, kNodes + 1);
  uint64_t received = 0;
  uint64_t dropped = 0;
  uint64_t gaps = 0;
  uint64_t last_sequence = 0;
  wm::v1::RegistryChange change;
  while (received + dropped < total && reader->Read(&change)) {
    if (change.kind() == wm::v1::CHANGE_KIND_GAP) {
      ++gaps;
      dropped += change.dropped();
      continue;
    }
    EXPECT_GT(change.sequence(), last_sequence);
    last_sequence = change.sequence();
    ++received;
  }
  EXPECT_EQ(received + dropped, total);
  EXPECT_GT(gaps, 0u);
  EXPECT_EQ(dropped_.Value(), static_cast<double>(dropped));
  context.TryCancel();
}

}  // namespace
}  // namespace wm::registry
