// wm-gw-cli: the command line for a Wirepas network through wm-backend.
//   wm-gw-cli events [--wm_ingest=host:port] [--gateway=..] [--kind=packet] [--json]
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "libs/config/settings.h"
#include "libs/observability/termination.h"
#include "tools/gw_cli/events_command.h"

namespace {

constexpr char kUsage[] =
    "usage: wm-gw-cli <command> [--settings FILE] [--key=value ...]\n"
    "commands:\n"
    "  events   stream decoded gateway traffic from wm-ingest (wm-gw-cli events --help)\n";

int RunEvents(int argc, char** argv, wm::observability::Termination& termination) {
  wm::config::Schema schema;
  wm::gw_cli::AddEventsSettings(schema);
  auto settings = wm::config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "wm-gw-cli: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  if (settings->help_requested()) {
    std::fputs(wm::config::Settings::Usage(schema, "wm-gw-cli events").c_str(), stdout);
    return 0;
  }
  auto options = wm::gw_cli::EventsOptionsFromSettings(*settings);
  if (!options.ok()) {
    std::fprintf(stderr, "wm-gw-cli: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  const double duration_s = settings->GetDouble("duration_s");
  wm::gw_cli::EventStreamPrinter printer(*std::move(options), std::cout, std::cerr);
  std::thread stopper([&] {
    termination.Wait(duration_s > 0 ? absl::Seconds(duration_s) : absl::InfiniteDuration());
    printer.Cancel();
  });
  printer.Run();
  termination.RequestStop("done");
  stopper.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto termination = wm::observability::Termination::Install();
  if (!termination.ok()) {
    std::fprintf(stderr, "wm-gw-cli: %s\n", std::string(termination.status().message()).c_str());
    return 1;
  }
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "events") return RunEvents(argc - 1, argv + 1, **termination);
  std::fputs(kUsage, command.empty() || command == "--help" || command == "help" ? stdout : stderr);
  return command.empty() || command == "--help" || command == "help" ? 0 : 2;
}
