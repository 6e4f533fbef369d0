#include "services/command/req_id_correlator.h"

#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "services/command/fake_clock.h"

namespace wm::command {
namespace {

using Match = ReqIdCorrelator::Match;

// A get_configs response with `req_id` from `gateway`.
wirepas::GenericMessage Response(uint64_t req_id, const std::string& gateway = "gw-1") {
  wirepas::GenericMessage message;
  auto* header = message.mutable_wirepas()->mutable_get_configs_resp()->mutable_header();
  header->set_req_id(req_id);
  header->set_gw_id(gateway);
  header->set_res(wirepas::gwapi::OK);
  return message;
}

// Records what a waiter was completed with.
struct Outcome {
  int calls = 0;
  absl::Status status;
  uint64_t req_id = 0;

  ReqIdCorrelator::Callback Callback() {
    return [this](absl::StatusOr<wirepas::GenericMessage> r) {
      ++calls;
      status = r.status();
      if (r.ok()) req_id = r->wirepas().get_configs_resp().header().req_id();
    };
  }
};

class ReqIdCorrelatorTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  TimerQueue timers_{clock_.AsClock()};
  ReqIdCorrelator correlator_{timers_};
  const absl::Time deadline_ = clock_.Now() + absl::Seconds(2);
};

TEST_F(ReqIdCorrelatorTest, ResponsesInAnyOrderReachTheirOwnWaiter) {
  Outcome first, second, third;
  ASSERT_TRUE(correlator_.Register(11, "gw-1", deadline_, first.Callback()).ok());
  ASSERT_TRUE(correlator_.Register(22, "gw-1", deadline_, second.Callback()).ok());
  ASSERT_TRUE(correlator_.Register(33, "gw-1", deadline_, third.Callback()).ok());

  EXPECT_EQ(correlator_.Deliver(33, "gw-1", Response(33)), Match::kMatched);
  EXPECT_EQ(correlator_.Deliver(11, "gw-1", Response(11)), Match::kMatched);
  EXPECT_EQ(correlator_.Deliver(22, "gw-1", Response(22)), Match::kMatched);

  EXPECT_EQ(first.req_id, 11u);
  EXPECT_EQ(second.req_id, 22u);
  EXPECT_EQ(third.req_id, 33u);
  EXPECT_EQ(first.calls + second.calls + third.calls, 3);
  EXPECT_EQ(correlator_.pending(), 0u);
  // The deadlines were cancelled: nothing fires later.
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(timers_.RunDue(), 0);
}

TEST_F(ReqIdCorrelatorTest, OtherBackendsResponsesAreIgnored) {
  Outcome mine;
  ASSERT_TRUE(correlator_.Register(11, "gw-1", deadline_, mine.Callback()).ok());
  EXPECT_EQ(correlator_.Deliver(99, "gw-1", Response(99)), Match::kUnrelated);
  // Unsolicited responses a gateway sends when its configuration changes.
  EXPECT_EQ(correlator_.Deliver(0, "gw-1", Response(0)), Match::kUnrelated);
  // Our id from another gateway: a collision, not our answer.
  EXPECT_EQ(correlator_.Deliver(11, "gw-2", Response(11, "gw-2")), Match::kUnrelated);
  EXPECT_EQ(mine.calls, 0);
  EXPECT_EQ(correlator_.Deliver(11, "gw-1", Response(11)), Match::kMatched);
  EXPECT_EQ(mine.calls, 1);
}

TEST_F(ReqIdCorrelatorTest, TimesOutAtItsDeadlineWithTheInjectedClock) {
  Outcome waiter;
  ASSERT_TRUE(correlator_.Register(11, "gw-1", deadline_, waiter.Callback()).ok());
  clock_.Advance(absl::Milliseconds(1999));
  timers_.RunDue();
  EXPECT_EQ(waiter.calls, 0);
  clock_.Advance(absl::Milliseconds(1));
  timers_.RunDue();
  EXPECT_EQ(waiter.calls, 1);
  EXPECT_TRUE(absl::IsDeadlineExceeded(waiter.status)) << waiter.status;
  EXPECT_EQ(correlator_.pending(), 0u);
}

TEST_F(ReqIdCorrelatorTest, LateResponseIsReportedNotDelivered) {
  Outcome waiter;
  ASSERT_TRUE(correlator_.Register(11, "gw-1", deadline_, waiter.Callback()).ok());
  clock_.Advance(absl::Seconds(3));
  timers_.RunDue();
  ASSERT_EQ(waiter.calls, 1);
  EXPECT_EQ(correlator_.Deliver(11, "gw-1", Response(11)), Match::kLate);
  EXPECT_EQ(waiter.calls, 1);
}

TEST_F(ReqIdCorrelatorTest, SecondCopyOfAnAnswerIsADuplicate) {
  Outcome waiter;
  ASSERT_TRUE(correlator_.Register(11, "gw-1", deadline_, waiter.Callback()).ok());
  EXPECT_EQ(correlator_.Deliver(11, "gw-1", Response(11)), Match::kMatched);
  EXPECT_EQ(correlator_.Deliver(11, "gw-1", Response(11)), Match::kDuplicate);
  EXPECT_EQ(waiter.calls, 1);
}

TEST_F(ReqIdCorrelatorTest, FinishedIdsAreForgottenAfterTheMemory) {
  FakeClock clock;
  TimerQueue timers(clock.AsClock());
  ReqIdCorrelator correlator(timers, {.memory = absl::Minutes(1), .memory_size = 2});
  Outcome a, b, c;
  ASSERT_TRUE(correlator.Register(1, "gw", clock.Now() + absl::Seconds(1), a.Callback()).ok());
  clock.Advance(absl::Seconds(2));
  timers.RunDue();
  EXPECT_EQ(correlator.Deliver(1, "gw", Response(1, "gw")), Match::kLate);
  clock.Advance(absl::Minutes(2));
  EXPECT_EQ(correlator.Deliver(1, "gw", Response(1, "gw")), Match::kUnrelated);

  // At most memory_size ids: the oldest goes first.
  for (uint64_t id : {2, 3, 4}) {
    Outcome o;
    ASSERT_TRUE(correlator.Register(id, "gw", clock.Now() + absl::Seconds(1), o.Callback()).ok());
    EXPECT_EQ(correlator.Deliver(id, "gw", Response(id, "gw")), Match::kMatched);
  }
  EXPECT_EQ(correlator.Deliver(2, "gw", Response(2, "gw")), Match::kUnrelated);
  EXPECT_EQ(correlator.Deliver(4, "gw", Response(4, "gw")), Match::kDuplicate);
}

TEST_F(ReqIdCorrelatorTest, RegisterRejectsZeroAndIdsInUse) {
  Outcome a, b;
  EXPECT_TRUE(absl::IsInvalidArgument(correlator_.Register(0, "gw-1", deadline_, a.Callback())));
  ASSERT_TRUE(correlator_.Register(5, "gw-1", deadline_, a.Callback()).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(correlator_.Register(5, "gw-1", deadline_, b.Callback())));
  EXPECT_EQ(correlator_.Deliver(5, "gw-1", Response(5)), Match::kMatched);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 0);
}

TEST_F(ReqIdCorrelatorTest, FailGatewayCompletesOnlyThatGatewaysWaiters) {
  Outcome one, two;
  ASSERT_TRUE(correlator_.Register(1, "gw-1", deadline_, one.Callback()).ok());
  ASSERT_TRUE(correlator_.Register(2, "gw-2", deadline_, two.Callback()).ok());
  EXPECT_EQ(correlator_.FailGateway("gw-1", absl::UnavailableError("offline")), 1);
  EXPECT_TRUE(absl::IsUnavailable(one.status));
  EXPECT_EQ(two.calls, 0);
  EXPECT_EQ(correlator_.pending(), 1u);
}

TEST_F(ReqIdCorrelatorTest, CancelAndFailAllCompleteEveryWaiterOnce) {
  Outcome one, two;
  ASSERT_TRUE(correlator_.Register(1, "gw-1", deadline_, one.Callback()).ok());
  ASSERT_TRUE(correlator_.Register(2, "gw-1", deadline_, two.Callback()).ok());
  EXPECT_TRUE(correlator_.Cancel(1, absl::UnavailableError("not published")));
  EXPECT_FALSE(correlator_.Cancel(1, absl::UnavailableError("again")));
  EXPECT_EQ(correlator_.FailAll(absl::UnavailableError("stopping")), 1);
  clock_.Advance(absl::Seconds(5));
  timers_.RunDue();
  EXPECT_EQ(one.calls, 1);
  EXPECT_EQ(two.calls, 1);
  // A cancelled request was never sent: its id is not remembered as late.
  EXPECT_EQ(correlator_.Deliver(1, "gw-1", Response(1)), Match::kUnrelated);
}

}  // namespace
}  // namespace wm::command
