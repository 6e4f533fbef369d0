#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace wm::observability {

// Whether a service should receive traffic: a set of named conditions ("mqtt", "subscribed",
// "database"), each ready or not with a reason, plus a draining flag set on shutdown. The
// service is ready when every condition is ready and it is not draining; a service without
// conditions is ready until it drains. Thread-safe.
//
//   Readiness readiness;
//   readiness.Declare("mqtt", "connecting");
//   ...  // from the MQTT client's callbacks:
//   readiness.Set("mqtt", true);
//   readiness.Set("mqtt", false, "connection lost");
class Readiness {
 public:
  // Called with the new overall state whenever it changes.
  using Listener = std::function<void(bool ready)>;

  Readiness() = default;
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // Adds a condition that starts not ready with `reason`. Declaring an existing name resets it.
  void Declare(std::string_view name, std::string_view reason = "starting");
  // Sets a condition, declaring it if needed. `reason` says why it is not ready.
  void Set(std::string_view name, bool ready, std::string_view reason = "");
  // From now on the service is not ready, whatever the conditions say. Cannot be undone.
  void SetDraining();

  bool IsReady() const;
  bool IsDraining() const;
  // "name: reason" for every condition not ready, plus "draining" when draining; empty when
  // ready. Sorted by name.
  std::vector<std::string> FailingConditions() const;

  // Registers `listener` and calls it once at once with the current state, then on every
  // change of the overall state, always from one thread at a time and never with a stale
  // state last. A listener may read this Readiness but must not change it, add or remove
  // listeners. Returns an id for RemoveListener.
  int AddListener(Listener listener);
  // After this returns the listener is not running and will not be called again.
  void RemoveListener(int id);

 private:
  struct Condition {
    bool ready = false;
    std::string reason;
  };
  bool IsReadyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings listeners up to date with the current state.
  void Notify();

  mutable absl::Mutex mu_;
  std::map<std::string, Condition, std::less<>> conditions_ ABSL_GUARDED_BY(mu_);
  bool draining_ ABSL_GUARDED_BY(mu_) = false;

  // Held while listeners run, so notifications are serialized and in order; taken before mu_.
  absl::Mutex notify_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(notify_mu_);
  int next_listener_id_ ABSL_GUARDED_BY(notify_mu_) = 1;
  // The state listeners last heard about.
  bool notified_ready_ ABSL_GUARDED_BY(notify_mu_) = false;
  bool notified_ ABSL_GUARDED_BY(notify_mu_) = false;
};

}  // namespace wm::observability
