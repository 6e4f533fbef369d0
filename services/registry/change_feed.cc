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

// Whether a watcher of `entities` (empty: all) wants `change`.
bool Wants(const std::vector<wm::v1::ChangeEntity>& entities,
           const wm::v1::RegistryChange& change) {
  if (entities.empty()) return true;
  return std::find(entities.begin(), entities.end(), EntityOf(change)) != entities.end();
}

// The message that tells a watcher it lost `dropped` changes at this point of its stream.
ChangePtr GapChange(uint64_t dropped) {
  auto gap = std::make_shared<wm::v1::RegistryChange>();
  gap->set_kind(wm::v1::CHANGE_KIND_GAP);
  gap->set_dropped(dropped);
  return gap;
}

}  // namespace

ChangeFeed::ChangeFeed(size_t capacity, prometheus::Counter& dropped, prometheus::Gauge& watchers)
    : capacity_(capacity), dropped_(dropped), watchers_gauge_(watchers) {}

void ChangeFeed::Publish(const ChangePtr& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Watcher& watcher : watchers_) {
    if (!Wants(watcher.entities, *change)) continue;
    if (watcher.queue->Push(change) == ChangeWatcher::PushResult::kDropped) dropped_.Increment();
  }
}

std::shared_ptr<ChangeWatcher> ChangeFeed::Watch(const wm::v1::WatchChangesRequest& request) {
  Watcher watcher{{}, std::make_shared<ChangeWatcher>(capacity_, GapChange)};
  for (int entity : request.entities()) {
    watcher.entities.push_back(static_cast<wm::v1::ChangeEntity>(entity));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return nullptr;
  std::shared_ptr<ChangeWatcher> queue = watcher.queue;
  watchers_.push_back(std::move(watcher));
  watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
  watchers_gauge_.Set(static_cast<double>(watchers_.size()));
  return queue;
}

void ChangeFeed::Unwatch(const std::shared_ptr<ChangeWatcher>& watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const Watcher& w) { return w.queue == watcher; }),
                  watchers_.end());
  watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
  watchers_gauge_.Set(static_cast<double>(watchers_.size()));
}

void ChangeFeed::Close() {
  std::vector<std::shared_ptr<ChangeWatcher>> queues;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (const Watcher& watcher : watchers_) queues.push_back(watcher.queue);
  }
  for (const auto& queue : queues) queue->Close();
}

}  // namespace wm::registry
