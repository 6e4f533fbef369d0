#include "libs/grpcutil/bearer_token.h"

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"

namespace wm::grpcutil {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string TempPath(const std::string& name) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("bearer");
  EXPECT_TRUE(dir.ok());
  return *dir + "/" + name;
}

TEST(ReadClientTokenFileTest, TakesTheFirstLineThatIsNotAComment) {
  const std::string path = TempPath("token");
  ASSERT_TRUE(
      wm::testing::WriteFile(path, "# wm-registry's token\n\n  s3cr3t-token-1234  \n").ok());
  EXPECT_EQ(*ReadClientTokenFile(path), "s3cr3t-token-1234");
  // A secret mounted as a file often has no newline at all.
  ASSERT_TRUE(wm::testing::WriteFile(path, "s3cr3t-token-1234").ok());
  EXPECT_EQ(*ReadClientTokenFile(path), "s3cr3t-token-1234");
}

TEST(ReadClientTokenFileTest, ErrorsNameThePathNotTheContent) {
  const std::string path = TempPath("token");
  EXPECT_EQ(ReadClientTokenFile(path).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(wm::testing::WriteFile(path, "# nothing\n").ok());
  EXPECT_EQ(ReadClientTokenFile(path).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(wm::testing::WriteFile(path, "two words-secret\n").ok());
  absl::StatusOr<std::string> bad = ReadClientTokenFile(path);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::AllOf(HasSubstr(path), Not(HasSubstr("words-secret"))));
}

TEST(BearerTokenSourceTest, RereadsTheFileWhenItChangesAndKeepsTheLastGoodToken) {
  const std::string path = TempPath("token");
  ASSERT_TRUE(wm::testing::WriteFile(path, "first-token-123456\n").ok());
  absl::StatusOr<std::shared_ptr<BearerTokenSource>> source = BearerTokenSource::FromFile(path);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Current(), "first-token-123456");
  ASSERT_TRUE(wm::testing::WriteFile(path + ".new", "second-token-123456\n").ok());
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
  EXPECT_EQ((*source)->Current(), "second-token-123456");
  ASSERT_TRUE(wm::testing::WriteFile(path + ".new", "# emptied\n").ok());
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
  EXPECT_EQ((*source)->Current(), "second-token-123456");
}

TEST(BearerTokenSourceTest, FixedValue) {
  EXPECT_EQ(BearerTokenSource::FromValue("abc")->Current(), "abc");
}

}  // namespace
}  // namespace wm::grpcutil
