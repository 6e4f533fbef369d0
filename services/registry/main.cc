// wm-registry: the live inventory of gateways, sinks, networks and nodes, from wm-ingest's
// event stream, persisted, served as wm.v1.Registry.
#include <cstdio>

#include "libs/config/settings.h"
#include "libs/observability/logging.h"
#include "libs/observability/process.h"
#include "libs/observability/termination.h"
#include "services/registry/registry_app.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  wm::observability::PrepareServiceProcess();
  auto termination = wm::observability::Termination::Install();
  if (!termination.ok()) {
    std::fprintf(stderr, "wm-registry: %s\n", std::string(termination.status().message()).c_str());
    return 1;
  }
  wm::config::Schema schema;
  wm::registry::AddRegistrySettings(schema);
  auto settings = wm::config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "wm-registry: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  if (settings->help_requested()) {
    std::fputs(wm::config::Settings::Usage(schema, "wm-registry").c_str(), stdout);
    return 0;
  }
  if (auto s = wm::observability::SetUpLogging(*settings, "wm-registry"); !s.ok()) {
    std::fprintf(stderr, "wm-registry: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  auto app = wm::registry::RegistryApp::Create(*settings);
  if (!app.ok()) {
    spdlog::error("bad settings: {}", std::string(app.status().message()));
    return 2;
  }
  if (auto s = (*app)->Start(); !s.ok()) {
    spdlog::error("start failed: {}", std::string(s.message()));
    return 1;
  }
  auto cause = (*termination)->Wait();
  spdlog::info("stopping reason=\"{}\"", cause.detail);
  (*app)->Stop();
  return 0;
}
