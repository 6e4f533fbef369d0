#include "services/ingest/event_hub.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "prometheus/registry.h"

namespace wm::ingest {
namespace {

std::unique_ptr<wm::v1::Event> Packet(std::string gw, uint32_t src_addr) {
  auto e = std::make_unique<wm::v1::Event>();
  e->set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  e->set_gateway_id(gw);
  e->mutable_packet()->set_source_address(src_addr);
  return e;
}

std::unique_ptr<wm::v1::Event> Status(std::string gw, wm::v1::GatewayState state) {
  auto e = std::make_unique<wm::v1::Event>();
  e->set_kind(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  e->set_gateway_id(gw);
  e->mutable_status()->set_state(state);
  return e;
}

class EventHubTest : public ::testing::Test {
 protected:
  prometheus::Registry registry_;
  IngestMetrics metrics_{registry_};
};

TEST_F(EventHubTest, SequenceNumbersIncrease) {
  EventHub hub(10, metrics_);
  auto sub = hub.Subscribe({});
  EXPECT_EQ(hub.Publish(Packet("gw", 1)), 1u);
  EXPECT_EQ(hub.Publish(Packet("gw", 2)), 2u);
  EXPECT_EQ(sub->PopOrArm()->sequence(), 1u);
  EXPECT_EQ(sub->PopOrArm()->sequence(), 2u);
  EXPECT_EQ(sub->PopOrArm(), nullptr);
}

TEST_F(EventHubTest, FullQueueDropsForThatSubscriberOnly) {
  EventHub hub(2, metrics_);
  auto slow = hub.Subscribe({});
  auto fast = hub.Subscribe({});
  for (uint32_t i = 0; i < 5; ++i) {
    hub.Publish(Packet("gw", i));
    while (fast->PopOrArm() != nullptr) {
    }
  }
  EXPECT_EQ(slow->dropped(), 3u);
  EXPECT_EQ(fast->dropped(), 0u);
  EXPECT_EQ(metrics_.stream_dropped.Value(), 3);
  // The slow subscriber sees 1, 2, then where 3..5 were lost a gap event, then 6.
  EXPECT_EQ(slow->PopOrArm()->sequence(), 1u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 2u);
  hub.Publish(Packet("gw", 9));
  EventPtr gap = slow->PopOrArm();
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->kind(), wm::v1::EVENT_KIND_STREAM_GAP);
  EXPECT_EQ(gap->gap().dropped(), 3u);
  EXPECT_EQ(slow->PopOrArm()->sequence(), 6u);
  EXPECT_EQ(slow->PopOrArm(), nullptr);
}

TEST_F(EventHubTest, GapAtTheEndIsReportedOnceTheQueueIsDrained) {
  EventHub hub(1, metrics_);
  wm::v1::SubscribeRequest only_gw;
  only_gw.add_gateway_ids("gw");
  auto sub = hub.Subscribe(only_gw);
  hub.Publish(Packet("gw", 1));
  hub.Publish(Packet("gw", 2));     // dropped
  hub.Publish(Packet("other", 3));  // not this subscriber's: neither queued nor a loss
  bool more = false;
  EXPECT_EQ(sub->PopOrArm(&more)->sequence(), 1u);
  EXPECT_TRUE(more);
  EventPtr gap = sub->PopOrArm(&more);
  EXPECT_EQ(gap->gap().dropped(), 1u);
  EXPECT_FALSE(more);
  EXPECT_EQ(sub->PopOrArm(), nullptr);
}

TEST_F(EventHubTest, NewSubscriberGetsLatestStatusPerGatewayAsSnapshot) {
  EventHub hub(10, metrics_);
  hub.Publish(Status("gw1", wm::v1::GATEWAY_STATE_ONLINE));   // 1
  hub.Publish(Status("gw2", wm::v1::GATEWAY_STATE_ONLINE));   // 2
  hub.Publish(Packet("gw1", 7));                              // 3
  hub.Publish(Status("gw1", wm::v1::GATEWAY_STATE_OFFLINE));  // 4
  hub.Publish(Status("gw3", wm::v1::GATEWAY_STATE_ONLINE));   // 5
  hub.Publish(Status("gw3", wm::v1::GATEWAY_STATE_REMOVED));  // 6: gw3 is gone

  auto sub = hub.Subscribe({});
  EventPtr first = sub->PopOrArm();
  EventPtr second = sub->PopOrArm();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(sub->PopOrArm(), nullptr);
  EXPECT_EQ(first->gateway_id(), "gw2");
  EXPECT_EQ(first->sequence(), 2u);
  EXPECT_TRUE(first->snapshot());
  EXPECT_EQ(second->gateway_id(), "gw1");
  EXPECT_EQ(second->status().state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_TRUE(second->snapshot());

  hub.Publish(Packet("gw1", 8));
  EventPtr live = sub->PopOrArm();
  EXPECT_EQ(live->sequence(), 7u);
  EXPECT_FALSE(live->snapshot());
}

std::unique_ptr<wm::v1::Event> StatusAt(std::string gw, wm::v1::GatewayState state,
                                         absl::Time at) {
  auto e = Status(std::move(gw), state);
  e->set_ingest_time_ms_epoch(static_cast<uint64_t>(absl::ToUnixMillis(at)));
  return e;
}

// The snapshot a new subscriber receives: "gateway:STATE" in order.
std::vector<std::string> SnapshotOf(EventHub& hub) {
  std::vector<std::string> out;
  auto sub = hub.Subscribe({});
  while (EventPtr event = sub->PopOrArm()) {
    EXPECT_TRUE(event->snapshot());
    out.push_back(event->gateway_id() + ":" +
                  wm::v1::GatewayState_Name(event->status().state()).substr(14));
  }
  hub.Unsubscribe(sub);
  return out;
}

TEST_F(EventHubTest, ARemovalStaysInTheSnapshotForTheRetention) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EventHub hub(10, metrics_, absl::ZeroDuration(),
               {.max_age = absl::Hours(1), .max_count = 100, .clock = [&now] { return now; }});
  hub.Publish(StatusAt("gw1", wm::v1::GATEWAY_STATE_ONLINE, now));
  hub.Publish(StatusAt("gw2", wm::v1::GATEWAY_STATE_ONLINE, now));
  hub.Publish(StatusAt("gw2", wm::v1::GATEWAY_STATE_REMOVED, now));
  // A consumer that was away when gw2 was removed learns of it.
  EXPECT_EQ(SnapshotOf(hub), (std::vector<std::string>{"gw1:ONLINE", "gw2:REMOVED"}));
  EXPECT_EQ(hub.Snapshot().size(), 1u);  // the known gateways only

  now += absl::Minutes(59);
  EXPECT_EQ(SnapshotOf(hub), (std::vector<std::string>{"gw1:ONLINE", "gw2:REMOVED"}));
  now += absl::Minutes(2);
  EXPECT_EQ(SnapshotOf(hub), (std::vector<std::string>{"gw1:ONLINE"}));
}

TEST_F(EventHubTest, AGatewayThatComesBackReplacesItsRemoval) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EventHub hub(10, metrics_, absl::ZeroDuration(), {.clock = [&now] { return now; }});
  hub.Publish(StatusAt("gw1", wm::v1::GATEWAY_STATE_REMOVED, now));
  hub.Publish(StatusAt("gw1", wm::v1::GATEWAY_STATE_ONLINE, now));
  EXPECT_EQ(SnapshotOf(hub), (std::vector<std::string>{"gw1:ONLINE"}));
  hub.Publish(StatusAt("gw1", wm::v1::GATEWAY_STATE_REMOVED, now));
  EXPECT_EQ(SnapshotOf(hub), (std::vector<std::string>{"gw1:REMOVED"}));
}

TEST_F(EventHubTest, BeyondTheCountTheOldestRemovalsAreForgotten) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EventHub hub(10, metrics_, absl::ZeroDuration(),
               {.max_age = absl::Hours(1), .max_count = 2, .clock = [&now] { return now; }});
  for (const char* gw : {"gw1", "gw2", "gw3"}) {
    hub.Publish(StatusAt(gw, wm::v1::GATEWAY_STATE_REMOVED, now));
  }
  EXPECT_EQ(SnapshotOf(hub), (std::vector<std::string>{"gw2:REMOVED", "gw3:REMOVED"}));
}

TEST_F(EventHubTest, SnapshotHonoursFilterAndSkip) {
  EventHub hub(10, metrics_);
  hub.Publish(Status("gw1", wm::v1::GATEWAY_STATE_ONLINE));
  hub.Publish(Status("gw2", wm::v1::GATEWAY_STATE_ONLINE));
  wm::v1::SubscribeRequest only_gw2;
  only_gw2.add_gateway_ids("gw2");
  auto sub = hub.Subscribe(only_gw2);
  EXPECT_EQ(sub->PopOrArm()->gateway_id(), "gw2");
  EXPECT_EQ(sub->PopOrArm(), nullptr);

  wm::v1::SubscribeRequest skip;
  skip.set_skip_snapshot(true);
  EXPECT_EQ(hub.Subscribe(skip)->PopOrArm(), nullptr);
}

TEST_F(EventHubTest, GatheringWakesAnIdleStreamAfterTheDelayOrAtTheLimit) {
  // A delay far longer than the test: only the gather limit can wake the stream.
  EventHub hub(1000, metrics_, absl::Hours(1));
  auto sub = hub.Subscribe({});
  std::atomic<int> wakeups{0};
  sub->SetWakeup([&] { ++wakeups; });
  EXPECT_EQ(sub->PopOrArm(), nullptr);  // idle: armed
  for (int i = 0; i < 255; ++i) hub.Publish(Packet("gw", i));
  EXPECT_EQ(wakeups, 0);  // gathering
  hub.Publish(Packet("gw", 255));  // the 256th waiting event wakes it at once
  EXPECT_EQ(wakeups, 1);
}

TEST_F(EventHubTest, CloseEndsSubscriptionsAfterTheirQueueAndRejectsNewOnes) {
  EventHub hub(10, metrics_);
  auto sub = hub.Subscribe({});
  hub.Publish(Packet("gw", 1));
  hub.Close();
  EXPECT_TRUE(sub->closed());
  EXPECT_NE(sub->PopOrArm(), nullptr);  // queued events still drain
  EXPECT_EQ(sub->PopOrArm(), nullptr);
  EXPECT_EQ(hub.Subscribe({}), nullptr);
}

TEST_F(EventHubTest, SubscriberGaugeFollowsSubscriptions) {
  EventHub hub(10, metrics_);
  auto a = hub.Subscribe({});
  auto b = hub.Subscribe({});
  EXPECT_EQ(metrics_.subscribers.Value(), 2);
  hub.Unsubscribe(a);
  EXPECT_EQ(metrics_.subscribers.Value(), 1);
  EXPECT_EQ(hub.subscriber_count(), 1u);
}


constexpr uint64_t kEpoch = 1'800'000'000'000;

wm::v1::SubscribeRequest ResumeAfter(uint64_t epoch, uint64_t sequence) {
  wm::v1::SubscribeRequest request;
  request.mutable_resume_after()->set_stream_epoch(epoch);
  request.mutable_resume_after()->set_sequence(sequence);
  return request;
}

// Everything queued for `sub`, as "sequence" for events, "gap:<count>" or "gap:?" for gaps,
// and "s<sequence>" for snapshot events.
std::vector<std::string> Drain(Subscription& sub) {
  std::vector<std::string> out;
  while (EventPtr event = sub.PopOrArm()) {
    if (event->kind() == wm::v1::EVENT_KIND_STREAM_GAP) {
      out.push_back(event->gap().count_unknown() ? "gap:?"
                                                 : "gap:" + std::to_string(event->gap().dropped()));
    } else {
      out.push_back((event->snapshot() ? "s" : "") + std::to_string(event->sequence()));
    }
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST_F(EventHubTest, EveryEventCarriesTheStreamEpoch) {
  EventHub hub(1, metrics_, absl::ZeroDuration(), {}, {}, kEpoch);
  EXPECT_EQ(hub.stream_epoch(), kEpoch);
  auto sub = hub.Subscribe({});
  hub.Publish(Packet("gw", 1));
  hub.Publish(Packet("gw", 2));  // dropped: the queue holds one
  EventPtr first = sub->PopOrArm();
  EXPECT_EQ(first->stream_epoch(), kEpoch);
  EventPtr gap = sub->PopOrArm();
  EXPECT_EQ(gap->kind(), wm::v1::EVENT_KIND_STREAM_GAP);
  EXPECT_EQ(gap->stream_epoch(), kEpoch);
  EXPECT_EQ(gap->gap().cause(), wm::v1::STREAM_GAP_CAUSE_SLOW_CONSUMER);
}

TEST_F(EventHubTest, WithoutAnEpochTheHubTakesItsStartTime) {
  const uint64_t before = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  EventHub hub(10, metrics_);
  EXPECT_GE(hub.stream_epoch(), before);
  EXPECT_LE(hub.stream_epoch(), static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())));
}

TEST_F(EventHubTest, ResumeReplaysWhatFollowsThePositionThenLiveWithoutSnapshot) {
  EventHub hub(100, metrics_, absl::ZeroDuration(), {}, {}, kEpoch);
  hub.Publish(Status("gw", wm::v1::GATEWAY_STATE_ONLINE));  // 1
  for (uint32_t i = 0; i < 4; ++i) hub.Publish(Packet("gw", i));  // 2..5
  auto sub = hub.Subscribe(ResumeAfter(kEpoch, 3));
  hub.Publish(Packet("gw", 9));  // 6
  EXPECT_EQ(Drain(*sub), (Strings{"4", "5", "6"}));
  EXPECT_EQ(metrics_.resumes.Value(), 1);
  EXPECT_EQ(metrics_.replayed_events.Value(), 2);
  EXPECT_EQ(metrics_.resume_too_old.Value(), 0);
}

TEST_F(EventHubTest, ResumeFromTheLatestPositionReplaysNothing) {
  EventHub hub(100, metrics_, absl::ZeroDuration(), {}, {}, kEpoch);
  hub.Publish(Status("gw", wm::v1::GATEWAY_STATE_ONLINE));
  hub.Publish(Packet("gw", 1));
  auto sub = hub.Subscribe(ResumeAfter(kEpoch, 2));
  EXPECT_TRUE(Drain(*sub).empty());
  hub.Publish(Packet("gw", 2));
  EXPECT_EQ(Drain(*sub), (Strings{"3"}));
}

TEST_F(EventHubTest, FiltersApplyToTheReplay) {
  EventHub hub(100, metrics_, absl::ZeroDuration(), {}, {}, kEpoch);
  hub.Publish(Packet("gw-a", 1));  // 1
  hub.Publish(Packet("gw-b", 2));  // 2
  hub.Publish(Packet("gw-a", 3));  // 3
  hub.Publish(Packet("gw-b", 4));  // 4
  wm::v1::SubscribeRequest request = ResumeAfter(kEpoch, 1);
  request.add_gateway_ids("gw-b");
  auto sub = hub.Subscribe(request);
  hub.Publish(Packet("gw-a", 5));  // 5
  hub.Publish(Packet("gw-b", 6));  // 6
  EXPECT_EQ(Drain(*sub), (Strings{"2", "4", "6"}));
  EXPECT_EQ(metrics_.replayed_events.Value(), 2);
}

TEST_F(EventHubTest, APositionOlderThanTheLogGetsTheExactCountThenOlderStatusesThenTheLog) {
  EventHub hub(100, metrics_, absl::ZeroDuration(), {}, {.max_events = 3}, kEpoch);
  hub.Publish(Status("gw1", wm::v1::GATEWAY_STATE_ONLINE));  // 1
  hub.Publish(Status("gw2", wm::v1::GATEWAY_STATE_ONLINE));  // 2
  hub.Publish(Packet("gw1", 1));                             // 3
  hub.Publish(Packet("gw1", 2));                             // 4
  hub.Publish(Status("gw2", wm::v1::GATEWAY_STATE_OFFLINE)); // 5
  hub.Publish(Packet("gw1", 3));                             // 6: the log holds 4..6
  auto sub = hub.Subscribe(ResumeAfter(kEpoch, 1));
  // 2 and 3 are gone. gw1's latest status (1) is older than the log: sent as snapshot; gw2's
  // (5) is in the replay.
  EXPECT_EQ(Drain(*sub), (Strings{"gap:2", "s1", "4", "5", "6"}));
  EXPECT_EQ(metrics_.resume_too_old.Value(), 1);

  wm::v1::SubscribeRequest skip = ResumeAfter(kEpoch, 0);
  skip.set_skip_snapshot(true);
  EXPECT_EQ(Drain(*hub.Subscribe(skip)), (Strings{"gap:3", "4", "5", "6"}));
}

TEST_F(EventHubTest, APositionOfAnotherEpochGetsAnUnknownCountThenThisRunFromItsStart) {
  EventHub hub(100, metrics_, absl::ZeroDuration(), {}, {}, kEpoch);
  hub.Publish(Status("gw1", wm::v1::GATEWAY_STATE_ONLINE));  // 1
  hub.Publish(Packet("gw1", 1));                             // 2
  auto sub = hub.Subscribe(ResumeAfter(kEpoch - 60'000, 900));
  EventPtr gap = sub->PopOrArm();
  ASSERT_EQ(gap->kind(), wm::v1::EVENT_KIND_STREAM_GAP);
  EXPECT_TRUE(gap->gap().count_unknown());
  EXPECT_EQ(gap->gap().cause(), wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH);
  EXPECT_EQ(gap->stream_epoch(), kEpoch);
  // The whole run is still in the log: replayed, so the snapshot has nothing to add.
  EXPECT_EQ(Drain(*sub), (Strings{"1", "2"}));
  EXPECT_EQ(metrics_.resume_unknown.Value(), 1);
  // A sequence this run never gave out is treated the same way.
  EXPECT_EQ(Drain(*hub.Subscribe(ResumeAfter(kEpoch, 3))), (Strings{"gap:?", "1", "2"}));
}

TEST_F(EventHubTest, AnotherEpochBeyondTheLogGetsTheSnapshotToRebuild) {
  EventHub hub(100, metrics_, absl::ZeroDuration(), {}, {.max_events = 1}, kEpoch);
  hub.Publish(Status("gw1", wm::v1::GATEWAY_STATE_ONLINE));  // 1
  hub.Publish(Status("gw2", wm::v1::GATEWAY_STATE_ONLINE));  // 2
  hub.Publish(Packet("gw1", 1));                             // 3
  EXPECT_EQ(Drain(*hub.Subscribe(ResumeAfter(kEpoch + 1, 5))),
            (Strings{"gap:?", "s1", "s2", "3"}));
}

TEST_F(EventHubTest, EventsOlderThanTheLogsAgeAreNotReplayed) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EventHub hub(100, metrics_, absl::ZeroDuration(), {},
               {.max_events = 100, .max_age = absl::Seconds(10), .clock = [&now] { return now; }},
               kEpoch);
  hub.Publish(Packet("gw", 1));  // 1
  now += absl::Seconds(5);
  hub.Publish(Packet("gw", 2));  // 2
  EXPECT_EQ(metrics_.replay_log_events.Value(), 2);
  EXPECT_EQ(metrics_.replay_log_age.Value(), 5);
  now += absl::Seconds(6);  // 1 is 11 s old
  EXPECT_EQ(Drain(*hub.Subscribe(ResumeAfter(kEpoch, 0))), (Strings{"gap:1", "2"}));
  EXPECT_EQ(metrics_.replay_log_events.Value(), 1);
  EXPECT_EQ(metrics_.replay_log_age.Value(), 6);
  now += absl::Seconds(5);  // both expired
  EXPECT_EQ(Drain(*hub.Subscribe(ResumeAfter(kEpoch, 0))), (Strings{"gap:2"}));
  EXPECT_EQ(Drain(*hub.Subscribe(ResumeAfter(kEpoch, 2))), Strings{});
  EXPECT_EQ(metrics_.replay_log_events.Value(), 0);
}

TEST_F(EventHubTest, AReplayLargerThanTheQueueIsCutByAGapLikeLiveEvents) {
  EventHub hub(3, metrics_, absl::ZeroDuration(), {}, {}, kEpoch);
  for (uint32_t i = 0; i < 5; ++i) hub.Publish(Packet("gw", i));
  auto sub = hub.Subscribe(ResumeAfter(kEpoch, 0));
  EXPECT_EQ(sub->dropped(), 2u);
  EXPECT_EQ(metrics_.stream_dropped.Value(), 2);
  EXPECT_EQ(metrics_.replayed_events.Value(), 3);
  EXPECT_EQ(Drain(*sub), (Strings{"1", "2", "3", "gap:2"}));
  hub.Unsubscribe(sub);
  // Resuming again from the last event applied gets the rest from the log.
  EXPECT_EQ(Drain(*hub.Subscribe(ResumeAfter(kEpoch, 3))), (Strings{"4", "5"}));
}

TEST_F(EventHubTest, ResumingAgainAndAgainUnderConcurrentPublishMissesAndRepeatsNothing) {
  constexpr uint64_t kEvents = 20000;
  EventHub hub(kEvents, metrics_, absl::ZeroDuration(), {}, {.max_events = kEvents}, kEpoch);
  std::atomic<bool> published{false};
  std::atomic<int> resumes{0};
  std::thread publisher([&] {
    for (uint64_t i = 0; i < kEvents; ++i) {
      // Keeps publishing while the consumer resumes: one resume at least every 100 events.
      while (resumes.load() < static_cast<int>(i / 100)) std::this_thread::yield();
      hub.Publish(Packet("gw", static_cast<uint32_t>(i)));
    }
    published = true;
  });
  std::vector<uint64_t> received;
  uint64_t position = 0;
  bool done = false;
  while (!done) {
    const bool all_published = published;  // read before draining: then nothing can follow
    auto sub = hub.Subscribe(ResumeAfter(kEpoch, position));
    ++resumes;
    // Take a few events from this stream, then leave it as a client disconnecting would.
    for (int taken = 0; taken < 97 || all_published; ++taken) {
      EventPtr event = sub->PopOrArm();
      if (event == nullptr) break;
      ASSERT_NE(event->kind(), wm::v1::EVENT_KIND_STREAM_GAP);
      received.push_back(event->sequence());
      position = event->sequence();
    }
    hub.Unsubscribe(sub);
    done = all_published && position == kEvents;
  }
  publisher.join();
  ASSERT_EQ(received.size(), kEvents);
  for (uint64_t i = 0; i < kEvents; ++i) ASSERT_EQ(received[i], i + 1) << "at " << i;
  EXPECT_GE(resumes.load(), static_cast<int>(kEvents / 100));
  EXPECT_EQ(metrics_.resume_too_old.Value(), 0);
}

// The disk log: a hub that opens the log of an earlier run continues its stream.
class EventHubDiskLogTest : public EventHubTest {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = testing::MakeTempDir("hub_disk_log");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }

  // One ingest run: a hub with its disk log.
  struct Run {
    std::unique_ptr<EventHub> hub;
    std::unique_ptr<SegmentLog> log;
    SegmentLog::LoadReport report;
    std::vector<uint64_t> loaded_sequences;
  };

  Run Start(uint64_t epoch, ReplayLog::Options replay = {}, size_t segment_bytes = 64 << 20) {
    Run run;
    run.hub = std::make_unique<EventHub>(1000, metrics_, absl::ZeroDuration(),
                                         RemovedGatewayRetention{}, replay, epoch);
    absl::StatusOr<std::unique_ptr<SegmentLog>> log = run.hub->OpenDiskLog(
        {.directory = dir_, .segment_bytes = segment_bytes},
        [&](const wm::v1::Event& e) { run.loaded_sequences.push_back(e.sequence()); },
        &run.report);
    EXPECT_TRUE(log.ok()) << log.status();
    if (log.ok()) run.log = *std::move(log);
    return run;
  }

  static void Stop(Run& run) {
    EXPECT_TRUE(run.hub->FlushDiskLog().ok());
    run.hub->Close();
    run.log.reset();
    run.hub.reset();
  }

  static std::vector<uint64_t> Sequences(Subscription& sub) {
    std::vector<uint64_t> sequences;
    while (EventPtr e = sub.PopOrArm()) sequences.push_back(e->sequence());
    return sequences;
  }

  std::string dir_;
};

// As the processor makes them: received now.
std::unique_ptr<wm::v1::Event> Received(std::unique_ptr<wm::v1::Event> event) {
  event->set_ingest_time_ms_epoch(static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())));
  return event;
}

TEST_F(EventHubDiskLogTest, ARestartKeepsTheEpochAndContinuesTheSequence) {
  Run first = Start(1111);
  first.hub->Publish(Received(Status("gw", wm::v1::GATEWAY_STATE_ONLINE)));
  for (uint32_t i = 0; i < 4; ++i) first.hub->Publish(Received(Packet("gw", i)));
  Stop(first);

  Run second = Start(/*epoch=*/0);  // would be "now" without a log
  EXPECT_EQ(second.hub->stream_epoch(), 1111u);
  EXPECT_EQ(second.hub->restored_events(), 5u);
  EXPECT_EQ(second.loaded_sequences, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(metrics_.disk_log_loaded_events.Value(), 5);

  // A consumer of the first run resumes after the last position it applied (3): it gets 4
  // and 5 from the loaded log, then the new run's events, no gap, no duplicate.
  wm::v1::SubscribeRequest resume;
  resume.mutable_resume_after()->set_stream_epoch(1111);
  resume.mutable_resume_after()->set_sequence(3);
  auto sub = second.hub->Subscribe(resume);
  EXPECT_EQ(second.hub->Publish(Received(Packet("gw", 9))), 6u);
  ASSERT_TRUE(second.hub->FlushDiskLog().ok());
  EXPECT_EQ(Sequences(*sub), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(metrics_.resume_unknown.Value(), 0);
  EXPECT_EQ(metrics_.resume_too_old.Value(), 0);

  // A new consumer gets the gateway status of the first run in its snapshot.
  auto fresh = second.hub->Subscribe({});
  EventPtr snapshot = fresh->PopOrArm();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_TRUE(snapshot->snapshot());
  EXPECT_EQ(snapshot->sequence(), 1u);
  EXPECT_EQ(snapshot->stream_epoch(), 1111u);
  Stop(second);

  // And again: the third run continues after the second's event.
  Run third = Start(0);
  EXPECT_EQ(third.hub->stream_epoch(), 1111u);
  EXPECT_EQ(third.hub->Publish(Received(Packet("gw", 10))), 7u);
}

TEST_F(EventHubDiskLogTest, SubscribersSeeAnEventOnlyOnceTheDiskLogWroteIt) {
  Run run = Start(1111);
  auto live = run.hub->Subscribe({});
  run.hub->Publish(Received(Status("gw", wm::v1::GATEWAY_STATE_ONLINE)));
  run.hub->Publish(Received(Packet("gw", 1)));
  EXPECT_EQ(live->PopOrArm(), nullptr);
  // Nor in a snapshot, nor in a replay: a restarted ingest could give these positions away.
  auto fresh = run.hub->Subscribe({});
  EXPECT_EQ(fresh->PopOrArm(), nullptr);
  wm::v1::SubscribeRequest resume;
  resume.mutable_resume_after()->set_stream_epoch(1111);
  resume.mutable_resume_after()->set_sequence(1);
  auto resumed = run.hub->Subscribe(resume);
  EventPtr gap = resumed->PopOrArm();
  ASSERT_NE(gap, nullptr);  // position 1 was never given out yet
  EXPECT_EQ(gap->gap().cause(), wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH);
  EXPECT_EQ(resumed->PopOrArm(), nullptr);

  ASSERT_TRUE(run.hub->FlushDiskLog().ok());
  EXPECT_EQ(Sequences(*live), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Sequences(*fresh), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Sequences(*resumed), (std::vector<uint64_t>{1, 2}));
}

// A write that fails (here: the file size limit) delivers nothing; the next flush that works
// delivers everything held, once.
TEST_F(EventHubDiskLogTest, EventsStayHeldWhileTheDiskLogCannotBeWritten) {
  EXPECT_EXIT(
      {
        Run run = Start(1111);
        auto live = run.hub->Subscribe({});
        run.hub->Publish(Received(Packet("gw", 1)));
        if (!run.hub->FlushDiskLog().ok() || Sequences(*live) != std::vector<uint64_t>{1}) _exit(2);
        rlimit limit;
        getrlimit(RLIMIT_FSIZE, &limit);
        rlimit small = limit;
        small.rlim_cur = 1;  // below the file's size: nothing more can be written
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &small);
        run.hub->Publish(Received(Packet("gw", 2)));
        run.hub->Publish(Received(Packet("gw", 3)));
        if (run.hub->FlushDiskLog().ok()) _exit(3);
        if (live->PopOrArm() != nullptr) _exit(4);
        if (metrics_.disk_log_write_errors.Value() < 1) _exit(5);
        setrlimit(RLIMIT_FSIZE, &limit);
        if (!run.hub->FlushDiskLog().ok()) _exit(6);
        if (Sequences(*live) != std::vector<uint64_t>{2, 3}) _exit(7);
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(EventHubDiskLogTest, TheLoadedReplayLogKeepsWhatItsBoundsAllow) {
  Run first = Start(1111);
  for (uint32_t i = 0; i < 10; ++i) first.hub->Publish(Received(Packet("gw", i)));
  Stop(first);

  Run second = Start(0, {.max_events = 3, .max_age = absl::Minutes(10)});
  EXPECT_EQ(second.hub->restored_events(), 10u);
  wm::v1::SubscribeRequest resume;
  resume.mutable_resume_after()->set_stream_epoch(1111);
  resume.mutable_resume_after()->set_sequence(2);
  resume.set_skip_snapshot(true);
  auto sub = second.hub->Subscribe(resume);
  EventPtr gap = sub->PopOrArm();
  ASSERT_NE(gap, nullptr);
  ASSERT_EQ(gap->kind(), wm::v1::EVENT_KIND_STREAM_GAP);
  EXPECT_EQ(gap->gap().cause(), wm::v1::STREAM_GAP_CAUSE_POSITION_TOO_OLD);
  EXPECT_EQ(gap->gap().dropped(), 5u);  // 3..7; the log holds 8..10
  EXPECT_EQ(Sequences(*sub), (std::vector<uint64_t>{8, 9, 10}));
}

TEST_F(EventHubDiskLogTest, LoadedEventsOlderThanTheAgeBoundAreNotReplayed) {
  Run first = Start(1111);
  const uint64_t now_ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  for (uint64_t age_s : {3600, 3000, 5, 1}) {
    auto packet = Packet("gw", 1);
    packet->set_ingest_time_ms_epoch(now_ms - age_s * 1000);
    first.hub->Publish(std::move(packet));
  }
  Stop(first);

  Run second = Start(0, {.max_events = 100, .max_age = absl::Minutes(10)});
  wm::v1::SubscribeRequest resume;
  resume.mutable_resume_after()->set_stream_epoch(1111);
  resume.mutable_resume_after()->set_sequence(2);
  auto sub = second.hub->Subscribe(resume);
  EXPECT_EQ(Sequences(*sub), (std::vector<uint64_t>{3, 4}));
}

TEST_F(EventHubDiskLogTest, OldSegmentsAreDeletedAndEveryGatewayStatusSurvives) {
  ReplayLog::Options replay{.max_events = 5, .max_age = absl::Minutes(10)};
  Run first = Start(1111, replay, /*segment_bytes=*/200);
  first.hub->Publish(Received(Status("gw-a", wm::v1::GATEWAY_STATE_ONLINE)));
  first.hub->Publish(Received(Status("gw-b", wm::v1::GATEWAY_STATE_ONLINE)));
  first.hub->Publish(Received(Status("gw-b", wm::v1::GATEWAY_STATE_REMOVED)));
  for (uint32_t i = 0; i < 200; ++i) {
    first.hub->Publish(Received(Packet("gw-a", i)));
    ASSERT_TRUE(first.hub->FlushDiskLog().ok());
  }
  // 203 events of ~10 bytes in 200-byte segments, but only the segments the replay log still
  // needs (and the one before, whose end it may reach) are kept.
  EXPECT_LE(first.log->segment_count(), 3u);
  Stop(first);

  Run second = Start(0, replay, 200);
  EXPECT_EQ(second.hub->Publish(Received(Packet("gw-a", 999))), 204u);
  auto fresh = second.hub->Subscribe({});
  std::vector<std::string> snapshot;
  while (EventPtr e = fresh->PopOrArm()) {
    ASSERT_TRUE(e->snapshot());
    snapshot.push_back(e->gateway_id() + ":" +
                       wm::v1::GatewayState_Name(e->status().state()));
  }
  EXPECT_EQ(snapshot, (std::vector<std::string>{"gw-a:GATEWAY_STATE_ONLINE",
                                                "gw-b:GATEWAY_STATE_REMOVED"}));
}

TEST_F(EventHubDiskLogTest, DamageInsideTheLogRestartsTheReplayAfterIt) {
  Run first = Start(1111, {}, /*segment_bytes=*/60);
  for (uint32_t i = 0; i < 12; ++i) {
    first.hub->Publish(Received(Packet("gw", i)));
    ASSERT_TRUE(first.hub->FlushDiskLog().ok());
  }
  Stop(first);
  // Damage the first segment's last record.
  const std::string path = dir_ + "/00000000000000000001.seg";
  absl::StatusOr<std::string> contents = testing::ReadFile(path);
  ASSERT_TRUE(contents.ok());
  std::string damaged = *contents;
  damaged.back() ^= 0x40;
  ASSERT_TRUE(testing::WriteFile(path, damaged).ok());

  Run second = Start(0);
  EXPECT_EQ(second.report.corrupt, 1u);
  EXPECT_EQ(second.hub->restore_discontinuities(), 1u);
  EXPECT_EQ(second.hub->Publish(Received(Packet("gw", 99))), 13u);
  ASSERT_TRUE(second.hub->FlushDiskLog().ok());
  // A position before the damage gets a gap with the exact count, then what is intact.
  wm::v1::SubscribeRequest resume;
  resume.mutable_resume_after()->set_stream_epoch(1111);
  resume.mutable_resume_after()->set_sequence(1);
  resume.set_skip_snapshot(true);
  auto sub = second.hub->Subscribe(resume);
  EventPtr gap = sub->PopOrArm();
  ASSERT_NE(gap, nullptr);
  ASSERT_EQ(gap->kind(), wm::v1::EVENT_KIND_STREAM_GAP);
  const std::vector<uint64_t> rest = Sequences(*sub);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(gap->gap().dropped(), rest.front() - 2);
  EXPECT_EQ(rest.back(), 13u);
  for (size_t i = 1; i < rest.size(); ++i) EXPECT_EQ(rest[i], rest[i - 1] + 1);
}

}  // namespace
}  // namespace wm::ingest
