#include "tools/gw_cli/node_commands.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/decoders/msap_encoder.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tools/gw_cli/call_canceller.h"
#include "tools/gw_cli/command_client.h"
#include "tools/gw_cli/node_report.h"
#include "tools/gw_cli/value_parsing.h"

namespace wm::gw_cli {
namespace {

using Stub = wm::v1::Commands::Stub;

// How long the nodes' answers to a unary node command may keep coming (each restarts the quiet
// period) before the call gives up: wm-command collects until the call's deadline at most.
constexpr uint32_t kMaxAckCollectionMs = 120000;
// The settings of the read-only streams: no client request id, and --timeout_s bounds the
// collection.
constexpr CommandSettingsOptions kStreamSettings = {.client_request_id = false,
                                                    .collects_answers = true};
// The settings of the commands that change the nodes.
constexpr CommandSettingsOptions kNodeCommandSettings = {};

void AddNodeSetting(config::Schema& schema) {
  schema.Add({.key = "node",
              .help = "Address of the one node the request goes to, decimal or 0x hex (not "
                      "given: broadcast to every node of the sink's network)"});
}

// --quiet_s: how long the nodes' answers are waited for after the last one. A stream (ping,
// nodes_scratchpad_status) collects answers by nature; a command may skip them (0).
void AddQuietSetting(config::Schema& schema, bool stream) {
  schema.Add({.key = "quiet_s",
              .type = config::SettingType::kDouble,
              .default_value = "10",
              .help = stream ? "Collection ends once no node answered for this many seconds "
                               "(--timeout_s bounds the whole collection)"
                             : "Collect the nodes' answers until none came for this many "
                               "seconds (0: return once the gateway took the downlink)",
              .min = stream ? 0.1 : 0,
              .max = 600});
}

uint32_t QuietMs(const config::Settings& settings) {
  return static_cast<uint32_t>(settings.GetDouble("quiet_s") * 1000.0 + 0.5);
}

// Whether a request can go to one node (--node) rather than to every node of the network.
template <typename Request, typename = void>
struct ToOneNode : std::false_type {};
template <typename Request>
struct ToOneNode<
    Request, std::void_t<decltype(std::declval<Request&>().set_destination_address(uint32_t{}))>>
    : std::true_type {};

// A parameter whose type the call's other arguments decide.
template <typename T>
struct NonDeduced {
  using type = T;
};

// Reads what the node commands share into `request`: the common settings (FillCommon), and
// --node for a request that can go to one node (not given: broadcast).
template <typename Request>
absl::StatusOr<CommandTarget> ReadNodeRequest(const config::Settings& settings,
                                              CommandSettingsOptions options, Request& request) {
  if (absl::Status s = CheckNoPositional(settings); !s.ok()) return s;
  absl::StatusOr<CommandTarget> target = CommandTargetFromSettings(settings, options);
  if (!target.ok()) return target.status();
  FillCommon(*target, request);
  if constexpr (ToOneNode<Request>::value) {
    if (std::optional<std::string> text = Given(settings, "node")) {
      absl::StatusOr<uint32_t> node = ParseNodeAddress("node", *text);
      if (!node.ok()) return node.status();
      request.set_destination_address(*node);
    }
  }
  return target;
}

// Says on err why a command fails when the gateway refused one of its downlinks.
void ReportRefusedDownlink(std::string_view method, const wm::v1::DownlinkResult& sent,
                           CliContext& context) {
  context.err << "wm-gw-cli: " << method << ": the gateway refused the downlink to "
              << FormatDestinationAddress(sent.destination_address()) << ": "
              << DescribeResult(sent.result()) << '\n';
}

// ---- streams: ping, nodes_scratchpad_status ----

// A streaming node command: `open` starts the stream of wm-command's method; the messages that
// are not a downlink's result go to `on_answer`; `summary` is printed (as text) after the stream
// ended, once something was sent or the user stopped it.
template <typename Request, typename Response>
struct NodeStream {
  std::string method;  // for messages, e.g. "Ping"
  std::unique_ptr<grpc::ClientReader<Response>> (Stub::*open)(grpc::ClientContext*, const Request&);
  std::function<void(const Response&, bool json)> on_answer;
  std::function<std::string()> summary;
};

// Runs a streaming node command: prints each downlink's result and each answer as it arrives
// (one JSON line per message with --json) until the nodes fall quiet, --timeout_s or Ctrl-C.
// Exits 0 when the gateway took every downlink, also when interrupted: what was collected is
// printed.
template <typename Request, typename Response>
int RunNodeStream(const NodeStream<Request, Response>& stream, const config::Settings& settings,
                  CliContext& context) {
  Request request;
  const absl::StatusOr<CommandTarget> parsed = ReadNodeRequest(settings, kStreamSettings, request);
  if (!parsed.ok()) return ReportUsageError(parsed.status(), context.err);
  const CommandTarget& target = *parsed;
  request.set_quiet_period_ms(QuietMs(settings));

  grpc::ClientContext rpc;
  PrepareContext(target, kDefaultCollectTimeoutMs, rpc);
  context.err << "wm-gw-cli: collecting answers until none came for "
              << settings.GetDouble("quiet_s") << " s (Ctrl-C stops)\n";
  bool accepted = false;  // the gateway took at least one downlink
  bool refused = false;   // the gateway refused at least one downlink
  grpc::Status status;
  bool interrupted = false;
  {
    CallCanceller canceller(context.termination);
    status = canceller.Run(rpc, [&](grpc::ClientContext* call) {
      std::unique_ptr<grpc::ClientReader<Response>> reader =
          (target.stub.get()->*stream.open)(call, request);
      Response message;
      while (reader->Read(&message)) {
        if (target.json) PrintJson(message, context.out);
        if (!message.has_sent()) {
          stream.on_answer(message, target.json);
        } else {
          if (!target.json) context.out << FormatDownlinkResult(message.sent());
          if (DownlinkAccepted(message.sent())) {
            accepted = true;
          } else {
            refused = true;
            ReportRefusedDownlink(stream.method, message.sent(), context);
          }
        }
        context.out.flush();
      }
      return reader->Finish();
    });
    interrupted = canceller.Interrupted(status);
  }
  if (!target.json && (accepted || interrupted)) context.out << stream.summary();
  if (interrupted) {
    context.err << "wm-gw-cli: " << stream.method
                << " interrupted; what was collected is printed\n";
  } else if (!status.ok()) {
    return ReportRpcError(stream.method, status, context.err);
  }
  return refused ? kExitFailed : kExitOk;
}

int RunPing(const config::Settings& settings, CliContext& context) {
  std::vector<wm::v1::PingReply> replies;
  const NodeStream<wm::v1::PingRequest, wm::v1::PingResponse> stream{
      .method = "Ping",
      .open = &Stub::Ping,
      .on_answer =
          [&](const wm::v1::PingResponse& message, bool json) {
            if (!message.has_reply()) return;
            replies.push_back(message.reply());
            if (!json) context.out << FormatPingReply(message.reply());
          },
      .summary = [&] { return FormatPingSummary(SummarizePing(replies)); },
  };
  return RunNodeStream(stream, settings, context);
}

int RunNodesScratchpadStatus(const config::Settings& settings, CliContext& context) {
  std::vector<wm::v1::NodeScratchpadStatus> nodes;
  const NodeStream<wm::v1::GetNodesScratchpadStatusRequest,
                   wm::v1::GetNodesScratchpadStatusResponse>
      stream{
          .method = "GetNodesScratchpadStatus",
          .open = &Stub::GetNodesScratchpadStatus,
          .on_answer =
              [&](const wm::v1::GetNodesScratchpadStatusResponse& message, bool) {
                if (message.has_node()) nodes.push_back(message.node());
              },
          .summary =
              [&] { return FormatScratchpadTable(nodes) + "\n" + FormatScratchpadStats(nodes); },
      };
  return RunNodeStream(stream, settings, context);
}

// ---- unary: nodes_scratchpad_update, nodes_update_cancel, set_ndiag ----

// Runs a unary node command: reads the common settings, --node where the request has it and,
// with `read_flags`, the command's own flags into the request; then sends it with wm-command's
// `method`, which sends `downlinks` downlinks one after another and collects the nodes'
// acknowledgements for --quiet_s; then prints the gateway's results and the acks.
template <typename Request>
int RunNodeCommand(
    std::string_view method_name,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 wm::v1::NodeCommandResponse*),
    uint32_t downlinks,
    const typename NonDeduced<std::function<absl::Status(Request&)>>::type& read_flags,
    const config::Settings& settings, CliContext& context) {
  Request request;
  const absl::StatusOr<CommandTarget> parsed =
      ReadNodeRequest(settings, kNodeCommandSettings, request);
  if (!parsed.ok()) return ReportUsageError(parsed.status(), context.err);
  if (read_flags) {
    if (absl::Status s = read_flags(request); !s.ok()) return ReportUsageError(s, context.err);
  }
  const CommandTarget& target = *parsed;
  const uint32_t quiet_ms = QuietMs(settings);
  request.set_ack_quiet_period_ms(quiet_ms);

  grpc::ClientContext rpc;
  PrepareContext(target, kDefaultRequestTimeoutMs, rpc);
  // PrepareContext covers one gateway answer; the others and the nodes' answers come on top.
  const uint64_t per_downlink_ms =
      target.timeout_ms != 0 ? target.timeout_ms : kDefaultRequestTimeoutMs;
  rpc.set_deadline(rpc.deadline() +
                   std::chrono::milliseconds(per_downlink_ms * (downlinks - 1) +
                                             (quiet_ms != 0 ? quiet_ms + kMaxAckCollectionMs : 0)));
  wm::v1::NodeCommandResponse response;
  {
    CallCanceller canceller(context.termination);
    const grpc::Status status = canceller.Run(rpc, [&](grpc::ClientContext* call) {
      return (target.stub.get()->*method)(call, request, &response);
    });
    // A unary call's answer comes whole or not at all: an interrupted one has nothing to print.
    if (!status.ok()) return ReportCallFailure(method_name, status, canceller, context.err);
  }

  bool accepted = false;
  bool refused = false;
  for (const wm::v1::DownlinkResult& sent : response.sent()) {
    if (DownlinkAccepted(sent)) {
      accepted = true;
      continue;
    }
    refused = true;
    ReportRefusedDownlink(method_name, sent, context);
  }
  if (target.json) {
    PrintJson(response, context.out);
  } else {
    for (const wm::v1::DownlinkResult& sent : response.sent()) {
      context.out << FormatDownlinkResult(sent);
    }
    if (accepted) context.out << FormatNodeAcks(response, quiet_ms != 0);
  }
  return refused || !accepted ? kExitFailed : kExitOk;
}

int RunNodesScratchpadUpdate(const config::Settings& settings, CliContext& context) {
  return RunNodeCommand<wm::v1::UpdateNodesScratchpadRequest>(
      "UpdateNodesScratchpad", &Stub::UpdateNodesScratchpad, 1,
      [&](wm::v1::UpdateNodesScratchpadRequest& request) {
        absl::StatusOr<uint64_t> seq = RequiredUnsigned(settings, "seq", 1, 255);
        if (!seq.ok()) return seq.status();
        request.set_seq(static_cast<uint32_t>(*seq));
        request.set_countdown_s(static_cast<uint32_t>(settings.GetInt("countdown_s")));
        return absl::OkStatus();
      },
      settings, context);
}

int RunNodesUpdateCancel(const config::Settings& settings, CliContext& context) {
  return RunNodeCommand<wm::v1::CancelNodesUpdateRequest>(
      "CancelNodesUpdate", &Stub::CancelNodesUpdate, 1, nullptr, settings, context);
}

int RunSetNeighborDiagnostics(const config::Settings& settings, CliContext& context) {
  return RunNodeCommand<wm::v1::SetNeighborDiagnosticsRequest>(
      "SetNeighborDiagnostics", &Stub::SetNeighborDiagnostics, 2,
      [&](wm::v1::SetNeighborDiagnosticsRequest& request) {
        std::optional<std::string> text = Given(settings, "interval_s");
        if (!text) {
          return absl::InvalidArgumentError(
              "interval_s: required (0 turns every diagnostic off; 30, 60, 120, 300, 600 or "
              "1200 seconds between neighbor diagnostics)");
        }
        absl::StatusOr<uint64_t> interval_s = ParseUnsigned("interval_s", *text, 0, 65535);
        if (!interval_s.ok()) return interval_s.status();
        // The encoder wm-command uses knows the intervals a node accepts; asking it here keeps
        // a bad interval from reaching the service at all.
        absl::StatusOr<std::string> frame = decoders::EncodeDiagnosticControl(
            static_cast<uint32_t>(*interval_s), *interval_s == 0
                                                    ? decoders::kDiagnosticContentDisableAll
                                                    : decoders::kDiagnosticContentNeighbor);
        if (!frame.ok()) return frame.status();
        request.set_interval_s(static_cast<uint32_t>(*interval_s));
        return absl::OkStatus();
      },
      settings, context);
}

// A node command: the common settings of `options`, --node when the request can go to one node,
// the command's own flags (`add_flags`, nullptr for none) and --quiet_s.
CliCommand NodeCommand(std::string name, std::string summary, CommandSettingsOptions options,
                       bool to_one_node, void (*add_flags)(config::Schema&),
                       int (*run)(const config::Settings&, CliContext&)) {
  return {
      .name = std::move(name),
      .summary = std::move(summary),
      .add_settings =
          [options, to_one_node, add_flags](config::Schema& schema) {
            AddCommandSettings(schema, options);
            if (to_one_node) AddNodeSetting(schema);
            if (add_flags != nullptr) add_flags(schema);
            AddQuietSetting(schema, /*stream=*/options.collects_answers);
          },
      .run = run,
  };
}

void AddUpdateFlags(config::Schema& schema) {
  schema.Add({.key = "seq",
              .help = "Stored scratchpad sequence the nodes should process, 1..255; required"});
  schema.Add({.key = "countdown_s",
              .type = config::SettingType::kInt,
              .default_value = "30",
              .help = "Seconds before the nodes process it",
              .min = decoders::kMsapUpdateMinCountdown,
              .max = decoders::kMsapUpdateMaxCountdown});
}

void AddNeighborDiagnosticsFlags(config::Schema& schema) {
  schema.Add({.key = "interval_s",
              .help = "Seconds between neighbor diagnostics: 30, 60, 120, 300, 600 or 1200; 0 "
                      "turns every diagnostic off; required"});
}

}  // namespace

std::vector<CliCommand> NodeCommands() {
  return {
      NodeCommand("ping", "ping a sink's nodes: round trips and hop counts", kStreamSettings,
                  /*to_one_node=*/true, nullptr, RunPing),
      NodeCommand("nodes_scratchpad_status", "collect the scratchpad status of a sink's nodes",
                  kStreamSettings, /*to_one_node=*/true, nullptr, RunNodesScratchpadStatus),
      NodeCommand("nodes_scratchpad_update", "make nodes process their stored scratchpad",
                  kNodeCommandSettings, /*to_one_node=*/true, AddUpdateFlags,
                  RunNodesScratchpadUpdate),
      NodeCommand("nodes_update_cancel", "cancel the nodes' pending scratchpad update",
                  kNodeCommandSettings, /*to_one_node=*/true, nullptr, RunNodesUpdateCancel),
      NodeCommand("set_ndiag", "set the neighbor diagnostics interval of the nodes",
                  kNodeCommandSettings, /*to_one_node=*/false, AddNeighborDiagnosticsFlags,
                  RunSetNeighborDiagnostics),
  };
}

}  // namespace wm::gw_cli
