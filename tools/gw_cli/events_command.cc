#include "tools/gw_cli/events_command.h"

#include "absl/strings/str_split.h"
#include "libs/config/backend_client.h"
#include "third_party/system/string_view_compat.h"
#include "tools/gw_cli/command_client.h"
#include "tools/gw_cli/event_format.h"
#include "tools/gw_cli/stream_follower.h"
#include "tools/gw_cli/value_parsing.h"

namespace wm::gw_cli {
namespace {

// Parses "1,2,0x3" into unsigned integers no larger than `max`.
template <typename T>
absl::Status ParseList(const config::Settings& settings, std::string_view key, uint64_t max,
                       google::protobuf::RepeatedField<T>* out) {
  for (absl::string_view item :
       absl::StrSplit(settings.GetString(key), ',', absl::SkipWhitespace())) {
    absl::StatusOr<uint64_t> value = ParseUnsigned(key, ToStd(item), 0, max);
    if (!value.ok()) return value.status();
    out->Add(static_cast<T>(*value));
  }
  return absl::OkStatus();
}

void ParseStrings(const config::Settings& settings, std::string_view key,
                  google::protobuf::RepeatedPtrField<std::string>* out) {
  const std::string text = settings.GetString(key);
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    out->Add(std::string(item));
  }
}

absl::StatusOr<wm::v1::EventKind> KindFromName(absl::string_view name) {
  if (name == "status") return wm::v1::EVENT_KIND_GATEWAY_STATUS;
  if (name == "packet") return wm::v1::EVENT_KIND_PACKET_RECEIVED;
  if (name == "response") return wm::v1::EVENT_KIND_RESPONSE;
  if (name == "downlink") return wm::v1::EVENT_KIND_DOWNLINK;
  return absl::InvalidArgumentError("kind: '" + std::string(name) +
                                    "' is not one of status, packet, response, downlink");
}

}  // namespace

void AddEventsSettings(config::Schema& schema) {
  grpcutil::AddAddressSetting(schema, "wm_ingest", "127.0.0.1:7001", "wm-ingest's gRPC address");
  grpcutil::AddGrpcClientSettings(schema);
  AddJsonSetting(schema);
  schema.Add({.key = "gateway", .help = "Only these gateway ids (comma-separated)"});
  schema.Add({.key = "sink", .help = "Only these sink ids (comma-separated)"});
  schema.Add({.key = "network",
              .help = "Only packets of these network addresses (comma-separated, decimal or 0x "
                      "hex)"});
  schema.Add(
      {.key = "node",
       .help = "Only packets from these node addresses (comma-separated, decimal or 0x hex)"});
  schema.Add({.key = "src_ep", .help = "Only these source endpoints (comma-separated)"});
  schema.Add({.key = "dst_ep", .help = "Only these destination endpoints (comma-separated)"});
  schema.Add({.key = "kind",
              .help = "Only these kinds (comma-separated): status, packet, response, downlink"});
  schema.Add({.key = "no_snapshot",
              .type = config::SettingType::kBool,
              .default_value = "false",
              .help = "Skip the current status of every gateway at start"});
  AddStreamLimitSettings(schema, "events");
  config::AcceptBackendClientKeys(schema);
}

absl::StatusOr<EventsOptions> EventsOptionsFromSettings(const config::Settings& settings) {
  if (absl::Status s = CheckNoPositional(settings); !s.ok()) return s;
  EventsOptions options;
  absl::StatusOr<std::string> address = grpcutil::AddressFromSettings(settings, "wm_ingest");
  if (!address.ok()) return address.status();
  options.ingest_address = *address;
  absl::StatusOr<grpcutil::ChannelOptions> channel = grpcutil::ChannelOptionsFromSettings(settings);
  if (!channel.ok()) return channel.status();
  options.channel = *channel;

  wm::v1::SubscribeRequest& r = options.request;
  ParseStrings(settings, "gateway", r.mutable_gateway_ids());
  ParseStrings(settings, "sink", r.mutable_sink_ids());
  for (auto status : {ParseList(settings, "network", UINT64_MAX, r.mutable_networks()),
                      ParseList(settings, "node", UINT32_MAX, r.mutable_source_addresses()),
                      ParseList(settings, "src_ep", 255, r.mutable_source_endpoints()),
                      ParseList(settings, "dst_ep", 255, r.mutable_destination_endpoints())}) {
    if (!status.ok()) return status;
  }
  for (absl::string_view name :
       absl::StrSplit(settings.GetString("kind"), ',', absl::SkipWhitespace())) {
    absl::StatusOr<wm::v1::EventKind> kind = KindFromName(name);
    if (!kind.ok()) return kind.status();
    r.add_kinds(*kind);
  }
  r.set_skip_snapshot(settings.GetBool("no_snapshot"));
  options.json = settings.GetBool("json");
  options.max_events = static_cast<uint64_t>(settings.GetInt("count"));
  return options;
}

grpc::Status PrintEventStream(const EventsOptions& options, CallCanceller& canceller,
                              std::ostream& out, std::ostream& log) {
  const std::shared_ptr<grpc::Channel> channel =
      grpcutil::CreateChannel(options.ingest_address, options.channel);
  const std::unique_ptr<wm::v1::Events::Stub> stub = wm::v1::Events::NewStub(channel);
  uint64_t printed = 0;
  // A reopened stream resumes after the last live event printed (docs/event-stream.md
  // "Resuming"), so nothing ingest kept meanwhile is missed and nothing is printed twice.
  wm::v1::SubscribeRequest request = options.request;
  FollowedStream<wm::v1::Event> stream;
  stream.service = "wm-ingest";
  stream.address = options.ingest_address;
  stream.channel = channel.get();
  stream.open = [&](grpc::ClientContext* call) { return stub->Subscribe(call, request); };
  stream.on_message = [&](const wm::v1::Event& event) {
    // Snapshot events keep their old sequences and gaps have none: neither is a position.
    if (event.stream_epoch() != 0 && event.sequence() != 0 && !event.snapshot()) {
      request.mutable_resume_after()->set_stream_epoch(event.stream_epoch());
      request.mutable_resume_after()->set_sequence(event.sequence());
    }
    if (options.json) {
      PrintJson(event, out);
    } else {
      out << FormatEventLine(event) << '\n';
    }
    out.flush();
    return options.max_events == 0 || ++printed < options.max_events;
  };
  return FollowStream(stream, canceller, log);
}

CliCommand EventsCommand() {
  return {
      .name = "events",
      .summary = "stream decoded gateway traffic from wm-ingest",
      .add_settings = AddEventsSettings,
      .run =
          [](const config::Settings& settings, CliContext& cli) {
            absl::StatusOr<EventsOptions> options = EventsOptionsFromSettings(settings);
            if (!options.ok()) return ReportUsageError(options.status(), cli.err);
            CallCanceller canceller(cli.termination, DurationLimit(settings));
            const grpc::Status status = PrintEventStream(*options, canceller, cli.out, cli.err);
            if (!status.ok()) return ReportRpcError("Subscribe", status, cli.err);
            return kExitOk;
          },
  };
}

}  // namespace wm::gw_cli
