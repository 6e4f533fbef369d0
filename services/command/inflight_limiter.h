#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/gauge.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// Bounds the requests in flight per sink (a gateway's sink buffer and its downlink limit are
// small: docs/gateway-api.md "send_data": about 16 packets). A request beyond the limit waits for
// its turn, first come first served, until its deadline. Keys are opaque strings (wm-command uses
// "gateway/sink", and "gateway/" for gateway-wide requests).
//
//   limiter.Acquire(key, deadline, [&](absl::Status s) {
//     if (!s.ok()) return Fail(s);   // DeadlineExceeded: no turn before the deadline
//     Publish(...);                  // ... and limiter.Release(key) once answered
//   });
//
// `granted` runs exactly once: at once in Acquire's thread when a slot is free, later in the
// thread of the Release that freed one, or in the timer thread with DeadlineExceeded. It runs
// without the limiter's lock. Thread-safe.
class InflightLimiter {
 public:
  using Granted = std::function<void(absl::Status)>;

  // `max_per_key` >= 1. `timers` must outlive the limiter, and `waiting_gauge` (optional,
  // wm_command_waiting) too: it follows waiting().
  InflightLimiter(int max_per_key, TimerQueue& timers, prometheus::Gauge* waiting_gauge = nullptr);
  InflightLimiter(const InflightLimiter&) = delete;
  InflightLimiter& operator=(const InflightLimiter&) = delete;

  // Takes a slot of `key` for the caller, or queues it until one is released or `deadline`.
  void Acquire(const std::string& key, absl::Time deadline, Granted granted);
  // Gives back a slot taken by a successful Acquire; the longest waiter of `key` gets it.
  void Release(const std::string& key);
  // Fails every waiter with `status` (shutdown). Slots held stay held until released.
  void FailWaiters(const absl::Status& status);

  // Slots of `key` held now.
  int in_use(const std::string& key) const;
  // Callers waiting for a slot, over all keys.
  size_t waiting() const;

 private:
  struct Waiter {
    uint64_t id;
    Granted granted;
    TimerQueue::Id timer;
  };
  struct Key {
    int in_use = 0;
    std::deque<Waiter> waiters;
  };

  void Expire(const std::string& key, uint64_t waiter_id);
  void PublishWaitingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int max_per_key_;
  TimerQueue& timers_;
  prometheus::Gauge* const waiting_gauge_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Key> keys_ ABSL_GUARDED_BY(mu_);
  uint64_t next_waiter_id_ ABSL_GUARDED_BY(mu_) = 1;
  size_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wm::command
