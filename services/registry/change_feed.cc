#include "services/registry/change_feed.h"

#include <algorithm>

namespace wm::registry {
namespace {

wm::v1::ChangeEntity EntityOf(const wm::v1::RegistryChange& change) {
  switch (change.entity_case()) {
    case wm::v1::RegistryChange::kGateway:
      return wm::v1::CHANGE_ENTITY_GATEWAY;
    case wm::v1::RegistryChange::kSink:
      return wm::v1::CHANGE_ENTITY_SINK;
    case wm::v1::RegistryChange::kNode:
      return wm::v1::CHANGE_ENTITY_NODE;
    default:
      return wm::v1::CHANGE_ENTITY_UNSPECIFIED;
  }
}

// The message that tells a watcher it lost `dropped` changes at this point of its stream.
ChangePtr GapChange(uint64_t dropped) {
  auto gap = std::make_shared<wm::v1::RegistryChange>();
  gap->set_kind(wm::v1::CHANGE_KIND_GAP);
  gap->set_dropped(dropped);
  return gap;
}

}  // namespace

ChangeWatcher::ChangeWatcher(std::vector<wm::v1::ChangeEntity> entities, size_t capacity,
                             prometheus::Counter& dropped)
    : entities_(std::move(entities)),
      capacity_(std::max<size_t>(capacity, 1)),
      dropped_metric_(dropped) {}

bool ChangeWatcher::Matches(const wm::v1::RegistryChange& change) const {
  if (entities_.empty()) return true;
  return std::find(entities_.begin(), entities_.end(), EntityOf(change)) != entities_.end();
}

ChangePtr ChangeWatcher::PopOrArm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) {
    if (dropped_at_tail_ > 0) {
      ChangePtr gap = GapChange(dropped_at_tail_);
      dropped_at_tail_ = 0;
      return gap;
    }
    armed_ = !closed_;
    return nullptr;
  }
  Queued& front = queue_.front();
  if (front.dropped_before > 0) {
    ChangePtr gap = GapChange(front.dropped_before);
    front.dropped_before = 0;
    return gap;
  }
  ChangePtr change = std::move(front.change);
  queue_.pop_front();
  return change;
}

void ChangeWatcher::SetWakeup(std::function<void()> wakeup) {
  std::lock_guard<std::mutex> lock(mu_);
  wakeup_ = std::move(wakeup);
}

void ChangeWatcher::Detach() {
  std::unique_lock<std::mutex> lock(mu_);
  wakeup_ = nullptr;
  armed_ = false;
  wakeup_done_.wait(lock, [this] { return wakeups_running_ == 0; });
}

void ChangeWatcher::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  WakeLocked(lock);
}

bool ChangeWatcher::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

uint64_t ChangeWatcher::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void ChangeWatcher::Offer(const ChangePtr& change) {
  if (!Matches(*change)) return;
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return;
  if (queue_.size() >= capacity_) {
    ++dropped_;
    ++dropped_at_tail_;
    dropped_metric_.Increment();
    return;
  }
  queue_.push_back({dropped_at_tail_, change});
  dropped_at_tail_ = 0;
  WakeLocked(lock);
}

void ChangeWatcher::WakeLocked(std::unique_lock<std::mutex>& lock) {
  if (!armed_ || !wakeup_) return;
  armed_ = false;
  std::function<void()> wakeup = wakeup_;
  ++wakeups_running_;
  lock.unlock();
  wakeup();
  lock.lock();
  if (--wakeups_running_ == 0) wakeup_done_.notify_all();
}

ChangeFeed::ChangeFeed(size_t capacity, prometheus::Counter& dropped, prometheus::Gauge& watchers)
    : capacity_(capacity), dropped_(dropped), watchers_gauge_(watchers) {}

void ChangeFeed::Publish(const ChangePtr& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& watcher : watchers_) watcher->Offer(change);
}

std::shared_ptr<ChangeWatcher> ChangeFeed::Watch(const wm::v1::WatchChangesRequest& request) {
  std::vector<wm::v1::ChangeEntity> entities;
  for (int entity : request.entities()) {
    entities.push_back(static_cast<wm::v1::ChangeEntity>(entity));
  }
  auto watcher = std::make_shared<ChangeWatcher>(std::move(entities), capacity_, dropped_);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return nullptr;
  watchers_.push_back(watcher);
  watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
  watchers_gauge_.Set(static_cast<double>(watchers_.size()));
  return watcher;
}

void ChangeFeed::Unwatch(const std::shared_ptr<ChangeWatcher>& watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), watcher), watchers_.end());
  watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
  watchers_gauge_.Set(static_cast<double>(watchers_.size()));
}

void ChangeFeed::Close() {
  std::vector<std::shared_ptr<ChangeWatcher>> watchers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    watchers = watchers_;
  }
  for (const auto& watcher : watchers) watcher->Close();
}

}  // namespace wm::registry
