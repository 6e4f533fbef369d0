#include "libs/grpcutil/token_file_watcher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "prometheus/registry.h"

namespace wm::grpcutil {
namespace {

using ::testing::HasSubstr;
using CheckResult = TokenFileWatcher::CheckResult;

constexpr char kOldToken[] = "old-token-0123456789abcdef";
constexpr char kNewToken[] = "new-token-0123456789abcdef";

class TokenFileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("tokens");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    path_ = dir_ + "/tokens";
  }

  // Writes `text` to `path` through a new file renamed over it: a new inode, as a deploy would.
  void Replace(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".new";
    ASSERT_TRUE(wm::testing::WriteFile(temporary, text).ok());
    ASSERT_EQ(std::rename(temporary.c_str(), path.c_str()), 0);
  }

  prometheus::Registry registry_;
  GrpcAuthMetrics metrics_{registry_};
  TokenStore store_;
  std::string dir_;
  std::string path_;
};

TEST_F(TokenFileWatcherTest, LoadFailsForAMissingOrBadFile) {
  TokenFileWatcher watcher(path_, store_, metrics_);
  EXPECT_EQ(watcher.Load().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(wm::testing::WriteFile(path_, "full a\n").ok());
  absl::Status bad = watcher.Load();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("line 1"));
  EXPECT_EQ(store_.size(), 0u);
}

TEST_F(TokenFileWatcherTest, ReloadsAChangedFileAndKeepsTheOldTokensWhenTheNewFileIsBad) {
  Replace(path_, std::string("read old ") + kOldToken + "\n");
  TokenFileWatcher watcher(path_, store_, metrics_);
  ASSERT_TRUE(watcher.Load().ok());
  EXPECT_TRUE(store_.Authenticate(kOldToken).has_value());
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kUnchanged);

  Replace(path_, std::string("full new ") + kNewToken + "\n");
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kReloaded);
  EXPECT_FALSE(store_.Authenticate(kOldToken).has_value());
  EXPECT_EQ(store_.Authenticate(kNewToken)->name, "new");
  EXPECT_EQ(metrics_.reloads_ok.Value(), 1);
  EXPECT_EQ(metrics_.tokens.Value(), 1);

  // A broken file: the tokens in force stay, the error is counted once.
  Replace(path_, "full broken\n");
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kFailed);
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kUnchanged);
  EXPECT_TRUE(store_.Authenticate(kNewToken).has_value());
  EXPECT_EQ(metrics_.reloads_error.Value(), 1);

  // Gone for a while (between the steps of an update): the same.
  ASSERT_EQ(unlink(path_.c_str()), 0);
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kFailed);
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kUnchanged);
  EXPECT_TRUE(store_.Authenticate(kNewToken).has_value());

  Replace(path_, std::string("read old ") + kOldToken + "\n");
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kReloaded);
  EXPECT_TRUE(store_.Authenticate(kOldToken).has_value());
  EXPECT_FALSE(store_.Authenticate(kNewToken).has_value());
}

TEST_F(TokenFileWatcherTest, SeesAnEditInPlace) {
  ASSERT_TRUE(wm::testing::WriteFile(path_, std::string("read old ") + kOldToken + "\n").ok());
  TokenFileWatcher watcher(path_, store_, metrics_);
  ASSERT_TRUE(watcher.Load().ok());
  // Same inode, other size.
  ASSERT_TRUE(wm::testing::WriteFile(path_, std::string("read new ") + kNewToken + "xx\n").ok());
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kReloaded);
  EXPECT_TRUE(store_.Authenticate(std::string(kNewToken) + "xx").has_value());
}

// A Kubernetes secret volume: tokens -> ..data/tokens, ..data -> ..<timestamp>/; an update
// writes a new timestamped directory and swaps the ..data symlink.
TEST_F(TokenFileWatcherTest, FollowsTheSymlinkSwapOfAKubernetesSecret) {
  ASSERT_EQ(mkdir((dir_ + "/..2026_12_07_1").c_str(), 0755), 0);
  ASSERT_TRUE(wm::testing::WriteFile(dir_ + "/..2026_12_07_1/tokens",
                                     std::string("read old ") + kOldToken + "\n")
                  .ok());
  ASSERT_EQ(symlink("..2026_12_07_1", (dir_ + "/..data").c_str()), 0);
  ASSERT_EQ(symlink("..data/tokens", path_.c_str()), 0);
  TokenFileWatcher watcher(path_, store_, metrics_);
  ASSERT_TRUE(watcher.Load().ok());
  EXPECT_TRUE(store_.Authenticate(kOldToken).has_value());

  ASSERT_EQ(mkdir((dir_ + "/..2026_12_07_2").c_str(), 0755), 0);
  ASSERT_TRUE(wm::testing::WriteFile(dir_ + "/..2026_12_07_2/tokens",
                                     std::string("read new ") + kNewToken + "\n")
                  .ok());
  ASSERT_EQ(symlink("..2026_12_07_2", (dir_ + "/..data_tmp").c_str()), 0);
  ASSERT_EQ(std::rename((dir_ + "/..data_tmp").c_str(), (dir_ + "/..data").c_str()), 0);
  EXPECT_EQ(watcher.CheckNow(), CheckResult::kReloaded);
  EXPECT_FALSE(store_.Authenticate(kOldToken).has_value());
  EXPECT_TRUE(store_.Authenticate(kNewToken).has_value());
}

TEST_F(TokenFileWatcherTest, ItsThreadReloadsWithoutBeingAsked) {
  Replace(path_, std::string("read old ") + kOldToken + "\n");
  TokenFileWatcher watcher(path_, store_, metrics_);
  ASSERT_TRUE(watcher.Load().ok());
  watcher.Start(absl::Milliseconds(10));
  Replace(path_, std::string("read new ") + kNewToken + "\n");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!store_.Authenticate(kNewToken).has_value() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));  // polling for the outcome, not waiting it out
  }
  EXPECT_TRUE(store_.Authenticate(kNewToken).has_value());
  watcher.Stop();
  watcher.Stop();
}

}  // namespace
}  // namespace wm::grpcutil
