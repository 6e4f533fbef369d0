#include "libs/grpcutil/testdata/test_service.h"

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "libs/grpcutil/status.h"

namespace wm::grpcutil::testing {
namespace {

// Keeps one write in flight; ends on count, on a failed write or on cancellation.
class TicksReactor : public grpc::ServerWriteReactor<Tick> {
 public:
  explicit TicksReactor(int count) : count_(count) { WriteNext(); }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    WriteNext();
  }
  void OnCancel() override { FinishOnce(grpc::Status::CANCELLED); }
  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (sent_ == 0 || sent_ < count_) {
      tick_.set_n(sent_++);
      StartWrite(&tick_);
    } else if (count_ > 0) {
      FinishOnce(grpc::Status::OK);
    }
    // count_ == 0: hold the stream open until cancelled.
  }
  void FinishOnce(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  const int count_;
  int sent_ = 0;
  Tick tick_;
  absl::Mutex mu_;
  bool finished_ = false;
};

}  // namespace

grpc::ServerUnaryReactor* CallbackTestEcho::Echo(grpc::CallbackServerContext* context,
                                                 const EchoRequest* request, EchoReply* reply) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->text() == "fail") {
    reactor->Finish(ToGrpcStatus(absl::InvalidArgumentError("echo refused: fail")));
    return reactor;
  }
  reply->set_text(request->text());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<Tick>* CallbackTestEcho::Ticks(grpc::CallbackServerContext*,
                                                        const TicksRequest* request) {
  return new TicksReactor(request->count());
}

grpc::Status SyncTestEcho::Echo(grpc::ServerContext* context, const EchoRequest* request,
                                EchoReply* reply) {
  if (request->text() == "block") {
    if (!entered.HasBeenNotified()) entered.Notify();
    while (!release.WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
      if (context->IsCancelled()) return grpc::Status::CANCELLED;
    }
  }
  reply->set_text(request->text());
  return grpc::Status::OK;
}

}  // namespace wm::grpcutil::testing
