#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// Matches gateway responses to the requests waiting for them, by req_id (docs/gateway-api.md
// "Correlation": every backend sees every response on gw-response/#, in any order, and keeps only
// its own).
//
// A waiter is registered before its request is published and completed exactly once: with the
// response, with DeadlineExceeded at its deadline, or with the status given to FailGateway or
// FailAll. Completion callbacks run without the correlator's lock, in the thread that caused
// them (the MQTT thread for responses, the timer thread for timeouts).
//
// Ids of completed and timed-out waiters are remembered for a while (`memory`, at most
// `memory_size` ids), so that a response arriving after its timeout is told apart (kLate:
// counted by the caller) from a second copy of one already delivered (kDuplicate: MQTT QoS 1
// redelivery) and from other backends' responses (kUnrelated).
//
//   ReqIdCorrelator correlator(timers);
//   correlator.Register(req_id, "gw-1", deadline, [](absl::StatusOr<GenericMessage> r) {...});
//   mqtt.Publish(...);
//   // on the MQTT thread:
//   switch (correlator.Deliver(header.req_id(), header.gw_id(), std::move(message))) { ... }
class ReqIdCorrelator {
 public:
  using Callback = std::function<void(absl::StatusOr<wirepas::GenericMessage>)>;

  // What Deliver did with a response.
  enum class Match {
    kMatched,    // completed its waiter
    kLate,       // its waiter had already timed out
    kDuplicate,  // its waiter had already been completed by an earlier copy
    kUnrelated,  // not a request of ours (another backend's, or req_id 0)
  };

  struct Options {
    // How long ids of finished waiters are remembered.
    absl::Duration memory = absl::Minutes(10);
    // At most this many ids are remembered; the oldest are forgotten first.
    size_t memory_size = 100000;
  };

  // `timers` runs the deadlines and gives the time; it must outlive the correlator.
  explicit ReqIdCorrelator(TimerQueue& timers) : ReqIdCorrelator(timers, Options()) {}
  ReqIdCorrelator(TimerQueue& timers, Options options);
  ReqIdCorrelator(const ReqIdCorrelator&) = delete;
  ReqIdCorrelator& operator=(const ReqIdCorrelator&) = delete;

  // Waits for the response to `req_id` from `gateway_id` until `deadline`. AlreadyExists
  // (and `done` is not kept) when a waiter for `req_id` exists; InvalidArgument for req_id 0,
  // which gateways use for unsolicited responses.
  absl::Status Register(uint64_t req_id, std::string gateway_id, absl::Time deadline,
                        Callback done);

  // Offers a response. It completes the waiter registered for `req_id` when the response comes
  // from the gateway the request went to; a response from another gateway with a colliding id
  // is kUnrelated.
  Match Deliver(uint64_t req_id, std::string_view gateway_id, wirepas::GenericMessage response);

  // Completes the waiter of `req_id` with `status` (e.g. its request could not be published),
  // without remembering the id. False when there is no such waiter.
  bool Cancel(uint64_t req_id, const absl::Status& status);

  // Completes every waiter for `gateway_id` with `status` (the gateway went offline: no
  // answer will come). Returns how many.
  int FailGateway(std::string_view gateway_id, const absl::Status& status);

  // Completes every waiter with `status` (shutdown). Returns how many.
  int FailAll(const absl::Status& status);

  // Waiters not completed yet.
  size_t pending() const;

 private:
  struct Waiter {
    std::string gateway_id;
    Callback done;
    TimerQueue::Id timer = 0;
  };
  enum class Ending { kCompleted, kTimedOut };
  struct Remembered {
    Ending ending;
    absl::Time until;
  };

  void Expire(uint64_t req_id);
  // Remembers how `req_id` ended; forgets what is too old or too many.
  void RememberLocked(uint64_t req_id, Ending ending, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ForgetOldLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  TimerQueue& timers_;
  const Options options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, Remembered> remembered_ ABSL_GUARDED_BY(mu_);
  // Remembered ids in the order they ended (their `until` only grows).
  std::deque<uint64_t> remembered_order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::command
