#include "services/registry/sequence_tracker.h"

#include "gtest/gtest.h"

namespace wm::registry {
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

}  // namespace
}  // namespace wm::registry
