#include "tools/gw_cli/registry_commands.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "libs/config/backend_client.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/channel.h"
#include "protos/wm/v1/registry.grpc.pb.h"
#include "tools/gw_cli/call_canceller.h"
#include "tools/gw_cli/command_client.h"
#include "tools/gw_cli/registry_format.h"
#include "tools/gw_cli/stream_follower.h"
#include "tools/gw_cli/value_parsing.h"

namespace wm::gw_cli {
namespace {

using config::SettingType;
using Stub = wm::v1::Registry::Stub;

// How long a command waits for wm-registry to become reachable before it gives up.
constexpr absl::Duration kConnectWait = absl::Seconds(5);
// Deadline of one call once connected (a ListNodes page of 10000 nodes included).
constexpr absl::Duration kCallTimeout = absl::Seconds(30);
// Nodes asked per ListNodes page unless --page_size says otherwise.
constexpr int kDefaultPageSize = 1000;
// The registry's largest page (ListNodesRequest.page_size).
constexpr int kMaxPageSize = 10000;

// Declares the settings every registry command shares, then the command's own.
std::function<void(config::Schema&)> RegistrySettings(
    std::function<void(config::Schema&)> own = nullptr) {
  return [own = std::move(own)](config::Schema& schema) {
    grpcutil::AddAddressSetting(schema, "wm_registry", "127.0.0.1:7002",
                                "wm-registry's gRPC address");
    grpcutil::AddGrpcClientSettings(schema);
    AddJsonSetting(schema);
    if (own) own(schema);
    config::AcceptBackendClientKeys(schema);
  };
}

// One run of a registry command: its connection to wm-registry, its output, and Ctrl-C.
struct RegistryRun {
  RegistryRun(std::string address, std::shared_ptr<grpc::Channel> channel, bool json,
              CliContext& cli, absl::Duration time_limit)
      : address(std::move(address)),
        channel(std::move(channel)),
        stub(wm::v1::Registry::NewStub(this->channel)),
        json(json),
        cli(cli),
        canceller(cli.termination, time_limit) {}

  // Waits up to kConnectWait for the registry; false (with a message) when it does not answer.
  bool Connect() {
    if (channel->WaitForConnected(absl::ToChronoTime(absl::Now() + kConnectWait))) return true;
    cli.err << "wm-gw-cli: wm-registry at " << address << " is not reachable (waited "
            << absl::FormatDuration(kConnectWait)
            << "); check --wm_registry, that wm-registry runs, and the grpc_tls_* settings\n";
    return false;
  }

  // Calls `method` of wm-registry. The channel is connected, so the deadline only bounds the
  // call itself.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
    return canceller.Run(context, [&](grpc::ClientContext* call) {
      return (stub.get()->*method)(call, request, response);
    });
  }

  // Says why a call failed ("interrupted" after Ctrl-C) and returns kExitFailed.
  int CallFailed(std::string_view method, const grpc::Status& status) {
    if (!canceller.Interrupted(status)) return ReportRpcError(method, status, cli.err);
    cli.err << "wm-gw-cli: " << method << " interrupted\n";
    return kExitFailed;
  }

  const std::string address;
  const std::shared_ptr<grpc::Channel> channel;
  const std::unique_ptr<Stub> stub;
  const bool json;
  CliContext& cli;
  CallCanceller canceller;
};

// Runs a registry command whose own flags were read: checks the common settings (a usage error
// exits 2), waits for wm-registry (exit 1 when it does not answer), then `run`. `time_limit`
// stops its calls (--duration_s).
int RunWithRegistry(const config::Settings& settings, CliContext& cli,
                    const std::function<int(RegistryRun&)>& run,
                    absl::Duration time_limit = absl::InfiniteDuration()) {
  if (absl::Status s = CheckNoPositional(settings); !s.ok()) return ReportUsageError(s, cli.err);
  absl::StatusOr<std::string> address = grpcutil::AddressFromSettings(settings, "wm_registry");
  if (!address.ok()) return ReportUsageError(address.status(), cli.err);
  absl::StatusOr<grpcutil::ChannelOptions> options = grpcutil::ChannelOptionsFromSettings(settings);
  if (!options.ok()) return ReportUsageError(options.status(), cli.err);
  RegistryRun registry_run(*address, grpcutil::CreateChannel(*address, *options),
                           settings.GetBool("json"), cli, time_limit);
  if (!registry_run.Connect()) return kExitFailed;
  return run(registry_run);
}

// The message as PrintJson writes it, without the line end (to nest it in another object).
std::string JsonOf(const google::protobuf::Message& message) {
  std::ostringstream out;
  PrintJson(message, out);
  return std::string(absl::StripTrailingAsciiWhitespace(out.str()));
}

// --network, when given: a network address, decimal or 0x hex.
absl::StatusOr<std::optional<uint64_t>> NetworkFromSettings(const config::Settings& settings) {
  return OptionalUnsigned(settings, "network", 0, UINT64_MAX);
}

// --- gateways -------------------------------------------------------------------------------

int RunGateways(const config::Settings& settings, CliContext& cli) {
  wm::v1::ListGatewaysRequest request;
  const std::string state = settings.GetString("state");
  if (state == "online") request.set_state(wm::v1::GATEWAY_STATE_ONLINE);
  if (state == "offline") request.set_state(wm::v1::GATEWAY_STATE_OFFLINE);
  if (state == "no_status") request.set_state(wm::v1::GATEWAY_STATE_UNSPECIFIED);
  return RunWithRegistry(settings, cli, [&](RegistryRun& run) {
    wm::v1::ListGatewaysResponse response;
    const grpc::Status status = run.Call(&Stub::ListGateways, request, &response);
    if (!status.ok()) return run.CallFailed("ListGateways", status);
    std::vector<wm::v1::Gateway> gateways(response.gateways().begin(), response.gateways().end());
    if (run.json) {
      std::sort(gateways.begin(), gateways.end(),
                [](const wm::v1::Gateway& a, const wm::v1::Gateway& b) { return a.id() < b.id(); });
      for (const wm::v1::Gateway& gateway : gateways) PrintJson(gateway, cli.out);
    } else {
      cli.out << FormatGatewaysTable(std::move(gateways), absl::Now());
    }
    return kExitOk;
  });
}

// --- gateway --------------------------------------------------------------------------------

int RunGateway(const config::Settings& settings, CliContext& cli) {
  const std::string gateway_id = settings.GetString("gateway");
  if (gateway_id.empty()) return ReportUsageError(Required("gateway", "<gateway id>"), cli.err);
  return RunWithRegistry(settings, cli, [&](RegistryRun& run) {
    wm::v1::GetGatewayRequest request;
    request.set_gateway_id(gateway_id);
    wm::v1::Gateway gateway;
    grpc::Status status = run.Call(&Stub::GetGateway, request, &gateway);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      cli.err << "wm-gw-cli: gateway '" << gateway_id << "' is not known to wm-registry at "
              << run.address << " (`wm-gw-cli gateways` lists the known ones)\n";
      return kExitFailed;
    }
    if (!status.ok()) return run.CallFailed("GetGateway", status);

    wm::v1::ListSinksRequest sinks_request;
    sinks_request.set_gateway_id(gateway_id);
    wm::v1::ListSinksResponse sinks_response;
    status = run.Call(&Stub::ListSinks, sinks_request, &sinks_response);
    if (!status.ok()) return run.CallFailed("ListSinks", status);
    std::vector<wm::v1::Sink> sinks(sinks_response.sinks().begin(), sinks_response.sinks().end());

    if (run.json) {
      // One object, so that `jq .gateway.state` and `jq .sinks[].config` both work.
      std::string line = "{\"gateway\":" + JsonOf(gateway) + ",\"sinks\":[";
      for (size_t i = 0; i < sinks.size(); ++i) {
        if (i > 0) line += ",";
        line += JsonOf(sinks[i]);
      }
      cli.out << line << "]}\n";
    } else {
      cli.out << FormatGatewayDetail(gateway, sinks, absl::Now());
    }
    return kExitOk;
  });
}

// --- sinks ----------------------------------------------------------------------------------

int RunSinks(const config::Settings& settings, CliContext& cli) {
  wm::v1::ListSinksRequest request;
  if (const std::string gateway = settings.GetString("gateway"); !gateway.empty()) {
    request.set_gateway_id(gateway);
  }
  absl::StatusOr<std::optional<uint64_t>> network = NetworkFromSettings(settings);
  if (!network.ok()) return ReportUsageError(network.status(), cli.err);
  if (network->has_value()) request.set_network_address(**network);
  return RunWithRegistry(settings, cli, [&](RegistryRun& run) {
    wm::v1::ListSinksResponse response;
    const grpc::Status status = run.Call(&Stub::ListSinks, request, &response);
    if (!status.ok()) return run.CallFailed("ListSinks", status);
    if (run.json) {
      for (const wm::v1::Sink& sink : response.sinks()) PrintJson(sink, cli.out);
    } else {
      cli.out << FormatSinksTable({response.sinks().begin(), response.sinks().end()});
    }
    return kExitOk;
  });
}

// --- networks -------------------------------------------------------------------------------

int RunNetworks(const config::Settings& settings, CliContext& cli) {
  return RunWithRegistry(settings, cli, [&](RegistryRun& run) {
    wm::v1::ListNetworksResponse response;
    const grpc::Status status =
        run.Call(&Stub::ListNetworks, wm::v1::ListNetworksRequest(), &response);
    if (!status.ok()) return run.CallFailed("ListNetworks", status);
    if (run.json) {
      for (const wm::v1::Network& network : response.networks()) PrintJson(network, cli.out);
    } else {
      cli.out << FormatNetworksTable({response.networks().begin(), response.networks().end()});
    }
    return kExitOk;
  });
}

// --- nodes ----------------------------------------------------------------------------------

void AddNodesSettings(config::Schema& schema) {
  schema.Add({.key = "network", .help = "Only nodes of this network address, decimal or 0x hex"});
  schema.Add(
      {.key = "gateway", .help = "Only nodes whose latest packet came through this gateway id"});
  schema.Add({.key = "sink",
              .help = "Only nodes whose latest packet came through a sink with this id (add "
                      "--gateway for one sink)"});
  schema.Add({.key = "stale",
              .type = SettingType::kBool,
              .default_value = "false",
              .help = "Only stale nodes (silent longer than the registry's node_stale_after_s)"});
  schema.Add({.key = "fresh",
              .type = SettingType::kBool,
              .default_value = "false",
              .help = "Only nodes that are not stale"});
  schema.Add({.key = "limit",
              .type = SettingType::kInt,
              .default_value = "0",
              .help = "List at most this many nodes (0: all)",
              .min = 0});
  schema.Add({.key = "page_size",
              .type = SettingType::kInt,
              .default_value = std::to_string(kDefaultPageSize),
              .help = "Nodes asked from wm-registry per call",
              .min = 1,
              .max = kMaxPageSize});
}

int RunNodes(const config::Settings& settings, CliContext& cli) {
  wm::v1::ListNodesRequest request;
  absl::StatusOr<std::optional<uint64_t>> network = NetworkFromSettings(settings);
  if (!network.ok()) return ReportUsageError(network.status(), cli.err);
  if (network->has_value()) request.set_network_address(**network);
  if (const std::string gateway = settings.GetString("gateway"); !gateway.empty()) {
    request.set_gateway_id(gateway);
  }
  if (const std::string sink = settings.GetString("sink"); !sink.empty()) {
    request.set_sink_id(sink);
  }
  if (settings.GetBool("stale") && settings.GetBool("fresh")) {
    return ReportUsageError(absl::InvalidArgumentError("stale, fresh: give one of them, not both"),
                            cli.err);
  }
  if (settings.GetBool("stale")) request.set_stale(true);
  if (settings.GetBool("fresh")) request.set_stale(false);
  const uint64_t limit = static_cast<uint64_t>(settings.GetInt("limit"));
  const uint64_t page_size = static_cast<uint64_t>(settings.GetInt("page_size"));
  return RunWithRegistry(settings, cli, [&](RegistryRun& run) {
    std::vector<wm::v1::Node> nodes;  // text only: the table is aligned over every page
    uint64_t listed = 0;
    uint64_t stale = 0;
    bool truncated = false;
    while (true) {
      // With a limit, the page that reaches it asks for one node more, to know whether the
      // listing was cut short.
      request.set_page_size(static_cast<int32_t>(
          limit == 0 ? page_size : std::min<uint64_t>(page_size, limit - listed + 1)));
      wm::v1::ListNodesResponse response;
      const grpc::Status status = run.Call(&Stub::ListNodes, request, &response);
      if (run.canceller.Interrupted(status)) {
        cli.err << "wm-gw-cli: ListNodes interrupted; the nodes listed so far are printed\n";
        break;
      }
      if (!status.ok()) return run.CallFailed("ListNodes", status);
      for (const wm::v1::Node& node : response.nodes()) {
        if (limit != 0 && listed == limit) {
          truncated = true;
          break;
        }
        ++listed;
        if (node.stale()) ++stale;
        if (run.json) {
          PrintJson(node, cli.out);
        } else {
          nodes.push_back(node);
        }
      }
      // At the limit with a page left, the next call asks for one node: whether there is more.
      if (truncated || response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    if (!run.json) {
      cli.out << FormatNodesTable(nodes, absl::Now())
              << FormatNodesFooter(listed, stale, truncated, limit) << '\n';
    }
    return kExitOk;
  });
}

// --- node -----------------------------------------------------------------------------------

int RunNode(const config::Settings& settings, CliContext& cli) {
  std::optional<std::string> node_text = Given(settings, "node");
  if (!node_text) return ReportUsageError(Required("node", "<node address>"), cli.err);
  absl::StatusOr<uint32_t> address = ParseNodeAddress("node", *node_text);
  if (!address.ok()) return ReportUsageError(address.status(), cli.err);
  absl::StatusOr<std::optional<uint64_t>> network = NetworkFromSettings(settings);
  if (!network.ok()) return ReportUsageError(network.status(), cli.err);
  return RunWithRegistry(settings, cli, [&](RegistryRun& run) {
    // Without --network, every known network is asked: a node address is unique within its
    // network only.
    std::vector<uint64_t> networks;
    if (network->has_value()) {
      networks.push_back(**network);
    } else {
      wm::v1::ListNetworksResponse response;
      const grpc::Status status =
          run.Call(&Stub::ListNetworks, wm::v1::ListNetworksRequest(), &response);
      if (!status.ok()) return run.CallFailed("ListNetworks", status);
      for (const wm::v1::Network& n : response.networks()) networks.push_back(n.address());
    }
    std::vector<wm::v1::Node> found;
    for (uint64_t net : networks) {
      wm::v1::GetNodeRequest request;
      request.set_network_address(net);
      request.set_address(*address);
      wm::v1::Node node;
      const grpc::Status status = run.Call(&Stub::GetNode, request, &node);
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) continue;
      if (!status.ok()) return run.CallFailed("GetNode", status);
      found.push_back(std::move(node));
    }
    if (found.empty()) {
      cli.err << "wm-gw-cli: node " << *address << " was never heard by wm-registry at "
              << run.address
              << (network->has_value()
                      ? absl::StrCat(" in network ", **network)
                      : absl::StrCat(" in any network (", networks.size(), " known)"))
              << '\n';
      return kExitFailed;
    }
    if (found.size() > 1) {
      cli.err << "wm-gw-cli: node " << *address << " is known in " << found.size()
              << " networks; --network picks one\n";
    }
    const absl::Time now = absl::Now();
    for (size_t i = 0; i < found.size(); ++i) {
      if (run.json) {
        PrintJson(found[i], cli.out);
      } else {
        cli.out << (i > 0 ? "\n" : "") << FormatNodeDetail(found[i], now);
      }
    }
    return kExitOk;
  });
}

// --- watch ----------------------------------------------------------------------------------

void AddWatchSettings(config::Schema& schema) {
  schema.Add(
      {.key = "entities",
       .help = "Only changes of these, comma-separated: gateway, sink, node (not given: all)"});
  schema.Add({.key = "resume_after",
              .type = SettingType::kInt,
              .default_value = "-1",
              .help = "Start after the change with this sequence (one printed before, or a "
                      "list's change_sequence): the changes wm-registry still holds after it "
                      "are shown first (-1: start with the next change)",
              .min = -1});
  AddStreamLimitSettings(schema, "changes");
}

int RunWatch(const config::Settings& settings, CliContext& cli) {
  absl::StatusOr<std::vector<wm::v1::ChangeEntity>> entities =
      ParseChangeEntities(settings.GetString("entities"));
  if (!entities.ok()) return ReportUsageError(entities.status(), cli.err);
  wm::v1::WatchChangesRequest request;
  for (wm::v1::ChangeEntity entity : *entities) request.add_entities(entity);
  const uint64_t max_changes = static_cast<uint64_t>(settings.GetInt("count"));
  return RunWithRegistry(
      settings, cli,
      [&](RegistryRun& run) {
        uint64_t printed = 0;
        // Where the stream continues when it is opened again: after the last change printed.
        // Before any, the registry's change_sequence when the watch started, so that a
        // reconnection shows what changed while the registry was away (docs/registry-changes.md).
        std::optional<uint64_t> position;
        if (const int64_t after = settings.GetInt("resume_after"); after >= 0) {
          position = static_cast<uint64_t>(after);
        } else {
          wm::v1::ListNetworksResponse networks;
          if (run.Call(&Stub::ListNetworks, wm::v1::ListNetworksRequest(), &networks).ok()) {
            position = networks.change_sequence();
          }
        }
        FollowedStream<wm::v1::RegistryChange> stream;
        stream.service = "wm-registry";
        stream.address = run.address;
        stream.channel = run.channel.get();
        stream.open = [&](grpc::ClientContext* call) {
          if (position.has_value()) request.set_resume_after(*position);
          return run.stub->WatchChanges(call, request);
        };
        // Set when the registry dropped changes because this watch read too slowly: the stream
        // is ended and opened again after the last change printed, so the change log fills the
        // gap instead of it being printed.
        bool refill = false;
        bool opened = false;
        stream.on_open = [&](bool reopened) {
          reopened = reopened || opened;
          opened = true;
          cli.err << "wm-gw-cli: " << (reopened ? "watching again" : "watching")
                  << " the changes of wm-registry at " << run.address;
          if (reopened && position.has_value()) cli.err << " after #" << *position;
          cli.err << '\n';
          cli.err.flush();
        };
        stream.on_message = [&](const wm::v1::RegistryChange& change) {
          if (change.kind() == wm::v1::CHANGE_KIND_GAP &&
              change.gap_cause() == wm::v1::CHANGE_GAP_CAUSE_SLOW_CLIENT && position.has_value()) {
            cli.err << "wm-gw-cli: fell behind (wm-registry dropped " << change.dropped()
                    << " changes for this watch); resuming after #" << *position << '\n';
            cli.err.flush();
            refill = true;
            return false;
          }
          if (change.kind() != wm::v1::CHANGE_KIND_GAP) position = change.sequence();
          if (run.json) {
            PrintJson(change, cli.out);
          } else {
            cli.out << FormatChangeLine(change) << '\n';
          }
          cli.out.flush();
          if (change.kind() == wm::v1::CHANGE_KIND_GAP) return true;  // not a change: not counted
          return max_changes == 0 || ++printed < max_changes;
        };
        grpc::Status status;
        do {
          refill = false;
          status = FollowStream(stream, run.canceller, cli.err);
        } while (status.ok() && refill && !run.canceller.stopped());
        if (!status.ok()) return ReportRpcError("WatchChanges", status, cli.err);
        return kExitOk;
      },
      DurationLimit(settings));
}

}  // namespace

std::vector<CliCommand> RegistryCommands() {
  return {
      {.name = "gateways",
       .summary = "list the gateways wm-registry knows",
       .add_settings = RegistrySettings([](config::Schema& schema) {
         schema.Add({.key = "state",
                     .help = "Only gateways in this state: online, offline, no_status",
                     .choices = {"online", "offline", "no_status"}});
       }),
       .run = RunGateways},
      {.name = "gateway",
       .summary = "show one gateway and its sinks' configuration",
       .add_settings = RegistrySettings([](config::Schema& schema) {
         schema.Add({.key = "gateway", .help = "Gateway id; required"});
       }),
       .run = RunGateway},
      {.name = "sinks",
       .summary = "list the sinks wm-registry knows",
       .add_settings = RegistrySettings([](config::Schema& schema) {
         schema.Add({.key = "gateway", .help = "Only the sinks of this gateway id"});
         schema.Add({.key = "network",
                     .help = "Only sinks configured for this network address, decimal or 0x hex"});
       }),
       .run = RunSinks},
      {.name = "networks",
       .summary = "list the networks with gateway, sink and node counts",
       .add_settings = RegistrySettings(),
       .run = RunNetworks},
      {.name = "nodes",
       .summary = "list the nodes heard, with their diagnostics",
       .add_settings = RegistrySettings(AddNodesSettings),
       .run = RunNodes},
      {.name = "node",
       .summary = "show one node in detail",
       .add_settings = RegistrySettings([](config::Schema& schema) {
         schema.Add({.key = "node", .help = "Node address, decimal or 0x hex; required"});
         schema.Add({.key = "network",
                     .help = "Network address of the node, decimal or 0x hex (not given: every "
                             "known network)"});
       }),
       .run = RunNode},
      {.name = "watch",
       .summary = "stream the changes of wm-registry's inventory",
       .add_settings = RegistrySettings(AddWatchSettings),
       .run = RunWatch},
  };
}

}  // namespace wm::gw_cli
