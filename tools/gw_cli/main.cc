// wm-gw-cli: the command line for a Wirepas network through wm-backend.
//   wm-gw-cli <command> [--settings FILE] [--key=value ...]
//   wm-gw-cli help                  lists the commands
//   wm-gw-cli <command> --help      lists a command's settings
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/config/settings.h"
#include "libs/observability/termination.h"
#include "tools/gw_cli/cli_command.h"
#include "tools/gw_cli/events_command.h"
#include "tools/gw_cli/gateway_commands.h"
#include "tools/gw_cli/node_commands.h"
#include "tools/gw_cli/registry_commands.h"

namespace {

using wm::gw_cli::CliCommand;

// Commands that belong together, under one heading of `help`.
struct CommandFamily {
  std::string title;
  std::vector<CliCommand> commands;
};

// Every command, in the order `help` lists them.
std::vector<CommandFamily> AllCommands() {
  return {
      {"live traffic (wm-ingest)", {wm::gw_cli::EventsCommand()}},
      {"inventory (wm-registry)", wm::gw_cli::RegistryCommands()},
      {"gateway requests (wm-command)", wm::gw_cli::GatewayCommands()},
      {"node commands (wm-command)", wm::gw_cli::NodeCommands()},
  };
}

std::string Usage(const std::vector<CommandFamily>& families) {
  std::string usage =
      "usage: wm-gw-cli <command> [--settings FILE] [--key=value ...]\n"
      "       wm-gw-cli <command> --help   lists the command's settings\n";
  size_t width = 0;
  for (const CommandFamily& family : families) {
    for (const CliCommand& command : family.commands) {
      width = std::max(width, command.name.size());
    }
  }
  for (const CommandFamily& family : families) {
    absl::StrAppend(&usage, "\n", family.title, ":\n");
    for (const CliCommand& command : family.commands) {
      absl::StrAppendFormat(&usage, "  %-*s  %s\n", width, command.name, command.summary);
    }
  }
  return usage;
}

int Run(const CliCommand& command, int argc, char** argv,
        wm::observability::Termination& termination) {
  wm::config::Schema schema;
  command.add_settings(schema);
  auto settings = wm::config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "wm-gw-cli: %s\n", std::string(settings.status().message()).c_str());
    return wm::gw_cli::kExitUsage;
  }
  if (settings->help_requested()) {
    std::fputs(wm::config::Settings::Usage(schema, "wm-gw-cli " + command.name).c_str(), stdout);
    return wm::gw_cli::kExitOk;
  }
  wm::gw_cli::CliContext context{std::cout, std::cerr, termination};
  const int code = command.run(*settings, context);
  std::cout.flush();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  auto termination = wm::observability::Termination::Install();
  if (!termination.ok()) {
    std::fprintf(stderr, "wm-gw-cli: %s\n", std::string(termination.status().message()).c_str());
    return 1;
  }
  const std::vector<CommandFamily> families = AllCommands();
  const std::string name = argc > 1 ? argv[1] : "";
  for (const CommandFamily& family : families) {
    for (const CliCommand& command : family.commands) {
      if (command.name == name) return Run(command, argc - 1, argv + 1, **termination);
    }
  }
  const bool asked = name.empty() || name == "--help" || name == "-h" || name == "help";
  if (!asked) std::fprintf(stderr, "wm-gw-cli: unknown command '%s'\n", name.c_str());
  std::fputs(Usage(families).c_str(), asked ? stdout : stderr);
  return asked ? wm::gw_cli::kExitOk : wm::gw_cli::kExitUsage;
}
