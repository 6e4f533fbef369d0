#include "services/ingest/event_hub.h"

#include <atomic>
#include <string>
#include <vector>

#include "gtest/gtest.h"
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

}  // namespace
}  // namespace wm::ingest
