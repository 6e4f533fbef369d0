#include "services/registry/periodic_task.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/base/clock.h"
#include "libs/base/scheduler.h"

namespace wm::registry {
namespace {

TEST(PeriodicTaskTest, RunsRepeatedlyUntilStopped) {
  base::Scheduler scheduler(base::RealClock());
  scheduler.Start();
  std::atomic<int> runs{0};
  absl::Notification third;
  PeriodicTask task(&scheduler, absl::Milliseconds(5), [&] {
    if (++runs == 3) third.Notify();
  });
  ASSERT_TRUE(third.WaitForNotificationWithTimeout(absl::Seconds(10)));
  task.Stop();
  const int after_stop = runs.load();
  task.Stop();                             // idempotent
  absl::SleepFor(absl::Milliseconds(30));  // would give a running task several more runs
  EXPECT_EQ(runs.load(), after_stop);
}

TEST(PeriodicTaskTest, StopDoesNotWaitForTheInterval) {
  base::Scheduler scheduler(base::RealClock());
  scheduler.Start();
  const absl::Time start = absl::Now();
  {
    PeriodicTask task(&scheduler, absl::Hours(1), [] {});
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace wm::registry
