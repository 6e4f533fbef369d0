#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/events.pb.h"
#include "protos/wm/v1/gateway.pb.h"

// Conversions from the gateway API wire types (protos/wirepas, proto2) to this project's
// public types (protos/wm/v1, proto3). They run once per message in the ingest hot path, so
// they write into a message the caller owns (e.g. `event.mutable_packet()`) instead of
// returning copies. Each one overwrites every field it owns and leaves the others alone.
namespace wm::wirepas {

// Every field of `in`, keeping presence (absent stays absent). The node role also becomes the
// dual-MCU role byte; sink_state ON becomes started = true, OFF started = false.
void ToSinkConfig(const gwapi::SinkReadConfig& in, wm::v1::SinkConfig* out);

// Every field of `in`; gw_features values this build does not know are not kept by the parser.
void ToGatewayInfo(const gwapi::GatewayInfo& in, wm::v1::GatewayInfo* out);

// State (ON: online, OFF: offline, absent or unknown: unspecified), version, configs, model,
// firmware, max_scratchpad_size and features. `retained` is the caller's (MQTT knows it).
void ToGatewayStatus(const gwapi::StatusEvent& in, wm::v1::GatewayStatus* out);

// Every field of the event. network_address comes from the message, else from
// `topic_network_address` (0 when both are unknown). tx_time_ms_epoch = rx_time - travel_time,
// never below 0. payload_size is the payload's length when there is a payload, else the
// event's payload_size (whitened endpoints). `decoded` and `decode_error` are the caller's.
void ToPacketReceived(const gwapi::PacketReceivedEvent& in,
                      std::optional<uint64_t> topic_network_address, wm::v1::PacketReceived* out);

// The downlink fields of a send_data request; request_id is the header's req_id.
void ToDownlink(const gwapi::SendPacketReq& in, wm::v1::Downlink* out);

// The gateway id, sink id, event id and gateway time of an event header, into the envelope.
// The sink id is cleared when the header has none.
void ToEventEnvelope(const gwapi::EventHeader& in, wm::v1::Event* out);

// A response payload of `message`: method, request_id, result and its name, configs (every
// sink for get_configs, the sink's new config for set_config) and gateway_info (get_gw_info).
// `raw_message` is the caller's. InvalidArgument when `message` carries no response.
absl::Status ToGatewayResponse(const GenericMessage& message, wm::v1::GatewayResponse* out);

// The public GatewayMethod of `method` (same names).
wm::v1::GatewayMethod ToGatewayMethod(Method method);

}  // namespace wm::wirepas
