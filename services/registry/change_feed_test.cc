#include "services/registry/change_feed.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::registry {
namespace {

ChangePtr NodeChange(uint64_t sequence) {
  auto change = std::make_shared<wm::v1::RegistryChange>();
  change->set_sequence(sequence);
  change->set_kind(wm::v1::CHANGE_KIND_UPDATED);
  change->mutable_node()->set_address(static_cast<uint32_t>(sequence));
  return change;
}

ChangePtr GatewayChange(uint64_t sequence) {
  auto change = std::make_shared<wm::v1::RegistryChange>();
  change->set_sequence(sequence);
  change->set_kind(wm::v1::CHANGE_KIND_ADDED);
  change->mutable_gateway()->set_id("gw");
  return change;
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  prometheus::Counter dropped_;
  prometheus::Gauge watchers_;
};

TEST_F(ChangeFeedTest, WatchersGetMatchingChangesInOrder) {
  ChangeFeed feed(10, dropped_, watchers_);
  EXPECT_FALSE(feed.has_watchers());
  auto all = feed.Watch({});
  wm::v1::WatchChangesRequest gateways_only;
  gateways_only.add_entities(wm::v1::CHANGE_ENTITY_GATEWAY);
  auto gateways = feed.Watch(gateways_only);
  EXPECT_TRUE(feed.has_watchers());
  EXPECT_EQ(watchers_.Value(), 2);
  feed.Publish(NodeChange(1));
  feed.Publish(GatewayChange(2));
  EXPECT_EQ(all->PopOrArm()->sequence(), 1u);
  EXPECT_EQ(all->PopOrArm()->sequence(), 2u);
  EXPECT_EQ(all->PopOrArm(), nullptr);
  EXPECT_EQ(gateways->PopOrArm()->sequence(), 2u);
  EXPECT_EQ(gateways->PopOrArm(), nullptr);
  feed.Unwatch(all);
  feed.Unwatch(gateways);
  EXPECT_FALSE(feed.has_watchers());
  EXPECT_EQ(watchers_.Value(), 0);
}

TEST_F(ChangeFeedTest, ASlowWatcherLosesChangesAndIsToldHowMany) {
  ChangeFeed feed(2, dropped_, watchers_);
  auto slow = feed.Watch({});
  auto other = feed.Watch({});
  for (uint64_t i = 1; i <= 5; ++i) feed.Publish(NodeChange(i));
  EXPECT_EQ(slow->PopOrArm()->sequence(), 1u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 2u);
  ChangePtr gap = slow->PopOrArm();
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->kind(), wm::v1::CHANGE_KIND_GAP);
  EXPECT_EQ(gap->dropped(), 3u);
  EXPECT_EQ(gap->sequence(), 0u);
  EXPECT_EQ(gap->gap_cause(), wm::v1::CHANGE_GAP_CAUSE_SLOW_CLIENT);
  EXPECT_FALSE(gap->count_unknown());
  EXPECT_EQ(slow->PopOrArm(), nullptr);
  EXPECT_EQ(slow->dropped(), 3u);
  EXPECT_EQ(dropped_.Value(), 6) << "both watchers lost 3";

  // A gap in the middle is reported before the change that follows it.
  feed.Publish(NodeChange(6));
  feed.Publish(NodeChange(7));
  feed.Publish(NodeChange(8));
  EXPECT_EQ(slow->PopOrArm()->sequence(), 6u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 7u);
  feed.Publish(NodeChange(9));
  EXPECT_EQ(slow->PopOrArm()->dropped(), 1u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 9u);
}

TEST_F(ChangeFeedTest, AnArmedWatcherIsWokenOnceAndCloseEndsIt) {
  ChangeFeed feed(10, dropped_, watchers_);
  auto watcher = feed.Watch({});
  int wakeups = 0;
  watcher->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(watcher->PopOrArm(), nullptr);  // arms
  feed.Publish(NodeChange(1));
  feed.Publish(NodeChange(2));
  EXPECT_EQ(wakeups, 1);
  EXPECT_NE(watcher->PopOrArm(), nullptr);
  EXPECT_NE(watcher->PopOrArm(), nullptr);
  EXPECT_EQ(watcher->PopOrArm(), nullptr);
  feed.Close();
  EXPECT_EQ(wakeups, 2);
  EXPECT_TRUE(watcher->closed());
  EXPECT_EQ(feed.Watch({}), nullptr) << "closed feeds take no watchers";
  watcher->Detach();
}

// A feed with a change log, whose run starts at kRunStart (first change kRunStart + 1).
class ResumeTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kRunStart = 5'000'000;

  ResumeTest() { Reset(100); }

  void Reset(size_t log_size, size_t capacity = 1000) {
    feed_ = std::make_unique<ChangeFeed>(capacity,
                                         ChangeLog::Options{.max_changes = log_size,
                                                            .max_age = absl::Seconds(60),
                                                            .clock = [this] { return now_; }},
                                         ChangeFeedMetrics{.dropped = &dropped_,
                                                           .watchers = &watchers_,
                                                           .resumes = &resumes_,
                                                           .replayed = &replayed_,
                                                           .resume_too_old = &too_old_,
                                                           .resume_unknown = &unknown_,
                                                           .log_changes = &log_changes_,
                                                           .log_age_seconds = &log_age_});
    feed_->BeginRun(kRunStart);
    next_ = kRunStart + 1;
  }

  // Publishes `count` changes, alternately of a node and a gateway (node first).
  void PublishChanges(int count) {
    for (int i = 0; i < count; ++i, ++next_) {
      const uint64_t sequence = next_;
      feed_->Publish(sequence, [&] {
        return sequence % 2 == (kRunStart + 1) % 2 ? NodeChange(sequence) : GatewayChange(sequence);
      });
    }
  }

  std::shared_ptr<ChangeWatcher> Resume(
      uint64_t after, wm::v1::ChangeEntity only = wm::v1::CHANGE_ENTITY_UNSPECIFIED) {
    wm::v1::WatchChangesRequest request;
    request.set_resume_after(after);
    if (only != wm::v1::CHANGE_ENTITY_UNSPECIFIED) request.add_entities(only);
    return feed_->Watch(request);
  }

  // Everything the watcher has queued, gaps included.
  static std::vector<wm::v1::RegistryChange> Drain(ChangeWatcher& watcher) {
    std::vector<wm::v1::RegistryChange> changes;
    while (ChangePtr change = watcher.PopOrArm()) changes.push_back(*change);
    return changes;
  }

  static std::vector<uint64_t> Sequences(const std::vector<wm::v1::RegistryChange>& changes) {
    std::vector<uint64_t> sequences;
    for (const auto& change : changes) {
      if (change.kind() != wm::v1::CHANGE_KIND_GAP) sequences.push_back(change.sequence());
    }
    return sequences;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
  prometheus::Counter dropped_, resumes_, replayed_, too_old_, unknown_;
  prometheus::Gauge watchers_, log_changes_, log_age_;
  std::unique_ptr<ChangeFeed> feed_;
  uint64_t next_ = 0;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(ResumeTest, ReplaysWhatFollowsThePositionThenLive) {
  PublishChanges(5);  // kRunStart + 1 .. + 5
  auto watcher = Resume(kRunStart + 2);
  PublishChanges(2);
  EXPECT_THAT(Sequences(Drain(*watcher)), ElementsAre(kRunStart + 3, kRunStart + 4, kRunStart + 5,
                                                      kRunStart + 6, kRunStart + 7));
  EXPECT_EQ(resumes_.Value(), 1);
  EXPECT_EQ(replayed_.Value(), 3);
  EXPECT_EQ(too_old_.Value() + unknown_.Value(), 0);
  EXPECT_EQ(log_changes_.Value(), 5) << "set when the resume was served";
}

TEST_F(ResumeTest, FromTheLatestPositionOrAListsSequenceNothingIsReplayed) {
  auto from_start = Resume(kRunStart);  // a list taken before this run's first change
  EXPECT_EQ(from_start->PopOrArm(), nullptr);
  PublishChanges(3);
  auto latest = Resume(kRunStart + 3);
  EXPECT_EQ(latest->PopOrArm(), nullptr);
  PublishChanges(1);
  EXPECT_THAT(Sequences(Drain(*latest)), ElementsAre(kRunStart + 4));
  EXPECT_THAT(Sequences(Drain(*from_start)),
              ElementsAre(kRunStart + 1, kRunStart + 2, kRunStart + 3, kRunStart + 4));
}

TEST_F(ResumeTest, AFilteredResumeReplaysOnlyWhatItAskedFor) {
  PublishChanges(6);
  auto gateways = Resume(kRunStart + 1, wm::v1::CHANGE_ENTITY_GATEWAY);
  EXPECT_THAT(Sequences(Drain(*gateways)),
              ElementsAre(kRunStart + 2, kRunStart + 4, kRunStart + 6));
}

TEST_F(ResumeTest, APositionOlderThanTheLogGetsAGapWithTheCountThenTheLog) {
  Reset(3);
  PublishChanges(10);  // the log keeps + 8 .. + 10
  auto watcher = Resume(kRunStart + 2, wm::v1::CHANGE_ENTITY_NODE);
  std::vector<wm::v1::RegistryChange> changes = Drain(*watcher);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].kind(), wm::v1::CHANGE_KIND_GAP);
  EXPECT_EQ(changes[0].gap_cause(), wm::v1::CHANGE_GAP_CAUSE_POSITION_TOO_OLD);
  EXPECT_EQ(changes[0].dropped(), 5u) << "+3 .. +7, whatever the filter";
  EXPECT_FALSE(changes[0].count_unknown());
  EXPECT_THAT(Sequences(changes), ElementsAre(kRunStart + 9));
  EXPECT_EQ(too_old_.Value(), 1);
}

TEST_F(ResumeTest, ExpiredChangesAreNeverReplayed) {
  PublishChanges(2);
  now_ += absl::Seconds(61);
  feed_->UpdateLogGauges();
  EXPECT_EQ(log_changes_.Value(), 0);
  auto watcher = Resume(kRunStart);
  std::vector<wm::v1::RegistryChange> changes = Drain(*watcher);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].gap_cause(), wm::v1::CHANGE_GAP_CAUSE_POSITION_TOO_OLD);
  EXPECT_EQ(changes[0].dropped(), 2u);
}

TEST_F(ResumeTest, WithoutALogOnlyTheLatestPositionResumesWithoutAGap) {
  Reset(0);
  PublishChanges(4);
  auto latest = Resume(kRunStart + 4);
  EXPECT_EQ(latest->PopOrArm(), nullptr);
  auto old = Resume(kRunStart + 1);
  std::vector<wm::v1::RegistryChange> changes = Drain(*old);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].dropped(), 3u);
}

TEST_F(ResumeTest, APositionOfAnotherRunOrNeverIssuedHasAnUnknownCount) {
  PublishChanges(3);
  for (uint64_t position : {uint64_t{17}, kRunStart - 1, kRunStart + 4, kRunStart + 1000}) {
    auto watcher = Resume(position);
    std::vector<wm::v1::RegistryChange> changes = Drain(*watcher);
    ASSERT_FALSE(changes.empty()) << position;
    EXPECT_EQ(changes[0].kind(), wm::v1::CHANGE_KIND_GAP);
    EXPECT_EQ(changes[0].gap_cause(), wm::v1::CHANGE_GAP_CAUSE_OTHER_RUN);
    EXPECT_TRUE(changes[0].count_unknown());
    EXPECT_EQ(changes[0].dropped(), 0u);
    EXPECT_THAT(Sequences(changes), ElementsAre(kRunStart + 1, kRunStart + 2, kRunStart + 3))
        << "then this run's changes the log holds";
    feed_->Unwatch(watcher);
  }
  EXPECT_EQ(unknown_.Value(), 4);
}

TEST_F(ResumeTest, AReplayLargerThanTheQueueIsCutWithASlowClientGap) {
  Reset(100, /*capacity=*/4);
  PublishChanges(10);
  auto watcher = Resume(kRunStart);
  std::vector<wm::v1::RegistryChange> changes = Drain(*watcher);
  EXPECT_THAT(Sequences(changes),
              ElementsAre(kRunStart + 1, kRunStart + 2, kRunStart + 3, kRunStart + 4));
  ASSERT_EQ(changes.size(), 5u);
  EXPECT_EQ(changes[4].gap_cause(), wm::v1::CHANGE_GAP_CAUSE_SLOW_CLIENT);
  EXPECT_EQ(changes[4].dropped(), 6u);
  EXPECT_EQ(dropped_.Value(), 6);
  EXPECT_EQ(replayed_.Value(), 4);
}

TEST_F(ResumeTest, NoBuildWithoutLogOrWatcher) {
  Reset(0);
  int built = 0;
  feed_->Publish(kRunStart + 1, [&] {
    ++built;
    return NodeChange(kRunStart + 1);
  });
  EXPECT_EQ(built, 0);
  EXPECT_EQ(feed_->latest_sequence(), kRunStart + 1);
  Reset(10);
  feed_->Publish(kRunStart + 1, [&] {
    ++built;
    return NodeChange(kRunStart + 1);
  });
  EXPECT_EQ(built, 1) << "the log keeps it";
}

// Watchers resume from random positions while a publisher runs: each sees every change after
// its position exactly once, in order, with no gap between replay and live.
TEST_F(ResumeTest, ResumingWhilePublishingLosesAndRepeatsNothing) {
  constexpr int kChanges = 20000;
  Reset(kChanges, kChanges);
  std::thread publisher([&] { PublishChanges(kChanges); });
  struct Resumed {
    uint64_t after;
    std::shared_ptr<ChangeWatcher> watcher;
  };
  std::vector<Resumed> resumed;
  for (int i = 0; i < 50; ++i) {
    // Positions already issued (latest_sequence) or the run's start.
    const uint64_t latest = feed_->latest_sequence();
    const uint64_t after = i % 2 == 0 ? latest : kRunStart + (latest - kRunStart) / 2;
    resumed.push_back({after, Resume(after)});
    std::this_thread::yield();
  }
  publisher.join();
  for (const Resumed& r : resumed) {
    std::vector<wm::v1::RegistryChange> changes = Drain(*r.watcher);
    ASSERT_EQ(changes.size(), kRunStart + kChanges - r.after) << "after " << r.after;
    uint64_t expected = r.after + 1;
    for (const auto& change : changes) {
      ASSERT_NE(change.kind(), wm::v1::CHANGE_KIND_GAP);
      ASSERT_EQ(change.sequence(), expected++);
    }
  }
}

}  // namespace
}  // namespace wm::registry
