#include "services/ingest/events_service.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace wm::ingest {
namespace {

std::unique_ptr<wm::v1::Event> Packet(std::string gw, uint32_t src_addr) {
  auto e = std::make_unique<wm::v1::Event>();
  e->set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  e->set_gateway_id(gw);
  e->mutable_packet()->set_source_address(src_addr);
  e->mutable_packet()->set_payload(std::string(100, 'x'));
  return e;
}

// Polls `condition` until it holds or `timeout` passes.
template <typename F>
bool WaitFor(F condition, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

class EventsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(/*queue_capacity=*/100000); }

  void StartServer(size_t queue_capacity) {
    hub_ = std::make_unique<EventHub>(queue_capacity, metrics_);
    service_ = std::make_unique<EventsService>(*hub_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = wm::v1::Events::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  prometheus::Registry registry_;
  IngestMetrics metrics_{registry_};
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<EventsService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<wm::v1::Events::Stub> stub_;
  int port_ = 0;
};

TEST_F(EventsServiceTest, StreamsEveryEventInOrder) {
  grpc::ClientContext context;
  auto reader = stub_->Subscribe(&context, wm::v1::SubscribeRequest());
  ASSERT_TRUE(WaitFor([&] { return hub_->subscriber_count() == 1; }));
  for (uint32_t i = 0; i < 1000; ++i) hub_->Publish(Packet("gw", i));
  wm::v1::Event event;
  for (uint32_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(reader->Read(&event));
    EXPECT_EQ(event.sequence(), i + 1);
    EXPECT_EQ(event.packet().source_address(), i);
  }
  context.TryCancel();
  reader->Finish();
  EXPECT_TRUE(WaitFor([&] { return hub_->subscriber_count() == 0; }));
}

TEST_F(EventsServiceTest, FilterIsApplied) {
  grpc::ClientContext context;
  wm::v1::SubscribeRequest request;
  request.add_gateway_ids("gw2");
  auto reader = stub_->Subscribe(&context, request);
  ASSERT_TRUE(WaitFor([&] { return hub_->subscriber_count() == 1; }));
  hub_->Publish(Packet("gw1", 1));
  hub_->Publish(Packet("gw2", 2));
  wm::v1::Event event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.gateway_id(), "gw2");
  EXPECT_EQ(event.sequence(), 2u);
  context.TryCancel();
  reader->Finish();
}

TEST_F(EventsServiceTest, StalledSubscriberDoesNotBlockAnother) {
  TearDown();
  StartServer(/*queue_capacity=*/1000);
  // Its own connection without BDP probing: the HTTP/2 window stays at 64 KiB, so the stream
  // backs up into the server's queue after a few hundred events, every run.
  grpc::ChannelArguments no_bdp;
  no_bdp.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto stalled_stub = wm::v1::Events::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials(), no_bdp));
  grpc::ClientContext stalled_context;
  auto stalled = stalled_stub->Subscribe(&stalled_context, wm::v1::SubscribeRequest());
  ASSERT_TRUE(WaitFor([&] { return hub_->subscriber_count() == 1; }));

  grpc::ClientContext context;
  auto reader = stub_->Subscribe(&context, wm::v1::SubscribeRequest());
  ASSERT_TRUE(WaitFor([&] { return hub_->subscriber_count() == 2; }));

  // Far more than the stalled stream's HTTP/2 window and queue can hold. The publisher stays
  // at most half a queue ahead of the reader, so only the stalled stream can overflow.
  constexpr uint32_t kEvents = 20000;
  std::atomic<uint64_t> read_up_to{0};
  std::thread publisher([&] {
    for (uint32_t i = 0; i < kEvents; ++i) {
      while (i > read_up_to.load() + 500) std::this_thread::yield();
      hub_->Publish(Packet("gw", i));
    }
  });
  wm::v1::Event event;
  uint64_t expected = 1;
  bool in_order = true;
  while (expected <= kEvents && reader->Read(&event)) {
    in_order = in_order && event.sequence() == expected;
    read_up_to = expected++;
  }
  publisher.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(expected, kEvents + 1);
  EXPECT_GT(metrics_.stream_dropped.Value(), 0);

  // The stalled client now reads and is told where and how much it lost; what it received
  // plus what it was told it lost is everything.
  uint64_t previous = 0, received = 0, reported_lost = 0;
  while (received + reported_lost < kEvents && stalled->Read(&event)) {
    if (event.kind() == wm::v1::EVENT_KIND_STREAM_GAP) {
      reported_lost += event.gap().dropped();
      continue;
    }
    EXPECT_GT(event.sequence(), previous);
    previous = event.sequence();
    ++received;
  }
  EXPECT_GT(reported_lost, 0u);
  EXPECT_EQ(received + reported_lost, kEvents);
  EXPECT_EQ(reported_lost, static_cast<uint64_t>(metrics_.stream_dropped.Value()));
  context.TryCancel();
  stalled_context.TryCancel();
  reader->Finish();
  stalled->Finish();
}

TEST_F(EventsServiceTest, CloseDrainsQueuedEventsThenEndsWithOk) {
  grpc::ClientContext context;
  auto reader = stub_->Subscribe(&context, wm::v1::SubscribeRequest());
  ASSERT_TRUE(WaitFor([&] { return hub_->subscriber_count() == 1; }));
  for (uint32_t i = 0; i < 100; ++i) hub_->Publish(Packet("gw", i));
  hub_->Close();
  wm::v1::Event event;
  int received = 0;
  while (reader->Read(&event)) ++received;
  EXPECT_EQ(received, 100);
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(EventsServiceTest, SubscribeAfterCloseIsUnavailable) {
  hub_->Close();
  grpc::ClientContext context;
  auto reader = stub_->Subscribe(&context, wm::v1::SubscribeRequest());
  wm::v1::Event event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace wm::ingest
