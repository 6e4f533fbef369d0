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

namespace wm::command {

// The time source of wm-command's components; tests pass a fake one they advance by hand.
using Clock = std::function<absl::Time()>;

// Runs callbacks at given times: request timeouts, waits for an in-flight slot, quiet periods.
// With Start(), a thread of its own runs them as they fall due (for the real clock); without
// it, RunDue() runs the ones due at clock() in the caller's thread (tests with a fake clock).
// Callbacks run without any lock held and may schedule or cancel timers. Thread-safe.
//
//   TimerQueue timers(absl::Now);
//   timers.Start();
//   TimerQueue::Id id = timers.RunAt(absl::Now() + absl::Seconds(2), [] { ... });
//   timers.Cancel(id);  // true: it will not run
class TimerQueue {
 public:
  using Id = uint64_t;

  explicit TimerQueue(Clock clock);
  // Stops the thread; timers not yet due never run.
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Runs `callback` once at `when` (as soon as possible when it is already past). Ids are
  // never 0 and never reused.
  Id RunAt(absl::Time when, std::function<void()> callback);
  // Removes a timer that has not run yet; false when it already ran, is running, or is unknown.
  bool Cancel(Id id);

  // Starts the thread that runs timers as they fall due.
  void Start();
  // Stops the thread (waiting for a running callback); timers not yet due never run.
  void Stop();

  // Runs every timer due at clock(), earliest first, in the caller's thread, including timers
  // that those callbacks schedule already due. Returns how many ran.
  int RunDue();

  // Runs every timer now, due or not, earliest first, including timers the callbacks
  // schedule (at most `limit` in all). For shutdown, after Stop(): waits end at once.
  int RunAllNow(int limit = 1000000);

  absl::Time Now() const { return clock_(); }
  // Timers scheduled and not yet run.
  size_t size() const;

 private:
  // Takes the earliest timer if it is due at `now`.
  bool PopDue(absl::Time now, std::function<void()>* callback);
  void RunThread();

  const Clock clock_;
  mutable absl::Mutex mu_;
  // (due time, id) in due order; ids break ties in scheduling order.
  std::map<std::pair<absl::Time, Id>, std::function<void()>> timers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Id, absl::Time> due_by_id_ ABSL_GUARDED_BY(mu_);
  Id next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Bumped when a timer earlier than every other is added, to wake the thread.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wm::command
