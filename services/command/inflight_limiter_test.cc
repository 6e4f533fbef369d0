#include "services/command/inflight_limiter.h"

#include <vector>

#include "gtest/gtest.h"
#include "services/command/fake_clock.h"

namespace wm::command {
namespace {

class InflightLimiterTest : public ::testing::Test {
 protected:
  // Acquires a slot of `key` and records the outcome under `name`.
  void Acquire(const std::string& key, int name, absl::Duration timeout = absl::Seconds(2)) {
    limiter_.Acquire(key, clock_.Now() + timeout, [this, name](absl::Status s) {
      (s.ok() ? granted_ : refused_).push_back(name);
    });
  }

  FakeClock clock_;
  TimerQueue timers_{clock_.AsClock()};
  prometheus::Gauge waiting_gauge_;
  InflightLimiter limiter_{2, timers_, &waiting_gauge_};
  std::vector<int> granted_;
  std::vector<int> refused_;
};

TEST_F(InflightLimiterTest, BeyondTheLimitCallsWaitTheirTurnInOrder) {
  Acquire("gw/sink0", 1);
  Acquire("gw/sink0", 2);
  Acquire("gw/sink0", 3);
  Acquire("gw/sink0", 4);
  EXPECT_EQ(granted_, (std::vector<int>{1, 2}));
  EXPECT_EQ(limiter_.in_use("gw/sink0"), 2);
  EXPECT_EQ(limiter_.waiting(), 2u);
  EXPECT_EQ(waiting_gauge_.Value(), 2);

  limiter_.Release("gw/sink0");
  EXPECT_EQ(granted_, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(waiting_gauge_.Value(), 1);
  EXPECT_EQ(limiter_.in_use("gw/sink0"), 2);
  limiter_.Release("gw/sink0");
  EXPECT_EQ(granted_, (std::vector<int>{1, 2, 3, 4}));
  limiter_.Release("gw/sink0");
  limiter_.Release("gw/sink0");
  EXPECT_EQ(limiter_.in_use("gw/sink0"), 0);
  EXPECT_TRUE(refused_.empty());
}

TEST_F(InflightLimiterTest, SinksHaveTheirOwnSlots) {
  Acquire("gw/sink0", 1);
  Acquire("gw/sink0", 2);
  Acquire("gw/sink1", 3);
  Acquire("gw/", 4);
  EXPECT_EQ(granted_, (std::vector<int>{1, 2, 3, 4}));
}

TEST_F(InflightLimiterTest, WaiterWithoutATurnBeforeItsDeadlineFails) {
  Acquire("gw/sink0", 1);
  Acquire("gw/sink0", 2);
  Acquire("gw/sink0", 3, absl::Seconds(1));
  Acquire("gw/sink0", 4, absl::Seconds(5));
  clock_.Advance(absl::Seconds(1));
  timers_.RunDue();
  EXPECT_EQ(refused_, (std::vector<int>{3}));
  EXPECT_EQ(limiter_.waiting(), 1u);
  EXPECT_EQ(waiting_gauge_.Value(), 1);
  // The expired waiter does not take the next slot; the later one does.
  limiter_.Release("gw/sink0");
  EXPECT_EQ(granted_, (std::vector<int>{1, 2, 4}));
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(timers_.RunDue(), 0);
}

TEST_F(InflightLimiterTest, FailWaitersRefusesEveryWaiter) {
  Acquire("gw/sink0", 1);
  Acquire("gw/sink0", 2);
  Acquire("gw/sink0", 3);
  Acquire("gw/sink1", 4);
  EXPECT_EQ(waiting_gauge_.Value(), 1);
  limiter_.FailWaiters(absl::UnavailableError("stopping"));
  EXPECT_EQ(refused_, (std::vector<int>{3}));
  EXPECT_EQ(limiter_.waiting(), 0u);
  EXPECT_EQ(waiting_gauge_.Value(), 0);
}

}  // namespace
}  // namespace wm::command
