#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/request_router.h"

namespace wm::gateway_sim {

// The largest downlink payload the sink takes; longer ones than its MTU are fragmented by the
// mesh API library (docs/reference-gateway.md, "send_data").
inline constexpr size_t kMaxSendDataPayload = 1500;
// hop_limit is 4 bits; 0 means no limit.
inline constexpr uint32_t kMaxHopLimit = 15;
// Broadcast destination address.
inline constexpr uint32_t kBroadcastAddress = 0xFFFFFFFF;

// send_data, as the reference gateway answers it (docs/reference-gateway.md, "send_data"): the
// sink comes from the topic alone. res: INVALID_SINK_ID (the topic's sink is unknown),
// INVALID_MAX_HOP_COUNT (hop_limit above 15), INVALID_PARAM (payload above 1500 bytes, qos
// above 1, a source or destination endpoint above 255), INVALID_SINK_STATE (the sink's stack
// is stopped), else OK: the sink took the packet (which says nothing of delivery). The
// reference never answers INVALID_QOS, INVALID_SRC_ENDPOINT or INVALID_DEST_ENDPOINT.
//
// An accepted MSAP request (source endpoint 255, destination endpoint 240; see msap_node.h)
// is answered by the nodes it reaches: the node with the destination address, every node of
// the sink for the broadcast address, the sink itself for its own node address; with a
// hop_limit, only nodes that many hops away or closer. Each answer is a received_data packet
// 240->255 from the node to the sink (Response::node_packets), with the node's hop count and
// a travel time of 4..80 ticks of 1/128 s per hop, published after initial_delay_ms, the
// downlink's way to the node (4..40 ticks per hop), a few ms of processing and the uplink's
// travel time: answers from a broadcast arrive spread out, nearest nodes first on average.
// Answers longer than the sink's MTU are split between frames into several packets.
//
// An accepted provisioning frame (source endpoint 255, destination endpoint 246; see
// provisioning_node.h) goes to the sink's joining node with the destination address (within
// the hop limit, if any), which handles it with HandleProvisioningDownlink. Its DATA_ACK or
// NACK is a received_data packet 246->255 at QoS 1 (high priority), timed like an MSAP answer.
// What each node did is in Response::provisioning (an unknown address too).
Response HandleSendData(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                        GatewayState& state, absl::Time now);

}  // namespace wm::gateway_sim
