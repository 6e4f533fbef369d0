#include "libs/eventstream/ingest_follower_settings.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "libs/grpcutil/channel.h"

namespace wm::eventstream {
namespace {

constexpr char kAddressKey[] = "wm_ingest";
constexpr char kReconnectMinKey[] = "ingest_reconnect_min_s";
constexpr char kReconnectMaxKey[] = "ingest_reconnect_max_s";

}  // namespace

void AddIngestFollowerSettings(config::Schema& schema, std::string_view consumer) {
  // One set per program: another client of the program (or a second follower) may have declared
  // them already, and a key declared twice aborts.
  if (schema.Find("grpc_tls_ca") == nullptr) grpcutil::AddGrpcClientSettings(schema);
  grpcutil::AddAddressSetting(
      schema, kAddressKey, "127.0.0.1:7001",
      absl::StrCat("wm-ingest's gRPC address (host:port), whose event stream ",
                   std::string(consumer), " follows"));
  // The defaults are the follower's own (IngestFollowerOptions).
  schema.Add({.key = kReconnectMinKey,
              .type = config::SettingType::kDouble,
              .default_value = "0.2",
              .help = absl::StrCat("Seconds before the first attempt to open wm-ingest's stream "
                                   "again after it ended or failed (doubles up to ",
                                   kReconnectMaxKey, ", with jitter)"),
              .min = 0.001,
              .max = 3600});
  schema.Add({.key = kReconnectMaxKey,
              .type = config::SettingType::kDouble,
              .default_value = "5",
              .help = "Longest wait in seconds between attempts to open "
                      "wm-ingest's stream",
              .min = 0.001,
              .max = 3600});
}

absl::StatusOr<IngestFollowerOptions> IngestFollowerOptionsFromSettings(
    const config::Settings& settings) {
  absl::StatusOr<grpcutil::ChannelOptions> channel = grpcutil::ChannelOptionsFromSettings(settings);
  if (!channel.ok()) return channel.status();
  absl::StatusOr<std::string> address = grpcutil::AddressFromSettings(settings, kAddressKey);
  if (!address.ok()) return address.status();
  IngestFollowerOptions options;
  options.address = *std::move(address);
  options.channel = *std::move(channel);
  options.reconnect_min_delay = absl::Seconds(settings.GetDouble(kReconnectMinKey));
  options.reconnect_max_delay = absl::Seconds(settings.GetDouble(kReconnectMaxKey));
  if (options.reconnect_min_delay > options.reconnect_max_delay) {
    return absl::InvalidArgumentError(absl::StrCat(
        "setting ", kReconnectMinKey, " (", std::string(settings.SourceOf(kReconnectMinKey)),
        "): larger than ", kReconnectMaxKey, " (", std::string(settings.SourceOf(kReconnectMaxKey)),
        ")"));
  }
  return options;
}

}  // namespace wm::eventstream
