#include "tests/gw_cli/cli_runner.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"

namespace wm::testing {
namespace {

constexpr char kCli[] = "tools/gw_cli/wm-gw-cli";

}  // namespace

std::vector<std::string> CliRun::ResultLines() const {
  std::vector<std::string> lines;
  for (const std::string& line : Lines(output)) {
    if (!absl::StartsWith(line, "wm-gw-cli:")) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> CliRun::Rows() const {
  std::vector<std::string> lines = ResultLines();
  if (!lines.empty()) lines.erase(lines.begin());
  return lines;
}

std::vector<google::protobuf::Struct> CliRun::JsonLines() const {
  std::vector<google::protobuf::Struct> objects;
  for (const std::string& line : ResultLines()) {
    google::protobuf::Struct object;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok()) << line;
    objects.push_back(std::move(object));
  }
  return objects;
}

std::unique_ptr<Subprocess> StartCli(const std::vector<std::string>& args) {
  absl::StatusOr<std::unique_ptr<Subprocess>> cli = Subprocess::Start(RunfilePath(kCli), args);
  EXPECT_TRUE(cli.ok()) << cli.status();
  return cli.ok() ? *std::move(cli) : nullptr;
}

CliRun FinishCli(Subprocess& cli, absl::Duration timeout) {
  CliRun run;
  absl::StatusOr<int> code = cli.Wait(timeout);
  EXPECT_TRUE(code.ok()) << code.status() << "\n" << cli.Output();
  run.code = code.value_or(-1);
  run.output = cli.Output();
  return run;
}

CliRun RunCli(const std::vector<std::string>& args, absl::Duration timeout) {
  std::unique_ptr<Subprocess> cli = StartCli(args);
  if (cli == nullptr) return {};
  return FinishCli(*cli, timeout);
}

std::vector<std::string> Lines(const std::string& output) {
  return absl::StrSplit(output, '\n', absl::SkipEmpty());
}

std::vector<std::string> LinesStartingWith(const std::string& output, const std::string& prefix) {
  std::vector<std::string> lines;
  for (const std::string& line : Lines(output)) {
    if (absl::StartsWith(line, prefix)) lines.push_back(line);
  }
  return lines;
}

bool HasLine(const std::string& output, const std::string& line) {
  const std::vector<std::string> lines = Lines(output);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

const google::protobuf::Value& Field(const google::protobuf::Struct& object,
                                     const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? google::protobuf::Value::default_instance() : it->second;
}

std::string FirmwareText(const gateway_sim::StackVersion& version) {
  return absl::StrCat(version.major, ".", version.minor, ".", version.maint, ".", version.dev);
}

}  // namespace wm::testing
