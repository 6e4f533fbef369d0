// wm-ingest end to end: a real mosquitto, the real wm-ingest binary, MQTT publishers playing
// gateways, and gRPC Subscribe clients.
#include <signal.h>

#include <grpcpp/grpcpp.h>

#include <map>
#include <set>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/mqtt/client.h"
#include "libs/testing/mosquitto.h"
#include "libs/wirepas/topic.h"
#include "tests/harness/event_collector.h"
#include "tests/harness/service_process.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/ingest/ingest_broker_fixture.h"

namespace wm::ingest {
namespace {

using ::wm::testing::EventCollector;

constexpr absl::Duration kTimeout = absl::Seconds(20);

std::string PacketBytes(const std::string& gw, uint64_t event_id, uint32_t node,
                        uint32_t src_ep, uint32_t dst_ep, const std::string& payload) {
  return wm::testing::GatewayPacket{.gateway_id = gw,
                                    .event_id = event_id,
                                    .source_address = node,
                                    .source_endpoint = src_ep,
                                    .destination_endpoint = dst_ep,
                                    .payload = payload}
      .Bytes();
}

// The test plays the gateways with its own MQTT client.
class IngestTest : public wm::testing::IngestBrokerTest {
 protected:
  void SetUp() override {
    IngestBrokerTest::SetUp();
    if (HasFatalFailure()) return;
    StartIngest({});
  }

  void Publish(const std::string& topic, const std::string& payload, bool retained = false) {
    ASSERT_TRUE(publisher_->PublishAndWait(topic, payload, 1, retained, kTimeout).ok()) << topic;
  }

  void PublishPacket(const std::string& gw, uint64_t event_id, uint32_t node = 1001,
                     uint32_t src_ep = 10, uint32_t dst_ep = 10,
                     const std::string& payload = "app") {
    Publish(wirepas::ReceivedDataTopic(gw, "sink0", 77, src_ep, dst_ep),
            PacketBytes(gw, event_id, node, src_ep, dst_ep, payload));
  }

  // A stream that the hub has registered (its first event is the marker published here).
  std::unique_ptr<EventCollector> Subscribe(wm::v1::SubscribeRequest request) {
    request.set_skip_snapshot(true);
    auto collector = std::make_unique<EventCollector>(ingest_->grpc_address(), request);
    EXPECT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", ++subscribers_, kTimeout).ok());
    return collector;
  }

  int subscribers_ = 0;
};

TEST_F(IngestTest, UniqueEventsArriveExactlyOnceAndInOrderPerGateway) {
  auto stream = Subscribe({});
  constexpr int kPerGateway = 300;
  const std::vector<std::string> gateways = {"gw-a", "gw-b", "gw-c"};
  for (int i = 1; i <= kPerGateway; ++i) {
    for (const std::string& gw : gateways) {
      // The same event ids on every gateway: only (gateway, event id) pairs are duplicates.
      ASSERT_NO_FATAL_FAILURE(PublishPacket(gw, i, 1000 + i));
    }
  }
  ASSERT_TRUE(stream->WaitForCount(kPerGateway * gateways.size(), kTimeout).ok());
  std::map<std::string, std::vector<uint64_t>> ids;
  uint64_t previous_sequence = 0;
  for (const wm::v1::Event& e : stream->events()) {
    ASSERT_EQ(e.kind(), wm::v1::EVENT_KIND_PACKET_RECEIVED);
    EXPECT_GT(e.sequence(), previous_sequence);
    previous_sequence = e.sequence();
    ids[e.gateway_id()].push_back(e.event_id());
    EXPECT_EQ(e.packet().source_address(), 1000 + e.event_id());
    EXPECT_EQ(e.packet().network_address(), 77u);
  }
  for (const std::string& gw : gateways) {
    ASSERT_EQ(ids[gw].size(), static_cast<size_t>(kPerGateway)) << gw;
    for (int i = 0; i < kPerGateway; ++i) EXPECT_EQ(ids[gw][i], static_cast<uint64_t>(i + 1));
  }
  EXPECT_EQ(ingest_->Metric("wm_ingest_messages_total", "kind=\"packet\""),
            kPerGateway * gateways.size());
}

TEST_F(IngestTest, DuplicatesAreDroppedAndCounted) {
  auto stream = Subscribe({});
  for (uint64_t id = 1; id <= 50; ++id) {
    ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", id));
    ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", id));  // a gateway re-publishing
  }
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", 999));   // marks the end
  ASSERT_TRUE(stream->WaitFor([](const auto& events) {
    return !events.empty() && events.back().event_id() == 999;
  }, kTimeout).ok());
  EXPECT_EQ(stream->size(), 51u);
  EXPECT_EQ(ingest_->Metric("wm_ingest_duplicates_total"), 50);
}

TEST_F(IngestTest, GarbageIsCountedWhileTheStreamGoesOn) {
  auto stream = Subscribe({});
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", 1));
  Publish("gw-event/received_data/gw/sink0/77/10/10", "\xde\xad\xbe\xef not protobuf");
  Publish("gw-event/received_data/gw/sink0/77/10/10", "");
  Publish("gw-event/received_data/gw/sink0/77", PacketBytes("gw", 5, 1, 10, 10, "x"));
  Publish("gw-event/status/gw", "\x08\x01\xff");
  // A traffic diagnostics packet one byte short: delivered raw, with the decode error.
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", 2, 1001, 251, 255, std::string(17, '\x01')));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", 3, 1001, 251, 255, std::string(18, '\x01')));
  ASSERT_TRUE(stream->WaitForCount(3, kTimeout).ok());
  auto events = stream->events();
  EXPECT_EQ(events[0].event_id(), 1u);
  EXPECT_EQ(events[1].packet().decode_error().reason(), "wrong_length");
  EXPECT_EQ(events[1].packet().payload().size(), 17u);
  EXPECT_TRUE(events[2].packet().decoded().has_traffic_diagnostics());
  EXPECT_EQ(ingest_->Metric("wm_ingest_decode_errors_total", "reason=\"protobuf\""), 3);
  EXPECT_EQ(ingest_->Metric("wm_ingest_decode_errors_total", "reason=\"topic\""), 1);
  EXPECT_EQ(ingest_->Metric("wm_ingest_decode_errors_total", "reason=\"payload_wrong_length\""), 1);
  EXPECT_TRUE(ingest_->process().running());
}

TEST_F(IngestTest, DecodingFollowsDecoderSettings) {
  StartIngest({"--decoders_disabled=251:255", "--decoders_extra=10:10=boot_diagnostics"});
  subscribers_ = 0;
  auto stream = Subscribe({});
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", 1, 1001, 251, 255, std::string(18, '\x01')));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", 2, 1001, 10, 10, std::string(31, '\x01')));
  ASSERT_TRUE(stream->WaitForCount(2, kTimeout).ok());
  auto events = stream->events();
  EXPECT_FALSE(events[0].packet().has_decoded());  // turned off: raw bytes only
  EXPECT_EQ(events[0].packet().payload().size(), 18u);
  EXPECT_TRUE(events[1].packet().decoded().has_boot_diagnostics());  // extra pair
}

TEST_F(IngestTest, FiltersSelectEvents) {
  wm::v1::SubscribeRequest diagnostics_of_node;
  diagnostics_of_node.add_source_addresses(2002);
  diagnostics_of_node.add_source_endpoints(251);
  auto node_stream = Subscribe(diagnostics_of_node);
  wm::v1::SubscribeRequest gateway_b;
  gateway_b.add_gateway_ids("gw-b");
  auto gateway_stream = Subscribe(gateway_b);

  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-a", 1, 2002, 251, 255, std::string(18, '\0')));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-a", 2, 2002, 10, 10));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-b", 3, 3003, 251, 255, std::string(18, '\0')));
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-b", 4, 2002, 251, 255, std::string(18, '\0')));
  ASSERT_TRUE(node_stream->WaitForCount(2, kTimeout).ok());
  ASSERT_TRUE(gateway_stream->WaitForCount(2, kTimeout).ok());
  auto node_events = node_stream->events();
  EXPECT_EQ(node_events[0].event_id(), 1u);
  EXPECT_EQ(node_events[1].event_id(), 4u);
  auto gateway_events = gateway_stream->events();
  EXPECT_EQ(gateway_events[0].event_id(), 3u);
  EXPECT_EQ(gateway_events[1].event_id(), 4u);
  // Nothing else arrives: a last packet for both streams proves they are caught up.
  ASSERT_NO_FATAL_FAILURE(PublishPacket("gw-b", 5, 2002, 251, 255, std::string(18, '\0')));
  ASSERT_TRUE(node_stream->WaitForCount(3, kTimeout).ok());
  ASSERT_TRUE(gateway_stream->WaitForCount(3, kTimeout).ok());
  EXPECT_EQ(node_stream->size(), 3u);
  EXPECT_EQ(gateway_stream->size(), 3u);
}

TEST_F(IngestTest, LateSubscriberGetsRetainedStatusAsSnapshot) {
  Publish(wirepas::StatusTopic("gw-1"), wm::testing::GatewayStatusBytes("gw-1", /*online=*/true), /*retained=*/true);
  Publish(wirepas::StatusTopic("gw-2"), wm::testing::GatewayStatusBytes("gw-2", /*online=*/false), /*retained=*/true);
  ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_messages_total", "kind=\"status\"", 2, kTimeout)
                  .ok());
  EventCollector stream(ingest_->grpc_address(), {});
  ASSERT_TRUE(stream.WaitForCount(2, kTimeout).ok());
  auto events = stream.events();
  EXPECT_EQ(events[0].gateway_id(), "gw-1");
  EXPECT_TRUE(events[0].snapshot());
  EXPECT_EQ(events[0].status().state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_EQ(events[1].gateway_id(), "gw-2");
  EXPECT_EQ(events[1].status().state(), wm::v1::GATEWAY_STATE_OFFLINE);

  // An ingest started after the gateways learns them from the broker's retained messages.
  StartIngest({});
  subscribers_ = 0;
  EventCollector fresh(ingest_->grpc_address(), {});
  ASSERT_TRUE(fresh.WaitForCount(2, kTimeout).ok());
  EXPECT_TRUE(fresh.events()[0].snapshot());
  EXPECT_TRUE(fresh.events()[0].status().retained());
}

TEST_F(IngestTest, BrokerRestartIsSurvived) {
  auto stream = Subscribe({});
  for (uint64_t id = 1; id <= 20; ++id) ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", id));
  ASSERT_TRUE(stream->WaitForCount(20, kTimeout).ok());

  ASSERT_TRUE(broker_->Stop().ok());
  ASSERT_TRUE(ingest_->WaitNotReady(kTimeout).ok());
  ASSERT_TRUE(broker_->StartAgain().ok());
  ASSERT_TRUE(ingest_->WaitReady(kTimeout).ok());  // reconnected and re-subscribed
  ASSERT_TRUE(publisher_->WaitUntilConnected(kTimeout));

  for (uint64_t id = 21; id <= 40; ++id) ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", id));
  ASSERT_TRUE(stream->WaitForCount(40, kTimeout).ok());
  EXPECT_EQ(stream->events().back().event_id(), 40u);
  EXPECT_GE(ingest_->Metric("wm_mqtt_reconnects_total").value_or(0), 1);
}

TEST_F(IngestTest, StalledSubscriberDoesNotBlockAnother) {
  StartIngest({"--subscriber_queue_size=200"});
  subscribers_ = 0;
  // Opens a stream and never reads it. Without BDP probing its HTTP/2 window stays at the
  // default 64 KiB, so a few megabytes are enough to back it up into ingest's queue.
  grpc::ChannelArguments no_bdp;
  no_bdp.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto channel = grpc::CreateCustomChannel(ingest_->grpc_address(),
                                           grpc::InsecureChannelCredentials(), no_bdp);
  auto stub = wm::v1::Events::NewStub(channel);
  grpc::ClientContext stalled_context;
  wm::v1::SubscribeRequest skip;
  skip.set_skip_snapshot(true);
  auto stalled = stub->Subscribe(&stalled_context, skip);
  ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", ++subscribers_, kTimeout).ok());

  auto reader = Subscribe({});
  // Large payloads fill the stalled stream's HTTP/2 window quickly; the reader keeps up
  // because the publisher waits for it every 100 packets.
  const std::string payload(1000, 'p');
  constexpr uint64_t kPackets = 3000;
  for (uint64_t id = 1; id <= kPackets; ++id) {
    ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", id, 1, 10, 10, payload));
    if (id % 100 == 0) {
      ASSERT_TRUE(reader->WaitForCount(id, kTimeout).ok());
    }
  }
  ASSERT_TRUE(reader->WaitForCount(kPackets, kTimeout).ok());
  const double dropped = ingest_->Metric("wm_ingest_stream_dropped_total").value_or(0);
  EXPECT_GT(dropped, 0);

  // The stalled client reads at last: every packet either arrives or is reported lost.
  uint64_t received = 0, reported_lost = 0;
  wm::v1::Event event;
  while (received + reported_lost < kPackets && stalled->Read(&event)) {
    if (event.kind() == wm::v1::EVENT_KIND_STREAM_GAP) {
      reported_lost += event.gap().dropped();
    } else {
      ++received;
    }
  }
  EXPECT_EQ(received + reported_lost, kPackets);
  EXPECT_EQ(reported_lost, dropped);
  stalled_context.TryCancel();
}

TEST_F(IngestTest, SigtermDrainsStreamsAndExitsZeroPromptly) {
  auto stream = Subscribe({});
  for (uint64_t id = 1; id <= 10; ++id) ASSERT_NO_FATAL_FAILURE(PublishPacket("gw", id));
  ASSERT_TRUE(stream->WaitForCount(10, kTimeout).ok());
  const absl::Time start = absl::Now();
  ASSERT_TRUE(ingest_->process().Signal(SIGTERM).ok());
  absl::StatusOr<int> exit_code = ingest_->process().Wait(absl::Seconds(10));
  ASSERT_TRUE(exit_code.ok()) << ingest_->process().Output();
  EXPECT_EQ(*exit_code, 0) << ingest_->process().Output();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  absl::StatusOr<grpc::Status> end = stream->WaitForEnd(kTimeout);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->ok()) << end->error_message();
}

}  // namespace
}  // namespace wm::ingest
