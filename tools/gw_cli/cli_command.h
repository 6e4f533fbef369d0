#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
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

// Checks that no argument was given besides the flags: wm-gw-cli's settings are --key=value,
// so a bare word is most likely a mistyped flag. InvalidArgument quoting the first one.
absl::Status CheckNoPositional(const config::Settings& settings);

// Prints a bad argument on `err` ("wm-gw-cli: <message>", the message naming the flag) and
// returns kExitUsage.
int ReportUsageError(const absl::Status& status, std::ostream& err);

}  // namespace wm::gw_cli
