#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/wirepas/topic.h"
#include "protos/wirepas/generic_message.pb.h"

namespace wm::wirepas {

// The generated gateway API types (protos/wirepas), e.g. gwapi::StatusEvent.
namespace gwapi = ::wirepas::proto::gateway_api;

// The MQTT payload of every gateway API message.
using GenericMessage = gwapi::GenericMessage;

// Which payload a GenericMessage carries. Values 1-22 are the WirepasMessage field numbers.
enum class PayloadKind {
  kNone = 0,  // no payload
  kStatusEvent = 1,
  kGetConfigsReq = 2,
  kGetConfigsResp = 3,
  kSetConfigReq = 4,
  kSetConfigResp = 5,
  kSendPacketReq = 6,
  kSendPacketResp = 7,
  kPacketReceivedEvent = 8,
  kGetScratchpadStatusReq = 9,
  kGetScratchpadStatusResp = 10,
  kUploadScratchpadReq = 11,
  kUploadScratchpadResp = 12,
  kProcessScratchpadReq = 13,
  kProcessScratchpadResp = 14,
  kGetGatewayInfoReq = 15,
  kGetGatewayInfoResp = 16,
  kSetScratchpadTargetAndActionReq = 17,
  kSetScratchpadTargetAndActionResp = 18,
  kSetConfigurationDataItemReq = 19,
  kSetConfigurationDataItemResp = 20,
  kGetConfigurationDataItemReq = 21,
  kGetConfigurationDataItemResp = 22,
  kCustomer = 100,  // only GenericMessage.customer (vendor extension)
};

// The WirepasMessage field name of `kind` ("status_event", "packet_received_event", ...),
// "customer" or "none"; for logs and metric labels.
std::string_view PayloadKindName(PayloadKind kind);

// Parses an MQTT payload. Uses partial parsing (docs/gateway-api.md "Partial parsing"): a required
// field holding an enum value this build does not know, or missing, does not drop the message; the
// Check* helpers below verify what consumers rely on. InvalidArgument for bytes that are not a
// protobuf GenericMessage, for a message without a payload, and for one with several WirepasMessage
// payloads.
absl::StatusOr<GenericMessage> ParseGenericMessage(std::string_view bytes);

// As above, into `*message` (cleared first), so a hot loop can reuse one message and its
// allocations.
absl::Status ParseGenericMessageInto(std::string_view bytes, GenericMessage* message);

// The payload `message` carries: the WirepasMessage field that is set (the lowest-numbered one
// if several are), else kCustomer when only `customer` is set, else kNone.
PayloadKind PayloadKindOf(const GenericMessage& message);

// Kinds of payloads.
bool IsEvent(PayloadKind kind);     // status_event, packet_received_event
bool IsRequest(PayloadKind kind);   // *_req
bool IsResponse(PayloadKind kind);  // *_resp

// The method of a request or response kind; nullopt for events, customer and none.
std::optional<Method> MethodOf(PayloadKind kind);

// The request and response kinds of `method`.
PayloadKind RequestKindOf(Method method);
PayloadKind ResponseKindOf(Method method);

// The header of the message's event, request or response payload; nullptr when the payload is
// of another kind or its header is absent.
const gwapi::EventHeader* EventHeaderOf(const GenericMessage& message);
const gwapi::RequestHeader* RequestHeaderOf(const GenericMessage& message);
const gwapi::ResponseHeader* ResponseHeaderOf(const GenericMessage& message);

// Checks of the fields consumers rely on; InvalidArgument naming what is missing.
// An event header needs gw_id (non-empty) and event_id.
absl::Status CheckEventHeader(const gwapi::EventHeader& header);
// A request header needs req_id.
absl::Status CheckRequestHeader(const gwapi::RequestHeader& header);
// A response header needs req_id (`res` may be absent or unknown: see ResultCode).
absl::Status CheckResponseHeader(const gwapi::ResponseHeader& header);
// A received packet needs a valid header and fields 2-8 (addresses, endpoints, travel time,
// rx time, qos).
absl::Status CheckPacketReceivedEvent(const gwapi::PacketReceivedEvent& event);
// A downlink request needs a valid header, destination address, endpoints, qos and payload.
absl::Status CheckSendPacketReq(const gwapi::SendPacketReq& request);
// Checks the payload of a parsed message according to its kind: the header of every event,
// request and response, plus the two checks above for received packets and downlinks. A status
// event with an unknown `state` passes (its header is what matters). Customer messages pass.
absl::Status CheckMessage(const GenericMessage& message);

// Sentinel result code: `res` absent (docs/gateway-api.md "Enums": the parser's default, never
// sent by a gateway).
inline constexpr int32_t kUnknownErrorCode = -1;

// The raw wire value of `res`, including codes this build does not know (which protobuf keeps
// among the header's unknown fields); kUnknownErrorCode when absent.
int32_t ResultCode(const gwapi::ResponseHeader& header);

// The name of a result code: "OK", "INVALID_SINK_ID", "INVALID_SEQUENCE_NUMBER" (17, not the
// historical misspelling), "UNKNOWN_ERROR_CODE" for -1, "UNKNOWN(42)" for codes this build
// does not know.
std::string ResultCodeName(int32_t code);

// Serializes a message this backend built. InvalidArgument, naming the missing fields, when a
// required field is unset (the Python peers reject such messages, docs/gateway-api.md "Partial
// parsing") or when there is no payload.
absl::StatusOr<std::string> SerializeGenericMessage(const GenericMessage& message);

}  // namespace wm::wirepas
