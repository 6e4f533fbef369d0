#include "libs/observability/service_main.h"

#include <cstdio>
#include <string>

#include "libs/observability/logging.h"
#include "libs/observability/process.h"
#include "libs/observability/termination.h"
#include "spdlog/spdlog.h"

namespace wm::observability {
namespace {

int Fail(std::string_view service, const absl::Status& status, int code) {
  std::fprintf(stderr, "%s: %s\n", std::string(service).c_str(),
               std::string(status.message()).c_str());
  return code;
}

}  // namespace

int RunService(int argc, char** argv, std::string_view service,
               const std::function<void(config::Schema&)>& add_settings,
               const std::function<absl::StatusOr<ServiceHooks>(const config::Settings&)>& create) {
  PrepareServiceProcess();
  absl::StatusOr<std::unique_ptr<Termination>> termination = Termination::Install();
  if (!termination.ok()) return Fail(service, termination.status(), 1);
  config::Schema schema;
  add_settings(schema);
  absl::StatusOr<config::Settings> settings = config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) return Fail(service, settings.status(), 2);
  if (settings->help_requested()) {
    std::fputs(config::Settings::Usage(schema, service).c_str(), stdout);
    return 0;
  }
  if (absl::Status s = SetUpLogging(*settings, service); !s.ok()) {
    return Fail(service, s, 2);
  }
  absl::StatusOr<ServiceHooks> hooks = create(*settings);
  if (!hooks.ok()) {
    spdlog::error("bad settings: {}", std::string(hooks.status().message()));
    return 2;
  }
  if (absl::Status s = hooks->start(); !s.ok()) {
    spdlog::error("start failed: {}", std::string(s.message()));
    return 1;
  }
  StopCause cause = (*termination)->Wait();
  spdlog::info("stopping reason=\"{}\"", cause.detail);
  hooks->stop();
  return 0;
}

}  // namespace wm::observability
