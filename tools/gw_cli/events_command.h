#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <condition_variable>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/channel.h"
#include "protos/wm/v1/events.grpc.pb.h"
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

// Reads EventsOptions from settings. Filters are comma-separated lists; errors name the key.
absl::StatusOr<EventsOptions> EventsOptionsFromSettings(const config::Settings& settings);

// Prints the Subscribe stream of wm-ingest, one line per event, until Cancel(), `max_events`,
// or a stream error that is not worth retrying. When ingest is unreachable or restarts, it
// reconnects with a growing delay (up to 5 s) and says so on `log`.
class EventStreamPrinter {
 public:
  EventStreamPrinter(EventsOptions options, std::ostream& out, std::ostream& log);

  // Runs until done; returns the number of events printed.
  uint64_t Run();
  // Ends Run() from another thread.
  void Cancel();

 private:
  EventsOptions options_;
  std::ostream& out_;
  std::ostream& log_;
  std::mutex mu_;
  bool cancelled_ = false;
  grpc::ClientContext* context_ = nullptr;  // the open stream's, guarded by mu_
  std::condition_variable cancel_cv_;
};

}  // namespace wm::gw_cli
