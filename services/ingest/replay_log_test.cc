#include "services/ingest/replay_log.h"

#include <vector>

#include "gtest/gtest.h"

namespace wm::ingest {
namespace {

ReplayLog::EventPtr EventAt(uint64_t sequence) {
  auto event = std::make_shared<wm::v1::Event>();
  event->set_sequence(sequence);
  return event;
}

std::vector<uint64_t> SequencesAfter(const ReplayLog& log, uint64_t after) {
  std::vector<uint64_t> out;
  log.ForEachAfter(after, [&](const ReplayLog::EventPtr& e) { out.push_back(e->sequence()); });
  return out;
}

class ReplayLogTest : public ::testing::Test {
 protected:
  ReplayLog::Options Options(size_t max_events, absl::Duration max_age) {
    return {.max_events = max_events, .max_age = max_age, .clock = [this] { return now_; }};
  }
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(ReplayLogTest, ReplaysWhatFollowsAPosition) {
  ReplayLog log(Options(10, absl::Hours(1)));
  EXPECT_EQ(log.first_sequence(), 1u);
  for (uint64_t s = 1; s <= 5; ++s) log.Append(EventAt(s));
  EXPECT_EQ(log.first_sequence(), 1u);
  EXPECT_EQ(SequencesAfter(log, 0), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(SequencesAfter(log, 3), (std::vector<uint64_t>{4, 5}));
  EXPECT_TRUE(SequencesAfter(log, 5).empty());
}

TEST_F(ReplayLogTest, KeepsTheMostRecentEventsUpToTheSize) {
  ReplayLog log(Options(3, absl::Hours(1)));
  for (uint64_t s = 1; s <= 7; ++s) log.Append(EventAt(s));
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.first_sequence(), 5u);
  EXPECT_EQ(SequencesAfter(log, 1), (std::vector<uint64_t>{5, 6, 7}));
  EXPECT_EQ(SequencesAfter(log, 5), (std::vector<uint64_t>{6, 7}));
}

TEST_F(ReplayLogTest, ForgetsEventsOlderThanTheAge) {
  ReplayLog log(Options(100, absl::Seconds(10)));
  log.Append(EventAt(1));
  now_ += absl::Seconds(6);
  log.Append(EventAt(2));
  EXPECT_EQ(log.oldest_age(), absl::Seconds(6));
  now_ += absl::Seconds(5);  // event 1 is 11 s old
  log.ForgetExpired();
  EXPECT_EQ(log.first_sequence(), 2u);
  EXPECT_EQ(log.oldest_age(), absl::Seconds(5));
  now_ += absl::Seconds(6);
  log.ForgetExpired();
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(log.oldest_age(), absl::ZeroDuration());
  // Empty: the position the next event will take.
  EXPECT_EQ(log.first_sequence(), 3u);
  EXPECT_TRUE(SequencesAfter(log, 0).empty());
}

TEST_F(ReplayLogTest, SizeZeroKeepsNothingButFollowsTheSequence) {
  ReplayLog log(Options(0, absl::Hours(1)));
  for (uint64_t s = 1; s <= 4; ++s) log.Append(EventAt(s));
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(log.first_sequence(), 5u);
  EXPECT_TRUE(SequencesAfter(log, 2).empty());
}

TEST_F(ReplayLogTest, HoldsTheSharedEventsNotCopies) {
  ReplayLog log(Options(10, absl::Hours(1)));
  ReplayLog::EventPtr event = EventAt(1);
  log.Append(event);
  log.ForEachAfter(0, [&](const ReplayLog::EventPtr& e) { EXPECT_EQ(e.get(), event.get()); });
}

}  // namespace
}  // namespace wm::ingest
