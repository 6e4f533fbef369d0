#include "tools/gw_cli/gateway_commands.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "third_party/system/string_view_compat.h"
#include "tools/gw_cli/call_canceller.h"
#include "tools/gw_cli/command_client.h"
#include "tools/gw_cli/gateway_format.h"
#include "tools/gw_cli/value_parsing.h"

namespace wm::gw_cli {
namespace {

using Stub = wm::v1::Commands::Stub;

// An upload's deadline gives every chunk its timeout, counting chunks of at least this size
// (wm-command picks the gateway's chunk size, which the client does not know).
constexpr uint64_t kSmallestChunkBytes = 1024;
// Beyond the chunks' time: waiting for wm-command to be reachable, and a margin.
constexpr uint64_t kUploadSlackMs = 10000;
// Size of each message of an upload stream.
constexpr size_t kUploadPieceBytes = 64 * 1024;

// Limits of commands.proto, checked before anything is sent.
constexpr uint64_t kMaxAppConfigSeq = 254;
constexpr uint64_t kMaxScratchpadSeq = 255;
constexpr uint64_t kMaxNetworkAddress = 0xFFFFFF;
constexpr uint64_t kMaxUint32 = 0xFFFFFFFF;
constexpr size_t kKeyBytes = 16;
constexpr size_t kMaxSendDataPayload = 1500;
constexpr size_t kMaxConfigItemPayload = 80;
constexpr uint64_t kMaxConfigItemEndpoint = 0xFFFF;
constexpr uint32_t kAllowedDiagIntervals[] = {0, 30, 60, 120, 300, 600, 1800};

constexpr CommandSettingsOptions kGatewayWide{.sink = false};
constexpr CommandSettingsOptions kPerSink{};

// ---- settings ----

void AddString(config::Schema& schema, std::string key, std::string help, bool secret = false) {
  schema.Add({.key = std::move(key), .help = std::move(help), .secret = secret});
}

void AddBool(config::Schema& schema, std::string key, std::string help) {
  schema.Add({.key = std::move(key),
              .type = config::SettingType::kBool,
              .default_value = "false",
              .help = std::move(help)});
}

// A 16-byte AES key in hex. The message never quotes the value: keys are secrets.
absl::StatusOr<std::string> ParseKey(std::string_view key, std::string_view text) {
  absl::StatusOr<std::string> bytes = ParseHexBytes(key, text);
  if (!bytes.ok() || bytes->size() != kKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(key), ": an AES-128 key is ", kKeyBytes, " bytes written as 32 hex digits",
        bytes.ok() ? absl::StrCat(", got ", bytes->size(), " bytes") : std::string()));
  }
  return bytes;
}

// The flags of a command that takes none besides the common ones.
struct NoFlags {};

absl::StatusOr<NoFlags> ReadNoFlags(const config::Settings&) { return NoFlags(); }

// ---- calls ----

// One run of a command: where its requests go, its output, and Ctrl-C.
struct CommandRun {
  CommandRun(CommandTarget target, CliContext& cli)
      : target(std::move(target)), cli(cli), canceller(cli.termination) {}

  // Calls `method` of wm-command with `request`, its common fields filled from the target and
  // the deadline PrepareContext gives (`default_timeout_ms` when --timeout_s leaves it to the
  // method).
  template <typename Request, typename Response>
  grpc::Status Call(uint32_t default_timeout_ms,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    Request request, Response* response) {
    FillCommon(target, request);
    grpc::ClientContext context;
    PrepareContext(target, default_timeout_ms, context);
    return canceller.Run(context, [&](grpc::ClientContext* call) {
      return (target.stub.get()->*method)(call, request, response);
    });
  }

  // Sends `request` with `method` and prints the gateway's answer (Answer) with
  // `text_of(response)` as its text; returns the exit code.
  template <typename Request, typename Response, typename TextOf>
  int Send(std::string_view command,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           Request request, TextOf text_of,
           uint32_t default_timeout_ms = kDefaultRequestTimeoutMs) {
    Response response;
    const grpc::Status status = Call(default_timeout_ms, method, std::move(request), &response);
    if (!status.ok()) return CallFailed(command, status);
    return Answer(command, response, response.result(), text_of(response));
  }

  // Says why a call failed and returns kExitFailed.
  int CallFailed(std::string_view command, const grpc::Status& status) {
    return ReportCallFailure(command, status, canceller, cli.err);
  }

  // Prints a gateway's answer: with --json the response as one line, else the result line and
  // `text`. Returns kExitOk when the result is OK.
  int Answer(std::string_view command, const google::protobuf::Message& response,
             const wm::v1::GatewayResult& result, const std::string& text) {
    if (target.json) PrintJson(response, cli.out);
    const int code = ReportResult(command, result, target.json, cli.out);
    if (!target.json) cli.out << text;
    if (code != kExitOk && target.json) {
      cli.err << "wm-gw-cli: " << command << " failed: " << DescribeResult(result) << '\n';
    }
    return code;
  }

  CommandTarget target;
  CliContext& cli;
  CallCanceller canceller;
};

// Runs a command: checks the common settings and reads its own flags with `parse` before
// anything is sent (a usage error exits 2), then `run` sends its requests.
template <typename Flags>
int RunCommand(const config::Settings& settings, CliContext& cli, CommandSettingsOptions options,
               absl::StatusOr<Flags> (*parse)(const config::Settings&),
               int (*run)(CommandRun&, const Flags&)) {
  if (absl::Status s = CheckNoPositional(settings); !s.ok()) return ReportUsageError(s, cli.err);
  absl::StatusOr<CommandTarget> target = CommandTargetFromSettings(settings, options);
  if (!target.ok()) return ReportUsageError(target.status(), cli.err);
  absl::StatusOr<Flags> flags = parse(settings);
  if (!flags.ok()) return ReportUsageError(flags.status(), cli.err);
  CommandRun command_run(*std::move(target), cli);
  return run(command_run, *flags);
}

// A gateway command: the common settings of `options`, its own flags (`add_flags`, nullptr
// for none) that `parse` reads, and `run`.
template <typename Flags>
CliCommand GatewayCommand(std::string name, std::string summary, CommandSettingsOptions options,
                          void (*add_flags)(config::Schema&),
                          absl::StatusOr<Flags> (*parse)(const config::Settings&),
                          int (*run)(CommandRun&, const Flags&)) {
  return {
      .name = std::move(name),
      .summary = std::move(summary),
      .add_settings =
          [options, add_flags](config::Schema& schema) {
            AddCommandSettings(schema, options);
            if (add_flags != nullptr) add_flags(schema);
          },
      .run = [options, parse, run](
                 const config::Settings& settings,
                 CliContext& cli) { return RunCommand(settings, cli, options, parse, run); },
  };
}

// ---- get_configs ----

int RunGetConfigs(CommandRun& run, const NoFlags&) {
  return run.Send(
      "get_configs", &Stub::GetConfigs, wm::v1::GetConfigsRequest(),
      [](const wm::v1::GetConfigsResponse& response) {
        if (response.configs().empty() && response.result().code() == wm::v1::GATEWAY_RESULT_OK) {
          return std::string("the gateway reports no sinks\n");
        }
        std::string text;
        for (const wm::v1::SinkConfig& config : response.configs()) {
          text += FormatSinkConfig(config);
        }
        return text;
      });
}

// ---- set_config ----

void AddSetConfigFlags(config::Schema& schema) {
  AddString(schema, "node_role",
            "New role: sink, router or non_router, with +ll (low latency) and +autorole, or "
            "the dual-MCU role byte (e.g. 0x83)");
  AddString(schema, "node_address", "New node address of the sink (decimal or 0x hex)");
  AddString(schema, "network_address", "New network address, 24 bits: 1..0xFFFFFE");
  AddString(schema, "network_channel", "New network channel (from 1, within the sink's range)");
  AddString(schema, "channel_map", "New channel map (decimal or 0x hex)");
  AddBool(schema, "started",
          "Stack state after the change: true started, false stopped (not given: as it was)");
  AddString(schema, "cipher_key",
            "New network cipher key: 16 bytes in hex (with "
            "authentication_key)",
            /*secret=*/true);
  AddString(schema, "authentication_key",
            "New network authentication key: 16 bytes in hex (with cipher_key)", /*secret=*/true);
  AddString(schema, "ac_min_ms", "New access cycle range, lower bound in ms (with ac_max_ms)");
  AddString(schema, "ac_max_ms", "New access cycle range, upper bound in ms (with ac_min_ms)");
}

int RunSetConfig(CommandRun& run, const wm::v1::SinkConfigChange& change) {
  wm::v1::SetConfigRequest request;
  *request.mutable_config() = change;
  return run.Send("set_config", &Stub::SetConfig, request,
                  [](const wm::v1::SetConfigResponse& response) {
                    return response.has_config() ? FormatSinkConfig(response.config()) : "";
                  });
}

// ---- set_app_config ----

struct AppConfigFlags {
  std::string data;
  std::optional<uint32_t> seq;
  std::optional<uint32_t> diag_interval_s;
};

absl::StatusOr<AppConfigFlags> AppConfigFlagsFromSettings(const config::Settings& settings) {
  AppConfigFlags flags;
  std::optional<std::string> data = Given(settings, "data");
  if (!data) return Required("data", "HEX");
  absl::StatusOr<std::string> bytes = ParseHexBytes("data", *data);
  if (!bytes.ok()) return bytes.status();
  flags.data = *std::move(bytes);
  absl::StatusOr<std::optional<uint64_t>> seq =
      OptionalUnsigned(settings, "seq", 1, kMaxAppConfigSeq);
  if (!seq.ok()) return seq.status();
  if (*seq) flags.seq = static_cast<uint32_t>(**seq);
  absl::StatusOr<std::optional<uint64_t>> diag =
      OptionalUnsigned(settings, "diag_interval_s", 0, kMaxUint32);
  if (!diag.ok()) return diag.status();
  if (*diag) {
    const auto* end = std::end(kAllowedDiagIntervals);
    if (std::find(std::begin(kAllowedDiagIntervals), end, **diag) == end) {
      return absl::InvalidArgumentError(absl::StrCat("diag_interval_s: one of ",
                                                     absl::StrJoin(kAllowedDiagIntervals, ", "),
                                                     "; got ", **diag));
    }
    flags.diag_interval_s = static_cast<uint32_t>(**diag);
  }
  return flags;
}

void AddSetAppConfigFlags(config::Schema& schema) {
  AddString(schema, "data", "App config data in hex, at most the sink's max size; required");
  AddString(schema, "seq",
            "Sequence 1..254, above the sink's current one (not given: current + 1, 254 "
            "wrapping to 1)");
  AddString(schema, "diag_interval_s",
            "Diagnostic interval: 0 (off), 30, 60, 120, 300, 600 or 1800 s (not given: the "
            "sink's current one)");
}

int RunSetAppConfig(CommandRun& run, const AppConfigFlags& flags) {
  wm::v1::SetAppConfigRequest request;
  request.set_data(flags.data);
  if (flags.seq) request.set_seq(*flags.seq);
  if (flags.diag_interval_s) {
    request.set_diag_interval_s(*flags.diag_interval_s);
  } else {
    // The interval is part of every app config write: keep the sink's rather than turn its
    // diagnostics off or change them behind the user's back.
    wm::v1::GetConfigsResponse configs;
    const grpc::Status status = run.Call(kDefaultRequestTimeoutMs, &Stub::GetConfigs,
                                         wm::v1::GetConfigsRequest(), &configs);
    if (!status.ok()) return run.CallFailed("set_app_config (reading the sink's config)", status);
    if (configs.result().code() != wm::v1::GATEWAY_RESULT_OK) {
      run.cli.err << "wm-gw-cli: set_app_config: reading the sink's config failed: "
                  << DescribeResult(configs.result()) << '\n';
      return kExitFailed;
    }
    const auto& all = configs.configs();
    const auto sink = std::find_if(all.begin(), all.end(), [&](const wm::v1::SinkConfig& c) {
      return c.sink_id() == run.target.sink_id;
    });
    if (sink == all.end()) {
      run.cli.err << "wm-gw-cli: set_app_config: gateway " << run.target.gateway_id
                  << " reports no sink " << run.target.sink_id << '\n';
      return kExitFailed;
    }
    if (!sink->has_app_config()) {
      run.cli.err << "wm-gw-cli: diag_interval_s: the sink reports no app config to keep the "
                     "interval of; give --diag_interval_s\n";
      return kExitUsage;
    }
    request.set_diag_interval_s(sink->app_config().diag_interval_s());
  }
  wm::v1::SetAppConfigResponse response;
  const grpc::Status status =
      run.Call(kDefaultRequestTimeoutMs, &Stub::SetAppConfig, request, &response);
  if (!status.ok()) return run.CallFailed("set_app_config", status);
  const int code =
      run.Answer("set_app_config", response, response.result(), FormatAppConfigResult(response));
  if (response.result().code() == wm::v1::GATEWAY_RESULT_INVALID_SEQUENCE_NUMBER) {
    run.cli.err << "wm-gw-cli: the sink takes only a sequence above its current one: see it with "
                   "`wm-gw-cli get_configs --gateway="
                << run.target.gateway_id << "`, or leave out --seq to use the current one + 1\n";
  }
  return code;
}

// ---- gateway_info ----

int RunGatewayInfo(CommandRun& run, const NoFlags&) {
  return run.Send("gateway_info", &Stub::GetGatewayInfo, wm::v1::GetGatewayInfoRequest(),
                  [](const wm::v1::GetGatewayInfoResponse& response) {
                    return response.has_info() ? FormatGatewayInfo(response.info()) : "";
                  });
}

// ---- send_data ----

void AddSendDataFlags(config::Schema& schema) {
  AddString(schema, "dst", "Destination node address (decimal, 0x hex, or broadcast); required");
  AddString(schema, "src_ep", "Source endpoint 0..255; required");
  AddString(schema, "dst_ep", "Destination endpoint 0..255; required");
  AddString(schema, "payload", "Payload in hex, at most 1500 bytes (or payload_text)");
  AddString(schema, "payload_text", "Payload as UTF-8 text (instead of payload)");
  schema.Add({.key = "qos",
              .type = config::SettingType::kInt,
              .default_value = "0",
              .help = "Packet QoS: 0 normal, 1 high priority",
              .min = 0,
              .max = 1});
  schema.Add({.key = "hop_limit",
              .type = config::SettingType::kInt,
              .default_value = "0",
              .help = "Hop limit: 0 (no limit) .. 15",
              .min = 0,
              .max = 15});
  schema.Add({.key = "initial_delay_ms",
              .type = config::SettingType::kInt,
              .default_value = "0",
              .help = "Time the packet waits in the sink before it is sent, in ms",
              .min = 0,
              .max = static_cast<double>(kMaxUint32)});
  AddBool(schema, "unack_csma_ca",
          "Unacknowledged CSMA-CA: reaches only low-latency (CB-MAC) nodes");
}

int RunSendData(CommandRun& run, const wm::v1::SendDataRequest& request) {
  return run.Send("send_data", &Stub::SendData, request,
                  [](const wm::v1::SendDataResponse&) { return ""; });
}

// ---- scratchpads ----

int RunScratchpadStatus(CommandRun& run, const NoFlags&) {
  return run.Send("scratchpad_status", &Stub::GetScratchpadStatus,
                  wm::v1::GetScratchpadStatusRequest(),
                  [](const wm::v1::GetScratchpadStatusResponse& response) {
                    return response.result().code() == wm::v1::GATEWAY_RESULT_OK
                               ? FormatScratchpadStatus(response)
                               : "";
                  });
}

struct UploadFlags {
  std::string image;  // empty: clear
  uint32_t seq = 0;
  std::string file;
};

// Reads the whole file; InvalidArgument naming --file when it cannot be read.
absl::StatusOr<std::string> ReadImage(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("file: cannot read ", path, ": ",
                     std::filesystem::exists(path, error) ? "not a regular file" : "no such file"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  if (in) contents << in.rdbuf();
  if (!in || in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("file: cannot read ", path, ": ", std::strerror(errno)));
  }
  return contents.str();
}

absl::StatusOr<UploadFlags> UploadFlagsFromSettings(const config::Settings& settings) {
  UploadFlags flags;
  const bool clear = settings.GetBool("clear");
  flags.file = settings.GetString("file");
  if (clear && !flags.file.empty()) {
    return absl::InvalidArgumentError("clear: uploads nothing; give --file or --clear, not both");
  }
  if (!clear && flags.file.empty()) return Required("file", "PATH");
  absl::StatusOr<std::optional<uint64_t>> seq =
      OptionalUnsigned(settings, "seq", clear ? 0 : 1, kMaxScratchpadSeq);
  if (!seq.ok()) return seq.status();
  if (!clear && !seq->has_value()) return Required("seq", "1..255");
  flags.seq = static_cast<uint32_t>(seq->value_or(0));
  if (clear) return flags;
  absl::StatusOr<std::string> image = ReadImage(flags.file);
  if (!image.ok()) return image.status();
  if (image->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "file: ", flags.file, " is empty (--clear clears the sink's stored scratchpad)"));
  }
  flags.image = *std::move(image);
  return flags;
}

void AddUploadFlags(config::Schema& schema) {
  AddString(schema, "file", "Scratchpad image (.otap file) to upload; required unless --clear");
  AddString(schema, "seq", "Scratchpad sequence 1..255 (0..255 with --clear)");
  AddBool(schema, "clear", "Upload nothing: clears the sink's stored scratchpad");
}

int RunUpload(CommandRun& run, const UploadFlags& flags) {
  wm::v1::UploadScratchpadResponse response;
  grpc::ClientContext context;
  const uint64_t per_request_ms =
      run.target.timeout_ms != 0 ? run.target.timeout_ms : kDefaultUploadRequestTimeoutMs;
  const uint64_t chunks =
      std::max<uint64_t>(1, (flags.image.size() + kSmallestChunkBytes - 1) / kSmallestChunkBytes);
  PrepareContext(run.target, kDefaultUploadRequestTimeoutMs, context);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(kUploadSlackMs + per_request_ms * chunks));
  if (flags.image.empty()) {
    run.cli.err << "wm-gw-cli: clearing the stored scratchpad of " << run.target.gateway_id << "/"
                << run.target.sink_id << '\n';
  } else {
    run.cli.err << "wm-gw-cli: uploading " << flags.file << " (" << flags.image.size()
                << " bytes, seq " << flags.seq << ") to " << run.target.gateway_id << "/"
                << run.target.sink_id << '\n';
  }
  const grpc::Status status = run.canceller.Run(context, [&](grpc::ClientContext* call) {
    std::unique_ptr<grpc::ClientWriter<wm::v1::UploadScratchpadRequest>> writer =
        run.target.stub->UploadScratchpad(call, &response);
    wm::v1::UploadScratchpadRequest message;
    FillCommon(run.target, message);
    message.set_seq(flags.seq);
    size_t offset = 0;
    // At least one message, carrying the target: an empty image clears.
    do {
      message.set_data(flags.image.substr(offset, kUploadPieceBytes));
      offset += kUploadPieceBytes;
      if (!writer->Write(message)) break;  // the call ended; Finish says why
      message.Clear();
    } while (offset < flags.image.size());
    writer->WritesDone();
    return writer->Finish();
  });
  if (!status.ok()) return run.CallFailed("scratchpad_upload", status);
  return run.Answer("scratchpad_upload", response, response.result(), FormatUpload(response));
}

int RunProcess(CommandRun& run, const NoFlags&) {
  return run.Send(
      "scratchpad_process", &Stub::ProcessScratchpad, wm::v1::ProcessScratchpadRequest(),
      [](const wm::v1::ProcessScratchpadResponse&) { return ""; }, kDefaultProcessTimeoutMs);
}

void AddTargetFlags(config::Schema& schema) {
  AddString(schema, "action",
            "What the network's OTAP does: no_otap, propagate_only, propagate_and_process, "
            "propagate_and_process_with_delay, legacy_otap; required");
  AddString(schema, "target_seq", "Target scratchpad sequence 1..254 (not given: the stored one)");
  AddString(schema, "target_crc", "Target scratchpad CRC 0..0xFFFF (not given: the stored one)");
  AddString(schema, "param",
            "Processing delay (10m, 30m, 1h, 6h, 1d, 2d, 5d; needed by "
            "propagate_and_process_with_delay) or a raw param byte 0..255");
}

int RunTarget(CommandRun& run, const wm::v1::TargetScratchpadAndAction& target) {
  wm::v1::SetScratchpadTargetAndActionRequest request;
  *request.mutable_target_and_action() = target;
  return run.Send("scratchpad_target", &Stub::SetScratchpadTargetAndAction, request,
                  [](const wm::v1::SetScratchpadTargetAndActionResponse&) { return ""; });
}

// ---- configuration data items ----

// The item of config_item_get and config_item_set.
struct ConfigItemFlags {
  uint32_t endpoint = 0;
  std::string payload;  // config_item_set's; empty clears the item
};

void AddEndpointFlag(config::Schema& schema) {
  AddString(schema, "endpoint", "Configuration data item endpoint 0..65535; required");
}

void AddConfigItemSetFlags(config::Schema& schema) {
  AddEndpointFlag(schema);
  AddString(schema, "payload",
            "Item payload in hex, at most 80 bytes; --payload= (empty) clears the item");
}

absl::StatusOr<ConfigItemFlags> ConfigItemFromSettings(const config::Settings& settings) {
  absl::StatusOr<uint64_t> endpoint =
      RequiredUnsigned(settings, "endpoint", 0, kMaxConfigItemEndpoint);
  if (!endpoint.ok()) return endpoint.status();
  return ConfigItemFlags{.endpoint = static_cast<uint32_t>(*endpoint)};
}

absl::StatusOr<ConfigItemFlags> ConfigItemChangeFromSettings(const config::Settings& settings) {
  absl::StatusOr<ConfigItemFlags> item = ConfigItemFromSettings(settings);
  if (!item.ok()) return item.status();
  std::optional<std::string> text = Given(settings, "payload");
  if (!text) return Required("payload", "HEX");
  absl::StatusOr<std::string> bytes = ParseHexBytes("payload", *text);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() > kMaxConfigItemPayload) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload: at most ", kMaxConfigItemPayload, " bytes, got ", bytes->size()));
  }
  item->payload = *std::move(bytes);
  return item;
}

int RunConfigItemGet(CommandRun& run, const ConfigItemFlags& item) {
  wm::v1::GetConfigurationDataItemRequest request;
  request.set_endpoint(item.endpoint);
  wm::v1::GetConfigurationDataItemResponse response;
  const grpc::Status status =
      run.Call(kDefaultRequestTimeoutMs, &Stub::GetConfigurationDataItem, request, &response);
  if (!status.ok()) return run.CallFailed("config_item_get", status);
  const int code =
      run.Answer("config_item_get", response, response.result(),
                 response.has_item() ? FormatConfigurationDataItem(response.item()) : "");
  if (response.result().code() == wm::v1::GATEWAY_RESULT_INVALID_PARAM) {
    run.cli.err << "wm-gw-cli: the sink has no configuration data item for endpoint "
                << item.endpoint << '\n';
  }
  return code;
}

int RunConfigItemSet(CommandRun& run, const ConfigItemFlags& item) {
  wm::v1::SetConfigurationDataItemRequest request;
  request.set_endpoint(item.endpoint);
  request.set_payload(item.payload);
  return run.Send("config_item_set", &Stub::SetConfigurationDataItem, request,
                  [&item](const wm::v1::SetConfigurationDataItemResponse&) {
                    return item.payload.empty()
                               ? absl::StrCat("cleared the item of endpoint ", item.endpoint, "\n")
                               : std::string();
                  });
}

// ---- clear_gateway ----

struct ClearFlags {
  bool force = false;
};

void AddClearFlags(config::Schema& schema) {
  AddBool(schema, "force", "Clear even a gateway whose status says it is online");
}

absl::StatusOr<ClearFlags> ClearFlagsFromSettings(const config::Settings& settings) {
  return ClearFlags{.force = settings.GetBool("force")};
}

int RunClearGateway(CommandRun& run, const ClearFlags& flags) {
  wm::v1::ClearGatewayStatusRequest request;
  request.set_force(flags.force);
  wm::v1::ClearGatewayStatusResponse response;
  const grpc::Status status =
      run.Call(kDefaultRequestTimeoutMs, &Stub::ClearGatewayStatus, request, &response);
  if (!status.ok()) {
    const int code = run.CallFailed("clear_gateway", status);
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION && !flags.force) {
      run.cli.err << "wm-gw-cli: a gateway known to be online is only cleared with --force\n";
    }
    return code;
  }
  if (run.target.json) {
    PrintJson(response, run.cli.out);
  } else {
    run.cli.out << "clear_gateway: OK\n" << FormatClearGateway(response);
  }
  return kExitOk;
}

}  // namespace

absl::StatusOr<wm::v1::SinkConfigChange> SinkConfigChangeFromSettings(
    const config::Settings& settings) {
  wm::v1::SinkConfigChange change;
  bool any = false;
  if (std::optional<std::string> text = Given(settings, "node_role")) {
    absl::StatusOr<wm::v1::NodeRole> role = ParseNodeRole("node_role", *text);
    if (!role.ok()) return role.status();
    *change.mutable_node_role() = *std::move(role);
    any = true;
  }
  if (std::optional<std::string> text = Given(settings, "node_address")) {
    absl::StatusOr<uint32_t> address = ParseNodeAddress("node_address", *text);
    if (!address.ok()) return address.status();
    change.set_node_address(*address);
    any = true;
  }
  // The numbers of the change, in the order their errors are reported.
  struct NumberFlag {
    const char* key;
    uint64_t min;
    uint64_t max;
    std::function<void(uint64_t)> set;
  };
  const NumberFlag numbers[] = {
      {"network_address", 1, kMaxNetworkAddress - 1,
       [&](uint64_t value) { change.set_network_address(value); }},
      {"network_channel", 1, kMaxUint32,
       [&](uint64_t value) { change.set_network_channel(static_cast<uint32_t>(value)); }},
      {"channel_map", 0, kMaxUint32,
       [&](uint64_t value) { change.set_channel_map(static_cast<uint32_t>(value)); }},
  };
  for (const NumberFlag& flag : numbers) {
    absl::StatusOr<std::optional<uint64_t>> value =
        OptionalUnsigned(settings, flag.key, flag.min, flag.max);
    if (!value.ok()) return value.status();
    if (value->has_value()) {
      flag.set(**value);
      any = true;
    }
  }
  if (settings.IsSet("started")) {
    change.set_started(settings.GetBool("started"));
    any = true;
  }
  std::optional<std::string> cipher = Given(settings, "cipher_key");
  std::optional<std::string> authentication = Given(settings, "authentication_key");
  if (cipher.has_value() != authentication.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        cipher ? "authentication_key" : "cipher_key", ": required with --",
        cipher ? "cipher_key" : "authentication_key", " (the network keys are set together)"));
  }
  if (cipher) {
    absl::StatusOr<std::string> cipher_key = ParseKey("cipher_key", *cipher);
    if (!cipher_key.ok()) return cipher_key.status();
    absl::StatusOr<std::string> authentication_key =
        ParseKey("authentication_key", *authentication);
    if (!authentication_key.ok()) return authentication_key.status();
    change.mutable_keys()->set_cipher(*cipher_key);
    change.mutable_keys()->set_authentication(*authentication_key);
    any = true;
  }
  absl::StatusOr<std::optional<uint64_t>> ac_min =
      OptionalUnsigned(settings, "ac_min_ms", 0, kMaxUint32);
  if (!ac_min.ok()) return ac_min.status();
  absl::StatusOr<std::optional<uint64_t>> ac_max =
      OptionalUnsigned(settings, "ac_max_ms", 0, kMaxUint32);
  if (!ac_max.ok()) return ac_max.status();
  if (ac_min->has_value() != ac_max->has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(ac_min->has_value() ? "ac_max_ms" : "ac_min_ms",
                                                   ": required with --",
                                                   ac_min->has_value() ? "ac_min_ms" : "ac_max_ms",
                                                   " (the access cycle range is set as a whole)"));
  }
  if (ac_min->has_value()) {
    if (**ac_min > **ac_max) {
      return absl::InvalidArgumentError(
          absl::StrCat("ac_min_ms: ", **ac_min, " is above ac_max_ms ", **ac_max));
    }
    change.mutable_current_ac_range()->set_min_ms(static_cast<uint32_t>(**ac_min));
    change.mutable_current_ac_range()->set_max_ms(static_cast<uint32_t>(**ac_max));
    any = true;
  }
  if (!any) {
    return absl::InvalidArgumentError(
        "set_config: nothing to change; give at least one of --node_role, --node_address, "
        "--network_address, --network_channel, --channel_map, --started, --cipher_key with "
        "--authentication_key, --ac_min_ms with --ac_max_ms");
  }
  return change;
}

absl::StatusOr<wm::v1::SendDataRequest> SendDataFromSettings(const config::Settings& settings) {
  wm::v1::SendDataRequest request;
  std::optional<std::string> dst = Given(settings, "dst");
  if (!dst) return Required("dst", "<node address>|broadcast");
  absl::StatusOr<uint32_t> address = ParseDestinationAddress("dst", *dst);
  if (!address.ok()) return address.status();
  request.set_destination_address(*address);
  absl::StatusOr<uint64_t> src_ep = RequiredUnsigned(settings, "src_ep", 0, 255);
  if (!src_ep.ok()) return src_ep.status();
  request.set_source_endpoint(static_cast<uint32_t>(*src_ep));
  absl::StatusOr<uint64_t> dst_ep = RequiredUnsigned(settings, "dst_ep", 0, 255);
  if (!dst_ep.ok()) return dst_ep.status();
  request.set_destination_endpoint(static_cast<uint32_t>(*dst_ep));

  std::optional<std::string> hex = Given(settings, "payload");
  std::optional<std::string> text = Given(settings, "payload_text");
  if (hex && text) {
    return absl::InvalidArgumentError(
        "payload_text: give --payload (hex) or --payload_text, "
        "not both");
  }
  if (!hex && !text) return Required("payload", "HEX");
  std::string payload;
  if (hex) {
    absl::StatusOr<std::string> bytes = ParseHexBytes("payload", *hex);
    if (!bytes.ok()) return bytes.status();
    payload = *std::move(bytes);
  } else {
    payload = *text;
  }
  if (payload.size() > kMaxSendDataPayload) {
    return absl::InvalidArgumentError(absl::StrCat(hex ? "payload" : "payload_text", ": at most ",
                                                   kMaxSendDataPayload, " bytes, got ",
                                                   payload.size()));
  }
  request.set_payload(std::move(payload));
  request.set_qos(static_cast<uint32_t>(settings.GetInt("qos")));
  request.set_hop_limit(static_cast<uint32_t>(settings.GetInt("hop_limit")));
  request.set_initial_delay_ms(static_cast<uint32_t>(settings.GetInt("initial_delay_ms")));
  request.set_unack_csma_ca(settings.GetBool("unack_csma_ca"));
  return request;
}

absl::StatusOr<wm::v1::TargetScratchpadAndAction> TargetAndActionFromSettings(
    const config::Settings& settings) {
  wm::v1::TargetScratchpadAndAction target;
  std::optional<std::string> action_text = Given(settings, "action");
  if (!action_text) return Required("action", "propagate_and_process");
  absl::StatusOr<wm::v1::ScratchpadAction> action = ParseScratchpadAction("action", *action_text);
  if (!action.ok()) return action.status();
  target.set_action(*action);
  absl::StatusOr<std::optional<uint64_t>> seq =
      OptionalUnsigned(settings, "target_seq", 1, kMaxAppConfigSeq);
  if (!seq.ok()) return seq.status();
  if (*seq) target.set_target_sequence(static_cast<uint32_t>(**seq));
  absl::StatusOr<std::optional<uint64_t>> crc = OptionalUnsigned(settings, "target_crc", 0, 0xFFFF);
  if (!crc.ok()) return crc.status();
  if (*crc) target.set_target_crc(static_cast<uint32_t>(**crc));
  if (std::optional<std::string> param = Given(settings, "param")) {
    if (absl::Status s = ParseScratchpadParam("param", *param, target); !s.ok()) return s;
  } else if (*action == wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY) {
    return absl::InvalidArgumentError(
        "param: required by propagate_and_process_with_delay (a delay: 10m, 30m, 1h, 6h, 1d, "
        "2d, 5d, or a raw param byte)");
  }
  return target;
}

std::vector<CliCommand> GatewayCommands() {
  return {
      GatewayCommand("get_configs", "show the configuration of every sink of a gateway",
                     kGatewayWide, nullptr, ReadNoFlags, RunGetConfigs),
      GatewayCommand("set_config", "change a sink's configuration (only the flags given)", kPerSink,
                     AddSetConfigFlags, SinkConfigChangeFromSettings, RunSetConfig),
      GatewayCommand("set_app_config", "set a sink's app config data and diagnostic interval",
                     kPerSink, AddSetAppConfigFlags, AppConfigFlagsFromSettings, RunSetAppConfig),
      GatewayCommand("gateway_info", "show a gateway's model, versions and features", kGatewayWide,
                     nullptr, ReadNoFlags, RunGatewayInfo),
      GatewayCommand("send_data", "send one downlink packet through a sink", kPerSink,
                     AddSendDataFlags, SendDataFromSettings, RunSendData),
      GatewayCommand("scratchpad_status", "show a sink's stored and processed scratchpads",
                     kPerSink, nullptr, ReadNoFlags, RunScratchpadStatus),
      GatewayCommand("scratchpad_upload", "upload a scratchpad image to a sink (or --clear it)",
                     kPerSink, AddUploadFlags, UploadFlagsFromSettings, RunUpload),
      GatewayCommand("scratchpad_process", "make a sink process its stored scratchpad", kPerSink,
                     nullptr, ReadNoFlags, RunProcess),
      GatewayCommand("scratchpad_target", "set the network's OTAP target scratchpad and action",
                     kPerSink, AddTargetFlags, TargetAndActionFromSettings, RunTarget),
      GatewayCommand("config_item_get", "read a sink's configuration data item", kPerSink,
                     AddEndpointFlag, ConfigItemFromSettings, RunConfigItemGet),
      GatewayCommand("config_item_set", "set or clear a sink's configuration data item", kPerSink,
                     AddConfigItemSetFlags, ConfigItemChangeFromSettings, RunConfigItemSet),
      GatewayCommand("clear_gateway", "clear the retained status of a gateway that is gone",
                     kGatewayWide, AddClearFlags, ClearFlagsFromSettings, RunClearGateway),
  };
}

}  // namespace wm::gw_cli
