#include "libs/testing/subprocess.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace wm::testing {
namespace {

constexpr char kShell[] = "/bin/sh";

std::unique_ptr<Subprocess> StartShell(const std::string& script,
                                       const std::map<std::string, std::string>& env = {}) {
  absl::StatusOr<std::unique_ptr<Subprocess>> child =
      Subprocess::Start(kShell, {"-c", script}, env);
  EXPECT_TRUE(child.ok()) << child.status();
  return child.ok() ? *std::move(child) : nullptr;
}

bool ProcessExists(pid_t pid) { return kill(pid, 0) == 0; }

TEST(SubprocessTest, CapturesStdoutAndStderrAndExitCode) {
  auto child = StartShell("echo out; echo err >&2; exit 3");
  ASSERT_NE(child, nullptr);
  absl::StatusOr<int> code = child->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 3);
  EXPECT_EQ(child->Output(), "out\nerr\n");
  EXPECT_FALSE(child->running());
}

TEST(SubprocessTest, PassesArgumentsAndExtraEnvironment) {
  auto child = StartShell("echo \"$WM_TEST_VALUE\" \"$HOME_SET\"",
                          {{"WM_TEST_VALUE", "hello world"}, {"HOME_SET", "yes"}});
  ASSERT_NE(child, nullptr);
  ASSERT_EQ(child->Wait(absl::Seconds(10)).value_or(-1), 0);
  EXPECT_EQ(child->Output(), "hello world yes\n");
}

TEST(SubprocessTest, ExtraEnvironmentOverridesInheritedValues) {
  setenv("WM_SUBPROCESS_TEST_INHERITED", "parent", 1);
  auto child =
      StartShell("echo $WM_SUBPROCESS_TEST_INHERITED", {{"WM_SUBPROCESS_TEST_INHERITED", "child"}});
  ASSERT_NE(child, nullptr);
  ASSERT_EQ(child->Wait(absl::Seconds(10)).value_or(-1), 0);
  EXPECT_EQ(child->Output(), "child\n");
}

TEST(SubprocessTest, MissingBinaryIsAnError) {
  absl::StatusOr<std::unique_ptr<Subprocess>> child = Subprocess::Start("/nonexistent/binary", {});
  EXPECT_EQ(child.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SubprocessTest, WaitForOutputSeesTextWrittenLater) {
  // The shell writes "ready" only after reading a file the test creates.
  std::string flag = std::string(std::getenv("TEST_TMPDIR")) + "/subprocess_go";
  auto child = StartShell("echo starting; while [ ! -e " + flag +
                          " ]; do sleep 0.01; done; echo ready; sleep 60");
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->WaitForOutput("starting", absl::Seconds(10)).ok());
  EXPECT_EQ(child->WaitForOutput("ready", absl::Milliseconds(50)).code(),
            absl::StatusCode::kDeadlineExceeded);
  FILE* f = fopen(flag.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  absl::Status status = child->WaitForOutput("ready", absl::Seconds(10));
  EXPECT_TRUE(status.ok()) << status;
}

TEST(SubprocessTest, WaitForOutputFailsFastWhenTheProcessExits) {
  auto child = StartShell("echo something else; exit 1");
  ASSERT_NE(child, nullptr);
  absl::Status status = child->WaitForOutput("never", absl::Seconds(30));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("something else"), std::string::npos) << status;
}

TEST(SubprocessTest, WaitTimesOutOnARunningProcess) {
  auto child = StartShell("sleep 60");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->Wait(absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(child->running());
}

TEST(SubprocessTest, SignalReportsTheSignalInTheExitCode) {
  auto child = StartShell("echo up; sleep 60");
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->WaitForOutput("up", absl::Seconds(10)).ok());
  ASSERT_TRUE(child->Signal(SIGUSR1).ok());
  EXPECT_EQ(child->Wait(absl::Seconds(10)).value_or(-1), 128 + SIGUSR1);
  EXPECT_EQ(child->Signal(SIGUSR1).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SubprocessTest, StopKillsAProcessThatIgnoresSigterm) {
  auto child = StartShell("trap '' TERM; echo trapped; while true; do sleep 0.05; done");
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->WaitForOutput("trapped", absl::Seconds(10)).ok());
  EXPECT_EQ(child->Stop(absl::Milliseconds(100)), 128 + SIGKILL);
  EXPECT_FALSE(child->running());
}

TEST(SubprocessTest, StopEndsTheWholeProcessGroup) {
  // The shell's own child (a second sleep) must not survive the shell.
  auto child = StartShell("sleep 60 & echo $!; wait");
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->WaitForOutput("\n", absl::Seconds(10)).ok());
  pid_t grandchild = std::stoi(child->Output());
  ASSERT_TRUE(ProcessExists(grandchild));
  child->Stop();
  // The grandchild is reparented and reaped by init; poll until it is gone.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (ProcessExists(grandchild) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_FALSE(ProcessExists(grandchild));
}

TEST(SubprocessTest, DestructorStopsTheProcess) {
  pid_t pid;
  {
    auto child = StartShell("sleep 60");
    ASSERT_NE(child, nullptr);
    pid = child->pid();
    ASSERT_TRUE(ProcessExists(pid));
  }
  // The destructor reaped it, so the pid no longer exists.
  EXPECT_FALSE(ProcessExists(pid));
}

}  // namespace
}  // namespace wm::testing
