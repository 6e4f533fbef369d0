#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "libs/grpcutil/stream_queue.h"

namespace wm::grpcutil {

// A server stream that writes what its StreamQueue receives, for gRPC's callback API. It keeps
// one write in flight and pops the next message when the write completes, so a slow client
// only fills its own queue (and then loses messages there, reported by a gap message) and never
// slows the publisher or other streams. When more messages wait behind the one being written,
// the write carries the buffer hint so that gRPC coalesces a burst into few frames; the last
// write of a burst flushes. Initial metadata goes out at once: a client that waits for it
// knows its stream is in place before any message exists.
//
// The stream ends with OK once the queue is closed and drained, and with CANCELLED when the
// client goes away. `on_done` runs once the call is over and the queue no longer calls back
// into the reactor: the owner unsubscribes the queue there. The reactor deletes itself.
//
// wm-command's node command streams (Ping, GetNodesScratchpadStatus) are written by their own
// StreamOut (services/command/command_call.h), not by this reactor: they end with the call's
// status rather than OK, may lose no message (their responses have no gap message), stop their
// producer at OnCancel, and send no initial metadata ahead of an immediate error. The comment
// at StreamOut lists what a shared core of the two would take.
//
//   grpc::ServerWriteReactor<Event>* Service::Subscribe(...) {
//     std::shared_ptr<StreamQueue<Event>> queue = hub_.Subscribe(*request);
//     return new QueueWriteReactor<Event>(queue, [this, queue] { hub_.Unsubscribe(queue); });
//   }
template <typename T>
class QueueWriteReactor final : public grpc::ServerWriteReactor<T> {
 public:
  QueueWriteReactor(std::shared_ptr<StreamQueue<T>> queue, std::function<void()> on_done)
      : queue_(std::move(queue)), on_done_(std::move(on_done)) {
    queue_->SetWakeup([this] { TryWrite(); });
    this->StartSendInitialMetadata();
    TryWrite();
  }

  void OnSendInitialMetadataDone(bool /*ok*/) override {}

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      write_in_flight_ = false;
      current_.reset();
      if (!ok) {
        // The client went away or the server is shutting down.
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream write failed"));
        return;
      }
    }
    TryWrite();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    // With a write in flight, its OnWriteDone(false) finishes the call.
    if (!write_in_flight_) FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    queue_->Detach();
    if (on_done_) on_done_();
    delete this;
  }

 private:
  // Starts the next write if none is in flight. Called from the constructor, from
  // OnWriteDone, and from the publisher's thread when a message arrives for an idle stream.
  void TryWrite() {
    absl::MutexLock lock(&mu_);
    if (finished_ || write_in_flight_) return;
    bool more = false;
    typename StreamQueue<T>::MessagePtr message = queue_->PopOrArm(&more);
    if (message == nullptr) {
      if (queue_->closed()) FinishLocked(grpc::Status::OK);
      return;
    }
    current_ = std::move(message);
    write_in_flight_ = true;
    grpc::WriteOptions options;
    if (more) options.set_buffer_hint();
    this->StartWrite(current_.get(), options);
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    this->Finish(status);
  }

  const std::shared_ptr<StreamQueue<T>> queue_;
  const std::function<void()> on_done_;

  absl::Mutex mu_;
  // Kept alive until its write completes.
  typename StreamQueue<T>::MessagePtr current_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A server stream that ends at once with `status` (an error: the stream could not be opened).
//
//   if (queue == nullptr) return RejectStream<Event>(grpc::Status(UNAVAILABLE, "shutting down"));
template <typename T>
grpc::ServerWriteReactor<T>* RejectStream(const grpc::Status& status) {
  class Rejected final : public grpc::ServerWriteReactor<T> {
   public:
    explicit Rejected(const grpc::Status& status) { this->Finish(status); }
    void OnDone() override { delete this; }
  };
  return new Rejected(status);
}

}  // namespace wm::grpcutil
