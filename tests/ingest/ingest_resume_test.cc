// Resumable streams end to end: a real mosquitto, the real wm-ingest binary, an MQTT
// publisher playing a gateway, and gRPC clients that disconnect and resume from the position
// of the last event they read (docs/event-stream.md).
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/mqtt/client.h"
#include "libs/testing/mosquitto.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "tests/harness/service_process.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/ingest/ingest_broker_fixture.h"
#include "tests/ingest/subscribe_stream.h"

namespace wm::ingest {
namespace {

using ::wm::testing::ResumeAfter;
using ::wm::testing::SubscribeStream;

constexpr absl::Duration kTimeout = absl::Seconds(20);

class IngestResumeTest : public wm::testing::IngestBrokerTest {
 protected:

  // A packet of gateway "gw" whose event id is `id`.
  absl::Status PublishPacket(uint64_t id) {
    return publisher_->PublishAndWait(
        wirepas::ReceivedDataTopic("gw", "sink0", 77, 10, 10),
        wm::testing::GatewayPacket{.gateway_id = "gw",
                                   .event_id = id,
                                   .source_address = 1001,
                                   .source_endpoint = 10,
                                   .destination_endpoint = 10,
                                   .payload = "app"}
            .Bytes(),
        1, false, kTimeout);
  }

  // Waits until ingest has emitted `count` packet events (all of them are in its hub).
  void WaitForPackets(int count) {
    ASSERT_TRUE(
        ingest_->WaitForMetric("wm_ingest_messages_total", "kind=\"packet\"", count, kTimeout)
            .ok());
  }

};

TEST_F(IngestResumeTest, AResumedStreamGetsEveryEventOnceInOrderWhileTrafficGoesOn) {
  ASSERT_NO_FATAL_FAILURE(StartIngest({}));
  constexpr uint64_t kPackets = 1500;
  wm::v1::SubscribeRequest live;
  live.set_skip_snapshot(true);
  std::vector<wm::v1::Event> received;
  auto first = std::make_unique<SubscribeStream>(ingest_->grpc_address(), live);
  ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", 1, kTimeout).ok());

  std::atomic<bool> publish_failed{false};
  std::thread gateway([&] {
    for (uint64_t id = 1; id <= kPackets; ++id) {
      if (!PublishPacket(id).ok()) publish_failed = true;
    }
  });
  // Read part of the traffic, disconnect, and resume twice while the gateway goes on.
  wm::v1::Event event;
  for (uint64_t until : {200u, 700u}) {
    while (received.size() < until && first->Read(&event)) received.push_back(event);
    ASSERT_EQ(received.size(), until);
    first->Disconnect();
    ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", 0, kTimeout).ok());
    first = std::make_unique<SubscribeStream>(ingest_->grpc_address(),
                                               ResumeAfter(received.back()));
  }
  while (received.size() < kPackets && first->Read(&event)) received.push_back(event);
  gateway.join();
  ASSERT_FALSE(publish_failed);

  ASSERT_EQ(received.size(), kPackets);
  for (uint64_t i = 0; i < kPackets; ++i) {
    const wm::v1::Event& e = received[i];
    ASSERT_EQ(e.kind(), wm::v1::EVENT_KIND_PACKET_RECEIVED) << "at " << i;
    ASSERT_EQ(e.event_id(), i + 1);
    ASSERT_EQ(e.sequence(), i + 1);  // no gap, no duplicate
    ASSERT_EQ(e.stream_epoch(), received[0].stream_epoch());
    ASSERT_FALSE(e.snapshot());
  }
  EXPECT_EQ(ingest_->Metric("wm_ingest_resumes_total"), 2);
  EXPECT_EQ(ingest_->Metric("wm_ingest_resume_gaps_total", "reason=\"too_old\""), 0);
  EXPECT_GT(*ingest_->Metric("wm_ingest_replayed_events_total"), 0);
  EXPECT_EQ(ingest_->Metric("wm_ingest_stream_dropped_total"), 0);
}

TEST_F(IngestResumeTest, APositionOlderThanTheLogGetsAGapWithTheCount) {
  ASSERT_NO_FATAL_FAILURE(StartIngest({"--replay_log_size=10"}));
  wm::v1::SubscribeRequest live;
  live.set_skip_snapshot(true);
  auto stream = std::make_unique<SubscribeStream>(ingest_->grpc_address(), live);
  ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", 1, kTimeout).ok());
  for (uint64_t id = 1; id <= 5; ++id) ASSERT_TRUE(PublishPacket(id).ok());
  wm::v1::Event last;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(stream->Read(&last));
  ASSERT_EQ(last.sequence(), 5u);
  stream->Disconnect();

  for (uint64_t id = 6; id <= 35; ++id) ASSERT_TRUE(PublishPacket(id).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPackets(35));
  EXPECT_EQ(ingest_->Metric("wm_ingest_replay_log_events"), 10);

  // The log holds 26..35: 6..25 are gone.
  SubscribeStream resumed(ingest_->grpc_address(), ResumeAfter(last));
  wm::v1::Event gap;
  ASSERT_TRUE(resumed.Read(&gap));
  ASSERT_EQ(gap.kind(), wm::v1::EVENT_KIND_STREAM_GAP);
  EXPECT_EQ(gap.gap().cause(), wm::v1::STREAM_GAP_CAUSE_POSITION_TOO_OLD);
  EXPECT_EQ(gap.gap().dropped(), 20u);
  EXPECT_FALSE(gap.gap().count_unknown());
  wm::v1::Event event;
  for (uint64_t id = 26; id <= 35; ++id) {
    ASSERT_TRUE(resumed.Read(&event));
    EXPECT_EQ(event.event_id(), id);
    EXPECT_EQ(event.sequence(), id);
  }
  ASSERT_TRUE(PublishPacket(36).ok());  // live follows the replay
  ASSERT_TRUE(resumed.Read(&event));
  EXPECT_EQ(event.event_id(), 36u);
  EXPECT_EQ(ingest_->Metric("wm_ingest_resume_gaps_total", "reason=\"too_old\""), 1);
}

TEST_F(IngestResumeTest, APositionFromBeforeAnIngestRestartGetsAnUnknownGap) {
  ASSERT_NO_FATAL_FAILURE(StartIngest({}));
  wm::v1::SubscribeRequest live;
  live.set_skip_snapshot(true);
  wm::v1::Event last;
  {
    SubscribeStream stream(ingest_->grpc_address(), live);
    ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", 1, kTimeout).ok());
    for (uint64_t id = 1; id <= 3; ++id) ASSERT_TRUE(PublishPacket(id).ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream.Read(&last));
  }
  ASSERT_NO_FATAL_FAILURE(StartIngest({}));  // a new run, a later epoch
  ASSERT_TRUE(PublishPacket(4).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForPackets(1));

  SubscribeStream resumed(ingest_->grpc_address(), ResumeAfter(last));
  wm::v1::Event gap;
  ASSERT_TRUE(resumed.Read(&gap));
  ASSERT_EQ(gap.kind(), wm::v1::EVENT_KIND_STREAM_GAP);
  EXPECT_EQ(gap.gap().cause(), wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH);
  EXPECT_TRUE(gap.gap().count_unknown());
  EXPECT_GT(gap.stream_epoch(), last.stream_epoch());
  // This run's events, from its first.
  wm::v1::Event event;
  ASSERT_TRUE(resumed.Read(&event));
  EXPECT_EQ(event.event_id(), 4u);
  EXPECT_EQ(event.sequence(), 1u);
  EXPECT_EQ(event.stream_epoch(), gap.stream_epoch());
  EXPECT_EQ(ingest_->Metric("wm_ingest_resume_gaps_total", "reason=\"unknown\""), 1);
}

}  // namespace
}  // namespace wm::ingest
