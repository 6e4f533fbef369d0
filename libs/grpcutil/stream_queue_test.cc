#include "libs/grpcutil/stream_queue.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/delayed_runner.h"

namespace wm::grpcutil {
namespace {

// A stream message: a numbered one, or a gap message saying how many were lost.
struct Message {
  uint64_t n = 0;
  uint64_t lost = 0;
};
using Queue = StreamQueue<Message>;
using MessagePtr = Queue::MessagePtr;
using PushResult = Queue::PushResult;

MessagePtr Numbered(uint64_t n) { return std::make_shared<Message>(Message{n, 0}); }
MessagePtr Gap(uint64_t lost) { return std::make_shared<Message>(Message{0, lost}); }

std::shared_ptr<Queue> NewQueue(size_t capacity, DelayedRunner* gather = nullptr,
                                size_t gather_limit = 256) {
  return std::make_shared<Queue>(capacity, Gap, gather, gather_limit);
}

// Waits until every task `runner` had before this call has run (its tasks run in order).
void RunPending(DelayedRunner& runner) {
  absl::Notification ran;
  runner.Schedule([&] { ran.Notify(); });
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(StreamQueueTest, PopsInOrderAndTellsWhetherMoreWait) {
  auto queue = NewQueue(10);
  EXPECT_EQ(queue->Push(Numbered(1)), PushResult::kQueued);
  EXPECT_EQ(queue->Push(Numbered(2)), PushResult::kQueued);
  bool more = false;
  EXPECT_EQ(queue->PopOrArm(&more)->n, 1u);
  EXPECT_TRUE(more);
  EXPECT_EQ(queue->PopOrArm(&more)->n, 2u);
  EXPECT_FALSE(more);
  EXPECT_EQ(queue->PopOrArm(&more), nullptr);
  EXPECT_FALSE(more);
}

TEST(StreamQueueTest, AFullQueueDropsAndReportsTheLossWhereItHappened) {
  auto queue = NewQueue(2);
  queue->Push(Numbered(1));
  queue->Push(Numbered(2));
  EXPECT_EQ(queue->Push(Numbered(3)), PushResult::kDropped);
  EXPECT_EQ(queue->Push(Numbered(4)), PushResult::kDropped);
  EXPECT_EQ(queue->Push(Numbered(5)), PushResult::kDropped);
  EXPECT_EQ(queue->dropped(), 3u);
  // 1, 2, then where 3..5 were lost a gap message, then 6.
  EXPECT_EQ(queue->PopOrArm()->n, 1u);
  EXPECT_EQ(queue->PopOrArm()->n, 2u);
  queue->Push(Numbered(6));
  bool more = false;
  MessagePtr gap = queue->PopOrArm(&more);
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->lost, 3u);
  EXPECT_TRUE(more);
  EXPECT_EQ(queue->PopOrArm()->n, 6u);

  // A loss in the middle is reported before the message that follows it.
  queue->Push(Numbered(7));
  queue->Push(Numbered(8));
  EXPECT_EQ(queue->Push(Numbered(9)), PushResult::kDropped);
  EXPECT_EQ(queue->PopOrArm()->n, 7u);
  queue->Push(Numbered(10));
  EXPECT_EQ(queue->PopOrArm()->n, 8u);
  EXPECT_EQ(queue->PopOrArm()->lost, 1u);
  EXPECT_EQ(queue->PopOrArm()->n, 10u);
  EXPECT_EQ(queue->PopOrArm(), nullptr);
  EXPECT_EQ(queue->dropped(), 4u);
}

TEST(StreamQueueTest, ALossAtTheTailIsReportedOnceTheQueueIsDrained) {
  auto queue = NewQueue(1);
  queue->Push(Numbered(1));
  EXPECT_EQ(queue->Push(Numbered(2)), PushResult::kDropped);
  bool more = false;
  EXPECT_EQ(queue->PopOrArm(&more)->n, 1u);
  EXPECT_TRUE(more) << "the gap waits behind it";
  MessagePtr gap = queue->PopOrArm(&more);
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->lost, 1u);
  EXPECT_FALSE(more);
  EXPECT_EQ(queue->PopOrArm(), nullptr);
}

TEST(StreamQueueTest, AForcedPushIgnoresTheCapacity) {
  auto queue = NewQueue(1);
  EXPECT_EQ(queue->Push(Numbered(1), /*force=*/true), PushResult::kQueued);
  EXPECT_EQ(queue->Push(Numbered(2), /*force=*/true), PushResult::kQueued);
  EXPECT_EQ(queue->Push(Numbered(3)), PushResult::kDropped);
  EXPECT_EQ(queue->PopOrArm()->n, 1u);
  EXPECT_EQ(queue->PopOrArm()->n, 2u);
  EXPECT_EQ(queue->PopOrArm()->lost, 1u);
  EXPECT_EQ(queue->PopOrArm(), nullptr);
}

TEST(StreamQueueTest, AnArmedQueueIsWokenOnceByTheNextMessage) {
  auto queue = NewQueue(10);
  std::atomic<int> wakeups{0};
  queue->SetWakeup([&] { ++wakeups; });
  queue->Push(Numbered(1));  // not armed yet: nobody asked
  EXPECT_EQ(wakeups, 0);
  EXPECT_NE(queue->PopOrArm(), nullptr);
  EXPECT_EQ(queue->PopOrArm(), nullptr);  // arms
  queue->Push(Numbered(2));
  queue->Push(Numbered(3));
  EXPECT_EQ(wakeups, 1);
}

TEST(StreamQueueTest, AClosedQueueDrainsWhatItHoldsAndTakesNothingMore) {
  auto queue = NewQueue(10);
  queue->Push(Numbered(1));
  queue->Push(Numbered(2));
  queue->Close();
  EXPECT_TRUE(queue->closed());
  EXPECT_EQ(queue->Push(Numbered(3)), PushResult::kClosed);
  EXPECT_EQ(queue->dropped(), 0u) << "ignored after close, not lost";
  EXPECT_EQ(queue->PopOrArm()->n, 1u);
  EXPECT_EQ(queue->PopOrArm()->n, 2u);
  EXPECT_EQ(queue->PopOrArm(), nullptr);
}

TEST(StreamQueueTest, CloseWakesAnIdleStreamOnce) {
  auto queue = NewQueue(10);
  std::atomic<int> wakeups{0};
  queue->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(queue->PopOrArm(), nullptr);  // arms
  queue->Close();
  EXPECT_EQ(wakeups, 1);
  EXPECT_EQ(queue->PopOrArm(), nullptr);  // closed: does not arm again
  queue->Close();
  EXPECT_EQ(wakeups, 1);
}

TEST(StreamQueueTest, GatheringWakesAnIdleStreamAtTheLimitWithoutWaitingForTheDelay) {
  // A delay far longer than the test: only the limit can wake the stream. The limit is at most
  // half the capacity: 10 here.
  DelayedRunner runner(absl::Hours(1));
  auto queue = NewQueue(20, &runner, /*gather_limit=*/256);
  std::atomic<int> wakeups{0};
  queue->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(queue->PopOrArm(), nullptr);  // idle: armed
  for (uint64_t i = 1; i <= 9; ++i) queue->Push(Numbered(i));
  EXPECT_EQ(wakeups, 0);  // gathering
  queue->Push(Numbered(10));
  EXPECT_EQ(wakeups, 1);
}

TEST(StreamQueueTest, GatheredMessagesWakeTheStreamOnceAfterTheDelay) {
  DelayedRunner runner(absl::Milliseconds(5));
  auto queue = NewQueue(1000, &runner);
  std::atomic<int> wakeups{0};
  absl::Notification woken;
  queue->SetWakeup([&] {
    ++wakeups;
    woken.Notify();
  });
  EXPECT_EQ(queue->PopOrArm(), nullptr);
  for (uint64_t i = 0; i < 3; ++i) queue->Push(Numbered(i));
  ASSERT_TRUE(woken.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(wakeups, 1);  // one wakeup for the three
  int popped = 0;
  while (queue->PopOrArm() != nullptr) ++popped;
  EXPECT_EQ(popped, 3);
}

TEST(StreamQueueTest, CloseWakesAGatheringStreamAtOnce) {
  DelayedRunner runner(absl::Hours(1));
  auto queue = NewQueue(1000, &runner);
  std::atomic<int> wakeups{0};
  queue->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(queue->PopOrArm(), nullptr);
  queue->Push(Numbered(1));
  EXPECT_EQ(wakeups, 0);
  queue->Close();
  EXPECT_EQ(wakeups, 1);
  EXPECT_EQ(queue->PopOrArm()->n, 1u);
}

TEST(StreamQueueTest, DetachWaitsForAWakeupRunningOnAnotherThread) {
  auto queue = NewQueue(10);
  std::atomic<int> wakeups{0};
  absl::Notification woken;
  absl::Notification detaching;
  std::atomic<bool> detached{false};
  std::atomic<bool> detached_while_waking{false};
  queue->SetWakeup([&] {
    if (++wakeups > 1) return;
    woken.Notify();
    detaching.WaitForNotificationWithTimeout(absl::Seconds(10));
    // A Detach that did not wait would return within this window.
    const absl::Time deadline = absl::Now() + absl::Milliseconds(200);
    while (!detached && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    detached_while_waking = detached.load();
  });
  EXPECT_EQ(queue->PopOrArm(), nullptr);  // arms
  std::thread publisher([&] { queue->Push(Numbered(1)); });
  ASSERT_TRUE(woken.WaitForNotificationWithTimeout(absl::Seconds(10)));
  std::thread owner([&] {
    detaching.Notify();
    queue->Detach();
    detached = true;
  });
  publisher.join();
  owner.join();
  EXPECT_FALSE(detached_while_waking);
  EXPECT_TRUE(detached);

  // Detached: a message arriving for the idle queue calls nothing.
  EXPECT_EQ(queue->PopOrArm()->n, 1u);
  EXPECT_EQ(queue->PopOrArm(), nullptr);
  queue->Push(Numbered(2));
  EXPECT_EQ(wakeups, 1);
}

TEST(StreamQueueTest, AGatheredWakeupAfterDetachOrDestructionCallsNothing) {
  DelayedRunner runner(absl::Milliseconds(5));
  std::atomic<int> wakeups{0};

  auto detached = NewQueue(1000, &runner);
  detached->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(detached->PopOrArm(), nullptr);
  detached->Push(Numbered(1));  // schedules the delayed wakeup
  detached->Detach();

  auto destroyed = NewQueue(1000, &runner);
  destroyed->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(destroyed->PopOrArm(), nullptr);
  destroyed->Push(Numbered(1));
  destroyed->Detach();
  destroyed.reset();

  RunPending(runner);
  EXPECT_EQ(wakeups, 0);
  EXPECT_EQ(detached->PopOrArm()->n, 1u) << "the message itself stays queued";
}

}  // namespace
}  // namespace wm::grpcutil
