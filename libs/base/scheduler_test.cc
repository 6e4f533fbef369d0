#include "libs/base/scheduler.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/base/clock.h"

namespace wm::base {
namespace {

TEST(SchedulerTest, RunDueRunsDueTimersEarliestFirst) {
  FakeClock clock;
  Scheduler scheduler(clock.AsClock());
  std::vector<int> order;
  scheduler.RunAt(clock.Now() + absl::Seconds(2), [&] { order.push_back(2); });
  scheduler.RunAt(clock.Now() + absl::Seconds(1), [&] { order.push_back(1); });
  scheduler.RunAt(clock.Now() + absl::Seconds(1), [&] { order.push_back(11); });  // tie: FIFO
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 2);
  EXPECT_EQ(order, (std::vector<int>{1, 11}));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(order, (std::vector<int>{1, 11, 2}));
  EXPECT_EQ(scheduler.size(), 0u);
}

TEST(SchedulerTest, CancelPreventsAOneShotRunOnce) {
  FakeClock clock;
  Scheduler scheduler(clock.AsClock());
  bool ran = false;
  const Scheduler::Id id = scheduler.RunAt(clock.Now() + absl::Seconds(1), [&] { ran = true; });
  EXPECT_NE(id, 0u);
  EXPECT_TRUE(scheduler.Cancel(id));
  EXPECT_FALSE(scheduler.Cancel(id));
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(scheduler.RunDue(), 0);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(scheduler.Cancel(12345));
}

TEST(SchedulerTest, RunEveryRunsEachIntervalWithoutPilingUp) {
  FakeClock clock;
  Scheduler scheduler(clock.AsClock());
  int runs = 0;
  const Scheduler::Id id = scheduler.RunEvery(absl::Seconds(10), [&] { ++runs; });
  clock.Advance(absl::Seconds(9));
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 1);
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(scheduler.RunDue(), 1);
  // Four intervals missed: the late run and one catch-up run now, not four; the next one a
  // full interval later.
  clock.Advance(absl::Seconds(50));
  EXPECT_EQ(scheduler.RunDue(), 2);
  clock.Advance(absl::Seconds(9));
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(runs, 5);
  EXPECT_TRUE(scheduler.Cancel(id));
  clock.Advance(absl::Seconds(100));
  EXPECT_EQ(scheduler.RunDue(), 0);
  EXPECT_EQ(runs, 5);
}

TEST(SchedulerTest, APeriodicTimerCancelledFromItsOwnRunStops) {
  FakeClock clock;
  Scheduler scheduler(clock.AsClock());
  int runs = 0;
  Scheduler::Id id = 0;
  id = scheduler.RunEvery(absl::Seconds(1), [&] {
    ++runs;
    EXPECT_TRUE(scheduler.Cancel(id));
    scheduler.CancelAndWait(id);  // from its own run: returns at once
  });
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 1);
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(scheduler.RunDue(), 0);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(scheduler.size(), 0u);
}

TEST(SchedulerTest, CallbacksMayScheduleTimersAlreadyDue) {
  FakeClock clock;
  Scheduler scheduler(clock.AsClock());
  std::vector<int> order;
  scheduler.RunAt(clock.Now(), [&] {
    order.push_back(1);
    scheduler.RunAt(clock.Now(), [&] { order.push_back(2); });
  });
  EXPECT_EQ(scheduler.RunDue(), 2);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(SchedulerTest, RunAllNowRunsTimersNotYetDueAndPeriodicOnesOnce) {
  FakeClock clock;
  Scheduler scheduler(clock.AsClock());
  int ran = 0;
  scheduler.RunAt(clock.Now() + absl::Hours(1), [&] { ++ran; });
  scheduler.RunAt(absl::InfiniteFuture(), [&] { ++ran; });
  scheduler.RunEvery(absl::Seconds(1), [&] { ++ran; });
  EXPECT_EQ(scheduler.RunAllNow(), 3);
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(scheduler.size(), 0u);
}

TEST(SchedulerTest, RunAllNowStopsAtTheLimit) {
  FakeClock clock;
  Scheduler scheduler(clock.AsClock());
  std::function<void()> again = [&] { scheduler.RunAt(clock.Now(), again); };
  scheduler.RunAt(clock.Now(), again);
  EXPECT_EQ(scheduler.RunAllNow(5), 5);
  EXPECT_EQ(scheduler.size(), 1u);
}

TEST(SchedulerTest, ThreadRunsTimersOnOneThreadAsTheyFallDue) {
  Scheduler scheduler(RealClock());
  scheduler.Start();
  absl::Mutex mu;
  std::vector<std::thread::id> threads;
  absl::Notification once_ran;
  absl::Notification third_periodic;
  const absl::Time start = absl::Now();
  absl::Time once_at;
  scheduler.RunAt(start + absl::Milliseconds(20), [&] {
    absl::MutexLock lock(&mu);
    once_at = absl::Now();
    threads.push_back(std::this_thread::get_id());
    once_ran.Notify();
  });
  int periodic_runs = 0;
  const Scheduler::Id every = scheduler.RunEvery(absl::Milliseconds(5), [&] {
    absl::MutexLock lock(&mu);
    threads.push_back(std::this_thread::get_id());
    if (++periodic_runs == 3) third_periodic.Notify();
  });
  ASSERT_TRUE(once_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(third_periodic.WaitForNotificationWithTimeout(absl::Seconds(10)));
  scheduler.CancelAndWait(every);
  absl::MutexLock lock(&mu);
  EXPECT_GE(once_at - start, absl::Milliseconds(20));
  for (const std::thread::id& t : threads) EXPECT_EQ(t, threads.front());
  EXPECT_NE(threads.front(), std::this_thread::get_id());
}

TEST(SchedulerTest, CancelAndWaitWaitsForARunInProgress) {
  Scheduler scheduler(RealClock());
  scheduler.Start();
  absl::Notification entered;
  absl::Notification release;
  std::atomic<bool> finished{false};
  std::atomic<int> runs{0};
  const Scheduler::Id id = scheduler.RunEvery(absl::Milliseconds(1), [&] {
    if (++runs > 1) return;
    entered.Notify();
    release.WaitForNotification();
    finished = true;
  });
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(20));  // lets CancelAndWait start waiting first
    release.Notify();
  });
  scheduler.CancelAndWait(id);
  EXPECT_TRUE(finished);
  EXPECT_EQ(runs.load(), 1);
  releaser.join();
}

TEST(SchedulerTest, StopDropsTimersNotYetDueAndDoesNotWaitForThem) {
  std::atomic<bool> ran{false};
  const absl::Time start = absl::Now();
  {
    Scheduler scheduler(RealClock());
    scheduler.Start();
    scheduler.RunAt(absl::Now() + absl::Hours(1), [&] { ran = true; });
    scheduler.RunEvery(absl::Hours(1), [&] { ran = true; });
  }
  EXPECT_FALSE(ran);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace wm::base
