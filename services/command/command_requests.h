#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "libs/wirepas/address.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.pb.h"
#include "services/command/gateway_directory.h"

// Checks of wm.v1.Commands requests and the gateway API messages built from them. Every check
// returns InvalidArgument naming the field and its allowed values, so that a bad call fails
// before anything is published; FailedPrecondition when the gateway's known status lacks a
// feature the request needs.
namespace wm::command {

// Limits of the API (docs/gateway-api.md "send_data" and "Configuration data items"; the timeout
// and client request id bounds are wm-command's own).
inline constexpr uint32_t kMaxTimeoutMs = 600000;
inline constexpr size_t kMaxClientRequestIdBytes = 128;
inline constexpr size_t kMaxSendDataPayload = 1500;
inline constexpr uint32_t kMaxHopLimit = 15;
inline constexpr size_t kMaxConfigurationDataPayload = 80;
inline constexpr uint32_t kMaxConfigurationDataEndpoint = 0xFFFF;
inline constexpr uint32_t kMaxNetworkAddress = 0xFFFFFE;
inline constexpr size_t kKeyBytes = 16;
// App config sequences run 1..254; after 254 comes 1.
inline constexpr uint32_t kMaxAppConfigSeq = 254;
// Scratchpad sequences are 8-bit.
inline constexpr uint32_t kMaxScratchpadSeq = 255;

// The diagnostic intervals a sink's app config accepts, in seconds (0: off).
bool IsAllowedAppConfigDiagInterval(uint32_t seconds);

// The fields every call carries. `sink_id` is checked only when `needs_sink`.
absl::Status CheckGatewayId(std::string_view gateway_id);
absl::Status CheckSinkId(std::string_view sink_id);
absl::Status CheckTimeoutMs(uint32_t timeout_ms);
absl::Status CheckClientRequestId(std::string_view client_request_id);
absl::Status CheckCommonFields(std::string_view gateway_id, std::optional<std::string_view> sink_id,
                               uint32_t timeout_ms, std::string_view client_request_id);

// An app config: diag interval allowed, seq 1..254, data at most `max_size` bytes when the
// sink reported its app_config_max_size (255 otherwise: the sink API's size is 8-bit).
absl::Status CheckAppConfig(uint32_t diag_interval_s, std::string_view data, uint32_t seq,
                            std::optional<uint32_t> max_size);

// The sequence after `current`: current + 1, and 1 after 254 (or after anything outside
// 1..253, e.g. a sink that never had an app config).
uint32_t NextAppConfigSeq(uint32_t current);

// The set_config payload for `change` of `sink_id`. `gateway` is what is known about the
// target gateway (nullptr: nothing), used for the app config size, the sink's channel limits
// and the SINK_KEY_MANAGEMENT_V1 feature.
absl::StatusOr<wirepas::gwapi::SinkNewConfig> ToSinkNewConfig(
    const wm::v1::SinkConfigChange& change, std::string_view sink_id, const GatewayView* gateway);

// The send_data payload (header left to the sender).
absl::StatusOr<wirepas::gwapi::SendPacketReq> ToSendPacketReq(
    const wm::v1::SendDataRequest& request);

// The wire target and action.
absl::StatusOr<wirepas::gwapi::TargetScratchpadAndAction> ToWireTargetAndAction(
    const wm::v1::TargetScratchpadAndAction& target);

// A scratchpad sequence for an upload: 1..255, or 0..255 when clearing.
absl::Status CheckScratchpadSeq(uint32_t seq, bool clearing);

// A configuration data item: endpoint 0..65535, payload at most 80 bytes (`payload` nullptr
// for a get). FailedPrecondition when `gateway` has a status without CONFIGURATION_DATA_V1.
absl::Status CheckConfigurationDataItem(uint32_t endpoint, const std::string* payload,
                                        const GatewayView* gateway);

// One request of a scratchpad upload.
struct ScratchpadChunk {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// How an image of `total` bytes goes up (docs/gateway-api.md "OTAP"): in chunks of `max_chunk`
// bytes, in order, when the gateway reported a max_scratchpad_size smaller than the image;
// otherwise in one request (the only chunk then covers everything; an empty image gives one empty
// chunk, the clear request).
std::vector<ScratchpadChunk> SplitScratchpad(size_t total, std::optional<uint32_t> max_chunk);

// A gateway API request of `method` with an empty header, ready for its fields.
wirepas::GenericMessage NewGatewayRequest(wirepas::Method method);
// The header of the request `message` carries for `method`; nullptr when it carries another.
wirepas::gwapi::RequestHeader* MutableRequestHeader(wirepas::Method method,
                                                    wirepas::GenericMessage* message);

// The typed result of a response header: the code when this build knows it, else
// GATEWAY_RESULT_UNKNOWN, with the raw value, its name and the req_id.
void ToGatewayResult(const wirepas::gwapi::ResponseHeader& header, wm::v1::GatewayResult* out);

// The fields of a set_config request `sent` that its sink refused, when the gateway answered
// INVALID_PARAM (which names no field): of the fields a sink refuses as an invalid value
// (node_address, node_role, network_address, network_channel, app_config), those in `sent`,
// less those `read_back` (the configuration in the response; nullptr when absent) shows
// written. Names as in wm.v1.SinkConfigChange, prefixed "config.".
std::vector<std::string> RefusedSetConfigFields(const wirepas::gwapi::SinkNewConfig& sent,
                                                const wirepas::gwapi::SinkReadConfig* read_back);

// GatewayResult.detail for the answer `code` to an upload of an image of `image_size` bytes:
// what a sink refused (docs/reference-gateway.md, "otap_load_scratchpad"), or "" for a code
// that needs no words.
std::string DescribeUploadResult(wm::v1::GatewayResultCode code, size_t image_size);

// GatewayResult.detail for INVALID_PARAM on an otap_set_target_scratchpad of `sent`: what a
// sink refuses in a target (docs/reference-gateway.md, "otap_set_target_scratchpad"), or "" for
// another code.
std::string DescribeTargetResult(wm::v1::GatewayResultCode code,
                                 const wirepas::gwapi::TargetScratchpadAndAction& sent);

// GatewayResult.detail for INVALID_PARAM on a set_config: "the sink refused config.X", "the
// sink refused one of config.X, config.Y", or "" when no field is left to name.
std::string DescribeRefusedFields(const std::vector<std::string>& fields);

// The fields of an otap_status answer.
void ToScratchpadStatusResponse(const wirepas::gwapi::GetScratchpadStatusResp& in,
                                wm::v1::GetScratchpadStatusResponse* out);

// A digest of what `request` asks (every field but timeout_ms, so a retry with another timeout
// is the same request), plus `extra` (e.g. an upload's image), for the idempotency check.
uint64_t RequestFingerprint(std::string_view method, const google::protobuf::Message& request,
                            std::string_view extra = {});

}  // namespace wm::command
