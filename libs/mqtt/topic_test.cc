#include "libs/mqtt/topic.h"

#include <string>

#include "gtest/gtest.h"

namespace wm::mqtt {
namespace {

TEST(TopicTest, FiltersFollowTheWildcardRules) {
  for (const char* valid : {"#", "a", "a/b", "+", "+/+", "a/+/c", "a/#", "+/#", "/a", "a/",
                            "$share/g/a/#", "$share/g/+"}) {
    EXPECT_TRUE(ValidateTopicFilter(valid).ok()) << valid;
  }
  for (const char* invalid : {"", "a/#/b", "a#", "a/b#", "a+", "a/+b", "$share//a", "$share/g",
                              "$share/g/", "$share/g+/a"}) {
    EXPECT_EQ(ValidateTopicFilter(invalid).code(), absl::StatusCode::kInvalidArgument) << invalid;
  }
}

TEST(TopicTest, NamesHaveNoWildcards) {
  EXPECT_TRUE(ValidateTopicName("gw-event/status/gw1").ok());
  EXPECT_FALSE(ValidateTopicName("").ok());
  EXPECT_FALSE(ValidateTopicName("a/+").ok());
  EXPECT_FALSE(ValidateTopicName("a/#").ok());
  EXPECT_FALSE(ValidateTopicName(std::string("a\0b", 3)).ok());
}

TEST(TopicTest, LengthIsBoundedBySixteenBits) {
  EXPECT_TRUE(ValidateTopicName(std::string(kMaxTopicBytes, 'a')).ok());
  EXPECT_EQ(ValidateTopicName(std::string(kMaxTopicBytes + 1, 'a')).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateTopicFilter(std::string(kMaxTopicBytes, 'a')).ok());
  EXPECT_EQ(ValidateTopicFilter(std::string(kMaxTopicBytes + 1, 'a')).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TopicTest, FiltersRefuseNul) {
  EXPECT_EQ(ValidateTopicFilter(std::string("a/\0/b", 5)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TopicTest, ShareGroupHasNoWildcards) {
  EXPECT_EQ(ValidateTopicFilter("$share/#/a").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTopicFilter("$share/g/a/#/b").code(), absl::StatusCode::kInvalidArgument);
  // "$share" without the slash is an ordinary first level.
  EXPECT_TRUE(ValidateTopicFilter("$share").ok());
}

}  // namespace
}  // namespace wm::mqtt
