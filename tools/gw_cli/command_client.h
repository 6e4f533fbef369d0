#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "libs/config/settings.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tools/gw_cli/call_canceller.h"

namespace wm::gw_cli {

// The defaults of wm.v1.Commands' timeout_ms (commands.proto), which a call's deadline must
// cover: the wait for one gateway answer, for each request of an upload, for processing a
// scratchpad, and the collection of the nodes' answers of ping and nodes_scratchpad_status.
inline constexpr uint32_t kDefaultRequestTimeoutMs = 2000;
inline constexpr uint32_t kDefaultUploadRequestTimeoutMs = 60000;
inline constexpr uint32_t kDefaultProcessTimeoutMs = 120000;
inline constexpr uint32_t kDefaultCollectTimeoutMs = 60000;

// Which settings a wm-command subcommand takes besides the common ones.
struct CommandSettingsOptions {
  bool sink = true;               // --sink: the sink the request goes to
  bool client_request_id = true;  // --request_id: idempotent retries (not for read-only streams)
  // --timeout_s bounds the whole collection of the nodes' answers (ping,
  // nodes_scratchpad_status) rather than the wait for each gateway answer.
  bool collects_answers = false;
};

// Declares --json, which every subcommand takes: its results as one JSON object per line
// (PrintJson) instead of text.
void AddJsonSetting(config::Schema& schema);

// Declares the settings every subcommand that calls wm-command shares: `wm_command` (address),
// the gRPC client TLS settings, `gateway` (required), `sink` (required where the request has
// one), `timeout_s` (0: the method's default), `request_id` and `json`.
void AddCommandSettings(config::Schema& schema, CommandSettingsOptions options = {});

// Where a request goes and how it is sent, read from the settings of AddCommandSettings.
struct CommandTarget {
  std::unique_ptr<wm::v1::Commands::Stub> stub;
  std::string address;  // wm-command's, for messages
  std::string gateway_id;
  std::string sink_id;      // empty for gateway-wide requests
  uint32_t timeout_ms = 0;  // 0: the method's default
  std::string client_request_id;
  bool json = false;
};

// Reads and checks the settings of AddCommandSettings (the channel is created lazily).
// InvalidArgument naming the key for a missing gateway or sink, a bad address or timeout.
absl::StatusOr<CommandTarget> CommandTargetFromSettings(const config::Settings& settings,
                                                        CommandSettingsOptions options = {});

namespace internal {
// Whether a request type has a sink_id / client_request_id field (gateway-wide and read-only
// requests do not).
template <typename T, typename = void>
struct HasSinkId : std::false_type {};
template <typename T>
struct HasSinkId<T, std::void_t<decltype(std::declval<T&>().set_sink_id(std::string()))>>
    : std::true_type {};
template <typename T, typename = void>
struct HasClientRequestId : std::false_type {};
template <typename T>
struct HasClientRequestId<
    T, std::void_t<decltype(std::declval<T&>().set_client_request_id(std::string()))>>
    : std::true_type {};
}  // namespace internal

// Fills the fields every request of wm.v1.Commands shares (gateway_id, sink_id, timeout_ms,
// client_request_id), for request types that have them.
template <typename Request>
void FillCommon(const CommandTarget& target, Request& request) {
  request.set_gateway_id(target.gateway_id);
  request.set_timeout_ms(target.timeout_ms);
  if constexpr (internal::HasSinkId<Request>::value) request.set_sink_id(target.sink_id);
  if constexpr (internal::HasClientRequestId<Request>::value) {
    request.set_client_request_id(target.client_request_id);
  }
}

// Prepares a call's context: a deadline long enough for wm-command's own timeout
// (`default_timeout_ms` when the target leaves it to the method) plus a margin, and
// wait-for-ready for a few seconds so that a wm-command still starting is not an error.
void PrepareContext(const CommandTarget& target, uint32_t default_timeout_ms,
                    grpc::ClientContext& context);

// Prints a failed call on `err` ("wm-gw-cli: <method> failed: <CODE>: <message>") and returns
// kExitFailed.
int ReportRpcError(std::string_view method, const grpc::Status& status, std::ostream& err);

// Like ReportRpcError, but a request that Ctrl-C cancelled is said to be interrupted
// ("wm-gw-cli: <method> interrupted; a request already sent to the gateway may still take
// effect").
int ReportCallFailure(std::string_view method, const grpc::Status& status,
                      const CallCanceller& canceller, std::ostream& err);

// "OK", or the gateway's result name with its raw code, e.g. "INVALID_SEQUENCE_NUMBER (17)",
// followed by wm-command's detail when it has one, e.g.
// "INVALID_PARAM (21): the sink refused config.network_channel".
std::string DescribeResult(const wm::v1::GatewayResult& result);

// Prints a gateway's result line ("<method>: OK" or "<method>: FAILED INVALID_... (17)") on
// `out` unless json, and returns kExitOk when the result is OK, kExitFailed otherwise.
int ReportResult(std::string_view method, const wm::v1::GatewayResult& result, bool json,
                 std::ostream& out);

// One message as a single JSON line (proto field names, enums by name, bytes in base64,
// fields at their default value included).
void PrintJson(const google::protobuf::Message& message, std::ostream& out);

}  // namespace wm::gw_cli
