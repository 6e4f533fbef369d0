#include "libs/grpcutil/delayed_runner.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace wm::grpcutil {
namespace {

TEST(DelayedRunner, RunsTasksInOrderNoSoonerThanTheDelay) {
  DelayedRunner runner(absl::Milliseconds(20));
  std::vector<int> order;
  absl::Mutex mu;
  absl::Notification done;
  const absl::Time start = absl::Now();
  absl::Time first_ran;
  for (int i = 0; i < 3; ++i) {
    runner.Schedule([&, i] {
      absl::MutexLock lock(&mu);
      if (order.empty()) first_ran = absl::Now();
      order.push_back(i);
      if (i == 2) done.Notify();
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_GE(first_ran - start, absl::Milliseconds(20));
}

TEST(DelayedRunner, DestructionDropsTasksNotYetDue) {
  std::atomic<bool> ran{false};
  {
    DelayedRunner runner(absl::Hours(1));
    runner.Schedule([&] { ran = true; });
  }
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace wm::grpcutil
