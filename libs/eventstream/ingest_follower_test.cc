#include "libs/eventstream/ingest_follower.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/server.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace wm::eventstream {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(20);

// Polls `condition` until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout = kTimeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

wm::v1::Event Event(wm::v1::EventKind kind, uint64_t sequence, bool snapshot = false) {
  wm::v1::Event event;
  event.set_kind(kind);
  event.set_sequence(sequence);
  event.set_snapshot(snapshot);
  event.set_gateway_id("gw");
  return event;
}

wm::v1::Event Gap(uint64_t dropped) {
  wm::v1::Event event;
  event.set_kind(wm::v1::EVENT_KIND_STREAM_GAP);
  event.mutable_gap()->set_dropped(dropped);
  return event;
}

// Plays wm-ingest: every Subscribe stream sends the current script, then stays open until
// EndStreams or the client cancels.
class FakeIngest final : public wm::v1::Events::Service {
 public:
  grpc::Status Subscribe(grpc::ServerContext* context, const wm::v1::SubscribeRequest* request,
                         grpc::ServerWriter<wm::v1::Event>* writer) override {
    std::vector<wm::v1::Event> script;
    uint64_t generation;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(*request);
      if (!refusal_.ok()) return refusal_;
      script = requests_.size() <= scripts_by_request_.size()
                   ? scripts_by_request_[requests_.size() - 1]
                   : script_;
      generation = generation_;
    }
    writer->SendInitialMetadata();
    for (const wm::v1::Event& event : script) writer->Write(event);
    absl::MutexLock lock(&mu_);
    auto ended = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return generation_ != generation; };
    // A cancellation wakes no one: looked at every 5 ms.
    while (!mu_.AwaitWithTimeout(absl::Condition(&ended), absl::Milliseconds(5)) &&
           !context->IsCancelled()) {
    }
    return grpc::Status::OK;
  }

  void SetScript(std::vector<wm::v1::Event> script) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
  }
  // The n-th Subscribe gets scripts[n - 1]; later ones the SetScript one.
  void SetScriptsByRequest(std::vector<std::vector<wm::v1::Event>> scripts) {
    absl::MutexLock lock(&mu_);
    scripts_by_request_ = std::move(scripts);
  }
  // Every later Subscribe fails with `status` at once, as ingest's authentication does.
  void Refuse(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    refusal_ = std::move(status);
  }
  // Ends every open stream with OK, as ingest does on SIGTERM.
  void EndStreams() {
    absl::MutexLock lock(&mu_);
    ++generation_;
  }
  std::vector<wm::v1::SubscribeRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  absl::Mutex mu_;
  std::vector<wm::v1::Event> script_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<wm::v1::Event>> scripts_by_request_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::Status refusal_ ABSL_GUARDED_BY(mu_);
  std::vector<wm::v1::SubscribeRequest> requests_ ABSL_GUARDED_BY(mu_);
};

// A FakeIngest served on a port that survives restarts of the server.
class FakeIngestServer {
 public:
  explicit FakeIngestServer(int port = 0) {
    server_.AddService(&ingest_);
    grpcutil::GrpcServerOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    absl::StatusOr<int> bound = server_.Start(options);
    EXPECT_TRUE(bound.ok()) << bound.status();
    port_ = bound.value_or(0);
  }
  ~FakeIngestServer() { server_.Shutdown(absl::Seconds(1)); }

  FakeIngest& ingest() { return ingest_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  FakeIngest ingest_;
  grpcutil::GrpcServer server_;
  int port_ = 0;
};

// Records what it is given; its position is what `resume_position` answers (none when unset),
// and it reports the events `duplicate` picks as duplicates.
class RecordingConsumer final : public IngestConsumer {
 public:
  std::optional<wm::v1::StreamPosition> ResumePosition() override {
    return resume_position ? resume_position() : std::nullopt;
  }
  Outcome Apply(const wm::v1::Event& event) override {
    absl::MutexLock lock(&mu);
    events.push_back(event);
    return duplicate && duplicate(event) ? Outcome::kDuplicate : Outcome::kApplied;
  }
  void OnConnectionChange(bool connected, std::string_view why) override {
    absl::MutexLock lock(&mu);
    connections.push_back(connected);
    reasons.emplace_back(why);
  }

  std::function<std::optional<wm::v1::StreamPosition>()> resume_position;
  std::function<bool(const wm::v1::Event&)> duplicate;
  absl::Mutex mu;
  std::vector<wm::v1::Event> events ABSL_GUARDED_BY(mu);
  std::vector<bool> connections ABSL_GUARDED_BY(mu);
  std::vector<std::string> reasons ABSL_GUARDED_BY(mu);
};

class IngestFollowerTest : public ::testing::Test {
 protected:
  // wm-registry's request: everything that shapes the inventory, no downlinks.
  static IngestFollowerOptions Options(const std::string& address) {
    IngestFollowerOptions options;
    options.address = address;
    options.reconnect_min_delay = absl::Milliseconds(10);
    options.reconnect_max_delay = absl::Milliseconds(100);
    options.request.add_kinds(wm::v1::EVENT_KIND_GATEWAY_STATUS);
    options.request.add_kinds(wm::v1::EVENT_KIND_PACKET_RECEIVED);
    options.request.add_kinds(wm::v1::EVENT_KIND_RESPONSE);
    return options;
  }

  std::unique_ptr<IngestFollower> Follow(
      const std::string& address,
      std::function<std::optional<wm::v1::StreamPosition>()> resume_position = nullptr) {
    return Follow(Options(address), std::move(resume_position));
  }
  std::unique_ptr<IngestFollower> Follow(
      IngestFollowerOptions options,
      std::function<std::optional<wm::v1::StreamPosition>()> resume_position = nullptr) {
    consumer_.resume_position = std::move(resume_position);
    auto follower = std::make_unique<IngestFollower>(std::move(options), consumer_, metrics_);
    follower->Start();
    return follower;
  }

  size_t EventCount() {
    absl::MutexLock lock(&consumer_.mu);
    return consumer_.events.size();
  }
  std::vector<wm::v1::Event> Events() {
    absl::MutexLock lock(&consumer_.mu);
    return consumer_.events;
  }
  std::vector<bool> Connections() {
    absl::MutexLock lock(&consumer_.mu);
    return consumer_.connections;
  }
  std::vector<std::string> Reasons() {
    absl::MutexLock lock(&consumer_.mu);
    return consumer_.reasons;
  }

  prometheus::Registry registry_;
  IngestFollowerMetrics metrics_{registry_, "wm_test_ingest", "wm_test_events_total"};
  RecordingConsumer consumer_;
};

TEST_F(IngestFollowerTest, HandsOnEventsInOrderAndCountsGaps) {
  FakeIngestServer server;
  server.ingest().SetScript({Event(wm::v1::EVENT_KIND_GATEWAY_STATUS, 1, /*snapshot=*/true),
                             Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, 5), Gap(3),
                             Event(wm::v1::EVENT_KIND_RESPONSE, 9)});
  auto follower = Follow(server.address());
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 3; }));
  std::vector<wm::v1::Event> events = Events();
  EXPECT_EQ(events[0].sequence(), 1u);
  EXPECT_EQ(events[1].sequence(), 5u);
  EXPECT_EQ(events[2].sequence(), 9u) << "the gap is counted, not handed on";
  EXPECT_EQ(metrics_.stream_gaps.Value(), 1);
  EXPECT_EQ(metrics_.stream_dropped.Value(), 3);
  EXPECT_EQ(metrics_.status_events.Value(), 1);
  EXPECT_EQ(metrics_.packet_events.Value(), 1);
  EXPECT_EQ(metrics_.response_events.Value(), 1);
  EXPECT_EQ(metrics_.connected.Value(), 1);
  EXPECT_EQ(Connections(), std::vector<bool>{true});

  std::vector<wm::v1::SubscribeRequest> requests = server.ingest().requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].skip_snapshot()) << "every reconnect starts with the snapshot";
  EXPECT_FALSE(requests[0].has_resume_after()) << "no position: snapshot, then live";
  std::vector<int> kinds(requests[0].kinds().begin(), requests[0].kinds().end());
  EXPECT_EQ(kinds,
            (std::vector<int>{wm::v1::EVENT_KIND_GATEWAY_STATUS, wm::v1::EVENT_KIND_PACKET_RECEIVED,
                              wm::v1::EVENT_KIND_RESPONSE}));
  follower->Stop();
  EXPECT_EQ(metrics_.connected.Value(), 0);
  EXPECT_EQ(Connections(), (std::vector<bool>{true, false}));
}

TEST_F(IngestFollowerTest, EveryConnectResumesAfterThePositionAppliedByThen) {
  FakeIngestServer server;
  wm::v1::Event first = Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, 41);
  first.set_stream_epoch(1000);
  // Received by ingest 30 s ago: the registry is that far behind.
  first.set_ingest_time_ms_epoch(
      static_cast<uint64_t>(absl::ToUnixMillis(absl::Now() - absl::Seconds(30))));
  server.ingest().SetScript({first});
  absl::Mutex position_mu;
  // As the state would answer; under position_mu (a local, so not annotated).
  std::optional<wm::v1::StreamPosition> position;
  {
    wm::v1::StreamPosition stored;
    stored.set_stream_epoch(1000);
    stored.set_sequence(40);
    position = stored;
  }
  auto follower = Follow(server.address(), [&]() {
    absl::MutexLock lock(&position_mu);
    return position;
  });
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 1; }));
  EXPECT_GE(metrics_.lag_seconds.Value(), 30);
  EXPECT_LT(metrics_.lag_seconds.Value(), 60);
  {
    absl::MutexLock lock(&position_mu);
    position->set_sequence(41);
  }
  // ingest restarted since: a gap of unknown count, then the new epoch.
  wm::v1::Event gap = Gap(0);
  gap.set_stream_epoch(2000);
  gap.mutable_gap()->set_cause(wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH);
  gap.mutable_gap()->set_count_unknown(true);
  wm::v1::Event next = Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, 900);
  next.set_stream_epoch(2000);
  server.ingest().SetScript({gap, next});
  server.ingest().EndStreams();
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 2; }));

  std::vector<wm::v1::SubscribeRequest> requests = server.ingest().requests();
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_TRUE(requests[0].has_resume_after()) << "the stored position, at start";
  EXPECT_EQ(requests[0].resume_after().stream_epoch(), 1000u);
  EXPECT_EQ(requests[0].resume_after().sequence(), 40u);
  EXPECT_EQ(requests[1].resume_after().sequence(), 41u) << "the latest applied, on reconnect";
  EXPECT_EQ(metrics_.restarts.Value(), 1) << "another epoch, though a higher sequence";
  EXPECT_EQ(metrics_.stream_unknown_gaps.Value(), 1);
  EXPECT_EQ(metrics_.stream_gaps.Value(), 0);
}

TEST_F(IngestFollowerTest, ASlowConsumerGapIsFilledByResumingFromTheLastEventApplied) {
  FakeIngestServer server;
  auto at = [](uint64_t sequence) {
    wm::v1::Event event = Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, sequence);
    event.set_stream_epoch(1000);
    return event;
  };
  wm::v1::Event gap = Gap(3);
  gap.set_stream_epoch(1000);
  gap.mutable_gap()->set_cause(wm::v1::STREAM_GAP_CAUSE_SLOW_CONSUMER);
  // The second stream gets what the replay log holds after 1.
  server.ingest().SetScriptsByRequest({{at(1), gap, at(5)}, {at(2), at(3), at(4), at(5)}});
  auto follower = Follow(server.address(), [&]() -> std::optional<wm::v1::StreamPosition> {
    std::vector<wm::v1::Event> events = Events();
    if (events.empty()) return std::nullopt;
    wm::v1::StreamPosition position;
    position.set_stream_epoch(events.back().stream_epoch());
    position.set_sequence(events.back().sequence());
    return position;
  });
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 5; }));
  std::vector<uint64_t> sequences;
  for (const wm::v1::Event& event : Events()) sequences.push_back(event.sequence());
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 2, 3, 4, 5}))
      << "nothing after the gap of the first stream is applied, nothing is missing";
  std::vector<wm::v1::SubscribeRequest> requests = server.ingest().requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[1].resume_after().sequence(), 1u);
  EXPECT_EQ(metrics_.gap_resumes.Value(), 1);
  EXPECT_EQ(metrics_.stream_gaps.Value(), 0) << "filled, not lost";
  EXPECT_EQ(metrics_.reconnects.Value(), 0) << "reopened on purpose, not reconnected";
}

TEST_F(IngestFollowerTest, OpensTheStreamAgainWhenIngestEndsIt) {
  FakeIngestServer server;
  server.ingest().SetScript({Event(wm::v1::EVENT_KIND_GATEWAY_STATUS, 1, true),
                             Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, 5)});
  auto follower = Follow(server.address());
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 2; }));
  // The same process, later: its snapshot keeps old sequences, live ones went on.
  server.ingest().SetScript({Event(wm::v1::EVENT_KIND_GATEWAY_STATUS, 1, true),
                             Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, 12)});
  server.ingest().EndStreams();
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 4; }));
  EXPECT_EQ(metrics_.reconnects.Value(), 1);
  EXPECT_EQ(metrics_.restarts.Value(), 0);
  EXPECT_EQ(server.ingest().requests().size(), 2u);
  EXPECT_EQ(Connections(), (std::vector<bool>{true, false, true}));
}

TEST_F(IngestFollowerTest, ReconnectsToANewIngestProcessAndCountsTheRestart) {
  auto first = std::make_unique<FakeIngestServer>();
  const int port = first->port();
  first->ingest().SetScript({Event(wm::v1::EVENT_KIND_GATEWAY_STATUS, 7, true),
                             Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, 50)});
  auto follower = Follow(first->address());
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 2; }));
  first.reset();  // ingest stops
  ASSERT_TRUE(WaitUntil([&] { return metrics_.connected.Value() == 0; }));

  FakeIngestServer second(port);
  second.ingest().SetScript({Event(wm::v1::EVENT_KIND_GATEWAY_STATUS, 1, true),
                             Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, 2)});
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 4; }));
  EXPECT_EQ(metrics_.restarts.Value(), 1);
  EXPECT_EQ(metrics_.reconnects.Value(), 1);
  EXPECT_EQ(metrics_.connected.Value(), 1);
}

TEST_F(IngestFollowerTest, StopsPromptlyWhileIngestIsUnreachable) {
  int port = 0;
  {
    FakeIngestServer server;
    port = server.port();
  }
  auto follower = Follow("127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(WaitUntil([&] { return metrics_.connected.Value() == 0 && Connections().empty(); }));
  const absl::Time start = absl::Now();
  follower->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(Connections().empty());
  EXPECT_EQ(EventCount(), 0u);
}

TEST_F(IngestFollowerTest, CountsTheEventsTheConsumerSkipsAsDuplicates) {
  FakeIngestServer server;
  auto at = [](uint64_t sequence) {
    wm::v1::Event event = Event(wm::v1::EVENT_KIND_PACKET_RECEIVED, sequence);
    event.set_stream_epoch(1000);
    return event;
  };
  server.ingest().SetScript({at(3), at(4), at(5), at(6)});
  // Applied up to 4 already (e.g. by another replica sharing the store).
  consumer_.duplicate = [](const wm::v1::Event& event) { return event.sequence() <= 4; };
  auto follower = Follow(server.address());
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 4; }));
  follower->Stop();
  EXPECT_EQ(metrics_.duplicates.Value(), 2);
  EXPECT_EQ(metrics_.packet_events.Value(), 4) << "handed on, applied or not";
}

TEST_F(IngestFollowerTest, SubscribesWithTheConsumersFiltersAndItsOwnPosition) {
  FakeIngestServer server;
  IngestFollowerOptions options = Options(server.address());
  options.request.clear_kinds();
  options.request.add_kinds(wm::v1::EVENT_KIND_DOWNLINK);
  options.request.add_gateway_ids("gw-7");
  options.request.set_skip_snapshot(true);
  // Not the follower's to take from the options: the consumer says where to resume.
  options.request.mutable_resume_after()->set_sequence(99);
  wm::v1::Event downlink = Event(wm::v1::EVENT_KIND_DOWNLINK, 3);
  downlink.set_stream_epoch(1000);
  server.ingest().SetScript({downlink});
  auto follower = Follow(std::move(options));
  ASSERT_TRUE(WaitUntil([&] { return EventCount() == 1; }));
  follower->Stop();

  std::vector<wm::v1::SubscribeRequest> requests = server.ingest().requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].has_resume_after()) << "the consumer has no position";
  ASSERT_EQ(requests[0].kinds_size(), 1);
  EXPECT_EQ(requests[0].kinds(0), wm::v1::EVENT_KIND_DOWNLINK);
  ASSERT_EQ(requests[0].gateway_ids_size(), 1);
  EXPECT_EQ(requests[0].gateway_ids(0), "gw-7");
  EXPECT_TRUE(requests[0].skip_snapshot());
  const std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_NE(text.find("wm_test_events_total{kind=\"downlink\"} 1"), std::string::npos) << text;
}

TEST_F(IngestFollowerTest, ARefusedIdentityIsNamedForReadinessAndRetried) {
  FakeIngestServer server;
  server.ingest().Refuse(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no token"));
  IngestFollowerOptions options = Options(server.address());
  options.consumer_name = "this history service";
  auto follower = Follow(std::move(options));
  ASSERT_TRUE(WaitUntil([&] { return server.ingest().requests().size() >= 2; }))
      << "retried: a token file may be set in the meantime";
  follower->Stop();
  std::vector<std::string> reasons = Reasons();
  ASSERT_FALSE(reasons.empty());
  EXPECT_EQ(reasons[0],
            "wm-ingest refuses this history service's identity (UNAUTHENTICATED): set wm_token "
            "or wm_token_file");
  for (bool connected : Connections()) EXPECT_FALSE(connected);
  EXPECT_EQ(metrics_.connected.Value(), 0);
  EXPECT_EQ(EventCount(), 0u);
}

}  // namespace
}  // namespace wm::eventstream
