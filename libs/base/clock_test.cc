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
