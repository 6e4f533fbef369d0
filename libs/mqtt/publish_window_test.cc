#include "libs/mqtt/publish_window.h"

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace wm::mqtt {
namespace {

// Every status the window reported done, in order.
class DoneLog {
 public:
  PublishWindow::DoneObserver Observer() {
    return [this](const absl::Status& status) {
      absl::MutexLock lock(&mu_);
      statuses_.push_back(status);
    };
  }
  std::vector<absl::Status> statuses() {
    absl::MutexLock lock(&mu_);
    return statuses_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Status> statuses_ ABSL_GUARDED_BY(mu_);
};

TEST(PublishWindowTest, AWokenWaiterSeesTheObserverDone) {
  std::atomic<int> observed{0};
  PublishWindow window(10, [&observed](const absl::Status&) { ++observed; });
  ASSERT_TRUE(window.Reserve().ok());
  auto waiter = PublishWindow::NewWaiter();
  window.Register(1, 1, waiter);
  std::thread acknowledger([&window] { window.Acknowledge(1); });
  EXPECT_TRUE(PublishWindow::Wait(*waiter, absl::Seconds(30)).ok());
  EXPECT_EQ(observed.load(), 1);  // the metrics of a done message are counted when it returns
  acknowledger.join();
}

TEST(PublishWindowTest, AcknowledgementEndsTheMessageAndWakesItsWaiter) {
  DoneLog log;
  PublishWindow window(10, log.Observer());
  ASSERT_TRUE(window.Reserve().ok());
  auto waiter = PublishWindow::NewWaiter();
  window.Register(7, 1, waiter);
  EXPECT_TRUE(window.HasPending());
  EXPECT_EQ(window.queued(), 1);
  EXPECT_FALSE(waiter->done.HasBeenNotified());

  window.Acknowledge(7);
  EXPECT_TRUE(PublishWindow::Wait(*waiter, absl::ZeroDuration()).ok());
  EXPECT_FALSE(window.HasPending());
  EXPECT_EQ(window.queued(), 0);
  ASSERT_EQ(log.statuses().size(), 1u);
  EXPECT_TRUE(log.statuses()[0].ok());
}

TEST(PublishWindowTest, AnAcknowledgementBeforeRegisterEndsTheMessageOnRegister) {
  DoneLog log;
  PublishWindow window(10, log.Observer());
  ASSERT_TRUE(window.Reserve().ok());
  window.Acknowledge(3);  // QoS 0 sent before the publisher recorded its id
  EXPECT_FALSE(window.HasPending());
  EXPECT_TRUE(log.statuses().empty());
  auto waiter = PublishWindow::NewWaiter();
  window.Register(3, 0, waiter);
  EXPECT_TRUE(PublishWindow::Wait(*waiter, absl::ZeroDuration()).ok());
  EXPECT_EQ(window.queued(), 0);
  EXPECT_EQ(log.statuses().size(), 1u);
}

TEST(PublishWindowTest, ASecondAcknowledgementIsIgnored) {
  DoneLog log;
  PublishWindow window(10, log.Observer());
  ASSERT_TRUE(window.Reserve().ok());
  window.Register(5, 1, nullptr);
  window.Acknowledge(5);
  EXPECT_EQ(log.statuses().size(), 1u);
  window.Acknowledge(5);  // recorded as early; no message ends twice
  EXPECT_EQ(log.statuses().size(), 1u);
  EXPECT_EQ(window.queued(), 0);
}

TEST(PublishWindowTest, AFullWindowIsResourceExhaustedUntilAMessageEnds) {
  PublishWindow window(2);
  ASSERT_TRUE(window.Reserve().ok());
  window.Register(1, 1, nullptr);
  ASSERT_TRUE(window.Reserve().ok());
  window.Register(2, 1, nullptr);
  EXPECT_FALSE(window.HasRoom());
  EXPECT_EQ(window.Reserve().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(window.queued(), 2);  // the refused reservation took no slot
  window.Acknowledge(1);
  EXPECT_TRUE(window.HasRoom());
  EXPECT_TRUE(window.Reserve().ok());
}

TEST(PublishWindowTest, ReleaseGivesBackASlotWithoutEndingAMessage) {
  DoneLog log;
  PublishWindow window(1, log.Observer());
  ASSERT_TRUE(window.Reserve().ok());
  window.Release();  // the library refused the message
  EXPECT_EQ(window.queued(), 0);
  EXPECT_TRUE(log.statuses().empty());
  EXPECT_TRUE(window.Reserve().ok());
}

TEST(PublishWindowTest, AReusedIdGivesUpTheOldMessage) {
  DoneLog log;
  PublishWindow window(10, log.Observer());
  ASSERT_TRUE(window.Reserve().ok());
  auto old_waiter = PublishWindow::NewWaiter();
  window.Register(9, 1, old_waiter);
  ASSERT_TRUE(window.Reserve().ok());
  auto new_waiter = PublishWindow::NewWaiter();
  window.Register(9, 1, new_waiter);
  EXPECT_EQ(PublishWindow::Wait(*old_waiter, absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(new_waiter->done.HasBeenNotified());
  window.Acknowledge(9);
  EXPECT_TRUE(PublishWindow::Wait(*new_waiter, absl::ZeroDuration()).ok());
  EXPECT_EQ(window.queued(), 0);
}

TEST(PublishWindowTest, WaitTimesOutWithoutAnAcknowledgement) {
  PublishWindow window(10);
  ASSERT_TRUE(window.Reserve().ok());
  auto waiter = PublishWindow::NewWaiter();
  window.Register(1, 1, waiter);
  EXPECT_EQ(PublishWindow::Wait(*waiter, absl::Milliseconds(10)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(window.queued(), 1);  // still in flight: it may be acknowledged later
}

// What a reconnection does: QoS 0 messages not yet sent are lost, QoS 1/2 ones stay and end
// when the new connection's acknowledgement comes.
TEST(PublishWindowTest, AReconnectionFailsQos0AndKeepsQos1ForTheResend) {
  DoneLog log;
  PublishWindow window(10, log.Observer());
  ASSERT_TRUE(window.Reserve().ok());
  auto qos0 = PublishWindow::NewWaiter();
  window.Register(1, 0, qos0);
  ASSERT_TRUE(window.Reserve().ok());
  auto qos1 = PublishWindow::NewWaiter();
  window.Register(2, 1, qos1);
  ASSERT_TRUE(window.Reserve().ok());
  window.Acknowledge(3);  // an early acknowledgement whose Register never comes is forgotten

  window.FailPending(absl::UnavailableError("connection lost"), /*qos0_only=*/true);
  EXPECT_EQ(PublishWindow::Wait(*qos0, absl::ZeroDuration()).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(qos1->done.HasBeenNotified());
  EXPECT_TRUE(window.HasPending());

  window.Acknowledge(2);  // the re-sent message is acknowledged on the new connection
  EXPECT_TRUE(PublishWindow::Wait(*qos1, absl::ZeroDuration()).ok());
  EXPECT_FALSE(window.HasPending());
  window.Release();  // the reservation of id 3
  EXPECT_EQ(window.queued(), 0);
  ASSERT_EQ(log.statuses().size(), 2u);
  EXPECT_EQ(log.statuses()[0].code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(log.statuses()[1].ok());
}

TEST(PublishWindowTest, StopFailsEveryWaiter) {
  PublishWindow window(10);
  std::vector<std::shared_ptr<PublishWindow::Waiter>> waiters;
  for (int mid = 1; mid <= 3; ++mid) {
    ASSERT_TRUE(window.Reserve().ok());
    waiters.push_back(PublishWindow::NewWaiter());
    window.Register(mid, mid % 3, waiters.back());
  }
  window.FailPending(absl::CancelledError("stopped"), /*qos0_only=*/false);
  for (const auto& waiter : waiters) {
    EXPECT_EQ(PublishWindow::Wait(*waiter, absl::ZeroDuration()).code(),
              absl::StatusCode::kCancelled);
  }
  EXPECT_FALSE(window.HasPending());
  EXPECT_EQ(window.queued(), 0);
}

// The observer (metrics, logs) runs before the waiter is woken, inside a callback whose
// exceptions used to be swallowed: a throw there left PublishAndWait waiting.
TEST(PublishWindowTest, AThrowingObserverStillWakesTheWaiterAndFreesTheSlot) {
  PublishWindow window(1, [](const absl::Status&) { throw std::runtime_error("observer"); });
  ASSERT_TRUE(window.Reserve().ok());
  auto waiter = PublishWindow::NewWaiter();
  window.Register(1, 1, waiter);
  EXPECT_THROW(window.Acknowledge(1), std::runtime_error);
  EXPECT_TRUE(PublishWindow::Wait(*waiter, absl::ZeroDuration()).ok());
  EXPECT_EQ(window.queued(), 0);
  EXPECT_TRUE(window.Reserve().ok());
}

TEST(PublishWindowTest, AThrowingObserverStillFailsEveryWaiter) {
  PublishWindow window(10, [](const absl::Status&) { throw std::runtime_error("observer"); });
  std::vector<std::shared_ptr<PublishWindow::Waiter>> waiters;
  for (int mid = 1; mid <= 3; ++mid) {
    ASSERT_TRUE(window.Reserve().ok());
    waiters.push_back(PublishWindow::NewWaiter());
    window.Register(mid, 1, waiters.back());
  }
  EXPECT_THROW(window.FailPending(absl::CancelledError("stopped"), false), std::runtime_error);
  for (const auto& waiter : waiters) {
    EXPECT_EQ(PublishWindow::Wait(*waiter, absl::ZeroDuration()).code(),
              absl::StatusCode::kCancelled);
  }
  EXPECT_EQ(window.queued(), 0);
}

TEST(PublishWindowTest, WaitForRoomWakesAPublisherOnceMessagesEnd) {
  PublishWindow window(8);  // a waiting publisher wakes at 6 queued
  for (int mid = 1; mid <= 8; ++mid) {
    ASSERT_TRUE(window.Reserve().ok());
    window.Register(mid, 1, nullptr);
  }
  EXPECT_FALSE(window.WaitForRoom(absl::Milliseconds(10), [] { return false; }));
  absl::Notification woke;
  std::atomic<bool> result{false};
  std::thread publisher([&] {
    result = window.WaitForRoom(absl::Seconds(30), [] { return false; });
    woke.Notify();
  });
  window.Acknowledge(1);
  window.Acknowledge(2);  // 6 queued: the mark
  EXPECT_TRUE(woke.WaitForNotificationWithTimeout(absl::Seconds(30)));
  publisher.join();
  EXPECT_TRUE(result);
}

TEST(PublishWindowTest, WaitForRoomReturnsFalseOnceStopped) {
  PublishWindow window(1);
  ASSERT_TRUE(window.Reserve().ok());
  window.Register(1, 1, nullptr);
  std::atomic<bool> stopped{false};
  absl::Notification woke;
  std::atomic<bool> result{true};
  std::thread publisher([&] {
    result = window.WaitForRoom(absl::Seconds(30), [&] { return stopped.load(); });
    woke.Notify();
  });
  stopped = true;
  window.WakeRoomWaiters();
  EXPECT_TRUE(woke.WaitForNotificationWithTimeout(absl::Seconds(30)));
  publisher.join();
  EXPECT_FALSE(result);
}

}  // namespace
}  // namespace wm::mqtt
