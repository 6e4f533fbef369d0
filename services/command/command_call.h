#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "libs/wirepas/request_id.h"
#include "services/command/command_metrics.h"
#include "services/command/gateway_directory.h"
#include "services/command/gateway_requester.h"
#include "services/command/idempotency_cache.h"
#include "services/command/node_reply_router.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// Default timeouts and limits of Commands calls (settings of wm-command).
struct CommandDefaults {
  // Waiting for one gateway answer.
  absl::Duration request_timeout = absl::Seconds(2);
  // Waiting for the answer to one scratchpad upload request (each chunk's).
  absl::Duration upload_timeout = absl::Seconds(60);
  // Waiting for the answer to otap_process_scratchpad (the sink reboots).
  absl::Duration process_timeout = absl::Seconds(120);
  // How long Ping and GetNodesScratchpadStatus collect answers at most.
  absl::Duration node_collect_timeout = absl::Seconds(60);
  // A node answer stream ends after this long without an answer.
  absl::Duration node_quiet_period = absl::Seconds(10);
  // The largest scratchpad image an upload may stream.
  size_t max_upload_bytes = 8 * 1024 * 1024;
};

// Publishes and waits for the broker's acknowledgement (MqttClient::PublishAndWait).
using WaitingPublisher = std::function<absl::Status(std::string topic, std::string payload, int qos,
                                                    bool retained, absl::Duration timeout)>;

// Counts Commands calls in progress, and refuses new ones once wm-command is stopping, so that
// the ones running can be drained. Thread-safe.
class CallTracker {
 public:
  // False once StopAccepting was called: the call must be refused.
  bool Enter();
  void Leave();
  void StopAccepting();
  // Waits until no call is in progress or `timeout`; true when none is.
  bool WaitIdle(absl::Duration timeout);
  int active() const;

 private:
  mutable absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// What every Commands call uses besides its request. Every reference must outlive the calls.
struct CommandEnv {
  GatewayRequester& requester;
  GatewayDirectory& directory;
  NodeReplyRouter& replies;
  TimerQueue& timers;
  IdempotencyCache& idempotency;
  CommandMetrics& metrics;
  CallTracker& calls;
  wirepas::RequestIdGenerator& random_ids;
  WaitingPublisher publish_and_wait;
  CommandDefaults defaults;
};

// How long a call may wait: for each gateway answer `request_timeout`, and in all until its
// gRPC deadline (InfiniteFuture when the client set none).
struct CallTiming {
  absl::Duration request_timeout;
  absl::Time call_deadline = absl::InfiniteFuture();
};

// The timing of a call: `timeout_ms` per answer (`default_timeout` when 0) and the context's
// deadline.
CallTiming CallTimingOf(const grpc::CallbackServerContext& context, uint32_t timeout_ms,
                        absl::Duration default_timeout);

// Whether the gateway answered OK everywhere in a Commands response: its `result`, or every
// `sent` downlink result; true for responses with neither.
bool GatewayAnsweredOk(const google::protobuf::Message& response);

// One Commands call (unary or client-streaming) from its start to its single end: records its
// metrics, keeps the in-flight count, runs it at most once per client_request_id, and
// finishes the gRPC call. Shared by the callbacks of its steps; the first Finish wins.
//
//   auto call = CommandCall::Create(env, "SendData", response, timing, finish);
//   if (!call) return;  // refused: wm-command is stopping (already finished)
//   call->RunOnce(request.client_request_id(), request, [call] { ... call->Finish(s, true); });
class CommandCall : public std::enable_shared_from_this<CommandCall> {
 public:
  using FinishFn = std::function<void(const grpc::Status&)>;

  // nullptr when wm-command is stopping; `finish` has then been called with UNAVAILABLE.
  // `response` is the gRPC call's response, filled before Finish with OK (nullptr for server
  // streams, whose messages go out as they come).
  static std::shared_ptr<CommandCall> Create(CommandEnv& env, std::string_view method,
                                             google::protobuf::Message* response, CallTiming timing,
                                             FinishFn finish);
  // For a unary call: finishes through `reactor`, the context's default reactor.
  static std::shared_ptr<CommandCall> CreateUnary(CommandEnv& env, std::string_view method,
                                                  grpc::CallbackServerContext* context,
                                                  grpc::ServerUnaryReactor* reactor,
                                                  google::protobuf::Message* response,
                                                  uint32_t timeout_ms,
                                                  absl::Duration default_timeout);

  // Runs `run` unless `client_request_id` (when not empty) names a call of the idempotency
  // window: then this call ends with that call's outcome, and nothing runs. `request` and
  // `fingerprint_extra` (data sent beside the request message, e.g. an upload's image) tell a
  // retry from another request reusing the id; they are only read when there is an id.
  void RunOnce(const std::string& client_request_id, const google::protobuf::Message& request,
               std::function<void()> run, std::string_view fingerprint_extra = {});

  // Ends the call. With OK the response must be complete. `published`: a request went out,
  // so the outcome is remembered for the client_request_id.
  void Finish(const absl::Status& status, bool published);

  // The deadline of a gateway request sent now: the request timeout from now, or the call's
  // deadline when sooner.
  absl::Time RequestDeadline() const;
  // The call's gRPC deadline (InfiniteFuture when none).
  absl::Time call_deadline() const { return timing_.call_deadline; }
  CommandEnv& env() const { return env_; }

  ~CommandCall();

 private:
  CommandCall(CommandEnv& env, std::string_view method, google::protobuf::Message* response,
              CallTiming timing, FinishFn finish);

  CommandEnv& env_;
  const std::string method_;
  google::protobuf::Message* const response_;
  const CallTiming timing_;
  const absl::Time started_;
  FinishFn finish_;
  std::atomic<bool> finished_{false};
  // Set when RunOnce made this call the owner of its client_request_id.
  std::string idempotency_key_;
};

// The writing side of a server stream, shared by the code producing messages and the gRPC
// reactor: messages pushed are written in order, one write in flight; Close finishes the call
// once they are written. After the call is done (the client went away), Push and Close do
// nothing. Thread-safe.
//
// Why not grpcutil::QueueWriteReactor (libs/grpcutil/queue_write_reactor.h), the writer of the
// subscription streams: both keep one write in flight and finish once (a cancel with a write in
// flight lets that write's OnWriteDone(false) finish), but a node command stream needs what the
// StreamQueue behind that reactor does not give:
//  - its end status: Close(status) ends with the call's outcome (INVALID_ARGUMENT, NOT_FOUND,
//    DEADLINE_EXCEEDED, UNAVAILABLE while stopping...), where a closed StreamQueue ends with OK;
//  - no loss: every `sent` result and node answer must arrive, and PingResponse and
//    GetNodesScratchpadStatusResponse have no gap message. The queue here is unbounded; a call
//    bounds it (its downlinks, the nodes answering before its end);
//  - `on_cancel` at OnCancel, so that the NodeCommandRun stops at once, not at OnDone;
//  - no initial metadata ahead of the first message: an error found at once (validation, a
//    refused call) ends the stream with trailers only, as a unary call's error does.
// It needs none of the other's: messages shared by many queues (here each is built for one
// call and moved in), gathered wakeups, buffer hints for bursts. A shared piece would be the
// write-in-flight and finish-once core of both reactors, with the source (queue, end status)
// and the initial-metadata choice as parameters.
template <typename Message>
class StreamOut {
 public:
  // Creates the reactor to return from the service method; it calls `on_cancel` once when the
  // client cancels or the server shuts the call down.
  static std::pair<std::shared_ptr<StreamOut>, grpc::ServerWriteReactor<Message>*> Create(
      std::function<void()> on_cancel);

  void Push(Message message);
  void Close(const grpc::Status& status);

 private:
  class Reactor;
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::deque<Message> queue_ ABSL_GUARDED_BY(mu_);
  Message current_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

template <typename Message>
class StreamOut<Message>::Reactor final : public grpc::ServerWriteReactor<Message> {
 public:
  Reactor(std::shared_ptr<StreamOut> out, std::function<void()> on_cancel)
      : out_(std::move(out)), on_cancel_(std::move(on_cancel)) {}

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&out_->mu_);
    out_->write_in_flight_ = false;
    if (!ok) {
      // The client went away: nothing more can be written.
      out_->queue_.clear();
      if (!out_->finished_) {
        out_->finished_ = true;
        this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream write failed"));
      }
      return;
    }
    out_->Pump();
  }

  void OnCancel() override {
    std::function<void()> on_cancel = std::move(on_cancel_);
    if (on_cancel) on_cancel();
    absl::MutexLock lock(&out_->mu_);
    out_->queue_.clear();
    // With a write in flight, its OnWriteDone(false) finishes the call.
    if (!out_->finished_ && !out_->write_in_flight_) {
      out_->finished_ = true;
      this->Finish(grpc::Status::CANCELLED);
    }
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&out_->mu_);
      out_->reactor_ = nullptr;
      out_->finished_ = true;
    }
    delete this;
  }

 private:
  std::shared_ptr<StreamOut> out_;
  std::function<void()> on_cancel_;
};

template <typename Message>
std::pair<std::shared_ptr<StreamOut<Message>>, grpc::ServerWriteReactor<Message>*>
StreamOut<Message>::Create(std::function<void()> on_cancel) {
  auto out = std::make_shared<StreamOut>();
  auto* reactor = new Reactor(out, std::move(on_cancel));
  absl::MutexLock lock(&out->mu_);
  out->reactor_ = reactor;
  return {out, reactor};
}

template <typename Message>
void StreamOut<Message>::Push(Message message) {
  absl::MutexLock lock(&mu_);
  if (finished_ || closing_ || reactor_ == nullptr) return;
  queue_.push_back(std::move(message));
  Pump();
}

template <typename Message>
void StreamOut<Message>::Close(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finished_ || closing_ || reactor_ == nullptr) return;
  closing_ = true;
  final_status_ = status;
  Pump();
}

template <typename Message>
void StreamOut<Message>::Pump() {
  if (finished_ || reactor_ == nullptr || write_in_flight_) return;
  if (!queue_.empty()) {
    current_ = std::move(queue_.front());
    queue_.pop_front();
    write_in_flight_ = true;
    reactor_->StartWrite(&current_);
    return;
  }
  if (closing_) {
    finished_ = true;
    reactor_->Finish(final_status_);
  }
}

}  // namespace wm::command
