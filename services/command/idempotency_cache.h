#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// How a call ended: its status and, when OK, its response message.
struct CallOutcome {
  absl::Status status;
  std::shared_ptr<const google::protobuf::Message> response;
};

// Remembers the outcome of calls by client request id, so that a client retrying a call (same
// id, same request) within the window gets the first outcome instead of a second publish: a
// duplicate downlink or scratchpad upload has effects on nodes.
//
//   if (cache.Begin(id, fingerprint, deadline, [&](CallOutcome o) { Reply(o); })) {
//     ... run the call ...
//     cache.Finish(id, outcome, /*remember=*/published);
//   }   // else Reply runs with the first call's outcome (now, or once it finishes)
//
// A call still running when its retry arrives is joined: the retry waits for its outcome
// until the retry's own deadline. Only outcomes of calls that published something are kept;
// a call that failed before (bad arguments, gateway offline) is forgotten, so its retry runs.
// Entries are kept `window` after they finished and at most `max_entries` of them (the oldest
// finished go first). Callbacks run without the cache's lock. Thread-safe.
class IdempotencyCache {
 public:
  using Joined = std::function<void(CallOutcome)>;

  struct Options {
    absl::Duration window = absl::Minutes(10);
    size_t max_entries = 100000;
  };

  // `timers` gives the time and runs joined waiters' deadlines; it must outlive the cache.
  IdempotencyCache(TimerQueue& timers, Options options);
  IdempotencyCache(const IdempotencyCache&) = delete;
  IdempotencyCache& operator=(const IdempotencyCache&) = delete;

  // Returns true when the caller must run the call (no call with `key` in the window) and
  // later report it with Finish(key, ...). Otherwise `joined` receives, exactly once: the
  // outcome of the call that used `key` (at once when it has finished, else when it does);
  // DeadlineExceeded when it is still running at `deadline`; InvalidArgument when that call's
  // `fingerprint` differs (the key was reused for another request).
  bool Begin(const std::string& key, uint64_t fingerprint, absl::Time deadline, Joined joined);

  // Reports the end of a call Begin let run. Its joined waiters get `outcome`. With
  // `remember` the outcome is kept for the window; without, the key is forgotten.
  void Finish(const std::string& key, const CallOutcome& outcome, bool remember);

  // Fails every joined waiter with `status` (shutdown).
  void FailWaiters(const absl::Status& status);

  // Keys known (running or remembered).
  size_t size() const;

 private:
  struct JoinedWaiter {
    uint64_t id;
    Joined joined;
    TimerQueue::Id timer;
  };
  struct Entry {
    uint64_t fingerprint = 0;
    bool finished = false;
    CallOutcome outcome;
    std::vector<JoinedWaiter> waiters;
  };

  void ExpireWaiter(const std::string& key, uint64_t waiter_id);
  // Drops finished entries older than the window, and the oldest finished ones beyond
  // max_entries.
  void ForgetOldLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  TimerQueue& timers_;
  const Options options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Finished keys in the order they finished, with the time they may be forgotten.
  std::deque<std::pair<std::string, absl::Time>> finished_order_ ABSL_GUARDED_BY(mu_);
  uint64_t next_waiter_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace wm::command
