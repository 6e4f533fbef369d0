// wm-gateway-sim: simulated Wirepas gateways on an MQTT broker. See simulator.h for what they
// do and sim_settings.h for the settings; `wm-gateway-sim --help` lists them all.
#include <cstdio>
#include <memory>
#include <thread>

#include "libs/config/settings.h"
#include "libs/mqtt/settings.h"
#include "libs/observability/http_server.h"
#include "libs/observability/logging.h"
#include "libs/observability/metrics.h"
#include "libs/observability/process.h"
#include "libs/observability/readiness.h"
#include "libs/observability/termination.h"
#include "spdlog/spdlog.h"
#include "tools/gateway_sim/sim_settings.h"
#include "tools/gateway_sim/simulator.h"

namespace wm {
namespace {

constexpr char kService[] = "wm-gateway-sim";

int Run(int argc, char** argv) {
  observability::PrepareServiceProcess();
  absl::StatusOr<std::unique_ptr<observability::Termination>> termination =
      observability::Termination::Install();
  if (!termination.ok()) {
    std::fprintf(stderr, "%s: %s\n", kService, termination.status().ToString().c_str());
    return 1;
  }

  config::Schema schema;
  mqtt::AddMqttSettings(schema);
  observability::AddLoggingSettings(schema);
  observability::AddHttpSettings(schema, 0);
  gateway_sim::AddGatewaySimSettings(schema);
  absl::StatusOr<config::Settings> settings =
      gateway_sim::LoadSimulatorSettings(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "%s: %s\n", kService, std::string(settings.status().message()).c_str());
    return 2;
  }
  if (settings->help_requested()) {
    std::printf("%s", config::Settings::Usage(schema, kService).c_str());
    return 0;
  }
  if (absl::Status status = observability::SetUpLogging(*settings, kService); !status.ok()) {
    std::fprintf(stderr, "%s: %s\n", kService, std::string(status.message()).c_str());
    return 2;
  }
  absl::StatusOr<mqtt::MqttOptions> mqtt_options = mqtt::MqttOptionsFromSettings(*settings);
  if (!mqtt_options.ok()) {
    spdlog::critical("bad mqtt settings error=\"{}\"",
                     std::string(mqtt_options.status().message()));
    return 2;
  }
  absl::StatusOr<gateway_sim::SimulatorOptions> options =
      gateway_sim::SimulatorOptionsFromSettings(*settings);
  if (!options.ok()) {
    spdlog::critical("bad simulator settings error=\"{}\"",
                     std::string(options.status().message()));
    return 2;
  }
  options->mqtt = *std::move(mqtt_options);

  std::shared_ptr<prometheus::Registry> registry = observability::NewMetricsRegistry(kService);
  observability::Readiness readiness;
  absl::StatusOr<std::unique_ptr<gateway_sim::Simulator>> simulator =
      gateway_sim::Simulator::Create(*std::move(options), registry.get(), &readiness);
  if (!simulator.ok()) {
    spdlog::critical("bad simulator settings error=\"{}\"",
                     std::string(simulator.status().message()));
    return 2;
  }

  // /metrics only when asked for: several simulators often run side by side.
  std::unique_ptr<observability::HttpServer> http;
  if (settings->IsSet("http_port")) {
    http = std::make_unique<observability::HttpServer>(registry, readiness);
    absl::StatusOr<int> port =
        http->Start(settings->GetString("http_host"), settings->GetInt("http_port"));
    if (!port.ok()) {
      spdlog::critical("http not started error=\"{}\"", std::string(port.status().message()));
      return 1;
    }
    spdlog::info("http listening port={}", *port);
  }

  if (absl::Status status = (*simulator)->Start(); !status.ok()) {
    spdlog::critical("simulator not started error=\"{}\"", std::string(status.message()));
    return 1;
  }
  std::thread count_watch;
  if (settings->GetBool("exit_after_count") && settings->GetInt("count") > 0) {
    count_watch = std::thread([&] {
      while (!(*termination)->stop_requested()) {
        if ((*simulator)->WaitUntilTrafficDone(absl::Milliseconds(200))) {
          (*termination)->RequestStop("count reached");
          return;
        }
      }
    });
  }

  const observability::StopCause cause = (*termination)->Wait();
  spdlog::info("stopping cause=\"{}\"", cause.detail);
  readiness.SetDraining();
  if (count_watch.joinable()) count_watch.join();
  (*simulator)->Stop();
  if (http != nullptr) http->Stop();
  const std::string summary = (*simulator)->SummaryLine();
  spdlog::info("{}", summary);
  std::printf("%s\n", summary.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace wm

int main(int argc, char** argv) { return wm::Run(argc, argv); }
