#include "tools/gw_cli/cli_command.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "libs/config/settings.h"

namespace wm::gw_cli {
namespace {

config::Settings Load(std::vector<std::string> args) {
  config::Schema schema;
  schema.Add({.key = "gateway"});
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, {});
  EXPECT_TRUE(settings.ok()) << settings.status();
  return settings.ok() ? *std::move(settings) : config::Settings();
}

TEST(CheckNoPositionalTest, FlagsOnly) {
  EXPECT_TRUE(CheckNoPositional(Load({"--gateway=gw-1"})).ok());
  const absl::Status status = CheckNoPositional(Load({"--gateway=gw-1", "sink0", "extra"}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "unexpected argument 'sink0' (settings are flags: --key=value)");
}

TEST(ReportUsageErrorTest, OneLineStartingWithTheToolsNameAndExitCodeTwo) {
  std::ostringstream err;
  EXPECT_EQ(ReportUsageError(absl::InvalidArgumentError("seq: required (--seq=1..255)"), err),
            kExitUsage);
  EXPECT_EQ(err.str(), "wm-gw-cli: seq: required (--seq=1..255)\n");
}

}  // namespace
}  // namespace wm::gw_cli
