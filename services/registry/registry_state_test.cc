#include "services/registry/registry_state.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/registry/test_events.h"

namespace wm::registry {
namespace {

using ::testing::ElementsAre;
using ::wm::registry::testing::ConfigResponseEvent;
using ::wm::registry::testing::PacketEvent;
using ::wm::registry::testing::SetBootDiagnostics;
using ::wm::registry::testing::SetDiagnosticsV2;
using ::wm::registry::testing::SetNodeDiagnostics;
using ::wm::registry::testing::SinkConfigOf;
using ::wm::registry::testing::StatusEvent;

constexpr uint64_t kNetwork = 0x123456;

class RegistryStateTest : public ::testing::Test {
 protected:
  RegistryStateTest()
      : feed_(1000, dropped_, watchers_),
        state_(RegistryStateOptions{.node_stale_after = absl::Seconds(60),
                                    .clock = [this] { return now_; }},
               &feed_) {}

  std::vector<wm::v1::Gateway> Gateways() {
    wm::v1::ListGatewaysResponse response;
    state_.ListGateways({}, &response);
    return {response.gateways().begin(), response.gateways().end()};
  }

  std::vector<wm::v1::Sink> Sinks(wm::v1::ListSinksRequest request = {}) {
    wm::v1::ListSinksResponse response;
    state_.ListSinks(request, &response);
    return {response.sinks().begin(), response.sinks().end()};
  }

  std::vector<std::string> SinkIds(wm::v1::ListSinksRequest request = {}) {
    std::vector<std::string> ids;
    for (const wm::v1::Sink& sink : Sinks(request)) {
      ids.push_back(sink.gateway_id() + "/" + sink.sink_id());
    }
    return ids;
  }

  // Every node matching `request`, through all its pages of `page_size`.
  std::vector<wm::v1::Node> AllNodes(wm::v1::ListNodesRequest request, int page_size,
                                     int* pages = nullptr) {
    std::vector<wm::v1::Node> nodes;
    request.set_page_size(page_size);
    int count = 0;
    while (true) {
      wm::v1::ListNodesResponse response;
      absl::Status status = state_.ListNodes(request, &response);
      EXPECT_TRUE(status.ok()) << status;
      if (!status.ok()) break;
      ++count;
      nodes.insert(nodes.end(), response.nodes().begin(), response.nodes().end());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    if (pages != nullptr) *pages = count;
    return nodes;
  }

  // Drains the watcher's queue.
  std::vector<wm::v1::RegistryChange> Changes(ChangeWatcher& watcher) {
    std::vector<wm::v1::RegistryChange> changes;
    while (ChangePtr change = watcher.PopOrArm()) changes.push_back(*change);
    return changes;
  }

  absl::Time now_ = absl::FromUnixMillis(1'000'000);
  prometheus::Counter dropped_;
  prometheus::Gauge watchers_;
  ChangeFeed feed_;
  RegistryState state_;
};

TEST_F(RegistryStateTest, OnlineStatusCreatesTheGatewayAndItsSinks) {
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                           {SinkConfigOf("sink0", kNetwork, 1), SinkConfigOf("sink1", kNetwork, 2)},
                           5000));
  std::vector<wm::v1::Gateway> gateways = Gateways();
  ASSERT_EQ(gateways.size(), 1u);
  const wm::v1::Gateway& gw = gateways[0];
  EXPECT_EQ(gw.id(), "gw-1");
  EXPECT_EQ(gw.state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_EQ(gw.model(), "model-x");
  EXPECT_EQ(gw.version(), "1.6.0");
  EXPECT_THAT(gw.features(), ElementsAre(wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1));
  EXPECT_EQ(gw.max_scratchpad_size(), 1024u);
  EXPECT_EQ(gw.last_seen_ms_epoch(), 5000u);
  EXPECT_EQ(gw.state_since_ms_epoch(), 5000u);
  EXPECT_THAT(gw.sink_ids(), ElementsAre("sink0", "sink1"));

  std::vector<wm::v1::Sink> sinks = Sinks();
  ASSERT_EQ(sinks.size(), 2u);
  EXPECT_EQ(sinks[1].gateway_id(), "gw-1");
  EXPECT_EQ(sinks[1].sink_id(), "sink1");
  EXPECT_EQ(sinks[1].config().node_address(), 2u);
  EXPECT_EQ(sinks[1].config().network_address(), kNetwork);
  EXPECT_EQ(sinks[1].reported_ms_epoch(), 5000u);

  absl::StatusOr<wm::v1::Gateway> got = state_.GetGateway("gw-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state(), wm::v1::GATEWAY_STATE_ONLINE);
}

TEST_F(RegistryStateTest, LastWillFlipsTheStateAndKeepsWhatItDoesNotCarry) {
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                           {SinkConfigOf("sink0", kNetwork, 1)}, 5000));
  wm::v1::Event will = StatusEvent("gw-1", wm::v1::GATEWAY_STATE_OFFLINE, {}, 9000);
  will.mutable_status()->clear_model();
  state_.Apply(will);
  absl::StatusOr<wm::v1::Gateway> gw = state_.GetGateway("gw-1");
  ASSERT_TRUE(gw.ok());
  EXPECT_EQ(gw->state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_EQ(gw->state_since_ms_epoch(), 9000u);
  EXPECT_EQ(gw->model(), "model-x");
  EXPECT_EQ(gw->features_size(), 1);
  EXPECT_EQ(gw->max_scratchpad_size(), 1024u);
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sink0"));
}

TEST_F(RegistryStateTest, AStatusListingOtherSinksReplacesTheSinkSet) {
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sink0", kNetwork, 1), SinkConfigOf("sink1", kNetwork, 2)}));
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sink1", kNetwork, 2), SinkConfigOf("sink2", kNetwork, 3)}));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sink1", "gw-1/sink2"));
}

TEST_F(RegistryStateTest, AnEmptyRetainedStatusRemovesTheGatewayAndItsSinksButNotItsNodes) {
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sink0", kNetwork, 1)}));
  state_.Apply(
      StatusEvent("gw-2", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sink0", kNetwork, 5)}));
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001));
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_REMOVED));
  EXPECT_EQ(state_.GetGateway("gw-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(SinkIds(), ElementsAre("gw-2/sink0"));
  absl::StatusOr<wm::v1::Node> node = state_.GetNode(kNetwork, 1001);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->gateway_id(), "gw-1");
  // Removing an unknown gateway is harmless.
  state_.Apply(StatusEvent("gw-9", wm::v1::GATEWAY_STATE_REMOVED));
  EXPECT_EQ(Gateways().size(), 1u);
}

TEST_F(RegistryStateTest, ConfigResponsesUpdateSinks) {
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sink0", kNetwork, 1), SinkConfigOf("sink1", kNetwork, 2)}));
  // An unsolicited set_config response (req_id 0) after a change made through another path.
  state_.Apply(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_SET_CONFIG,
                                   {SinkConfigOf("sink1", kNetwork, 2, /*channel=*/9)}));
  std::vector<wm::v1::Sink> sinks = Sinks();
  ASSERT_EQ(sinks.size(), 2u);
  EXPECT_EQ(sinks[0].config().network_channel(), 5u);
  EXPECT_EQ(sinks[1].config().network_channel(), 9u);

  // A failed set_config carries no configuration to take.
  wm::v1::SinkConfig bare;
  bare.set_sink_id("sink7");
  state_.Apply(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_SET_CONFIG, {bare}, 42,
                                   /*result=*/2));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sink0", "gw-1/sink1"));

  // get_configs lists every sink the gateway has, whoever asked.
  state_.Apply(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                   {SinkConfigOf("sink1", kNetwork, 2, 11)}, /*request_id=*/77));
  sinks = Sinks();
  ASSERT_EQ(sinks.size(), 1u);
  EXPECT_EQ(sinks[0].sink_id(), "sink1");
  EXPECT_EQ(sinks[0].config().network_channel(), 11u);
}

TEST_F(RegistryStateTest, AReplayedOlderStatusDoesNotUndoANewerSinkConfig) {
  const std::vector<wm::v1::SinkConfig> before = {SinkConfigOf("sink0", kNetwork, 1, 5)};
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, before, 1000));
  state_.Apply(ConfigResponseEvent(
      "gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
      {SinkConfigOf("sink0", kNetwork, 1, 9), SinkConfigOf("sink1", kNetwork, 2, 9)}, 0, 0, 2000));
  // A new stream from the same ingest starts with the (older) status again.
  wm::v1::Event snapshot = StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, before, 1000);
  snapshot.set_snapshot(true);
  state_.Apply(snapshot);
  std::vector<wm::v1::Sink> sinks = Sinks();
  ASSERT_EQ(sinks.size(), 2u) << "sink1 was reported after that status";
  EXPECT_EQ(sinks[0].config().network_channel(), 9u);
  // A newer status wins.
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, before, 3000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sink0"));
  EXPECT_EQ(Sinks()[0].config().network_channel(), 5u);
}

TEST_F(RegistryStateTest, AGatewayHeardBeforeItsStatusHasNoStateYet) {
  state_.Apply(ConfigResponseEvent("gw-new", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                   {SinkConfigOf("sink0", 88, 1)}, 0, 0, 7000));
  state_.Apply(PacketEvent("gw-pkt", "sink0", 88, 5, 8000));
  std::vector<wm::v1::Gateway> gateways = Gateways();
  ASSERT_EQ(gateways.size(), 2u);
  EXPECT_EQ(gateways[0].id(), "gw-new");
  EXPECT_EQ(gateways[0].state(), wm::v1::GATEWAY_STATE_UNSPECIFIED);
  EXPECT_EQ(gateways[0].last_seen_ms_epoch(), 7000u);
  EXPECT_EQ(gateways[1].id(), "gw-pkt");
  EXPECT_EQ(gateways[1].last_seen_ms_epoch(), 8000u);
  EXPECT_EQ(state_.Counts().gateways_unknown, 2u);
}

TEST_F(RegistryStateTest, PacketsMakeNodesWithTheirDiagnostics) {
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sink0", kNetwork, 1)}));
  wm::v1::Event first = PacketEvent("gw-1", "sink0", kNetwork, 1001, 10'000, -1, 3, 45);
  SetNodeDiagnostics(&first, 0x82, 2.95);
  state_.Apply(first);
  wm::v1::Event boot = PacketEvent("gw-1", "sink0", kNetwork, 1001, 11'000);
  SetBootDiagnostics(&boot, 4, 0x82, 0x05010014, 12);
  state_.Apply(boot);
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001, 12'000, -1, 2, 30));

  absl::StatusOr<wm::v1::Node> node = state_.GetNode(kNetwork, 1001);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->gateway_id(), "gw-1");
  EXPECT_EQ(node->sink_id(), "sink0");
  EXPECT_EQ(node->packets(), 3u);
  EXPECT_EQ(node->first_seen_ms_epoch(), 10'000u);
  EXPECT_EQ(node->last_seen_ms_epoch(), 12'000u);
  EXPECT_EQ(node->hop_count(), 2u);
  EXPECT_EQ(node->travel_time_ms(), 30u);
  EXPECT_EQ(node->role().base(), wm::v1::BASE_ROLE_ROUTER);
  EXPECT_TRUE(node->role().autorole());
  EXPECT_EQ(node->voltage_mv(), 2950u);
  EXPECT_EQ(node->boot_count(), 4u);
  EXPECT_EQ(node->firmware_version().major(), 5u);
  EXPECT_EQ(node->firmware_version().dev(), 20u);
  EXPECT_EQ(node->scratchpad_sequence(), 12u);
  EXPECT_FALSE(node->stale());

  wm::v1::Event v2 = PacketEvent("gw-1", "sink0", kNetwork, 2002, 13'000);
  SetDiagnosticsV2(&v2, 0x03, 3012, 9, 0x05020001);
  state_.Apply(v2);
  node = state_.GetNode(kNetwork, 2002);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->role().base(), wm::v1::BASE_ROLE_NON_ROUTER);
  EXPECT_EQ(node->voltage_mv(), 3012u);
  EXPECT_EQ(node->boot_count(), 9u);
  EXPECT_EQ(node->firmware_version().minor(), 2u);
  EXPECT_FALSE(node->has_scratchpad_sequence());

  wm::v1::ListNetworksResponse networks;
  state_.ListNetworks(&networks);
  ASSERT_EQ(networks.networks_size(), 1);
  EXPECT_EQ(networks.networks(0).address(), kNetwork);
  EXPECT_EQ(networks.networks(0).gateway_count(), 1u);
  EXPECT_EQ(networks.networks(0).sink_count(), 1u);
  EXPECT_EQ(networks.networks(0).node_count(), 2u);
  EXPECT_EQ(Sinks()[0].node_count(), 2u);
}

TEST_F(RegistryStateTest, BroadcastAndAnySinkSourcesAreNotNodes) {
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 0));
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 0xFFFFFFFF));
  EXPECT_EQ(state_.Counts().nodes_active, 0u);
  EXPECT_EQ(state_.GetNode(kNetwork, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(state_.GetNode(kNetwork, 5).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(state_.GetGateway("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RegistryStateTest, ANodeFollowsTheSinkOfItsLatestPacket) {
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sink0", kNetwork, 1), SinkConfigOf("sink1", kNetwork, 2)}));
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001, 10'000));
  state_.Apply(PacketEvent("gw-1", "sink1", kNetwork, 1001, 11'000));
  std::vector<wm::v1::Sink> sinks = Sinks();
  EXPECT_EQ(sinks[0].node_count(), 0u);
  EXPECT_EQ(sinks[1].node_count(), 1u);
  EXPECT_EQ(state_.GetNode(kNetwork, 1001)->sink_id(), "sink1");
}

TEST_F(RegistryStateTest, SilentNodesBecomeStaleAndComeBackWhenHeard) {
  const int64_t t0 = absl::ToUnixMillis(now_);
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001, t0));
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1002, t0 + 30'000));

  now_ += absl::Seconds(60);
  EXPECT_EQ(state_.SweepStale(), 0u) << "silent for exactly node_stale_after: not yet";
  now_ += absl::Milliseconds(1);
  EXPECT_EQ(state_.SweepStale(), 1u);
  EXPECT_EQ(state_.SweepStale(), 0u) << "marked once";
  EXPECT_TRUE(state_.GetNode(kNetwork, 1001)->stale());
  EXPECT_FALSE(state_.GetNode(kNetwork, 1002)->stale());

  wm::v1::ListNodesRequest stale;
  stale.set_stale(true);
  std::vector<wm::v1::Node> nodes = AllNodes(stale, 10);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].address(), 1001u);
  EXPECT_EQ(AllNodes({}, 10).size(), 2u) << "stale nodes are listed, never deleted";
  RegistryCounts counts = state_.Counts();
  EXPECT_EQ(counts.nodes_stale, 1u);
  EXPECT_EQ(counts.nodes_active, 1u);
  wm::v1::ListNetworksResponse networks;
  state_.ListNetworks(&networks);
  EXPECT_EQ(networks.networks(0).stale_node_count(), 1u);

  now_ += absl::Minutes(5);
  EXPECT_EQ(state_.SweepStale(), 1u);
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001, absl::ToUnixMillis(now_)));
  EXPECT_FALSE(state_.GetNode(kNetwork, 1001)->stale());
  EXPECT_EQ(state_.Counts().nodes_stale, 1u);
}

TEST_F(RegistryStateTest, ListNodesPagesInNetworkThenAddressOrder) {
  std::set<std::pair<uint64_t, uint32_t>> expected;
  for (uint32_t i = 0; i < 2500; ++i) {
    const uint64_t network = 10 + i % 3;
    const uint32_t address = 7919 * i % 100'000 + 1;  // not in order of arrival
    state_.Apply(
        PacketEvent(i % 2 ? "gw-a" : "gw-b", "sink" + std::to_string(i % 4 / 2), network, address));
    expected.insert({network, address});
  }
  int pages = 0;
  std::vector<wm::v1::Node> nodes = AllNodes({}, 0, &pages);
  EXPECT_EQ(pages, 3) << "page_size 0 means 1000";
  ASSERT_EQ(nodes.size(), expected.size());
  auto want = expected.begin();
  for (const wm::v1::Node& node : nodes) {
    EXPECT_EQ(node.network_address(), want->first);
    EXPECT_EQ(node.address(), want->second);
    ++want;
  }
  EXPECT_EQ(AllNodes({}, 7, &pages).size(), expected.size());
  EXPECT_EQ(pages, (2500 + 6) / 7);
  EXPECT_EQ(AllNodes({}, 2500, &pages).size(), 2500u);
  EXPECT_EQ(pages, 1) << "an exact fit has no empty last page";

  wm::v1::ListNodesRequest huge;
  huge.set_page_size(1'000'000);
  wm::v1::ListNodesResponse response;
  ASSERT_TRUE(state_.ListNodes(huge, &response).ok());
  EXPECT_EQ(response.nodes_size(), 2500) << "capped at 10000, so all fit";
}

TEST_F(RegistryStateTest, ListNodesFilters) {
  state_.Apply(PacketEvent("gw-a", "sink0", 10, 1));
  state_.Apply(PacketEvent("gw-a", "sink1", 10, 2));
  state_.Apply(PacketEvent("gw-b", "sink0", 10, 3));
  state_.Apply(PacketEvent("gw-b", "sink0", 11, 1));
  state_.Apply(PacketEvent("gw-a", "sink0", 12, 9));
  auto addresses = [&](const wm::v1::ListNodesRequest& request) {
    std::vector<std::string> out;
    for (const wm::v1::Node& node : AllNodes(request, 1)) {
      out.push_back(std::to_string(node.network_address()) + ":" + std::to_string(node.address()));
    }
    return out;
  };
  wm::v1::ListNodesRequest network;
  network.set_network_address(10);
  EXPECT_THAT(addresses(network), ElementsAre("10:1", "10:2", "10:3"));
  network.set_network_address(11);
  EXPECT_THAT(addresses(network), ElementsAre("11:1"));
  network.set_network_address(99);
  EXPECT_THAT(addresses(network), ElementsAre());
  wm::v1::ListNodesRequest gateway;
  gateway.set_gateway_id("gw-a");
  EXPECT_THAT(addresses(gateway), ElementsAre("10:1", "10:2", "12:9"));
  wm::v1::ListNodesRequest sink;
  sink.set_sink_id("sink0");
  EXPECT_THAT(addresses(sink), ElementsAre("10:1", "10:3", "11:1", "12:9"));
  sink.set_gateway_id("gw-b");
  EXPECT_THAT(addresses(sink), ElementsAre("10:3", "11:1"));
  sink.set_network_address(10);
  EXPECT_THAT(addresses(sink), ElementsAre("10:3"));
  wm::v1::ListNodesRequest active;
  active.set_stale(false);
  EXPECT_EQ(addresses(active).size(), 5u);
}

TEST_F(RegistryStateTest, ListNodesRejectsBadPagingArguments) {
  state_.Apply(PacketEvent("gw-a", "sink0", 10, 1));
  state_.Apply(PacketEvent("gw-a", "sink0", 10, 2));
  wm::v1::ListNodesResponse response;
  wm::v1::ListNodesRequest negative;
  negative.set_page_size(-1);
  EXPECT_EQ(state_.ListNodes(negative, &response).code(), absl::StatusCode::kInvalidArgument);

  wm::v1::ListNodesRequest garbage;
  garbage.set_page_token("not-a-token");
  EXPECT_EQ(state_.ListNodes(garbage, &response).code(), absl::StatusCode::kInvalidArgument);

  wm::v1::ListNodesRequest first;
  first.set_network_address(10);
  first.set_page_size(1);
  ASSERT_TRUE(state_.ListNodes(first, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  wm::v1::ListNodesRequest other_filters;
  other_filters.set_page_token(response.next_page_token());
  EXPECT_EQ(state_.ListNodes(other_filters, &response).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RegistryStateTest, NodesAddedWhilePagingAppearIfAfterTheCursor) {
  for (uint32_t address : {10, 20, 30}) state_.Apply(PacketEvent("gw", "sink0", 1, address));
  wm::v1::ListNodesRequest request;
  request.set_page_size(2);
  wm::v1::ListNodesResponse page;
  ASSERT_TRUE(state_.ListNodes(request, &page).ok());
  ASSERT_EQ(page.nodes_size(), 2);
  state_.Apply(PacketEvent("gw", "sink0", 1, 5));   // before the cursor: not in this listing
  state_.Apply(PacketEvent("gw", "sink0", 1, 25));  // after it: listed
  request.set_page_token(page.next_page_token());
  wm::v1::ListNodesResponse next;
  ASSERT_TRUE(state_.ListNodes(request, &next).ok());
  ASSERT_EQ(next.nodes_size(), 2);
  EXPECT_EQ(next.nodes(0).address(), 25u);
  EXPECT_EQ(next.nodes(1).address(), 30u);
  EXPECT_TRUE(next.next_page_token().empty());
}

TEST_F(RegistryStateTest, ChangeSequencesGoOnIncreasingAcrossRestarts) {
  // Before the restart: a client lists, then the registry makes more changes.
  const std::vector<wm::v1::SinkConfig> sinks = {SinkConfigOf("sink0", kNetwork, 1)};
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, sinks, 1000));
  const uint64_t listed = state_.change_sequence();
  for (uint32_t node = 1; node <= 100; ++node)
    state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, node));

  // The next run, started a second later, numbers its first change above all of them, so the
  // client still applies it.
  now_ += absl::Seconds(1);
  RegistryState restarted(RegistryStateOptions{.clock = [this] { return now_; }}, nullptr);
  restarted.Apply(StatusEvent("gw-2", wm::v1::GATEWAY_STATE_ONLINE, sinks, 2000));
  EXPECT_GT(restarted.change_sequence(), state_.change_sequence());
  EXPECT_GT(restarted.change_sequence(), listed);
}

// With a change log, changes made while nobody watches are kept: a client that listed resumes
// after the list's change_sequence and gets exactly the changes since; a position of the run
// before a restart gets the unknown-count gap.
TEST_F(RegistryStateTest, ChangesMadeWhileNobodyWatchesAreReplayedToAResume) {
  ChangeFeed feed(1000, ChangeLog::Options{.max_changes = 100, .clock = [this] { return now_; }},
                  ChangeFeedMetrics{});
  RegistryState state(RegistryStateOptions{.clock = [this] { return now_; }}, &feed);
  const std::vector<wm::v1::SinkConfig> sinks = {SinkConfigOf("sink0", kNetwork, 1)};
  state.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, sinks, 1000));
  wm::v1::ListNodesResponse listed;
  ASSERT_TRUE(state.ListNodes({}, &listed).ok());
  state.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001, 2000));
  state.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1002, 2000));
  EXPECT_FALSE(feed.has_watchers());

  wm::v1::WatchChangesRequest resume;
  resume.set_resume_after(listed.change_sequence());
  std::shared_ptr<ChangeWatcher> watcher = feed.Watch(resume);
  std::vector<wm::v1::RegistryChange> changes = Changes(*watcher);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].node().address(), 1001u);
  EXPECT_EQ(changes[0].sequence(), listed.change_sequence() + 1);
  EXPECT_EQ(changes[1].node().address(), 1002u);

  now_ += absl::Seconds(1);
  ChangeFeed next_feed(1000, ChangeLog::Options{.max_changes = 100}, ChangeFeedMetrics{});
  RegistryState restarted(RegistryStateOptions{.clock = [this] { return now_; }}, &next_feed);
  resume.set_resume_after(changes[1].sequence());
  std::shared_ptr<ChangeWatcher> after_restart = next_feed.Watch(resume);
  restarted.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1003, 3000));
  changes = Changes(*after_restart);
  ASSERT_GE(changes.size(), 2u);
  EXPECT_TRUE(changes[0].count_unknown());
  EXPECT_EQ(changes[0].gap_cause(), wm::v1::CHANGE_GAP_CAUSE_OTHER_RUN);
  EXPECT_GT(changes.back().sequence(), resume.resume_after());
}

TEST_F(RegistryStateTest, ChangesAreCountedAndPublishedToWatchers) {
  std::shared_ptr<ChangeWatcher> watcher = feed_.Watch({});
  ASSERT_NE(watcher, nullptr);
  const std::vector<wm::v1::SinkConfig> sinks = {SinkConfigOf("sink0", kNetwork, 1)};
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, sinks, 1000));
  std::vector<wm::v1::RegistryChange> changes = Changes(*watcher);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind(), wm::v1::CHANGE_KIND_ADDED);
  EXPECT_EQ(changes[0].gateway().id(), "gw-1");
  EXPECT_THAT(changes[0].gateway().sink_ids(), ElementsAre("sink0"));
  EXPECT_EQ(changes[0].time_ms_epoch(), 1000u);
  EXPECT_EQ(changes[1].kind(), wm::v1::CHANGE_KIND_ADDED);
  EXPECT_EQ(changes[1].sink().sink_id(), "sink0");
  EXPECT_EQ(changes[1].sequence(), changes[0].sequence() + 1);

  // The same status again (a snapshot after a reconnect) changes nothing.
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, sinks, 1000));
  EXPECT_TRUE(Changes(*watcher).empty());

  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001, 2000));
  wm::v1::Event diagnostics = PacketEvent("gw-1", "sink0", kNetwork, 1001, 3000);
  SetNodeDiagnostics(&diagnostics, 0x82, 3.0);
  state_.Apply(diagnostics);
  diagnostics.set_ingest_time_ms_epoch(4000);
  diagnostics.mutable_packet()->set_rx_time_ms_epoch(4000);
  state_.Apply(diagnostics);  // same values: no change
  changes = Changes(*watcher);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind(), wm::v1::CHANGE_KIND_ADDED);
  EXPECT_EQ(changes[0].node().address(), 1001u);
  EXPECT_EQ(changes[1].kind(), wm::v1::CHANGE_KIND_UPDATED);
  EXPECT_EQ(changes[1].node().voltage_mv(), 3000u);

  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_OFFLINE, {}, 5000));
  changes = Changes(*watcher);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), wm::v1::CHANGE_KIND_UPDATED);
  EXPECT_EQ(changes[0].gateway().state(), wm::v1::GATEWAY_STATE_OFFLINE);

  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_REMOVED, {}, 6000));
  changes = Changes(*watcher);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind(), wm::v1::CHANGE_KIND_REMOVED);
  EXPECT_EQ(changes[0].sink().sink_id(), "sink0");
  EXPECT_EQ(changes[1].kind(), wm::v1::CHANGE_KIND_REMOVED);
  EXPECT_EQ(changes[1].gateway().state(), wm::v1::GATEWAY_STATE_REMOVED);

  now_ = absl::FromUnixMillis(4000) + absl::Minutes(2);
  state_.SweepStale();
  changes = Changes(*watcher);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), wm::v1::CHANGE_KIND_STALE);
  EXPECT_TRUE(changes[0].node().stale());
  EXPECT_EQ(changes[0].sequence(), state_.change_sequence());
  wm::v1::ListGatewaysResponse gateways;
  state_.ListGateways({}, &gateways);
  EXPECT_EQ(gateways.change_sequence(), changes[0].sequence());
}

// `event` at the stream position (epoch, sequence).
wm::v1::Event At(wm::v1::Event event, uint64_t epoch, uint64_t sequence) {
  event.set_stream_epoch(epoch);
  event.set_sequence(sequence);
  return event;
}

TEST_F(RegistryStateTest, AnEventAtOrBeforeTheAppliedPositionIsNotAppliedTwice) {
  RegistrySnapshot stored;
  stored.position = StreamPoint{5000, 10};
  state_.Restore(stored);
  EXPECT_EQ(state_.applied_position(), (StreamPoint{5000, 10}));
  EXPECT_FALSE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 5000, 10)));
  EXPECT_FALSE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 5000, 3)));
  EXPECT_TRUE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 5000, 11)));
  EXPECT_FALSE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 5000, 11)))
      << "the same event resumed again";
  EXPECT_TRUE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 6000, 1)))
      << "a later ingest run starts at 1";
  absl::StatusOr<wm::v1::Node> node = state_.GetNode(kNetwork, 1001);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->packets(), 2u);
  // A snapshot status older than the position is applied all the same (it changes nothing
  // it did not already) and does not move the position back.
  wm::v1::Event status = At(StatusEvent("gw-2", wm::v1::GATEWAY_STATE_ONLINE, {}), 6000, 1);
  status.set_snapshot(true);
  EXPECT_TRUE(state_.Apply(status));
  EXPECT_TRUE(state_.GetGateway("gw-2").ok());

  StoreBatch batch = state_.TakeDirty();
  ASSERT_TRUE(batch.position.has_value()) << "the position goes with the values it is up to";
  EXPECT_EQ(*batch.position, (StreamPoint{6000, 1}));
  EXPECT_EQ(batch.nodes[0].record.packets, 2u);
  EXPECT_TRUE(state_.TakeDirty().empty());
  state_.MarkDirty(batch);  // the write failed
  EXPECT_EQ(state_.TakeDirty().position, (StreamPoint{6000, 1}));
}

// A stream carries one ingest run: when the ingest host's clock went back between two runs, the
// new run's epoch is the smaller one, and its events are new, not applied already.
TEST_F(RegistryStateTest, ARunWithAnEarlierEpochIsANewRunNotADuplicate) {
  RegistrySnapshot stored;
  stored.position = StreamPoint{5000, 10};
  state_.Restore(stored);
  EXPECT_TRUE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 4000, 1)));
  EXPECT_TRUE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 4000, 2)));
  EXPECT_FALSE(state_.Apply(At(PacketEvent("gw-1", "sink0", kNetwork, 1001), 4000, 2)))
      << "within the new run, positions order as ever";
  EXPECT_EQ(state_.applied_position(), (StreamPoint{4000, 2}));
  absl::StatusOr<wm::v1::Node> node = state_.GetNode(kNetwork, 1001);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->packets(), 2u);
  EXPECT_EQ(state_.TakeDirty().position, (StreamPoint{4000, 2}));
}

TEST_F(RegistryStateTest, EventsWithoutAnEpochKeepNoPosition) {
  wm::v1::Event packet = PacketEvent("gw-1", "sink0", kNetwork, 1001);
  packet.set_sequence(7);
  EXPECT_TRUE(state_.Apply(packet));
  EXPECT_TRUE(state_.Apply(packet)) << "an older ingest: nothing to order by";
  EXPECT_FALSE(state_.applied_position().has_value());
  EXPECT_FALSE(state_.TakeDirty().position.has_value());
}

TEST_F(RegistryStateTest, TakeDirtyHandsEachChangedEntryOnce) {
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sink0", kNetwork, 1), SinkConfigOf("sink1", kNetwork, 2)}));
  for (int i = 0; i < 10; ++i) state_.Apply(PacketEvent("gw-1", "sink0", kNetwork, 1001));
  StoreBatch batch = state_.TakeDirty();
  ASSERT_EQ(batch.gateways.size(), 1u);
  EXPECT_EQ(batch.sinks.size(), 2u);
  ASSERT_EQ(batch.nodes.size(), 1u) << "ten packets of one node: one row";
  EXPECT_EQ(batch.nodes[0].record.packets, 10u);
  EXPECT_EQ(batch.nodes[0].gateway_id, "gw-1");
  EXPECT_EQ(batch.nodes[0].sink_id, "sink0");
  EXPECT_TRUE(state_.TakeDirty().empty());

  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sink1", kNetwork, 2)}));
  batch = state_.TakeDirty();
  EXPECT_EQ(batch.removed_sinks.size(), 1u);
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_REMOVED));
  batch = state_.TakeDirty();
  EXPECT_THAT(batch.removed_gateways, ElementsAre("gw-1"));
  ASSERT_EQ(batch.removed_sinks.size(), 1u);
  EXPECT_EQ(batch.removed_sinks[0].second, "sink1");

  state_.MarkDirty(batch);  // the write failed: keep them for the next flush
  StoreBatch again = state_.TakeDirty();
  EXPECT_THAT(again.removed_gateways, ElementsAre("gw-1"));
  EXPECT_EQ(again.removed_sinks.size(), 1u);
}

TEST_F(RegistryStateTest, RestoreBringsBackWhatABatchHeld) {
  state_.Apply(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sink0", kNetwork, 1)}));
  wm::v1::Event boot = PacketEvent("gw-1", "sink0", kNetwork, 1001);
  SetBootDiagnostics(&boot, 4, 0x82, 0x05010014, 12);
  state_.Apply(boot);
  state_.Apply(PacketEvent("gw-1", "sink0", kNetwork + 1, 2002));
  StoreBatch batch = state_.TakeDirty();

  RegistrySnapshot snapshot{batch.gateways, batch.sinks, batch.nodes};
  RegistryState restored({}, nullptr);
  restored.Restore(snapshot);
  wm::v1::ListGatewaysResponse a, b;
  state_.ListGateways({}, &a);
  restored.ListGateways({}, &b);
  a.clear_change_sequence();
  b.clear_change_sequence();
  EXPECT_EQ(a.DebugString(), b.DebugString());
  wm::v1::ListNodesResponse nodes_a, nodes_b;
  ASSERT_TRUE(state_.ListNodes({}, &nodes_a).ok());
  ASSERT_TRUE(restored.ListNodes({}, &nodes_b).ok());
  nodes_a.clear_change_sequence();
  nodes_b.clear_change_sequence();
  EXPECT_EQ(nodes_a.DebugString(), nodes_b.DebugString());
  wm::v1::ListSinksResponse sinks_a, sinks_b;
  state_.ListSinks({}, &sinks_a);
  restored.ListSinks({}, &sinks_b);
  ASSERT_EQ(sinks_b.sinks_size(), 1);
  EXPECT_EQ(sinks_b.sinks(0).node_count(), 2u) << "both nodes came through gw-1/sink0";
  sinks_a.clear_change_sequence();
  sinks_b.clear_change_sequence();
  EXPECT_EQ(sinks_a.DebugString(), sinks_b.DebugString());
  EXPECT_TRUE(restored.TakeDirty().empty()) << "nothing to write back after a restore";
}

// Ordering by the gateway's time (docs/ordering.md). Every event below carries its gateway
// time (`At`) and a later ingest time than the one before it, as a LIFO publish queue
// delivers them.

// `event` as made by the gateway at `gateway_ms`.
wm::v1::Event At(wm::v1::Event event, uint64_t gateway_ms) {
  event.set_gateway_time_ms_epoch(gateway_ms);
  return event;
}

constexpr uint64_t kT = 1'800'000'000'000;  // gateway clock

TEST_F(RegistryStateTest, AnOlderGetConfigsAnswerKeepsTheSinksOfANewerStatus) {
  // The sequence: the status (sinks A and B) was made after the req_id 0 get_configs
  // answer listing only A, which a LIFO queue held back.
  state_.Apply(
      At(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                     {SinkConfigOf("sinkA", kNetwork, 1, 9), SinkConfigOf("sinkB", kNetwork, 2)},
                     5000),
         kT + 2000));
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                      {SinkConfigOf("sinkA", kNetwork, 1, 5)}, 0, 0, 6000),
                  kT + 1000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA", "gw-1/sinkB"));
  EXPECT_EQ(Sinks()[0].config().network_channel(), 9u) << "nor does it undo A's configuration";
  EXPECT_EQ(Sinks()[0].reported_ms_epoch(), 5000u);
  EXPECT_THAT(state_.GetGateway("gw-1")->sink_ids(), ElementsAre("sinkA", "sinkB"));
}

TEST_F(RegistryStateTest, ANewerGetConfigsAnswerStillRemovesASink) {
  state_.Apply(At(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sinkA", kNetwork, 1), SinkConfigOf("sinkB", kNetwork, 2)}, 5000),
      kT + 2000));
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                      {SinkConfigOf("sinkA", kNetwork, 1)}, 0, 0, 6000),
                  kT + 3000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA"));
  // The status of before the removal, held back, does not bring B back.
  state_.Apply(At(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sinkA", kNetwork, 1), SinkConfigOf("sinkB", kNetwork, 2)}, 7000),
      kT + 2500));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA"));
  // Nor does an older set_config answer for B.
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_SET_CONFIG,
                                      {SinkConfigOf("sinkB", kNetwork, 2)}, 0, 0, 8000),
                  kT + 2900));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA"));
  // A sink added later is.
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_SET_CONFIG,
                                      {SinkConfigOf("sinkB", kNetwork, 2)}, 0, 0, 9000),
                  kT + 3100));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA", "gw-1/sinkB"));
}

TEST_F(RegistryStateTest, ASinkReportedByANewerMessageOutlivesAnOlderCompleteList) {
  state_.Apply(At(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sinkA", kNetwork, 1)}, 5000),
      kT + 1000));
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_SET_CONFIG,
                                      {SinkConfigOf("sinkC", kNetwork, 3)}, 0, 0, 6000),
                  kT + 3000));
  // Newer than the status, older than C's report: lists A only.
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                      {SinkConfigOf("sinkA", kNetwork, 1, 7)}, 0, 0, 7000),
                  kT + 2000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA", "gw-1/sinkC"));
  EXPECT_EQ(Sinks()[0].config().network_channel(), 7u) << "newer than A's report: taken";
  // A configuration only moves forward.
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_SET_CONFIG,
                                      {SinkConfigOf("sinkA", kNetwork, 1, 4)}, 0, 0, 8000),
                  kT + 1500));
  EXPECT_EQ(Sinks()[0].config().network_channel(), 7u);
}

TEST_F(RegistryStateTest, StatusesOutOfOrderKeepTheNewest) {
  wm::v1::Event newer = At(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                                       {SinkConfigOf("sinkA", kNetwork, 1, 9)}, 5000),
                           kT + 3000);
  newer.mutable_status()->set_firmware("1.7.0");
  state_.Apply(newer);
  wm::v1::Event older =
      At(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                     {SinkConfigOf("sinkA", kNetwork, 1, 5), SinkConfigOf("sinkB", kNetwork, 2)},
                     6000),
         kT + 2000);
  older.mutable_status()->clear_features();
  state_.Apply(older);
  absl::StatusOr<wm::v1::Gateway> gateway = state_.GetGateway("gw-1");
  ASSERT_TRUE(gateway.ok());
  EXPECT_EQ(gateway->version(), "1.7.0");
  EXPECT_EQ(gateway->features_size(), 1);
  EXPECT_EQ(gateway->last_seen_ms_epoch(), 6000u) << "it was heard, though";
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA"));
  EXPECT_EQ(Sinks()[0].config().network_channel(), 9u);
}

TEST_F(RegistryStateTest, TheLastWillIsOrderedByItsArrivalAndAReconnectionStartsAfresh) {
  state_.Apply(At(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sinkA", kNetwork, 1)}, 5000),
      kT + 60'000));
  // Built when the gateway started: its time is older than the status.
  state_.Apply(At(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_OFFLINE, {}, 6000), kT));
  EXPECT_EQ(state_.GetGateway("gw-1")->state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA"));
  // The gateway restarted with its clock behind; the first status of the new connection
  // describes the gateway as it is.
  state_.Apply(At(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sinkB", kNetwork, 2)}, 7000),
      kT - 50'000));
  EXPECT_EQ(state_.GetGateway("gw-1")->state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkB"));
  // And it is the reference from then on: a newer answer applies, an older one does not.
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                      {SinkConfigOf("sinkB", kNetwork, 2, 9)}, 0, 0, 8000),
                  kT - 49'000));
  EXPECT_EQ(Sinks()[0].config().network_channel(), 9u);
  state_.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                      {SinkConfigOf("sinkA", kNetwork, 1)}, 0, 0, 9000),
                  kT - 51'000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkB"));
}

TEST_F(RegistryStateTest, MessagesWithoutAGatewayTimeFallBackToReceptionOrder) {
  // No times at all (a gateway from before 2022): the later arrival wins, as before.
  state_.Apply(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                           {SinkConfigOf("sinkA", kNetwork, 1), SinkConfigOf("sinkB", kNetwork, 2)},
                           5000));
  state_.Apply(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                   {SinkConfigOf("sinkA", kNetwork, 1)}, 0, 0, 6000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA"));

  // Mixed: an untimed answer arriving after a timed status is newer than it...
  state_.Apply(At(
      StatusEvent("gw-2", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sinkA", kNetwork, 1), SinkConfigOf("sinkB", kNetwork, 2)}, 5000),
      kT + 2000));
  state_.Apply(ConfigResponseEvent(
      "gw-2", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
      {SinkConfigOf("sinkA", kNetwork, 1), SinkConfigOf("sinkB", kNetwork, 2, 9),
       SinkConfigOf("sinkC", kNetwork, 3)},
      0, 0, 6000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA", "gw-2/sinkA", "gw-2/sinkB", "gw-2/sinkC"));
  // ...but an answer made before that status, arriving last, is still older than it.
  state_.Apply(At(ConfigResponseEvent("gw-2", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                      {SinkConfigOf("sinkA", kNetwork, 1)}, 0, 0, 7000),
                  kT + 1000));
  EXPECT_THAT(SinkIds(), ElementsAre("gw-1/sinkA", "gw-2/sinkA", "gw-2/sinkB", "gw-2/sinkC"));
  // An untimed one arriving earlier than what was applied is older.
  state_.Apply(ConfigResponseEvent("gw-2", wm::v1::GATEWAY_METHOD_SET_CONFIG,
                                   {SinkConfigOf("sinkB", kNetwork, 2, 4)}, 0, 0, 5500));
  const std::vector<wm::v1::Sink> sinks = Sinks();
  ASSERT_EQ(sinks.size(), 4u);
  EXPECT_EQ(sinks[2].sink_id(), "sinkB");
  EXPECT_EQ(sinks[2].config().network_channel(), 9u);
}

TEST_F(RegistryStateTest, GatewayInfoAnswersAreOrderedWithTheStatuses) {
  state_.Apply(At(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE, {SinkConfigOf("sinkA", kNetwork, 1)}, 5000),
      kT + 1000));
  wm::v1::Event info = At(
      ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_GW_INFO, {}, 0, 0, 6000), kT + 3000);
  info.mutable_response()->mutable_gateway_info()->set_model("model-y");
  info.mutable_response()->mutable_gateway_info()->set_version("1.7.0");
  info.mutable_response()->mutable_gateway_info()->add_features(
      wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  state_.Apply(info);
  absl::StatusOr<wm::v1::Gateway> gateway = state_.GetGateway("gw-1");
  ASSERT_TRUE(gateway.ok());
  EXPECT_EQ(gateway->model(), "model-y");
  EXPECT_EQ(gateway->version(), "1.7.0");
  EXPECT_THAT(gateway->features(), ElementsAre(wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1));
  EXPECT_FALSE(gateway->has_max_scratchpad_size());

  // A status made between the two, held back: its state counts, its info is older.
  wm::v1::Event status =
      At(StatusEvent("gw-1", wm::v1::GATEWAY_STATE_UNSPECIFIED, {}, 7000), kT + 2000);
  status.mutable_status()->set_firmware("1.6.5");
  state_.Apply(status);
  gateway = state_.GetGateway("gw-1");
  EXPECT_EQ(gateway->version(), "1.7.0");
  EXPECT_EQ(gateway->model(), "model-y");
}

TEST_F(RegistryStateTest, TheTimesOfFactsSurviveARestore) {
  state_.Apply(At(
      StatusEvent("gw-1", wm::v1::GATEWAY_STATE_ONLINE,
                  {SinkConfigOf("sinkA", kNetwork, 1), SinkConfigOf("sinkB", kNetwork, 2)}, 5000),
      kT + 2000));
  StoreBatch batch = state_.TakeDirty();
  ASSERT_EQ(batch.gateways.size(), 1u);
  EXPECT_EQ(batch.gateways[0].sinks, (FactTime{kT + 2000, 5000}));
  EXPECT_EQ(batch.gateways[0].state, (FactTime{kT + 2000, 5000}));
  ASSERT_EQ(batch.sinks.size(), 2u);
  EXPECT_EQ(batch.sinks[0].reported_gateway_ms, static_cast<int64_t>(kT + 2000));

  RegistryState restored({}, nullptr);
  restored.Restore({batch.gateways, batch.sinks, batch.nodes});
  restored.Apply(At(ConfigResponseEvent("gw-1", wm::v1::GATEWAY_METHOD_GET_CONFIGS,
                                        {SinkConfigOf("sinkA", kNetwork, 1)}, 0, 0, 6000),
                    kT + 1000));
  wm::v1::ListSinksResponse sinks;
  restored.ListSinks({}, &sinks);
  EXPECT_EQ(sinks.sinks_size(), 2) << "the restored sinks are newer than the held-back answer";
}

TEST_F(RegistryStateTest, NodeValuesFollowThePacketsRxTimeNotTheirArrival) {
  wm::v1::Event newer = PacketEvent("gw-1", "sink1", kNetwork, 1001, 10'000, kT + 5000, 2);
  SetNodeDiagnostics(&newer, 0x82, 2.95);
  state_.Apply(newer);
  wm::v1::Event older = PacketEvent("gw-1", "sink0", kNetwork, 1001, 11'000, kT + 4000, 5);
  SetNodeDiagnostics(&older, 0x83, 3.10);
  state_.Apply(older);
  absl::StatusOr<wm::v1::Node> node = state_.GetNode(kNetwork, 1001);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->voltage_mv(), 2950u);
  EXPECT_EQ(node->role().base(), wm::v1::BASE_ROLE_ROUTER);
  EXPECT_EQ(node->sink_id(), "sink1");
  EXPECT_EQ(node->hop_count(), 2u);
  EXPECT_EQ(node->packets(), 2u);
  EXPECT_EQ(node->last_seen_ms_epoch(), 11'000u);

  // Without an rx time, arrival orders it.
  wm::v1::Event untimed = PacketEvent("gw-1", "sink0", kNetwork, 1001, 12'000, /*rx_ms=*/0, 3);
  SetNodeDiagnostics(&untimed, 0x82, 2.80);
  state_.Apply(untimed);
  node = state_.GetNode(kNetwork, 1001);
  EXPECT_EQ(node->voltage_mv(), 2800u);
  EXPECT_EQ(node->sink_id(), "sink0");
}

}  // namespace
}  // namespace wm::registry
