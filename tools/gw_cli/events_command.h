#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/channel.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "tools/gw_cli/call_canceller.h"
#include "tools/gw_cli/cli_command.h"

namespace wm::gw_cli {

// `wm-gw-cli events`: prints the live decoded stream of wm-ingest.
CliCommand EventsCommand();

// Declares the settings of `wm-gw-cli events`.
void AddEventsSettings(config::Schema& schema);

// What `wm-gw-cli events` streams and how it prints.
struct EventsOptions {
  std::string ingest_address;
  grpcutil::ChannelOptions channel;
  wm::v1::SubscribeRequest request;
  bool json = false;
  uint64_t max_events = 0;  // 0: no limit
};

// Reads EventsOptions from settings. Filters are comma-separated lists of ids, or of numbers in
// decimal or 0x hex; errors name the key.
absl::StatusOr<EventsOptions> EventsOptionsFromSettings(const config::Settings& settings);

// Prints the Subscribe stream of wm-ingest on `out`, one line (or with json one JSON object) per
// event, until `canceller` stops it, `max_events` were printed, or an error that retrying
// cannot cure, which it returns. When ingest is unreachable or restarts, it reconnects with a
// growing delay and says so on `log` (FollowStream).
grpc::Status PrintEventStream(const EventsOptions& options, CallCanceller& canceller,
                              std::ostream& out, std::ostream& log);

}  // namespace wm::gw_cli
