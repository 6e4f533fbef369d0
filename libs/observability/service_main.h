#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/config/settings.h"

namespace wm::observability {

// What a service does between its settings and its exit.
struct ServiceHooks {
  std::function<absl::Status()> start;  // starts servers and workers; an error exits 1
  std::function<void()> stop;           // drains and stops, after SIGTERM/SIGINT
};

// The whole main() of a long-running service: prepares the process, installs the SIGTERM
// handling, reads the settings `add_settings` declares (`--help` prints them; they must include
// AddLoggingSettings), sets up logging
// as `service`, creates the service (an error is bad settings: exit 2), starts it (an error:
// exit 1), waits for SIGTERM or SIGINT, stops it and returns 0.
int RunService(int argc, char** argv, std::string_view service,
               const std::function<void(config::Schema&)>& add_settings,
               const std::function<absl::StatusOr<ServiceHooks>(const config::Settings&)>& create);

// RunService for an App with `static absl::StatusOr<std::unique_ptr<App>> Create(const
// config::Settings&)`, `absl::Status Start()` and `void Stop()`:
//
//   int main(int argc, char** argv) {
//     return wm::observability::RunService<wm::ingest::IngestApp>(argc, argv, "wm-ingest",
//                                                                 wm::ingest::AddIngestSettings);
//   }
template <typename App>
int RunService(int argc, char** argv, std::string_view service,
               const std::function<void(config::Schema&)>& add_settings) {
  std::unique_ptr<App> app;  // outlives RunService's use of it
  return RunService(argc, argv, service, add_settings,
                    [&app](const config::Settings& settings) -> absl::StatusOr<ServiceHooks> {
                      absl::StatusOr<std::unique_ptr<App>> created = App::Create(settings);
                      if (!created.ok()) return created.status();
                      app = *std::move(created);
                      return ServiceHooks{[&app] { return app->Start(); }, [&app] { app->Stop(); }};
                    });
}

}  // namespace wm::observability
