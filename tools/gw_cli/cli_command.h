#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "libs/config/settings.h"
#include "libs/observability/termination.h"

namespace wm::gw_cli {

// Exit codes of every subcommand.
inline constexpr int kExitOk = 0;
// The request reached a service and failed: an RPC error, or a gateway answer that is not OK.
inline constexpr int kExitFailed = 1;
// Bad arguments or settings: nothing was sent.
inline constexpr int kExitUsage = 2;

// What a subcommand runs with.
struct CliContext {
  std::ostream& out;  // results: tables, or JSON lines with --json
  std::ostream& err;  // progress and errors, each line starting with "wm-gw-cli: "
  // Ctrl-C and SIGTERM: commands that stream or wait stop when it fires.
  observability::Termination& termination;
};

// One `wm-gw-cli <name>` subcommand. Each family of commands (events, registry queries,
// gateway requests, node commands) returns its list; main.cc dispatches on the name.
struct CliCommand {
  std::string name;     // e.g. "get-configs"
  std::string summary;  // one line for `wm-gw-cli help`
  // Declares the settings (flags) the command takes.
  std::function<void(config::Schema&)> add_settings;
  // Runs the command with its loaded settings and returns one of the exit codes above.
  std::function<int(const config::Settings&, CliContext&)> run;
};

}  // namespace wm::gw_cli
