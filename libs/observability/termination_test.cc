#include "libs/observability/termination.h"

#include <signal.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace wm::observability {
namespace {

// Each test installs before starting any thread, as main() must.

TEST(TerminationTest, RequestStopWakesWaiters) {
  auto termination = Termination::Install();
  ASSERT_TRUE(termination.ok()) << termination.status();
  Termination& t = **termination;
  EXPECT_FALSE(t.stop_requested());

  std::vector<StopCause> causes(3);
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&t, &causes, i] { causes[i] = t.Wait(); });
  }
  t.RequestStop("duration elapsed");
  for (std::thread& w : waiters) w.join();
  for (const StopCause& cause : causes) {
    EXPECT_EQ(cause.kind, StopCause::Kind::kRequested);
    EXPECT_EQ(cause.detail, "duration elapsed");
  }
  EXPECT_TRUE(t.stop_requested());
  // The first cause is kept.
  t.RequestStop("second");
  EXPECT_EQ(t.Wait().detail, "duration elapsed");
}

TEST(TerminationTest, WaitTimesOutWithoutStopping) {
  auto termination = Termination::Install();
  ASSERT_TRUE(termination.ok());
  absl::Time start = absl::Now();
  StopCause cause = (*termination)->Wait(absl::Milliseconds(50));
  EXPECT_EQ(cause.kind, StopCause::Kind::kTimeout);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_FALSE((*termination)->stop_requested());
}

TEST(TerminationTest, SigtermStopsInsteadOfKilling) {
  auto termination = Termination::Install();
  ASSERT_TRUE(termination.ok());
  // A process-directed signal, as `kill` or Kubernetes sends it. Without the blocked mask and
  // the signalfd the default action would end the test process here.
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  StopCause cause = (*termination)->Wait(absl::Seconds(10));
  EXPECT_EQ(cause.kind, StopCause::Kind::kSignal);
  EXPECT_EQ(cause.detail, "SIGTERM");
  EXPECT_TRUE((*termination)->stop_requested());
}

TEST(TerminationTest, SigintFromAnotherThreadWakesWaiter) {
  auto termination = Termination::Install();
  ASSERT_TRUE(termination.ok());
  StopCause cause;
  std::thread waiter([&] { cause = (*termination)->Wait(absl::Seconds(10)); });
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  waiter.join();
  EXPECT_EQ(cause.kind, StopCause::Kind::kSignal);
  EXPECT_EQ(cause.detail, "SIGINT");
}

}  // namespace
}  // namespace wm::observability
