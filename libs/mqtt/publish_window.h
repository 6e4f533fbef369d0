#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace wm::mqtt {

// The messages a publisher handed to the MQTT library and that are not yet done (sent for
// QoS 0, acknowledged by the broker for QoS 1/2), by message id: the bound on how many may be
// queued (Publish's ResourceExhausted), the room a saturated publisher waits for, and the
// waiters of PublishAndWait. It knows nothing of sockets, so it is tested without a broker.
//
//   if (absl::Status room = window.Reserve(); !room.ok()) return room;
//   auto waiter = window.NewWaiter();             // only for PublishAndWait
//   int mid = ...;                                // the library takes the message
//   window.Register(mid, qos, waiter);            // or Release() when it refused it
//   window.Acknowledge(mid);                      // the library's "done" callback
//   return PublishWindow::Wait(*waiter, timeout);
//
// Every message reserved ends exactly once: acknowledged (ok), failed by FailPending or
// given up when its id is reused; each end calls `on_done` with the status, then wakes its
// waiter (which so sees the metrics `on_done` counted) and frees its slot. A waiter is always
// woken, also when `on_done` throws (the exception then goes on to the caller).
// Thread-safe.
class PublishWindow {
 public:
  // What PublishAndWait waits for; `status` is written before `done` is notified.
  struct Waiter {
    absl::Notification done;
    absl::Status status;
  };
  // Told of every message that ends (for metrics and logs), before its waiter is woken; runs
  // on the thread that ends the message, with no lock of the window held.
  using DoneObserver = std::function<void(const absl::Status&)>;

  // `max_queued` messages at most (1..65535).
  explicit PublishWindow(int max_queued, DoneObserver on_done = nullptr);
  PublishWindow(const PublishWindow&) = delete;
  PublishWindow& operator=(const PublishWindow&) = delete;

  // Takes a slot for a message about to be handed to the library; ResourceExhausted when
  // `max_queued` messages are not yet done. Each OK is followed by Register or Release.
  absl::Status Reserve();
  // Gives back a slot whose message the library refused (it never ends: `on_done` is not
  // called).
  void Release();
  static std::shared_ptr<Waiter> NewWaiter() { return std::make_shared<Waiter>(); }
  // Records the message the library took as `mid`; ends it at once when the library already
  // reported it done. A message still pending under the same id (ids are 16 bits) is given up
  // with DeadlineExceeded.
  void Register(int mid, int qos, std::shared_ptr<Waiter> waiter);
  // The library reports message `mid` done: ends it OK. May come before Register.
  void Acknowledge(int mid);
  // Ends the pending messages with `status` (only the QoS 0 ones when `qos0_only`: on a new
  // connection the library sends QoS 1/2 messages again) and forgets early acknowledgements.
  void FailPending(const absl::Status& status, bool qos0_only);
  // Some registered message is not yet done.
  bool HasPending() const;
  // Messages reserved and not yet done.
  int queued() const { return queued_.load(); }
  bool HasRoom() const { return queued_.load() < max_queued_; }

  // Waits until the queue is down to three quarters of `max_queued` (so that a saturated
  // publisher does not wake for every acknowledgement), `stopped()` holds (checked whenever
  // WakeRoomWaiters is called) or `timeout`; then returns HasRoom() && !stopped().
  bool WaitForRoom(absl::Duration timeout, const std::function<bool()>& stopped);
  // Makes WaitForRoom look at `stopped` again.
  void WakeRoomWaiters();

  // Waits for `waiter`: its status, or DeadlineExceeded after `timeout`.
  static absl::Status Wait(Waiter& waiter, absl::Duration timeout);

 private:
  struct Pending {
    int qos = 0;
    // The library reported it done before Register.
    bool done_early = false;
    std::shared_ptr<Waiter> waiter;
  };

  // Tells `on_done_`, then wakes `waiter` and frees the slot (also when `on_done_` throws).
  void Finish(const absl::Status& status, const std::shared_ptr<Waiter>& waiter);
  // Wakes `waiter` with `status` and frees the slot.
  void Wake(const absl::Status& status, const std::shared_ptr<Waiter>& waiter);

  const int max_queued_;
  // WaitForRoom wakes when queued_ drops to room_mark_.
  const int room_mark_;
  const DoneObserver on_done_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<int, Pending> pending_ ABSL_GUARDED_BY(mu_);
  // Messages reserved and not yet done.
  std::atomic<int> queued_{0};
  std::atomic<int> room_waiters_{0};
  absl::Mutex room_mu_;
};

}  // namespace wm::mqtt
