#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"

namespace wm::base {

// Runs callbacks at given times, once (RunAt) or every interval (RunEvery), on ONE thread, so a
// service has one timer thread however many delays, periodic flushes and sweeps it keeps.
// With Start(), that thread runs them as they fall due (for the real clock); without it,
// RunDue() runs the ones due at clock() in the caller's thread (tests with a FakeClock).
// Callbacks run one at a time, without any lock held, and may schedule or cancel timers; a slow
// callback delays the others. Thread-safe.
//
//   Scheduler scheduler(RealClock());
//   scheduler.Start();
//   Scheduler::Id flush = scheduler.RunEvery(absl::Milliseconds(200), [&] { Flush(); });
//   scheduler.RunAt(scheduler.Now() + absl::Seconds(2), [] { ... });
//   scheduler.CancelAndWait(flush);  // no run in progress, none afterwards
class Scheduler {
 public:
  using Id = uint64_t;

  explicit Scheduler(Clock clock);
  // Stops the thread; timers not yet due never run.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `callback` once at `when` (as soon as possible when it is already past). Ids are never
  // 0 and never reused.
  Id RunAt(absl::Time when, std::function<void()> callback);
  // Runs `callback` every `interval` (> 0), the first time one interval from now, until
  // cancelled. Runs do not pile up: when a run ends after its successor was due, the successor
  // runs at once and the one after it a full interval later, not once per missed interval.
  Id RunEvery(absl::Duration interval, std::function<void()> callback);

  // Removes a timer so that it does not run again. True when that prevented a run: a one-shot
  // timer not yet run, or a periodic one (even while it runs). False when a one-shot timer
  // already ran or is running, or the id is unknown. Does not wait for a run in progress.
  bool Cancel(Id id);
  // Cancel, then waits until no run of `id` is in progress (except when called from that run).
  void CancelAndWait(Id id);

  // Starts the thread that runs timers as they fall due. Idempotent; no-op after Stop().
  void Start();
  // Stops the thread (waiting for a running callback); timers not yet due never run.
  void Stop();

  // Runs every timer due at clock(), earliest first, in the caller's thread, including timers
  // those callbacks schedule already due. Returns how many ran. Not for use with Start().
  int RunDue();

  // Runs every timer now, due or not, earliest first, in the caller's thread, including timers
  // the callbacks schedule (at most `limit` runs in all); a periodic timer runs once and is
  // dropped. For shutdown, after Stop(): waits end at once.
  int RunAllNow(int limit = 1000000);

  absl::Time Now() const { return clock_(); }
  // Timers scheduled and not cancelled (a periodic timer counts while it runs).
  size_t size() const;

 private:
  struct Timer {
    std::function<void()> callback;
    absl::Duration interval;  // zero for a one-shot timer
  };

  // Runs the earliest timer if it is due at clock() (any timer when `all_now`); false when none
  // is. A periodic timer is scheduled again unless cancelled or `all_now`.
  bool RunOneDue(bool all_now = false);
  void RunThread();

  const Clock clock_;
  mutable absl::Mutex mu_;
  // (due time, id) in due order; ids break ties in scheduling order.
  std::map<std::pair<absl::Time, Id>, Timer> timers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Id, absl::Time> due_by_id_ ABSL_GUARDED_BY(mu_);
  Id next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // The timer whose callback runs now (0: none), the thread running it, and whether a periodic
  // one was cancelled during the run (then it is not scheduled again).
  Id running_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread::id running_thread_ ABSL_GUARDED_BY(mu_);
  bool running_cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped when a timer earlier than every other is added, to wake the thread.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wm::base
