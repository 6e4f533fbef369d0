#include "libs/grpcutil/queue_write_reactor.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/stream_queue.h"
#include "libs/grpcutil/testdata/test_service.grpc.pb.h"

namespace wm::grpcutil {
namespace {

using ::wm::grpcutil::testing::TestEcho;
using ::wm::grpcutil::testing::Tick;
using ::wm::grpcutil::testing::TicksRequest;
using TickQueue = StreamQueue<Tick>;

TickQueue::MessagePtr TickOf(int64_t n) {
  auto tick = std::make_shared<Tick>();
  tick->set_n(n);
  return tick;
}

// Gap messages are the negative ticks here.
TickQueue::MessagePtr GapTick(uint64_t dropped) { return TickOf(-static_cast<int64_t>(dropped)); }

std::shared_ptr<TickQueue> NewQueue(size_t capacity) {
  return std::make_shared<TickQueue>(capacity, GapTick);
}

// Streams Ticks from the queue the test hands it; no queue: the stream is rejected.
class QueuedTicks final : public TestEcho::CallbackService {
 public:
  grpc::ServerWriteReactor<Tick>* Ticks(grpc::CallbackServerContext* /*context*/,
                                        const TicksRequest* /*request*/) override {
    std::shared_ptr<TickQueue> queue;
    {
      absl::MutexLock lock(&mu_);
      queue = std::move(next_queue_);
    }
    if (queue == nullptr) {
      return RejectStream<Tick>(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no queue"));
    }
    return new QueueWriteReactor<Tick>(queue, [this] {
      if (++done_calls == 1) done.Notify();
    });
  }

  void ServeNext(std::shared_ptr<TickQueue> queue) {
    absl::MutexLock lock(&mu_);
    next_queue_ = std::move(queue);
  }

  std::atomic<int> done_calls{0};
  absl::Notification done;

 private:
  absl::Mutex mu_;
  std::shared_ptr<TickQueue> next_queue_ ABSL_GUARDED_BY(mu_);
};

class QueueWriteReactorTest : public ::testing::Test {
 protected:
  QueueWriteReactorTest() {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = TestEcho::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                  grpc::InsecureChannelCredentials()));
  }
  ~QueueWriteReactorTest() override {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  // Opens a stream served from `queue`; a deadline turns a stream that hangs into a failure.
  std::unique_ptr<grpc::ClientReader<Tick>> Open(std::shared_ptr<TickQueue> queue,
                                                 grpc::ClientContext& context) {
    service_.ServeNext(std::move(queue));
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return stub_->Ticks(&context, TicksRequest());
  }

  QueuedTicks service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<TestEcho::Stub> stub_;
};

TEST_F(QueueWriteReactorTest, InitialMetadataComesAtOnceThenEveryMessageInOrder) {
  auto queue = NewQueue(100000);
  grpc::ClientContext context;
  auto reader = Open(queue, context);
  reader->WaitForInitialMetadata();  // before any message exists
  // The stream is idle now: each push may wake it, or find a write in flight.
  for (int64_t i = 1; i <= 1000; ++i) queue->Push(TickOf(i));
  Tick tick;
  for (int64_t i = 1; i <= 1000; ++i) {
    ASSERT_TRUE(reader->Read(&tick));
    ASSERT_EQ(tick.n(), i);
  }
  queue->Close();
  EXPECT_FALSE(reader->Read(&tick));
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(service_.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST_F(QueueWriteReactorTest, ALossIsWrittenAsTheGapMessageInItsPlace) {
  auto queue = NewQueue(2);
  for (int64_t i = 1; i <= 5; ++i) queue->Push(TickOf(i));  // 3..5 lost
  grpc::ClientContext context;
  auto reader = Open(queue, context);
  Tick tick;
  ASSERT_TRUE(reader->Read(&tick));
  EXPECT_EQ(tick.n(), 1);
  ASSERT_TRUE(reader->Read(&tick));
  EXPECT_EQ(tick.n(), 2);
  ASSERT_TRUE(reader->Read(&tick));
  EXPECT_EQ(tick.n(), -3) << "the gap message for the three lost";
  queue->Push(TickOf(6));
  ASSERT_TRUE(reader->Read(&tick));
  EXPECT_EQ(tick.n(), 6);
  queue->Close();
  EXPECT_FALSE(reader->Read(&tick));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(QueueWriteReactorTest, AClosedQueueDrainsThenTheStreamEndsWithOk) {
  auto queue = NewQueue(1000);
  for (int64_t i = 1; i <= 100; ++i) queue->Push(TickOf(i));
  queue->Close();
  grpc::ClientContext context;
  auto reader = Open(queue, context);
  Tick tick;
  int64_t received = 0;
  while (reader->Read(&tick)) EXPECT_EQ(tick.n(), ++received);
  EXPECT_EQ(received, 100);
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(service_.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(service_.done_calls, 1);
}

TEST_F(QueueWriteReactorTest, ClosingTheQueueOfAnIdleStreamEndsItWithOk) {
  auto queue = NewQueue(10);
  grpc::ClientContext context;
  auto reader = Open(queue, context);
  reader->WaitForInitialMetadata();
  queue->Close();
  Tick tick;
  EXPECT_FALSE(reader->Read(&tick));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(QueueWriteReactorTest, ACancelledStreamRunsOnDoneOnceAndLeavesTheQueue) {
  auto queue = NewQueue(10);
  grpc::ClientContext context;
  auto reader = Open(queue, context);
  reader->WaitForInitialMetadata();
  context.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(service_.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(service_.done_calls, 1);
  // The reactor is gone: messages still arriving for the queue wake nothing.
  EXPECT_EQ(queue->Push(TickOf(1)), TickQueue::PushResult::kQueued);
  EXPECT_EQ(queue->PopOrArm()->n(), 1);
}

TEST_F(QueueWriteReactorTest, ARejectedStreamEndsWithItsStatus) {
  grpc::ClientContext context;
  auto reader = Open(nullptr, context);
  Tick tick;
  EXPECT_FALSE(reader->Read(&tick));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace wm::grpcutil
