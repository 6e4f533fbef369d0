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

// The mesh reports travel time in 1/128 s; the gateway converts it to whole milliseconds.
uint32_t TravelTimeMs(uint32_t hop_count, SimRandom& random) {
  uint64_t ticks = 0;
  for (uint32_t hop = 0; hop < hop_count; ++hop) ticks += random.Uniform(4, 80);
  return static_cast<uint32_t>(ticks * 1000 / 128);
}

}  // namespace

TrafficGenerator::TrafficGenerator(const Topology& topology, TrafficOptions options,
                                   SimRandom traffic_random, SimRandom event_ids, Clock clock)
    : topology_(topology),
      options_(options),
      random_(std::move(traffic_random)),
      event_ids_(std::move(event_ids)),
      clock_(std::move(clock)) {
  for (size_t g = 0; g < topology_.gateways.size(); ++g) {
    const SimGateway& gateway = topology_.gateways[g];
    for (size_t s = 0; s < gateway.sinks.size(); ++s) {
      for (size_t n = 0; n < gateway.sinks[s].nodes.size(); ++n) nodes_.push_back({g, s, n});
    }
  }
  node_traffic_.resize(nodes_.size());
  const int every = options_.diagnostics_every > 0 ? options_.diagnostics_every : 1;
  for (NodeTraffic& traffic : node_traffic_) {
    traffic.diagnostics_offset = static_cast<uint32_t>(random_.Uniform(0, every - 1));
    traffic.app_sequence = static_cast<uint16_t>(random_.Uniform(0, 0xFFFF));
    traffic.boot_pending = random_.Chance(options_.booted_share);
  }
}

int64_t TrafficGenerator::Due(int64_t unique, double ratio) {
  if (ratio <= 0) return 0;
  // The small epsilon keeps e.g. 10 * 0.1 at 1 despite binary rounding.
  return static_cast<int64_t>(std::floor(static_cast<double>(unique) * ratio + 1e-9));
}

bool TrafficGenerator::Done() const {
  if (duplicates_owed_ > 0 || garbage_owed_ > 0) return false;
  if (nodes_.empty()) return true;
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
  OutgoingPacket packet = NextUnique();
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

OutgoingPacket TrafficGenerator::NextUnique() {
  const size_t index = random_.Uniform(0, nodes_.size() - 1);
  const NodeRef& ref = nodes_[index];
  NodeTraffic& traffic = node_traffic_[index];
  const SimGateway& gateway = topology_.gateways[ref.gateway];
  const SimSink& sink = gateway.sinks[ref.sink];
  const SimNode& node = sink.nodes[ref.node];

  uint8_t src_ep = node.app_endpoint;
  uint8_t dst_ep = node.app_endpoint;
  uint32_t qos = node.app_qos;
  std::string payload;
  const int every = options_.diagnostics_every > 0 ? options_.diagnostics_every : 1;
  const uint32_t turn = traffic.packets_sent + traffic.diagnostics_offset;
  if (traffic.boot_pending) {
    traffic.boot_pending = false;
    src_ep = kBootDiagnosticsEndpoint;
    payload = BootDiagnosticsPayload(node);
  } else if (turn % every == 0) {
    switch ((turn / every) % 3) {
      case 0:
        src_ep = kTrafficDiagnosticsEndpoint;
        payload = TrafficDiagnosticsPayload(node, sink.network_channel, random_);
        break;
      case 1:
        src_ep = kNodeDiagnosticsEndpoint;
        payload = NodeDiagnosticsPayload(node, random_);
        break;
      default:
        src_ep = kNeighborDiagnosticsEndpoint;
        payload = NeighborDiagnosticsPayload(node, sink.network_channel, random_);
        break;
    }
  } else {
    payload = AppDataPayload(node, traffic.app_sequence++, random_);
  }
  if (src_ep != node.app_endpoint) {
    dst_ep = kDiagnosticsDestinationEndpoint;
    qos = 0;
  }
  ++traffic.packets_sent;

  const absl::Time now = clock_();
  const uint64_t now_ms = static_cast<uint64_t>(absl::ToUnixMillis(now));
  OutgoingPacket packet;
  packet.kind = PacketKind::kUnique;
  packet.gateway = ref.gateway;
  packet.event_id = event_ids_.Next();
  packet.topic =
      wirepas::ReceivedDataTopic(gateway.id, sink.id, sink.network_address, src_ep, dst_ep);

  scratch_.Clear();
  gwapi::PacketReceivedEvent* event = scratch_.mutable_wirepas()->mutable_packet_received_event();
  gwapi::EventHeader* header = event->mutable_header();
  header->set_gw_id(gateway.id);
  header->set_sink_id(sink.id);
  header->set_event_id(packet.event_id);
  header->set_time_ms_epoch(now_ms);
  event->set_source_address(node.address);
  event->set_destination_address(sink.node_address);
  event->set_source_endpoint(src_ep);
  event->set_destination_endpoint(dst_ep);
  event->set_travel_time_ms(TravelTimeMs(node.hop_count, random_));
  event->set_rx_time_ms_epoch(now_ms);
  event->set_qos(qos);
  event->set_payload(std::move(payload));
  event->set_hop_count(node.hop_count);
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
  const SimSink& sink = gateway.sinks[random_.Uniform(0, gateway.sinks.size() - 1)];
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
