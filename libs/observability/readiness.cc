#include "libs/observability/readiness.h"

#include <utility>

namespace wm::observability {

void Readiness::Declare(std::string_view name, std::string_view reason) {
  {
    absl::MutexLock lock(&mu_);
    conditions_[std::string(name)] = Condition{false, std::string(reason)};
  }
  Notify();
}

void Readiness::Set(std::string_view name, bool ready, std::string_view reason) {
  {
    absl::MutexLock lock(&mu_);
    Condition& condition = conditions_[std::string(name)];
    condition.ready = ready;
    condition.reason = ready ? "" : std::string(reason.empty() ? "not ready" : reason);
  }
  Notify();
}

void Readiness::SetDraining() {
  {
    absl::MutexLock lock(&mu_);
    draining_ = true;
  }
  Notify();
}

bool Readiness::IsReadyLocked() const {
  if (draining_) return false;
  for (const auto& [name, condition] : conditions_) {
    if (!condition.ready) return false;
  }
  return true;
}

bool Readiness::IsReady() const {
  absl::MutexLock lock(&mu_);
  return IsReadyLocked();
}

bool Readiness::IsDraining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

std::vector<std::string> Readiness::FailingConditions() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> failing;
  for (const auto& [name, condition] : conditions_) {
    if (!condition.ready) failing.push_back(name + ": " + condition.reason);
  }
  if (draining_) failing.push_back("draining");
  return failing;
}

void Readiness::Notify() {
  absl::MutexLock notify_lock(&notify_mu_);
  // Read the state after taking notify_mu_: whichever thread notifies last sees the latest
  // state, so listeners never end on a stale one.
  bool ready = IsReady();
  if (notified_ && ready == notified_ready_) return;
  notified_ = true;
  notified_ready_ = ready;
  for (auto& [id, listener] : listeners_) listener(ready);
}

int Readiness::AddListener(Listener listener) {
  absl::MutexLock notify_lock(&notify_mu_);
  int id = next_listener_id_++;
  bool ready = IsReady();
  // Bring the existing listeners up to date first, so all of them agree with the new one.
  if (!notified_ || ready != notified_ready_) {
    notified_ = true;
    notified_ready_ = ready;
    for (auto& [other_id, other] : listeners_) other(ready);
  }
  listener(ready);
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Readiness::RemoveListener(int id) {
  absl::MutexLock notify_lock(&notify_mu_);
  listeners_.erase(id);
}

}  // namespace wm::observability
