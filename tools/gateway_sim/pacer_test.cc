#include "tools/gateway_sim/pacer.h"

#include "gtest/gtest.h"

namespace wm::gateway_sim {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000);

// Sends whenever due, advancing a fake clock in 1 ms steps; returns the sends made in `span`.
int SendsWithin(Pacer& pacer, absl::Time from, absl::Duration span) {
  int sends = 0;
  for (absl::Time now = from; now < from + span; now += absl::Milliseconds(1)) {
    while (pacer.IsDue(now)) {
      pacer.OnSent(now);
      ++sends;
    }
  }
  return sends;
}

TEST(PacerTest, SpacesSendsAtTheRate) {
  Pacer pacer(100, kStart);
  EXPECT_EQ(SendsWithin(pacer, kStart, absl::Seconds(10)), 1000);
}

TEST(PacerTest, FractionalRates) {
  Pacer pacer(0.5, kStart);
  EXPECT_EQ(SendsWithin(pacer, kStart, absl::Seconds(10)), 5);
}

TEST(PacerTest, DueTimesAreEvenlySpaced) {
  Pacer pacer(4, kStart);
  EXPECT_EQ(pacer.NextDue(), kStart);
  pacer.OnSent(kStart);
  EXPECT_EQ(pacer.NextDue(), kStart + absl::Milliseconds(250));
  pacer.OnSent(kStart + absl::Milliseconds(260));  // a little late: no drift
  EXPECT_EQ(pacer.NextDue(), kStart + absl::Milliseconds(500));
}

TEST(PacerTest, AStalledSenderCatchesUpByAtMostTheBurst) {
  Pacer pacer(100, kStart, absl::Milliseconds(500));
  // Nothing sent for 10 s; then the backlog allowed at once is 500 ms worth.
  const absl::Time later = kStart + absl::Seconds(10);
  int burst = 0;
  while (pacer.IsDue(later)) {
    pacer.OnSent(later);
    ++burst;
  }
  EXPECT_GE(burst, 50);
  EXPECT_LE(burst, 51);
  // Afterwards the rate holds again.
  EXPECT_EQ(SendsWithin(pacer, later + absl::Milliseconds(1), absl::Seconds(1)), 100);
}

TEST(PacerTest, RateZeroIsUnlimited) {
  Pacer pacer(0, kStart);
  EXPECT_TRUE(pacer.unlimited());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(pacer.IsDue(kStart));
    pacer.OnSent(kStart);
  }
}

}  // namespace
}  // namespace wm::gateway_sim
