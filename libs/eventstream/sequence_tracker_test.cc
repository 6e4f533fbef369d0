#include "libs/eventstream/sequence_tracker.h"

#include "gtest/gtest.h"

namespace wm::eventstream {
namespace {

wm::v1::Event Live(uint64_t sequence) {
  wm::v1::Event event;
  event.set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  event.set_sequence(sequence);
  return event;
}

wm::v1::Event Snapshot(uint64_t sequence) {
  wm::v1::Event event = Live(sequence);
  event.set_kind(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  event.set_snapshot(true);
  return event;
}

wm::v1::Event Gap(uint64_t dropped) {
  wm::v1::Event event;
  event.set_kind(wm::v1::EVENT_KIND_STREAM_GAP);
  event.mutable_gap()->set_dropped(dropped);
  return event;
}

wm::v1::Event At(uint64_t epoch, uint64_t sequence) {
  wm::v1::Event event = Live(sequence);
  event.set_stream_epoch(epoch);
  return event;
}

wm::v1::Event UnknownGap(uint64_t epoch) {
  wm::v1::Event event = Gap(0);
  event.set_stream_epoch(epoch);
  event.mutable_gap()->set_cause(wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH);
  event.mutable_gap()->set_count_unknown(true);
  return event;
}

using Kind = SequenceTracker::Kind;

TEST(SequenceTrackerTest, EventsInOrderAndFilteredSkipsAreFine) {
  SequenceTracker tracker;
  tracker.StartStream();
  EXPECT_EQ(tracker.Observe(Snapshot(3)).kind, Kind::kEvent);
  EXPECT_EQ(tracker.Observe(Live(10)).kind, Kind::kEvent);
  EXPECT_EQ(tracker.Observe(Live(15)).kind, Kind::kEvent);  // filtered kinds skip numbers
  EXPECT_EQ(tracker.last_sequence(), 15u);
}

TEST(SequenceTrackerTest, GapsAreReportedWithTheirCount) {
  SequenceTracker tracker;
  tracker.StartStream();
  tracker.Observe(Live(1));
  SequenceTracker::Observation gap = tracker.Observe(Gap(42));
  EXPECT_EQ(gap.kind, Kind::kGap);
  EXPECT_EQ(gap.dropped, 42u);
  EXPECT_EQ(tracker.Observe(Live(44)).kind, Kind::kEvent);
}

TEST(SequenceTrackerTest, AReconnectToTheSameIngestIsNotARestart) {
  SequenceTracker tracker;
  tracker.StartStream();
  tracker.Observe(Snapshot(2));
  tracker.Observe(Live(100));
  tracker.StartStream();
  // The snapshot of the same process carries old sequences.
  EXPECT_EQ(tracker.Observe(Snapshot(2)).kind, Kind::kEvent);
  EXPECT_EQ(tracker.Observe(Live(130)).kind, Kind::kEvent);
}

TEST(SequenceTrackerTest, SequencesStartingAgainMeanIngestRestarted) {
  SequenceTracker tracker;
  tracker.StartStream();
  tracker.Observe(Live(100));
  tracker.StartStream();
  EXPECT_EQ(tracker.Observe(Snapshot(1)).kind, Kind::kEvent);
  SequenceTracker::Observation restart = tracker.Observe(Live(3));
  EXPECT_EQ(restart.kind, Kind::kRestart);
  EXPECT_EQ(restart.previous_sequence, 100u);
  EXPECT_EQ(tracker.Observe(Live(4)).kind, Kind::kEvent) << "the new process's order";
  EXPECT_EQ(tracker.streams(), 2u);
}

TEST(SequenceTrackerTest, AnotherEpochIsARestartEvenWhenTheSequenceIsHigher) {
  SequenceTracker tracker;
  tracker.StartStream();
  EXPECT_EQ(tracker.Observe(At(1000, 5)).kind, Kind::kEvent) << "the first epoch is no restart";
  tracker.Observe(At(1000, 6));
  tracker.StartStream();
  EXPECT_EQ(tracker.Observe(UnknownGap(2000)).kind, Kind::kUnknownGap);
  // The new run already passed the old one's sequence: only the epoch tells.
  SequenceTracker::Observation restart = tracker.Observe(At(2000, 9000));
  EXPECT_EQ(restart.kind, Kind::kRestart);
  EXPECT_EQ(restart.previous_epoch, 1000u);
  EXPECT_EQ(restart.previous_sequence, 6u);
  EXPECT_EQ(tracker.Observe(At(2000, 9001)).kind, Kind::kEvent) << "counted once";
  EXPECT_EQ(tracker.epoch(), 2000u);
}

TEST(SequenceTrackerTest, AResumedPositionOfTheSameEpochIsNoRestart) {
  SequenceTracker tracker;
  tracker.Resume(1000, 50);  // stored by an earlier run of the registry
  tracker.StartStream();
  EXPECT_EQ(tracker.Observe(At(1000, 51)).kind, Kind::kEvent);
  SequenceTracker tracker_after_restart;
  tracker_after_restart.Resume(1000, 50);
  tracker_after_restart.StartStream();
  EXPECT_EQ(tracker_after_restart.Observe(At(3000, 1)).kind, Kind::kRestart);
}

TEST(SequenceTrackerTest, GapsWithACountAndUnknownGapsAreTold) {
  SequenceTracker tracker;
  tracker.StartStream();
  wm::v1::Event too_old = Gap(17);
  too_old.mutable_gap()->set_cause(wm::v1::STREAM_GAP_CAUSE_POSITION_TOO_OLD);
  SequenceTracker::Observation gap = tracker.Observe(too_old);
  EXPECT_EQ(gap.kind, Kind::kGap);
  EXPECT_EQ(gap.dropped, 17u);
  EXPECT_EQ(tracker.Observe(UnknownGap(1000)).kind, Kind::kUnknownGap);
}

}  // namespace
}  // namespace wm::eventstream
