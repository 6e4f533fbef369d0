#include "services/command/idempotency_cache.h"

#include <memory>
#include <optional>

#include "gtest/gtest.h"
#include "protos/wm/v1/commands.pb.h"
#include "services/command/fake_clock.h"

namespace wm::command {
namespace {

CallOutcome Answered(uint64_t request_id) {
  auto response = std::make_shared<wm::v1::SendDataResponse>();
  response->mutable_result()->set_request_id(request_id);
  return CallOutcome{absl::OkStatus(), response};
}

uint64_t RequestIdOf(const CallOutcome& outcome) {
  return static_cast<const wm::v1::SendDataResponse&>(*outcome.response).result().request_id();
}

class IdempotencyCacheTest : public ::testing::Test {
 protected:
  // Begins `key`; records a joined outcome in joined_.
  bool Begin(const std::string& key, uint64_t fingerprint = 7,
             absl::Duration timeout = absl::Seconds(2)) {
    return cache_.Begin(key, fingerprint, clock_.Now() + timeout,
                        [this](CallOutcome outcome) { joined_ = std::move(outcome); });
  }

  FakeClock clock_;
  TimerQueue timers_{clock_.AsClock()};
  IdempotencyCache cache_{timers_, {.window = absl::Minutes(10), .max_entries = 3}};
  std::optional<CallOutcome> joined_;
};

TEST_F(IdempotencyCacheTest, RetryWithinTheWindowGetsTheFirstOutcomeWithoutRunning) {
  ASSERT_TRUE(Begin("req-1"));
  cache_.Finish("req-1", Answered(42), /*remember=*/true);
  clock_.Advance(absl::Minutes(9));
  EXPECT_FALSE(Begin("req-1"));
  ASSERT_TRUE(joined_.has_value());
  EXPECT_TRUE(joined_->status.ok());
  EXPECT_EQ(RequestIdOf(*joined_), 42u);
}

TEST_F(IdempotencyCacheTest, AfterTheWindowTheCallRunsAgain) {
  ASSERT_TRUE(Begin("req-1"));
  cache_.Finish("req-1", Answered(42), true);
  clock_.Advance(absl::Minutes(10));
  EXPECT_TRUE(Begin("req-1"));
  EXPECT_FALSE(joined_.has_value());
}

TEST_F(IdempotencyCacheTest, RetryWhileTheFirstRunsWaitsForItsOutcome) {
  ASSERT_TRUE(Begin("req-1"));
  EXPECT_FALSE(Begin("req-1"));
  EXPECT_FALSE(joined_.has_value());
  cache_.Finish("req-1", Answered(42), true);
  ASSERT_TRUE(joined_.has_value());
  EXPECT_EQ(RequestIdOf(*joined_), 42u);
}

TEST_F(IdempotencyCacheTest, JoinedRetryGivesUpAtItsOwnDeadline) {
  ASSERT_TRUE(Begin("req-1"));
  EXPECT_FALSE(Begin("req-1", 7, absl::Seconds(1)));
  clock_.Advance(absl::Seconds(1));
  timers_.RunDue();
  ASSERT_TRUE(joined_.has_value());
  EXPECT_TRUE(absl::IsDeadlineExceeded(joined_->status));
  // The first call still finishes normally and is remembered.
  cache_.Finish("req-1", Answered(42), true);
  joined_.reset();
  EXPECT_FALSE(Begin("req-1"));
  EXPECT_EQ(RequestIdOf(*joined_), 42u);
}

TEST_F(IdempotencyCacheTest, IdReusedForAnotherRequestIsRejected) {
  ASSERT_TRUE(Begin("req-1", /*fingerprint=*/7));
  cache_.Finish("req-1", Answered(42), true);
  EXPECT_FALSE(Begin("req-1", /*fingerprint=*/8));
  ASSERT_TRUE(joined_.has_value());
  EXPECT_TRUE(absl::IsInvalidArgument(joined_->status));
}

TEST_F(IdempotencyCacheTest, OutcomeOfACallThatPublishedNothingIsForgotten) {
  ASSERT_TRUE(Begin("req-1"));
  cache_.Finish("req-1", CallOutcome{absl::FailedPreconditionError("gateway offline"), nullptr},
                /*remember=*/false);
  EXPECT_TRUE(Begin("req-1"));
}

TEST_F(IdempotencyCacheTest, KeepsAtMostMaxEntriesDroppingTheOldest) {
  for (const char* key : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(Begin(key));
    cache_.Finish(key, Answered(1), true);
    clock_.Advance(absl::Seconds(1));
  }
  EXPECT_LE(cache_.size(), 3u);
  EXPECT_TRUE(Begin("a"));   // forgotten
  EXPECT_FALSE(Begin("d"));  // kept
}

}  // namespace
}  // namespace wm::command
