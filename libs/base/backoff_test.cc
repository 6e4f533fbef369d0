#include "libs/base/backoff.h"

#include <random>

#include "gtest/gtest.h"

namespace wm::base {
namespace {

TEST(ExponentialBackoffTest, WindowDoublesUpToTheMaximumAndResets) {
  std::mt19937_64 random(1);
  ExponentialBackoff backoff(absl::Milliseconds(500), absl::Seconds(3));
  EXPECT_EQ(backoff.window(), absl::Milliseconds(500));
  backoff.NextDelay(random);
  EXPECT_EQ(backoff.window(), absl::Seconds(1));
  backoff.NextDelay(random);
  EXPECT_EQ(backoff.window(), absl::Seconds(2));
  backoff.NextDelay(random);
  EXPECT_EQ(backoff.window(), absl::Seconds(3));
  backoff.NextDelay(random);
  EXPECT_EQ(backoff.window(), absl::Seconds(3));
  backoff.Reset();
  EXPECT_EQ(backoff.window(), absl::Milliseconds(500));
}

TEST(ExponentialBackoffTest, DelaysStayInsideTheWindowAndSpreadOverIt) {
  std::mt19937_64 random(7);
  absl::Duration min = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(1);
  ExponentialBackoff backoff(min, max);
  for (int i = 0; i < 5; ++i) backoff.NextDelay(random);  // reach the maximum window
  absl::Duration smallest = absl::InfiniteDuration();
  absl::Duration largest = absl::ZeroDuration();
  for (int i = 0; i < 1000; ++i) {
    absl::Duration delay = backoff.NextDelay(random);
    ASSERT_GE(delay, absl::ZeroDuration());
    ASSERT_LE(delay, max);
    smallest = std::min(smallest, delay);
    largest = std::max(largest, delay);
  }
  // Full jitter: the draws cover (nearly) the whole window, not just its top.
  EXPECT_LT(smallest, absl::Milliseconds(50));
  EXPECT_GT(largest, absl::Milliseconds(950));
}

TEST(ExponentialBackoffTest, SameSeedGivesSameDelays) {
  std::mt19937_64 a(42);
  std::mt19937_64 b(42);
  ExponentialBackoff first(absl::Milliseconds(10), absl::Seconds(1));
  ExponentialBackoff second(absl::Milliseconds(10), absl::Seconds(1));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(first.NextDelay(a), second.NextDelay(b));
}

TEST(ExponentialBackoffTest, MaximumBelowMinimumIsRaisedToTheMinimum) {
  std::mt19937_64 random(3);
  ExponentialBackoff backoff(absl::Seconds(2), absl::Seconds(1));
  for (int i = 0; i < 20; ++i) EXPECT_LE(backoff.NextDelay(random), absl::Seconds(2));
  EXPECT_EQ(backoff.window(), absl::Seconds(2));
}

}  // namespace
}  // namespace wm::base
