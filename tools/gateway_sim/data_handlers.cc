#include "tools/gateway_sim/data_handlers.h"

#include <optional>
#include <string>
#include <utility>

#include "libs/decoders/msap_frames.h"
#include "libs/decoders/provisioning_frame.h"
#include "tools/gateway_sim/msap_node.h"
#include "tools/gateway_sim/payloads.h"
#include "tools/gateway_sim/provisioning_node.h"

namespace wm::gateway_sim {
namespace {

constexpr uint32_t kMaxEndpoint = 255;
constexpr uint32_t kMaxQos = 1;

bool IsMsapRequest(const gwapi::SendPacketReq& send) {
  return send.source_endpoint() == decoders::kMsapRequestSourceEndpoint &&
         send.destination_endpoint() == decoders::kMsapRequestDestinationEndpoint;
}

// A provisioning server's DATA or NACK: from its endpoint 255 to the joining node's 246.
bool IsProvisioningDownlink(const gwapi::SendPacketReq& send) {
  return send.source_endpoint() == decoders::kProvisioningServerEndpoint &&
         send.destination_endpoint() == decoders::kProvisioningNodeEndpoint;
}

gwapi::ErrorCode CheckSendData(const gwapi::SendPacketReq& send, const SinkState* sink) {
  if (sink == nullptr) return gwapi::INVALID_SINK_ID;
  if (send.hop_limit() > kMaxHopLimit) return gwapi::INVALID_MAX_HOP_COUNT;
  if (send.payload().size() > kMaxSendDataPayload) return gwapi::INVALID_PARAM;
  // The gateway passes endpoints and QoS to the sink as bytes and the sink takes QoS 0 and 1
  // only: what does not fit is an invalid value, INVALID_PARAM (docs/reference-gateway.md).
  if (send.qos() > kMaxQos) return gwapi::INVALID_PARAM;
  if (send.source_endpoint() > kMaxEndpoint) return gwapi::INVALID_PARAM;
  if (send.destination_endpoint() > kMaxEndpoint) return gwapi::INVALID_PARAM;
  if (sink->config.sink_state() == gwapi::OFF) return gwapi::INVALID_SINK_STATE;
  return gwapi::OK;
}

// The way of a downlink packet over `hop_count` hops: 4..40 ticks of 1/128 s per hop.
absl::Duration DownlinkTime(uint32_t hop_count, SimRandom& random) {
  uint64_t ticks = 0;
  for (uint32_t hop = 0; hop < hop_count; ++hop) ticks += random.Uniform(4, 40);
  return absl::Milliseconds(static_cast<int64_t>(ticks * 1000 / 128));
}

// Where a node's answer goes and how it travels.
struct NodeUplink {
  uint32_t source_address = 0;
  uint32_t hop_count = 1;
  uint32_t source_endpoint = 0;
  uint32_t destination_endpoint = 0;
  uint32_t qos = 0;
};

// Adds one packet a node sends in answer to a downlink to `response`: published after
// `initial_delay`, the downlink's way to the node, a few ms of processing and the uplink's
// travel time.
void AddNodePacket(const GatewayState& state, const SinkState& sink, const NodeUplink& uplink,
                   std::string payload, absl::Duration initial_delay, SimRandom& random,
                   absl::Time now, Response& response) {
  const gwapi::SinkReadConfig& config = sink.config;
  const uint32_t travel_ms = MeshTravelTimeMs(uplink.hop_count, random);
  const absl::Duration delay = initial_delay + DownlinkTime(uplink.hop_count, random) +
                               absl::Milliseconds(random.Uniform(2, 20)) +
                               absl::Milliseconds(travel_ms);
  const uint64_t rx_ms = static_cast<uint64_t>(absl::ToUnixMillis(now + delay));
  NodePacket packet;
  packet.delay = delay;
  packet.topic = wirepas::ReceivedDataTopic(state.gw_id, config.sink_id(), config.network_address(),
                                            uplink.source_endpoint, uplink.destination_endpoint);
  gwapi::PacketReceivedEvent* event =
      packet.message.mutable_wirepas()->mutable_packet_received_event();
  gwapi::EventHeader* header = event->mutable_header();
  header->set_gw_id(state.gw_id);
  header->set_sink_id(config.sink_id());
  header->set_event_id(random.Next());
  header->set_time_ms_epoch(rx_ms);
  event->set_source_address(uplink.source_address);
  event->set_destination_address(config.node_address());
  event->set_source_endpoint(uplink.source_endpoint);
  event->set_destination_endpoint(uplink.destination_endpoint);
  event->set_travel_time_ms(travel_ms);
  event->set_rx_time_ms_epoch(rx_ms);
  event->set_qos(uplink.qos);
  event->set_payload(std::move(payload));
  // The reference gateway leaves hop_count out when it is 0 (the sink itself).
  if (uplink.hop_count > 0) event->set_hop_count(uplink.hop_count);
  event->set_network_address(config.network_address());
  response.node_packets.push_back(std::move(packet));
}

// Builds one node's MSAP answer packets and adds them to `response`.
void AddNodeAnswer(const GatewayState& state, const SinkState& sink, uint32_t source_address,
                   uint32_t hop_count, const std::string& frames, absl::Duration initial_delay,
                   SimRandom& random, absl::Time now, Response& response) {
  const NodeUplink uplink{source_address, hop_count, decoders::kMsapResponseSourceEndpoint,
                          decoders::kMsapResponseDestinationEndpoint, /*qos=*/0};
  for (std::string& payload : SplitMsapFrames(frames, kMaxPayloadSize)) {
    AddNodePacket(state, sink, uplink, std::move(payload), initial_delay, random, now, response);
  }
}

// The answers of the nodes an accepted MSAP request reaches.
void AnswerMsap(const gwapi::SendPacketReq& send, GatewayState& state, const SinkState& sink,
                absl::Time now, Response& response) {
  const uint32_t hop_limit = send.hop_limit();  // 0: no limit
  const absl::Duration initial_delay = absl::Milliseconds(send.initial_delay_ms());
  const auto reaches = [&](uint32_t hop_count) { return hop_limit == 0 || hop_count <= hop_limit; };
  const auto answer_as_node = [&](const MeshNode& node) {
    if (!reaches(node.hop_count)) return;
    const std::optional<std::string> frames =
        AnswerMsapRequest(send.payload(), MeshNodeStatus(node, sink.config));
    if (!frames.has_value()) return;
    AddNodeAnswer(state, sink, node.address, node.hop_count, *frames, initial_delay, state.random,
                  now, response);
  };
  const uint32_t destination = send.destination_address();
  if (destination == kBroadcastAddress) {
    for (const MeshNode& node : sink.nodes) answer_as_node(node);
    return;
  }
  if (destination == sink.config.node_address()) {
    const std::optional<std::string> frames =
        AnswerMsapRequest(send.payload(), SinkNodeStatus(sink.config));
    if (frames.has_value()) {
      AddNodeAnswer(state, sink, destination, 0, *frames, initial_delay, state.random, now,
                    response);
    }
    return;
  }
  if (const MeshNode* node = sink.FindNode(destination)) answer_as_node(*node);
}

// Delivers a provisioning frame to the joining node it is addressed to; its answer, if any,
// goes back to the server 246->255 at high priority, as the SDK's joining node sends it.
void DeliverProvisioning(const gwapi::SendPacketReq& send, GatewayState& state, SinkState& sink,
                         absl::Time now, Response& response) {
  ProvisioningNodeEvent event;
  event.sink_id = sink.config.sink_id();
  event.address = send.destination_address();
  JoiningNodeState* joining = sink.FindJoiningNode(send.destination_address());
  if (joining == nullptr) {
    event.outcome.ignored = "unknown_node";
    response.provisioning.push_back(std::move(event));
    return;
  }
  event.uid = joining->node.uid;
  event.method = joining->node.method;
  const uint32_t hop_limit = send.hop_limit();  // 0: no limit
  if (hop_limit != 0 && joining->node.hop_count > hop_limit) {
    event.outcome.ignored = "beyond_hop_limit";
    response.provisioning.push_back(std::move(event));
    return;
  }
  event.outcome = HandleProvisioningDownlink(*joining, send.payload());
  if (event.outcome.result == DownlinkResult::kProvisioned) {
    event.network_address = joining->network_address;
    event.network_channel = joining->network_channel;
  }
  if (event.outcome.answer.has_value()) {
    const NodeUplink uplink{joining->node.address, joining->node.hop_count,
                            decoders::kProvisioningNodeEndpoint,
                            decoders::kProvisioningServerEndpoint, /*qos=*/1};
    AddNodePacket(state, sink, uplink, *event.outcome.answer,
                  absl::Milliseconds(send.initial_delay_ms()), state.random, now, response);
  }
  response.provisioning.push_back(std::move(event));
}

}  // namespace

Response HandleSendData(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                        GatewayState& state, absl::Time now) {
  const gwapi::SendPacketReq& send = request.wirepas().send_packet_req();
  Response response;
  response.topic = wirepas::ResponseTopic(wirepas::Method::kSendData, state.gw_id, topic.sink_id);
  SinkState* sink = state.FindSink(topic.sink_id);
  const gwapi::ErrorCode res = CheckSendData(send, sink);
  FillResponseHeader(
      send.header(), state, topic.sink_id, res, now,
      response.message.mutable_wirepas()->mutable_send_packet_resp()->mutable_header());
  if (res != gwapi::OK) return response;
  if (IsMsapRequest(send)) AnswerMsap(send, state, *sink, now, response);
  if (IsProvisioningDownlink(send)) DeliverProvisioning(send, state, *sink, now, response);
  return response;
}

}  // namespace wm::gateway_sim
