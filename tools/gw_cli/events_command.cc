#include "tools/gw_cli/events_command.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "libs/config/backend_client.h"
#include "tools/gw_cli/event_format.h"

namespace wm::gw_cli {
namespace {

// Parses "1,2,3" into unsigned integers no larger than `max`.
template <typename T>
absl::Status ParseList(const config::Settings& settings, std::string_view key, uint64_t max,
                       google::protobuf::RepeatedField<T>* out) {
  const std::string text = settings.GetString(key);
  if (text.empty()) return absl::OkStatus();
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    uint64_t value = 0;
    if (!absl::SimpleAtoi(item, &value) || value > max) {
      return absl::InvalidArgumentError(std::string(key) + ": '" + std::string(item) +
                                        "' is not a number in 0.." + std::to_string(max));
    }
    out->Add(static_cast<T>(value));
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
  schema.Add({.key = "gateway", .help = "Only these gateway ids (comma-separated)"});
  schema.Add({.key = "sink", .help = "Only these sink ids (comma-separated)"});
  schema.Add({.key = "network", .help = "Only packets of these network addresses"});
  schema.Add({.key = "node", .help = "Only packets from these node addresses"});
  schema.Add({.key = "src_ep", .help = "Only these source endpoints"});
  schema.Add({.key = "dst_ep", .help = "Only these destination endpoints"});
  schema.Add({.key = "kind", .help = "Only these kinds: status, packet, response, downlink"});
  schema.Add({.key = "no_snapshot",
              .type = config::SettingType::kBool,
              .default_value = "false",
              .help = "Skip the current status of every gateway at start"});
  schema.Add({.key = "json",
              .type = config::SettingType::kBool,
              .default_value = "false",
              .help = "One JSON object per event instead of a readable line"});
  schema.Add({.key = "count",
              .type = config::SettingType::kInt,
              .default_value = "0",
              .help = "Exit after this many events (0: no limit)",
              .min = 0});
  schema.Add({.key = "duration_s",
              .type = config::SettingType::kDouble,
              .default_value = "0",
              .help = "Exit after this many seconds (0: until Ctrl-C)",
              .min = 0});
  config::AcceptBackendClientKeys(schema);
}

absl::StatusOr<EventsOptions> EventsOptionsFromSettings(const config::Settings& settings) {
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

EventStreamPrinter::EventStreamPrinter(EventsOptions options, std::ostream& out, std::ostream& log)
    : options_(std::move(options)), out_(out), log_(log) {}

uint64_t EventStreamPrinter::Run() {
  auto channel = grpcutil::CreateChannel(options_.ingest_address, options_.channel);
  auto stub = wm::v1::Events::NewStub(channel);
  uint64_t printed = 0;
  auto retry_delay = std::chrono::milliseconds(200);
  while (true) {
    grpc::ClientContext context;
    context.set_wait_for_ready(true);  // wait for ingest to come up instead of failing at once
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return printed;
      context_ = &context;
    }
    auto reader = stub->Subscribe(&context, options_.request);
    wm::v1::Event event;
    bool got_any = false;
    while (reader->Read(&event)) {
      got_any = true;
      out_ << (options_.json ? FormatEventJson(event) : FormatEventLine(event)) << '\n';
      out_.flush();
      if (options_.max_events != 0 && ++printed >= options_.max_events) {
        context.TryCancel();
        reader->Finish();
        std::lock_guard<std::mutex> lock(mu_);
        context_ = nullptr;
        return printed;
      }
    }
    grpc::Status status = reader->Finish();
    std::unique_lock<std::mutex> lock(mu_);
    context_ = nullptr;
    if (cancelled_) return printed;
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
        status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
        status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
      log_ << "wm-gw-cli: " << status.error_message() << '\n';
      return printed;
    }
    if (got_any) retry_delay = std::chrono::milliseconds(200);
    log_ << "wm-gw-cli: stream from " << options_.ingest_address << " ended ("
         << (status.ok() ? "ingest stopped" : status.error_message()) << "), reconnecting\n";
    cancel_cv_.wait_for(lock, retry_delay, [this] { return cancelled_; });
    retry_delay = std::min(retry_delay * 2, std::chrono::milliseconds(5000));
  }
}

void EventStreamPrinter::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
  cancel_cv_.notify_all();
}

CliCommand EventsCommand() {
  return {
      .name = "events",
      .summary = "stream decoded gateway traffic from wm-ingest",
      .add_settings = AddEventsSettings,
      .run =
          [](const config::Settings& settings, CliContext& context) {
            absl::StatusOr<EventsOptions> options = EventsOptionsFromSettings(settings);
            if (!options.ok()) {
              context.err << "wm-gw-cli: " << options.status().message() << '\n';
              return kExitUsage;
            }
            const double duration_s = settings.GetDouble("duration_s");
            EventStreamPrinter printer(*std::move(options), context.out, context.err);
            std::thread stopper([&] {
              context.termination.Wait(duration_s > 0 ? absl::Seconds(duration_s)
                                                      : absl::InfiniteDuration());
              printer.Cancel();
            });
            printer.Run();
            context.termination.RequestStop("done");
            stopper.join();
            return kExitOk;
          },
  };
}

}  // namespace wm::gw_cli
