#include "libs/observability/service_main.h"

#include <signal.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/observability/logging.h"

namespace wm::observability {
namespace {

// What the fake service saw.
struct Calls {
  int created = 0;
  int started = 0;
  int stopped = 0;
  std::string greeting;
};

// A service declares the logging settings with its own, as every service does.
void AddSettings(config::Schema& schema) {
  AddLoggingSettings(schema);
  schema.Add({.key = "greeting", .default_value = "hello", .help = "What to say"});
}

// Runs RunService with these arguments; `start` is the fake service's Start.
int RunFake(
    std::vector<std::string> args, Calls& calls,
    std::function<absl::Status()> start = [] { return absl::OkStatus(); },
    absl::Status create_status = absl::OkStatus()) {
  args.insert(args.begin(), "wm-fake");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return RunService(static_cast<int>(argv.size()), argv.data(), "wm-fake", AddSettings,
                    [&](const config::Settings& settings) -> absl::StatusOr<ServiceHooks> {
                      ++calls.created;
                      if (!create_status.ok()) return create_status;
                      calls.greeting = settings.GetString("greeting");
                      return ServiceHooks{[&calls, start] {
                                            ++calls.started;
                                            return start();
                                          },
                                          [&calls] { ++calls.stopped; }};
                    });
}

TEST(RunServiceTest, RunsUntilSigtermThenStopsAndReturnsZero) {
  Calls calls;
  std::thread signaller;
  const int code = RunFake({"--greeting=hi"}, calls, [&signaller] {
    // As an operator would, once the service runs.
    signaller = std::thread([] { kill(getpid(), SIGTERM); });
    return absl::OkStatus();
  });
  signaller.join();
  EXPECT_EQ(code, 0);
  EXPECT_EQ(calls.greeting, "hi");
  EXPECT_EQ(calls.started, 1);
  EXPECT_EQ(calls.stopped, 1);
}

TEST(RunServiceTest, HelpPrintsTheSettingsAndCreatesNothing) {
  Calls calls;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunFake({"--help"}, calls), 0);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("greeting"), std::string::npos);
  EXPECT_EQ(calls.created, 0);
}

TEST(RunServiceTest, AnUnknownSettingIsExitTwoNamingIt) {
  Calls calls;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunFake({"--no_such_key=1"}, calls), 2);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("wm-fake: "), std::string::npos) << err;
  EXPECT_NE(err.find("no_such_key"), std::string::npos) << err;
  EXPECT_EQ(calls.created, 0);
}

TEST(RunServiceTest, ASettingTheServiceRefusesIsExitTwo) {
  Calls calls;
  EXPECT_EQ(RunFake(
                {}, calls, [] { return absl::OkStatus(); },
                absl::InvalidArgumentError("greeting: too cheerful")),
            2);
  EXPECT_EQ(calls.created, 1);
  EXPECT_EQ(calls.started, 0);
}

TEST(RunServiceTest, AFailedStartIsExitOne) {
  Calls calls;
  EXPECT_EQ(RunFake({}, calls, [] { return absl::UnavailableError("port taken"); }), 1);
  EXPECT_EQ(calls.started, 1);
  EXPECT_EQ(calls.stopped, 0);
}

}  // namespace
}  // namespace wm::observability
