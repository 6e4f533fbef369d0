#include "tools/gw_cli/cli_command.h"

#include "absl/strings/str_cat.h"

namespace wm::gw_cli {

absl::Status CheckNoPositional(const config::Settings& settings) {
  if (settings.positional().empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("unexpected argument '",
                                                 settings.positional().front(),
                                                 "' (settings are flags: --key=value)"));
}

int ReportUsageError(const absl::Status& status, std::ostream& err) {
  err << "wm-gw-cli: " << status.message() << '\n';
  return kExitUsage;
}

}  // namespace wm::gw_cli
