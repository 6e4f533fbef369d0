#include "libs/testing/files.h"

#include <sys/stat.h>

#include "gtest/gtest.h"

namespace wm::testing {
namespace {

TEST(FilesTest, MakeTempDirCreatesDistinctDirectoriesUnderTestTmpDir) {
  absl::StatusOr<std::string> a = MakeTempDir("x");
  absl::StatusOr<std::string> b = MakeTempDir("x");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->rfind(TestTmpDir() + "/x-", 0), 0u) << *a;
  struct stat info;
  ASSERT_EQ(stat(a->c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
}

TEST(FilesTest, WriteThenReadRoundTripsBytesAndAppliesMode) {
  std::string path = TestTmpDir() + "/files_test.bin";
  std::string contents("a\0b\nc", 5);
  ASSERT_TRUE(WriteFile(path, contents, 0600).ok());
  absl::StatusOr<std::string> read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, contents);
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(FilesTest, ReadingAMissingFileIsNotFound) {
  EXPECT_EQ(ReadFile(TestTmpDir() + "/does-not-exist").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FilesTest, RunfilePathPointsIntoTheRunfilesTree) {
  std::string path = RunfilePath("libs/testing/files_test");
  struct stat info;
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
}

}  // namespace
}  // namespace wm::testing
