#include "tools/gw_cli/stream_follower.h"

#include <deque>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/observability/termination.h"
#include "protos/wm/v1/events.pb.h"

namespace wm::gw_cli {
namespace {

// One stream as a service would serve it: these events, then this end.
struct ServedStream {
  std::vector<uint64_t> sequences;
  grpc::Status end;
};

class FakeReader : public grpc::ClientReaderInterface<wm::v1::Event> {
 public:
  explicit FakeReader(ServedStream served) : served_(std::move(served)) {}

  bool NextMessageSize(uint32_t* size) override {
    *size = 0;
    return next_ < served_.sequences.size();
  }
  bool Read(wm::v1::Event* event) override {
    if (next_ >= served_.sequences.size()) return false;
    event->set_sequence(served_.sequences[next_++]);
    return true;
  }
  grpc::Status Finish() override { return served_.end; }
  void WaitForInitialMetadata() override {}

 private:
  ServedStream served_;
  size_t next_ = 0;
};

// The streams a fake service serves, one per opening; the sequences the command read.
struct FakeService {
  std::deque<ServedStream> streams;
  std::vector<uint64_t> read;
  std::vector<bool> opened;  // on_open's argument, per accepted stream

  FollowedStream<wm::v1::Event> Stream(size_t enough = 0) {
    FollowedStream<wm::v1::Event> stream;
    stream.service = "wm-ingest";
    stream.address = "127.0.0.1:7001";
    stream.open = [this](grpc::ClientContext*) {
      ServedStream next{{}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "no more streams")};
      if (!streams.empty()) {
        next = streams.front();
        streams.pop_front();
      }
      return std::unique_ptr<grpc::ClientReaderInterface<wm::v1::Event>>(
          new FakeReader(std::move(next)));
    };
    stream.on_open = [this](bool reopened) { opened.push_back(reopened); };
    stream.on_message = [this, enough](const wm::v1::Event& event) {
      read.push_back(event.sequence());
      return enough == 0 || read.size() < enough;
    };
    return stream;
  }
};

std::unique_ptr<observability::Termination> NewTermination() {
  auto termination = observability::Termination::Install();
  EXPECT_TRUE(termination.ok()) << termination.status();
  return termination.ok() ? *std::move(termination) : nullptr;
}

TEST(FollowStreamTest, ReopensAStreamThatEndedAndSaysSo) {
  auto termination = NewTermination();
  ASSERT_NE(termination, nullptr);
  FakeService service;
  service.streams = {{{1, 2}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset")},
                     {{3}, grpc::Status::OK},
                     {{4, 5, 6}, grpc::Status::OK}};
  std::ostringstream log;
  CallCanceller canceller(*termination);
  const grpc::Status status = FollowStream(service.Stream(/*enough=*/5), canceller, log);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(service.read, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(service.opened, (std::vector<bool>{false, true, true}));
  EXPECT_TRUE(absl::StrContains(log.str(),
                                "wm-gw-cli: stream from wm-ingest at 127.0.0.1:7001 ended "
                                "(connection reset), reconnecting\n"))
      << log.str();
  EXPECT_TRUE(absl::StrContains(log.str(), "ended (wm-ingest stopped), reconnecting")) << log.str();
  EXPECT_FALSE(canceller.stopped());
}

TEST(FollowStreamTest, AnErrorRetryingCannotCureEndsIt) {
  auto termination = NewTermination();
  ASSERT_NE(termination, nullptr);
  FakeService service;
  service.streams = {{{1}, grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no access")},
                     {{2}, grpc::Status::OK}};
  std::ostringstream log;
  CallCanceller canceller(*termination);
  const grpc::Status status = FollowStream(service.Stream(), canceller, log);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(service.read, (std::vector<uint64_t>{1}));
  EXPECT_EQ(service.streams.size(), 1u) << "opened again";
  EXPECT_TRUE(log.str().empty()) << log.str();
}

TEST(FollowStreamTest, AStopEndsTheFollowingWhileItPauses) {
  auto termination = NewTermination();
  ASSERT_NE(termination, nullptr);
  FakeService service;  // every stream fails at once: it keeps reopening until the stop
  std::ostringstream log;
  CallCanceller canceller(*termination, absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  const grpc::Status status = FollowStream(service.Stream(), canceller, log);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(canceller.stopped());
  EXPECT_TRUE(absl::StrContains(log.str(), "(no more streams), reconnecting")) << log.str();
}

}  // namespace
}  // namespace wm::gw_cli
