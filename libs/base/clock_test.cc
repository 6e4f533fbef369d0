#include "libs/base/clock.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace wm::base {
namespace {

TEST(RealClockTest, ReadsTheWallClock) {
  const absl::Time before = absl::Now();
  const absl::Time read = RealClock()();
  EXPECT_GE(read, before);
  EXPECT_LE(read, absl::Now());
}

TEST(SteadyClockTest, NeverGoesBackAndMeasuresIntervals) {
  Clock steady = SteadyClock();
  const absl::Time first = steady();
  absl::Time last = first;
  for (int i = 0; i < 1000; ++i) {
    const absl::Time now = steady();
    EXPECT_GE(now, last);
    last = now;
  }
  absl::SleepFor(absl::Milliseconds(5));
  EXPECT_GE(steady() - first, absl::Milliseconds(5));
}

TEST(FakeClockTest, StandsStillUntilAdvanced) {
  FakeClock clock(absl::FromUnixSeconds(100));
  Clock read = clock.AsClock();
  EXPECT_EQ(read(), absl::FromUnixSeconds(100));
  EXPECT_EQ(read(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Seconds(3));
  EXPECT_EQ(read(), absl::FromUnixSeconds(103));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(103));
}

}  // namespace
}  // namespace wm::base
