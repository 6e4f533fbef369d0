#include "tools/gw_cli/command_client.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "libs/config/backend_client.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/status.h"
#include "tools/gw_cli/cli_command.h"

namespace wm::gw_cli {
namespace {

// Time given to wm-command beyond its own timeout before the call gives up on it.
constexpr uint32_t kDeadlineMarginMs = 5000;
// How long a call waits for wm-command to become reachable.
constexpr uint32_t kWaitForReadyMs = 5000;

}  // namespace

void AddJsonSetting(config::Schema& schema) {
  schema.Add({.key = "json",
              .type = config::SettingType::kBool,
              .default_value = "false",
              .help = "One JSON object per line (proto field names) instead of text"});
}

void AddCommandSettings(config::Schema& schema, CommandSettingsOptions options) {
  grpcutil::AddAddressSetting(schema, "wm_command", "127.0.0.1:7003", "wm-command's gRPC address");
  grpcutil::AddGrpcClientSettings(schema);
  schema.Add({.key = "gateway", .help = "Gateway id the request goes to; required"});
  if (options.sink) {
    schema.Add({.key = "sink", .help = "Sink id the request goes to; required"});
  }
  schema.Add({.key = "timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "0",
              .help = options.collects_answers
                          ? "How long to collect the nodes' answers at most (0: 60 s)"
                          : "How long to wait for each gateway answer (0: the method's default)",
              .min = 0,
              .max = 600});
  if (options.client_request_id) {
    schema.Add({.key = "request_id",
                .help = "Client request id: repeating a command with the same id within "
                        "wm-command's window returns the first result without sending again"});
  }
  AddJsonSetting(schema);
  config::AcceptBackendClientKeys(schema);
}

absl::StatusOr<CommandTarget> CommandTargetFromSettings(const config::Settings& settings,
                                                        CommandSettingsOptions options) {
  CommandTarget target;
  absl::StatusOr<std::string> address = grpcutil::AddressFromSettings(settings, "wm_command");
  if (!address.ok()) return address.status();
  absl::StatusOr<grpcutil::ChannelOptions> channel = grpcutil::ChannelOptionsFromSettings(settings);
  if (!channel.ok()) return channel.status();
  target.gateway_id = settings.GetString("gateway");
  if (target.gateway_id.empty()) {
    return absl::InvalidArgumentError("gateway: required (--gateway=<gateway id>)");
  }
  if (options.sink) {
    target.sink_id = settings.GetString("sink");
    if (target.sink_id.empty()) {
      return absl::InvalidArgumentError("sink: required (--sink=<sink id>)");
    }
  }
  target.timeout_ms = static_cast<uint32_t>(settings.GetDouble("timeout_s") * 1000.0 + 0.5);
  if (options.client_request_id) target.client_request_id = settings.GetString("request_id");
  target.json = settings.GetBool("json");
  target.address = *address;
  target.stub = wm::v1::Commands::NewStub(grpcutil::CreateChannel(*address, *channel));
  return target;
}

void PrepareContext(const CommandTarget& target, uint32_t default_timeout_ms,
                    grpc::ClientContext& context) {
  const uint32_t timeout_ms = target.timeout_ms != 0 ? target.timeout_ms : default_timeout_ms;
  context.set_wait_for_ready(true);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(kWaitForReadyMs + timeout_ms + kDeadlineMarginMs));
}

int ReportRpcError(std::string_view method, const grpc::Status& status, std::ostream& err) {
  err << "wm-gw-cli: " << method << " failed: "
      << absl::StatusCodeToString(grpcutil::FromGrpcStatus(status).code()) << ": "
      << status.error_message() << '\n';
  return kExitFailed;
}

int ReportCallFailure(std::string_view method, const grpc::Status& status,
                      const CallCanceller& canceller, std::ostream& err) {
  if (!canceller.Interrupted(status)) return ReportRpcError(method, status, err);
  err << "wm-gw-cli: " << method
      << " interrupted; a request already sent to the gateway may still take effect\n";
  return kExitFailed;
}

std::string DescribeResult(const wm::v1::GatewayResult& result) {
  if (result.code() == wm::v1::GATEWAY_RESULT_OK && result.raw_code() == 0) return "OK";
  std::string text = result.code() == wm::v1::GATEWAY_RESULT_UNKNOWN
                         ? result.name()
                         : absl::StrCat(result.name(), " (", result.raw_code(), ")");
  // wm-command's reading of the code for this request, e.g. which field a sink refused.
  if (!result.detail().empty()) absl::StrAppend(&text, ": ", result.detail());
  return text;
}

int ReportResult(std::string_view method, const wm::v1::GatewayResult& result, bool json,
                 std::ostream& out) {
  const bool ok = result.code() == wm::v1::GATEWAY_RESULT_OK && result.raw_code() == 0;
  if (!json) {
    out << method << ": " << (ok ? "OK" : "FAILED " + DescribeResult(result)) << '\n';
  }
  return ok ? kExitOk : kExitFailed;
}

void PrintJson(const google::protobuf::Message& message, std::ostream& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  // An OK result is all defaults (code 0, raw_code 0): print them, so that scripts can test
  // `.result.code` without knowing proto3's rules.
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) json = "{}";
  out << json << '\n';
}

}  // namespace wm::gw_cli
