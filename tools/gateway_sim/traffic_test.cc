#include "tools/gateway_sim/traffic.h"

#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/payloads.h"

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
        EXPECT_EQ(size, kNodeDiagnosticsSize);
        break;
      case kBootDiagnosticsEndpoint:
        EXPECT_EQ(size, kBootDiagnosticsSize);
        break;
      default:
        EXPECT_EQ(size, kAppDataSize);
        EXPECT_EQ(topic->src_ep, topic->dst_ep);
    }
  }
  // Every kind shows up, application data most.
  const int app = endpoints[{1, 1}] + endpoints[{10, 10}];
  for (int ep = 251; ep <= 254; ++ep) {
    EXPECT_GT((endpoints[{ep, 255}]), 0) << ep;
    EXPECT_GT(app, (endpoints[{ep, 255}])) << ep;
  }
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

}  // namespace
}  // namespace wm::gateway_sim
