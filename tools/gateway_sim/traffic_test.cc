#include "tools/gateway_sim/traffic.h"

#include <map>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/payload_mix.h"
#include "tools/gateway_sim/payloads.h"
#include "tools/gateway_sim/provisioning_node.h"

namespace wm::gateway_sim {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;

const absl::Time kNow = absl::FromUnixMillis(1764151200500);

Topology SmallTopology() {
  TopologyOptions options;
  options.gateways = 2;
  options.sinks_per_gateway = 2;
  options.nodes_per_sink = 5;
  return *BuildTopology(options);
}

TrafficGenerator Generator(const Topology& topology, TrafficOptions options) {
  return TrafficGenerator(topology, options, SimRandom(1), SimRandom(2), [] { return kNow; });
}

std::vector<OutgoingPacket> Drain(TrafficGenerator& traffic, size_t limit = 100000) {
  std::vector<OutgoingPacket> packets;
  while (packets.size() < limit) {
    std::optional<OutgoingPacket> packet = traffic.Next();
    if (!packet.has_value()) break;
    packets.push_back(std::move(*packet));
  }
  return packets;
}

TEST(TrafficTest, StopsAfterCountUniquePacketsPlusTheDuplicatesAndGarbageDue) {
  const Topology topology = SmallTopology();
  TrafficOptions options;
  options.count = 100;
  options.duplicate_ratio = 0.1;
  options.garbage_ratio = 0.05;
  TrafficGenerator traffic = Generator(topology, options);
  const std::vector<OutgoingPacket> packets = Drain(traffic);
  EXPECT_TRUE(traffic.Done());
  EXPECT_EQ(packets.size(), 100u + 10u + 5u);
  EXPECT_EQ(traffic.counts().unique, 100);
  EXPECT_EQ(traffic.counts().duplicates, 10);
  EXPECT_EQ(traffic.counts().garbage, 5);

  std::map<uint64_t, int> seen;  // event id -> times published
  std::set<uint64_t> unique_ids;
  int garbage = 0;
  for (const OutgoingPacket& packet : packets) {
    switch (packet.kind) {
      case PacketKind::kUnique:
        EXPECT_TRUE(unique_ids.insert(packet.event_id).second) << "event ids are unique";
        ++seen[packet.event_id];
        break;
      case PacketKind::kDuplicate:
        EXPECT_EQ(unique_ids.count(packet.event_id), 1u) << "a duplicate repeats a sent packet";
        ++seen[packet.event_id];
        break;
      case PacketKind::kGarbage:
        ++garbage;
        EXPECT_FALSE(wirepas::ParseGenericMessage(packet.payload).ok());
        break;
    }
  }
  EXPECT_EQ(garbage, 5);
  int republished = 0;
  for (const auto& [id, times] : seen) republished += times - 1;
  EXPECT_EQ(republished, 10);
}

TEST(TrafficTest, DuplicatesAreByteForByteCopies) {
  const Topology topology = SmallTopology();
  TrafficOptions options;
  options.count = 20;
  options.duplicate_ratio = 1.0;
  TrafficGenerator traffic = Generator(topology, options);
  std::map<uint64_t, std::pair<std::string, std::string>> sent;
  for (const OutgoingPacket& packet : Drain(traffic)) {
    if (packet.kind == PacketKind::kUnique) {
      sent[packet.event_id] = {packet.topic, packet.payload};
    } else {
      ASSERT_EQ(packet.kind, PacketKind::kDuplicate);
      ASSERT_EQ(sent.count(packet.event_id), 1u);
      EXPECT_EQ(sent[packet.event_id].first, packet.topic);
      EXPECT_EQ(sent[packet.event_id].second, packet.payload);
    }
  }
  EXPECT_EQ(traffic.counts().duplicates, 20);
}

TEST(TrafficTest, CountZeroNeverEnds) {
  const Topology topology = SmallTopology();
  TrafficGenerator traffic = Generator(topology, {});
  EXPECT_EQ(Drain(traffic, 5000).size(), 5000u);
  EXPECT_FALSE(traffic.Done());
}

TEST(TrafficTest, EveryPacketIsACompleteEventMatchingItsTopic) {
  const Topology topology = SmallTopology();
  TrafficOptions options;
  options.count = 500;
  TrafficGenerator traffic = Generator(topology, options);
  std::map<std::pair<int, int>, int> endpoints;
  for (const OutgoingPacket& packet : Drain(traffic)) {
    absl::StatusOr<wirepas::GenericMessage> message = wirepas::ParseGenericMessage(packet.payload);
    ASSERT_TRUE(message.ok()) << message.status();
    ASSERT_TRUE(message->IsInitialized());
    ASSERT_TRUE(wirepas::CheckMessage(*message).ok());
    const gwapi::PacketReceivedEvent& event = message->wirepas().packet_received_event();
    absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(packet.topic);
    ASSERT_TRUE(topic.ok()) << topic.status();
    ASSERT_EQ(topic->kind, wirepas::TopicKind::kReceivedData);
    const SimGateway& gateway = topology.gateways[packet.gateway];
    EXPECT_EQ(topic->gw_id, gateway.id);
    EXPECT_EQ(event.header().gw_id(), gateway.id);
    EXPECT_EQ(event.header().sink_id(), topic->sink_id);
    EXPECT_EQ(event.header().event_id(), packet.event_id);
    EXPECT_EQ(event.header().time_ms_epoch(), 1764151200500u);
    EXPECT_EQ(event.rx_time_ms_epoch(), 1764151200500u);
    EXPECT_EQ(event.source_endpoint(), topic->src_ep);
    EXPECT_EQ(event.destination_endpoint(), topic->dst_ep);
    EXPECT_EQ(event.network_address(), topic->network_address.value_or(0));
    EXPECT_GE(event.hop_count(), 1u);
    EXPECT_GT(event.travel_time_ms(), 0u);
    EXPECT_TRUE(event.has_qos());
    const SimSink* sink = nullptr;
    for (const SimSink& s : gateway.sinks) {
      if (s.id == topic->sink_id) sink = &s;
    }
    ASSERT_NE(sink, nullptr);
    EXPECT_EQ(event.destination_address(), sink->node_address);
    ++endpoints[{topic->src_ep, topic->dst_ep}];
    const size_t size = event.payload().size();
    switch (topic->src_ep) {
      case kTrafficDiagnosticsEndpoint:
        EXPECT_EQ(size, kTrafficDiagnosticsSize);
        break;
      case kNeighborDiagnosticsEndpoint:
        EXPECT_EQ(size % kNeighborRecordSize, 0u);
        break;
      case kNodeDiagnosticsEndpoint:
        EXPECT_TRUE(size == kNodeDiagnosticsSize || size == kNodeDiagnosticsLegacySize) << size;
        break;
      case kBootDiagnosticsEndpoint:
        EXPECT_EQ(size, kBootDiagnosticsSize);
        break;
      case kDiagnosticsV2Endpoint:
        EXPECT_EQ(static_cast<uint8_t>(event.payload()[0]) >> 5, 5) << "a CBOR map";
        break;
      case kProvisioningEndpoint:
        EXPECT_GE(size, 24u);
        EXPECT_EQ(event.payload()[0], 1) << "START";
        break;
      case kAdvertiserEndpoint:
      case kPositioningEndpoint:
      case kRuuviEndpoint:
      case kTestNetworkEndpoint:
        EXPECT_EQ(topic->src_ep, topic->dst_ep);
        EXPECT_GE(size, 2u);
        break;
      default:
        EXPECT_EQ(size, kAppDataSize);
        EXPECT_EQ(topic->src_ep, topic->dst_ep);
        EXPECT_TRUE(topic->src_ep == 1 || topic->src_ep == 10) << topic->src_ep;
    }
    EXPECT_LE(size, kMaxPayloadSize);
  }
  // Every kind shows up, application data most.
  const int app = endpoints[{1, 1}] + endpoints[{10, 10}];
  for (int ep = 251; ep <= 254; ++ep) {
    EXPECT_GT((endpoints[{ep, 255}]), 0) << ep;
    EXPECT_GT(app, (endpoints[{ep, 255}])) << ep;
  }
}

// What the generator knows about a packet's sender, looked up by address.
struct Sender {
  const SimNode* node = nullptr;
  const SimJoiningNode* joining = nullptr;
};

std::map<uint32_t, Sender> SendersByAddress(const Topology& topology) {
  std::map<uint32_t, Sender> senders;
  for (const SimGateway& gateway : topology.gateways) {
    for (const SimSink& sink : gateway.sinks) {
      for (const SimNode& node : sink.nodes) senders[node.address].node = &node;
      for (const SimJoiningNode& node : sink.joining_nodes) senders[node.address].joining = &node;
    }
  }
  return senders;
}

const gwapi::PacketReceivedEvent& EventOf(const OutgoingPacket& packet,
                                          wirepas::GenericMessage& storage) {
  storage = *wirepas::ParseGenericMessage(packet.payload);
  return storage.wirepas().packet_received_event();
}

TEST(TrafficTest, TheDefaultMixSendsEveryKindWithApplicationDataMostOften) {
  const Topology topology = *BuildTopology({});  // 80 nodes
  TrafficOptions options;
  options.count = 4000;
  options.booted_share = 0;
  TrafficGenerator traffic = Generator(topology, options);
  std::map<std::pair<int, int>, int> pairs;
  for (const OutgoingPacket& packet : Drain(traffic)) {
    absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(packet.topic);
    ++pairs[{topic->src_ep, topic->dst_ep}];
  }
  const int app = pairs[{1, 1}] + pairs[{10, 10}];
  const std::vector<std::pair<int, int>> others = {{251, 255}, {252, 255}, {253, 255},
                                                   {247, 255}, {200, 200}, {238, 238},
                                                   {11, 11},   {100, 100}, {246, 255}};
  for (const auto& pair : others) {
    EXPECT_GT(pairs[pair], 0) << pair.first << "->" << pair.second;
    EXPECT_GT(app, 4 * pairs[pair]) << pair.first << "->" << pair.second;
  }
  EXPECT_EQ((pairs[{254, 255}]), 0) << "boot diagnostics only after a boot";
  EXPECT_EQ((pairs[{240, 255}]), 0) << "MSAP responses only answer requests";
  // About 55 of 100 packets (the default weights), give or take.
  EXPECT_GT(app, 4000 * 0.45);
  EXPECT_LT(app, 4000 * 0.65);
}

TEST(TrafficTest, KindsFollowTheirWeights) {
  const Topology topology = *BuildTopology({});
  TrafficOptions options;
  options.count = 4000;
  options.booted_share = 0;
  options.payload_mix = *ParsePayloadMix("app_data=3,ruuvi=1");
  TrafficGenerator traffic = Generator(topology, options);
  int app = 0, ruuvi = 0;
  for (const OutgoingPacket& packet : Drain(traffic)) {
    const int src_ep = wirepas::ParseTopic(packet.topic)->src_ep;
    (src_ep == kRuuviEndpoint ? ruuvi : app)++;
    EXPECT_TRUE(src_ep == kRuuviEndpoint || src_ep == 1 || src_ep == 10) << src_ep;
  }
  EXPECT_NEAR(ruuvi / 4000.0, 0.25, 0.03);
}

TEST(TrafficTest, EveryKindComesFromANodeThatSendsIt) {
  const Topology topology = *BuildTopology({});
  const std::map<uint32_t, Sender> senders = SendersByAddress(topology);
  TrafficOptions options;
  options.count = 3000;
  options.booted_share = 0.5;
  // Equal weights: every kind often enough to check.
  PayloadMix equal;
  equal.weights.fill(1);
  options.payload_mix = equal;
  TrafficGenerator traffic = Generator(topology, options);
  std::map<uint32_t, int> last_session;  // joining node -> session id of its last START
  std::set<size_t> node_diagnostics_sizes;
  std::set<uint8_t> advertiser_widths;
  wirepas::GenericMessage storage;
  for (const OutgoingPacket& packet : Drain(traffic)) {
    const gwapi::PacketReceivedEvent& event = EventOf(packet, storage);
    const Sender& sender = senders.at(event.source_address());
    const uint32_t src_ep = event.source_endpoint();
    if (src_ep == kProvisioningEndpoint) {
      ASSERT_NE(sender.joining, nullptr) << "START from a node already in the network";
      EXPECT_EQ(event.hop_count(), sender.joining->hop_count);
      const auto session = static_cast<uint8_t>(event.payload()[5]);
      if (last_session.count(event.source_address()) > 0) {
        EXPECT_EQ(session, static_cast<uint8_t>(last_session[event.source_address()] + 1))
            << "each START opens the next session";
      }
      last_session[event.source_address()] = session;
      continue;
    }
    ASSERT_NE(sender.node, nullptr) << "a joining node sends only START";
    const SimNode& node = *sender.node;
    EXPECT_EQ(event.hop_count(), node.hop_count);
    switch (src_ep) {
      case kTrafficDiagnosticsEndpoint:
      case kNeighborDiagnosticsEndpoint:
        EXPECT_FALSE(node.diagnostics_v2);
        break;
      case kNodeDiagnosticsEndpoint:
        EXPECT_FALSE(node.diagnostics_v2);
        EXPECT_EQ(event.payload().size(), NodeDiagnosticsSize(node.firmware));
        node_diagnostics_sizes.insert(event.payload().size());
        break;
      case kDiagnosticsV2Endpoint:
        EXPECT_TRUE(node.diagnostics_v2);
        EXPECT_GE(node.firmware.major, 5u);
        break;
      case kBootDiagnosticsEndpoint:
        break;
      case kAdvertiserEndpoint:
        EXPECT_EQ(node.role & 0x0F, 0x02) << "only routers report advertiser tags";
        EXPECT_EQ(static_cast<uint8_t>(event.payload()[0]) >> 7,
                  node.advertiser_address_bytes == 4 ? 1 : 0);
        advertiser_widths.insert(node.advertiser_address_bytes);
        break;
      case kPositioningEndpoint:
        EXPECT_EQ(node.application, NodeApplication::kPositioningTag);
        break;
      case kRuuviEndpoint:
        EXPECT_EQ(node.application, NodeApplication::kRuuviTag);
        break;
      case kTestNetworkEndpoint:
        EXPECT_EQ(node.application, NodeApplication::kTestNetwork);
        break;
      default:
        EXPECT_EQ(node.application, NodeApplication::kSensor);
        EXPECT_EQ(src_ep, node.app_endpoint);
        EXPECT_EQ(event.qos(), node.app_qos);
    }
  }
  EXPECT_EQ(node_diagnostics_sizes, (std::set<size_t>{59, 67}));
  EXPECT_EQ(advertiser_widths, (std::set<uint8_t>{3, 4}));
  EXPECT_FALSE(last_session.empty());
}

TEST(TrafficTest, AMixOfKindsNoNodeSendsGivesNoPackets) {
  TopologyOptions topology_options;
  topology_options.nodes_per_sink = 1;  // no routers, so nobody reports advertiser tags
  const Topology topology = *BuildTopology(topology_options);
  TrafficOptions options;
  options.payload_mix = *ParsePayloadMix("advertiser=1");
  TrafficGenerator traffic = Generator(topology, options);
  EXPECT_TRUE(traffic.Done());
  EXPECT_FALSE(traffic.Next().has_value());
}

TEST(TrafficTest, AJustBootedNodesFirstPacketIsBootDiagnostics) {
  TopologyOptions options;
  options.gateways = 1;
  options.sinks_per_gateway = 1;
  options.nodes_per_sink = 1;
  const Topology topology = *BuildTopology(options);
  TrafficOptions traffic_options;
  traffic_options.count = 3;
  traffic_options.booted_share = 1;
  TrafficGenerator traffic = Generator(topology, traffic_options);
  std::vector<OutgoingPacket> packets = Drain(traffic);
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(wirepas::ParseTopic(packets[0].topic)->src_ep, kBootDiagnosticsEndpoint);
  EXPECT_NE(wirepas::ParseTopic(packets[1].topic)->src_ep, kBootDiagnosticsEndpoint);
  EXPECT_NE(wirepas::ParseTopic(packets[2].topic)->src_ep, kBootDiagnosticsEndpoint);
}

TEST(TrafficTest, OnlyTheBootedShareStartsWithBootDiagnostics) {
  TopologyOptions options;
  options.gateways = 1;
  options.sinks_per_gateway = 1;
  options.nodes_per_sink = 400;
  const Topology topology = *BuildTopology(options);
  TrafficOptions traffic_options;
  traffic_options.count = 200;
  traffic_options.booted_share = 0.25;
  TrafficGenerator traffic = Generator(topology, traffic_options);
  int boot = 0;
  for (const OutgoingPacket& packet : Drain(traffic)) {
    if (wirepas::ParseTopic(packet.topic)->src_ep == kBootDiagnosticsEndpoint) ++boot;
  }
  // About a quarter of 200 mostly distinct nodes; far from all of them.
  EXPECT_GT(boot, 20);
  EXPECT_LT(boot, 90);
}

TEST(TrafficTest, GarbageCanGoToAMalformedTopic) {
  const Topology topology = SmallTopology();
  TrafficOptions options;
  options.count = 10;
  options.garbage_ratio = 0.4;
  options.garbage_on_malformed_topic = true;
  TrafficGenerator traffic = Generator(topology, options);
  int malformed = 0;
  int well_formed = 0;
  for (const OutgoingPacket& packet : Drain(traffic)) {
    if (packet.kind != PacketKind::kGarbage) continue;
    (wirepas::ParseTopic(packet.topic).ok() ? well_formed : malformed)++;
  }
  EXPECT_EQ(malformed, 2);
  EXPECT_EQ(well_formed, 2);
}

TEST(TrafficTest, SameSeedSameTraffic) {
  const Topology topology = SmallTopology();
  TrafficOptions options;
  options.count = 50;
  TrafficGenerator a = Generator(topology, options);
  TrafficGenerator b = Generator(topology, options);
  std::vector<OutgoingPacket> pa = Drain(a);
  std::vector<OutgoingPacket> pb = Drain(b);
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].topic, pb[i].topic);
    EXPECT_EQ(pa[i].payload, pb[i].payload);
  }
}

TEST(TrafficTest, NoNodesNoPackets) {
  TopologyOptions options;
  options.nodes_per_sink = 0;
  const Topology topology = *BuildTopology(options);
  TrafficGenerator traffic = Generator(topology, {});
  EXPECT_TRUE(traffic.Done());
  EXPECT_FALSE(traffic.Next().has_value());
}

// The joining nodes of `topology` as the simulator keeps them, by gateway, sink and node.
struct JoiningStates {
  explicit JoiningStates(const Topology& topology) {
    for (const SimGateway& gateway : topology.gateways) {
      states.emplace_back();
      for (const SimSink& sink : gateway.sinks) {
        states.back().emplace_back();
        for (const SimJoiningNode& node : sink.joining_nodes) {
          states.back().back().push_back(JoiningNodeState{node});
        }
      }
    }
  }
  JoiningNodeLookup Lookup() {
    return [this](size_t g, size_t s, size_t n) { return &states[g][s][n]; };
  }
  std::vector<std::vector<std::vector<JoiningNodeState>>> states;
};

TEST(TrafficTest, AStartOpensTheSessionTheNodeRemembers) {
  const Topology topology = SmallTopology();
  JoiningStates joining(topology);
  TrafficOptions options;
  options.payload_mix = *ParsePayloadMix("provisioning_start=1");
  TrafficGenerator traffic(
      topology, options, SimRandom(1), SimRandom(2), [] { return kNow; }, joining.Lookup());
  wirepas::GenericMessage storage;
  for (int i = 0; i < 20; ++i) {
    const std::optional<OutgoingPacket> packet = traffic.Next();
    ASSERT_TRUE(packet.has_value());
    const gwapi::PacketReceivedEvent& event = EventOf(*packet, storage);
    const JoiningNodeState& state =
        joining.states[packet->gateway][packet->sink][0];  // one joining node per sink
    ASSERT_EQ(event.source_address(), state.node.address);
    ASSERT_TRUE(state.pending.has_value());
    EXPECT_EQ(state.pending->session_id, static_cast<uint8_t>(event.payload()[5]));
    EXPECT_EQ(state.pending->iv, event.payload().substr(7, 16));
  }
}

TEST(TrafficTest, ProvisionedNodesSendNoMoreStart) {
  const Topology topology = SmallTopology();
  JoiningStates joining(topology);
  TrafficOptions options;
  options.payload_mix = *ParsePayloadMix("provisioning_start=1,app_data=1");
  TrafficGenerator traffic(
      topology, options, SimRandom(1), SimRandom(2), [] { return kNow; }, joining.Lookup());
  // Three of the four joining nodes are provisioned.
  std::set<uint32_t> provisioned;
  for (size_t g = 0; g < 2; ++g) {
    for (size_t s = 0; s < 2; ++s) {
      if (g == 1 && s == 1) continue;
      joining.states[g][s][0].provisioned = true;
      provisioned.insert(joining.states[g][s][0].node.address);
    }
  }
  const uint32_t asking = joining.states[1][1][0].node.address;
  wirepas::GenericMessage storage;
  int starts = 0;
  for (const OutgoingPacket& packet : Drain(traffic, 400)) {
    const gwapi::PacketReceivedEvent& event = EventOf(packet, storage);
    if (event.source_endpoint() != kProvisioningEndpoint) continue;
    EXPECT_EQ(event.source_address(), asking);
    ++starts;
  }
  EXPECT_GT(starts, 100) << "the one still asking takes every START";

  // Once every one is in, the other kinds go on alone.
  joining.states[1][1][0].provisioned = true;
  const std::vector<OutgoingPacket> after = Drain(traffic, 200);
  ASSERT_EQ(after.size(), 200u);
  for (const OutgoingPacket& packet : after) {
    EXPECT_NE(EventOf(packet, storage).source_endpoint(), kProvisioningEndpoint);
  }
  EXPECT_FALSE(traffic.Done());
}

TEST(TrafficTest, AMixOfStartsAloneEndsOnceEveryJoiningNodeIsProvisioned) {
  const Topology topology = SmallTopology();
  JoiningStates joining(topology);
  TrafficOptions options;
  options.payload_mix = *ParsePayloadMix("provisioning_start=1");
  TrafficGenerator traffic(
      topology, options, SimRandom(1), SimRandom(2), [] { return kNow; }, joining.Lookup());
  EXPECT_EQ(Drain(traffic, 10).size(), 10u);
  for (auto& gateway : joining.states) {
    for (auto& sink : gateway) {
      for (JoiningNodeState& state : sink) state.provisioned = true;
    }
  }
  EXPECT_FALSE(traffic.Next().has_value());
  EXPECT_TRUE(traffic.Done());
}

}  // namespace
}  // namespace wm::gateway_sim
