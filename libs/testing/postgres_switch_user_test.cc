// PostgresProcess as root outside Bazel's linux-sandbox: the server switched to an unprivileged
// user with setgid/setuid (PostgresRootMode::kSwitchUser). Tagged "no-sandbox": inside the
// sandbox's user namespace no other user exists to switch to.
#include <pwd.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/testing/postgres.h"

namespace wm::testing {
namespace {

using ::testing::HasSubstr;

TEST(PostgresSwitchUserTest, RootRunsTheServerAsAnUnprivilegedUser) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "switching users needs root; this test runs as uid " << geteuid();
  }
  passwd* user = getpwnam("postgres");
  if (user == nullptr) user = getpwnam("nobody");
  ASSERT_NE(user, nullptr);
  const unsigned uid = user->pw_uid;

  auto postgres =
      PostgresProcess::Start({.password = "s3cret", .root_mode = PostgresRootMode::kSwitchUser});
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  EXPECT_EQ((*postgres)->Query("SELECT 1").value_or("?"), "1");
  absl::StatusOr<std::string> status =
      ReadFile(absl::StrCat("/proc/", (*postgres)->pid(), "/status"));
  ASSERT_TRUE(status.ok());
  EXPECT_THAT(*status, HasSubstr(absl::StrCat("Uid:\t", uid, "\t", uid, "\t", uid, "\t", uid)));
  ASSERT_TRUE((*postgres)->Restart().ok());
  EXPECT_EQ((*postgres)->Query("SELECT 2").value_or("?"), "2");
}

}  // namespace
}  // namespace wm::testing
