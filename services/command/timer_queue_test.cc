#include "services/command/timer_queue.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/command/fake_clock.h"

namespace wm::command {
namespace {

TEST(TimerQueueTest, RunsDueTimersInTimeOrderOnly) {
  FakeClock clock;
  TimerQueue timers(clock.AsClock());
  std::vector<int> ran;
  timers.RunAt(clock.Now() + absl::Seconds(3), [&] { ran.push_back(3); });
  timers.RunAt(clock.Now() + absl::Seconds(1), [&] { ran.push_back(1); });
  timers.RunAt(clock.Now() + absl::Seconds(2), [&] { ran.push_back(2); });

  EXPECT_EQ(timers.RunDue(), 0);
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(timers.RunDue(), 2);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(timers.RunDue(), 1);
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(timers.size(), 0u);
}

TEST(TimerQueueTest, CancelledTimerNeverRuns) {
  FakeClock clock;
  TimerQueue timers(clock.AsClock());
  bool ran = false;
  const TimerQueue::Id id = timers.RunAt(clock.Now() + absl::Seconds(1), [&] { ran = true; });
  EXPECT_TRUE(timers.Cancel(id));
  EXPECT_FALSE(timers.Cancel(id));
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(timers.RunDue(), 0);
  EXPECT_FALSE(ran);
}

TEST(TimerQueueTest, CallbackMayScheduleATimerAlreadyDue) {
  FakeClock clock;
  TimerQueue timers(clock.AsClock());
  int ran = 0;
  timers.RunAt(clock.Now(), [&] {
    ++ran;
    timers.RunAt(clock.Now(), [&] { ++ran; });
  });
  EXPECT_EQ(timers.RunDue(), 2);
  EXPECT_EQ(ran, 2);
}

TEST(TimerQueueTest, RunAllNowRunsTimersNotYetDue) {
  FakeClock clock;
  TimerQueue timers(clock.AsClock());
  int ran = 0;
  timers.RunAt(clock.Now() + absl::Hours(1), [&] { ++ran; });
  timers.RunAt(absl::InfiniteFuture(), [&] { ++ran; });
  EXPECT_EQ(timers.RunAllNow(), 2);
  EXPECT_EQ(ran, 2);
}

TEST(TimerQueueTest, ThreadRunsTimersWithTheRealClock) {
  TimerQueue timers(absl::Now);
  timers.Start();
  absl::Notification late;
  absl::Notification early;
  timers.RunAt(absl::Now() + absl::Milliseconds(200), [&] { late.Notify(); });
  // Scheduled after, due before: the waiting thread must wake for it.
  timers.RunAt(absl::Now() + absl::Milliseconds(20), [&] { early.Notify(); });
  EXPECT_TRUE(early.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_TRUE(late.WaitForNotificationWithTimeout(absl::Seconds(5)));
  timers.Stop();
}

}  // namespace
}  // namespace wm::command
