#include "tools/gateway_sim/traffic.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/payloads.h"

namespace wm::gateway_sim {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;

constexpr size_t kRecentPackets = 64;

}  // namespace

TrafficGenerator::TrafficGenerator(const Topology& topology, TrafficOptions options,
                                   SimRandom traffic_random, SimRandom event_ids, Clock clock,
                                   JoiningNodeLookup joining_nodes)
    : topology_(topology),
      options_(options),
      random_(std::move(traffic_random)),
      event_ids_(std::move(event_ids)),
      clock_(std::move(clock)),
      joining_lookup_(std::move(joining_nodes)) {
  for (size_t g = 0; g < topology_.gateways.size(); ++g) {
    const SimGateway& gateway = topology_.gateways[g];
    for (size_t s = 0; s < gateway.sinks.size(); ++s) {
      const SimSink& sink = gateway.sinks[s];
      for (size_t n = 0; n < sink.nodes.size(); ++n) nodes_.push_back({g, s, n});
      for (size_t n = 0; n < sink.joining_nodes.size(); ++n) joining_nodes_.push_back({g, s, n});
    }
  }
  node_traffic_.resize(nodes_.size());
  for (NodeTraffic& traffic : node_traffic_) {
    traffic.app_sequence = static_cast<uint16_t>(random_.Uniform(0, 0xFFFF));
    traffic.adv_message_count = static_cast<uint8_t>(random_.Uniform(0, 0xFF));
    traffic.boot_pending = random_.Chance(options_.booted_share);
  }
  joining_sessions_.resize(joining_nodes_.size());
  for (uint8_t& session : joining_sessions_) {
    session = static_cast<uint8_t>(random_.Uniform(0, 0xFF));
  }
  if (!joining_lookup_) {
    own_joining_.reserve(joining_nodes_.size());
    for (const NodeRef& ref : joining_nodes_) {
      own_joining_.push_back(JoiningNodeState{
          topology_.gateways[ref.gateway].sinks[ref.sink].joining_nodes[ref.node]});
    }
  }
  IndexSenders();
}

void TrafficGenerator::IndexSenders() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const NodeRef& ref = nodes_[i];
    const SimNode& node = topology_.gateways[ref.gateway].sinks[ref.sink].nodes[ref.node];
    switch (node.application) {
      case NodeApplication::kSensor:
        senders_[static_cast<size_t>(PayloadKind::kAppData)].push_back(i);
        break;
      case NodeApplication::kRuuviTag:
        senders_[static_cast<size_t>(PayloadKind::kRuuvi)].push_back(i);
        break;
      case NodeApplication::kPositioningTag:
        senders_[static_cast<size_t>(PayloadKind::kPositioning)].push_back(i);
        break;
      case NodeApplication::kTestNetwork:
        senders_[static_cast<size_t>(PayloadKind::kTestNetwork)].push_back(i);
        break;
    }
    if (node.diagnostics_v2) {
      senders_[static_cast<size_t>(PayloadKind::kDiagnosticsV2)].push_back(i);
    } else {
      for (PayloadKind kind : {PayloadKind::kTrafficDiagnostics, PayloadKind::kNeighborDiagnostics,
                               PayloadKind::kNodeDiagnostics}) {
        senders_[static_cast<size_t>(kind)].push_back(i);
      }
    }
    if (!node.advertiser_tags.empty()) {
      senders_[static_cast<size_t>(PayloadKind::kAdvertiser)].push_back(i);
    }
  }
  // Joining nodes are heard through the mesh, so they send only while it has nodes.
  if (!nodes_.empty()) {
    for (size_t i = 0; i < joining_nodes_.size(); ++i) {
      senders_[static_cast<size_t>(PayloadKind::kProvisioningStart)].push_back(i);
    }
  }
  double cumulated = 0;
  for (size_t k = 0; k < kPayloadKindCount; ++k) {
    const auto kind = static_cast<PayloadKind>(k);
    const double weight = options_.payload_mix.weight(kind);
    if (weight > 0 && !senders_[k].empty()) {
      cumulated += weight;
      kinds_.push_back({kind, cumulated});
    }
  }
  double without = 0;
  for (size_t k = 0; k < kPayloadKindCount; ++k) {
    const auto kind = static_cast<PayloadKind>(k);
    const double weight = options_.payload_mix.weight(kind);
    if (kind != PayloadKind::kProvisioningStart && weight > 0 && !senders_[k].empty()) {
      without += weight;
      kinds_without_provisioning_.push_back({kind, without});
    }
  }
}

const std::vector<TrafficGenerator::KindChoice>& TrafficGenerator::Kinds() const {
  return all_joined_ ? kinds_without_provisioning_ : kinds_;
}

PayloadKind TrafficGenerator::DrawKind() {
  const std::vector<KindChoice>& kinds = Kinds();
  const double draw = random_.UnitDouble() * kinds.back().cumulated_weight;
  for (const KindChoice& choice : kinds) {
    if (draw < choice.cumulated_weight) return choice.kind;
  }
  return kinds.back().kind;  // rounding at the very top
}

JoiningNodeState& TrafficGenerator::JoiningState(size_t index) {
  if (!joining_lookup_) return own_joining_[index];
  const NodeRef& ref = joining_nodes_[index];
  return *joining_lookup_(ref.gateway, ref.sink, ref.node);
}

std::optional<size_t> TrafficGenerator::PickJoiningNode(const std::vector<size_t>& senders) {
  const size_t first = random_.Uniform(0, senders.size() - 1);
  for (size_t i = 0; i < senders.size(); ++i) {
    const size_t index = senders[(first + i) % senders.size()];
    if (!JoiningState(index).provisioned) return index;
  }
  return std::nullopt;
}

int64_t TrafficGenerator::Due(int64_t unique, double ratio) {
  if (ratio <= 0) return 0;
  // The small epsilon keeps e.g. 10 * 0.1 at 1 despite binary rounding.
  return static_cast<int64_t>(std::floor(static_cast<double>(unique) * ratio + 1e-9));
}

bool TrafficGenerator::Done() const {
  if (duplicates_owed_ > 0 || garbage_owed_ > 0) return false;
  if (Kinds().empty()) return true;
  return options_.count > 0 && counts_.unique >= options_.count;
}

std::optional<OutgoingPacket> TrafficGenerator::Next() {
  if (duplicates_owed_ > 0 && !recent_.empty()) {
    --duplicates_owed_;
    return NextDuplicate();
  }
  if (garbage_owed_ > 0) {
    --garbage_owed_;
    return NextGarbage();
  }
  if (Done()) return std::nullopt;
  std::optional<OutgoingPacket> unique = NextUnique();
  if (!unique.has_value()) return std::nullopt;
  OutgoingPacket packet = *std::move(unique);
  duplicates_owed_ += Due(counts_.unique, options_.duplicate_ratio) -
                      Due(counts_.unique - 1, options_.duplicate_ratio);
  garbage_owed_ +=
      Due(counts_.unique, options_.garbage_ratio) - Due(counts_.unique - 1, options_.garbage_ratio);
  if (options_.duplicate_ratio > 0) {
    recent_.push_back(packet);
    if (recent_.size() > kRecentPackets) recent_.pop_front();
  }
  return packet;
}

std::optional<OutgoingPacket> TrafficGenerator::NextUnique() {
  PayloadKind kind = DrawKind();
  if (kind == PayloadKind::kProvisioningStart) {
    const std::optional<size_t> joining =
        PickJoiningNode(senders_[static_cast<size_t>(PayloadKind::kProvisioningStart)]);
    if (joining.has_value()) {
      const size_t index = *joining;
      const NodeRef& ref = joining_nodes_[index];
      JoiningNodeState& state = JoiningState(index);
      // Each START opens a new session (a node that got no answer starts over).
      UniqueContent content;
      content.src_ep = kProvisioningEndpoint;
      content.dst_ep = kDiagnosticsDestinationEndpoint;
      content.payload = StartProvisioning(state, joining_sessions_[index]++, random_);
      return BuildPacket(ref.gateway, ref.sink, state.node.address, state.node.hop_count,
                         std::move(content));
    }
    // Every joining node is in the network now: the others' traffic goes on.
    all_joined_ = true;
    if (Kinds().empty()) return std::nullopt;
    kind = DrawKind();
  }
  const std::vector<size_t>& senders = senders_[static_cast<size_t>(kind)];
  const size_t index = senders[random_.Uniform(0, senders.size() - 1)];
  const NodeRef& ref = nodes_[index];
  const SimSink& sink = topology_.gateways[ref.gateway].sinks[ref.sink];
  const SimNode& node = sink.nodes[ref.node];
  return BuildPacket(ref.gateway, ref.sink, node.address, node.hop_count, NodeContent(kind, index));
}

TrafficGenerator::UniqueContent TrafficGenerator::NodeContent(PayloadKind kind, size_t index) {
  const NodeRef& ref = nodes_[index];
  const SimSink& sink = topology_.gateways[ref.gateway].sinks[ref.sink];
  const SimNode& node = sink.nodes[ref.node];
  NodeTraffic& traffic = node_traffic_[index];
  UniqueContent content;
  // Diagnostics go to the sink's endpoint 255 at normal priority.
  const auto to_sink = [&](uint8_t src_ep, std::string payload) {
    content.src_ep = src_ep;
    content.dst_ep = kDiagnosticsDestinationEndpoint;
    content.payload = std::move(payload);
  };
  // Application kinds use one endpoint both ways.
  const auto both_ways = [&](uint8_t endpoint, std::string payload) {
    content.src_ep = endpoint;
    content.dst_ep = endpoint;
    content.payload = std::move(payload);
  };
  if (traffic.boot_pending) {
    traffic.boot_pending = false;
    to_sink(kBootDiagnosticsEndpoint, BootDiagnosticsPayload(node));
    return content;
  }
  switch (kind) {
    case PayloadKind::kAppData:
      both_ways(node.app_endpoint, AppDataPayload(node, traffic.app_sequence++, random_));
      content.qos = node.app_qos;
      break;
    case PayloadKind::kTrafficDiagnostics:
      to_sink(kTrafficDiagnosticsEndpoint,
              TrafficDiagnosticsPayload(node, sink.network_channel, random_));
      break;
    case PayloadKind::kNeighborDiagnostics:
      to_sink(kNeighborDiagnosticsEndpoint,
              NeighborDiagnosticsPayload(node, sink.network_channel, random_));
      break;
    case PayloadKind::kNodeDiagnostics:
      to_sink(kNodeDiagnosticsEndpoint, NodeDiagnosticsPayload(node, random_));
      break;
    case PayloadKind::kDiagnosticsV2:
      to_sink(kDiagnosticsV2Endpoint,
              DiagnosticsV2Payload(node, sink.node_address, sink.network_channel, random_));
      break;
    case PayloadKind::kAdvertiser:
      both_ways(kAdvertiserEndpoint, AdvertiserPayload(node, traffic.adv_message_count++, random_));
      break;
    case PayloadKind::kPositioning:
      both_ways(kPositioningEndpoint, PositioningPayload(node, traffic.app_sequence++, random_));
      break;
    case PayloadKind::kRuuvi:
      both_ways(kRuuviEndpoint, RuuviPayload(node, traffic.app_sequence++, random_));
      break;
    case PayloadKind::kTestNetwork:
      both_ways(kTestNetworkEndpoint, TestNetworkPayload(node, traffic.app_sequence++, random_));
      break;
    case PayloadKind::kProvisioningStart:
      break;  // joining nodes only (NextUnique)
  }
  return content;
}

OutgoingPacket TrafficGenerator::BuildPacket(size_t gateway_index, size_t sink_index,
                                             uint32_t source_address, uint32_t hop_count,
                                             UniqueContent content) {
  const SimGateway& gateway = topology_.gateways[gateway_index];
  const SimSink& sink = gateway.sinks[sink_index];
  const absl::Time now = clock_();
  const uint64_t now_ms = static_cast<uint64_t>(absl::ToUnixMillis(now));
  OutgoingPacket packet;
  packet.kind = PacketKind::kUnique;
  packet.gateway = gateway_index;
  packet.sink = sink_index;
  packet.event_id = event_ids_.Next();
  packet.topic = wirepas::ReceivedDataTopic(gateway.id, sink.id, sink.network_address,
                                            content.src_ep, content.dst_ep);

  scratch_.Clear();
  gwapi::PacketReceivedEvent* event = scratch_.mutable_wirepas()->mutable_packet_received_event();
  gwapi::EventHeader* header = event->mutable_header();
  header->set_gw_id(gateway.id);
  header->set_sink_id(sink.id);
  header->set_event_id(packet.event_id);
  header->set_time_ms_epoch(now_ms);
  event->set_source_address(source_address);
  event->set_destination_address(sink.node_address);
  event->set_source_endpoint(content.src_ep);
  event->set_destination_endpoint(content.dst_ep);
  event->set_travel_time_ms(MeshTravelTimeMs(hop_count, random_));
  event->set_rx_time_ms_epoch(now_ms);
  event->set_qos(content.qos);
  event->set_payload(std::move(content.payload));
  event->set_hop_count(hop_count);
  event->set_network_address(sink.network_address);
  scratch_.SerializeToString(&packet.payload);

  ++counts_.unique;
  return packet;
}

OutgoingPacket TrafficGenerator::NextDuplicate() {
  OutgoingPacket packet = recent_[random_.Uniform(0, recent_.size() - 1)];
  packet.kind = PacketKind::kDuplicate;
  ++counts_.duplicates;
  return packet;
}

OutgoingPacket TrafficGenerator::NextGarbage() {
  OutgoingPacket packet;
  packet.kind = PacketKind::kGarbage;
  if (!nodes_.empty()) {
    const NodeRef& ref = nodes_[random_.Uniform(0, nodes_.size() - 1)];
    packet.gateway = ref.gateway;
  }
  const SimGateway& gateway = topology_.gateways[packet.gateway];
  packet.sink = random_.Uniform(0, gateway.sinks.size() - 1);
  const SimSink& sink = gateway.sinks[packet.sink];
  const bool malformed_topic = options_.garbage_on_malformed_topic && counts_.garbage % 2 == 1;
  packet.topic =
      malformed_topic
          ? absl::StrCat("gw-event/received_data/", gateway.id, "/", sink.id, "/not-a-network/1")
          : wirepas::ReceivedDataTopic(gateway.id, sink.id, sink.network_address, 1, 1);
  // Byte 0x07 is a tag with field number 0 and wire type 7, both invalid, so no protobuf
  // parser accepts the payload whatever follows.
  packet.payload = "\x07" + random_.Bytes(random_.Uniform(4, 40));
  ++counts_.garbage;
  return packet;
}

}  // namespace wm::gateway_sim
