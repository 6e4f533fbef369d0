#include "services/ingest/event_hub.h"

#include <algorithm>

namespace wm::ingest {

Subscription::Subscription(EventFilter filter, size_t capacity, prometheus::Counter& dropped)
    : filter_(std::move(filter)), capacity_(std::max<size_t>(capacity, 1)),
      dropped_metric_(dropped) {}

EventPtr Subscription::PopOrArm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) {
    armed_ = !closed_;
    return nullptr;
  }
  EventPtr event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

void Subscription::SetWakeup(std::function<void()> wakeup) {
  std::lock_guard<std::mutex> lock(mu_);
  wakeup_ = std::move(wakeup);
}

void Subscription::Detach() {
  std::unique_lock<std::mutex> lock(mu_);
  wakeup_ = nullptr;
  armed_ = false;
  wakeup_done_.wait(lock, [this] { return wakeups_running_ == 0; });
}

void Subscription::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  WakeLocked(lock);
}

bool Subscription::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

uint64_t Subscription::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void Subscription::Offer(const EventPtr& event, bool force) {
  if (!filter_.Matches(*event)) return;
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return;
  if (!force && queue_.size() >= capacity_) {
    ++dropped_;
    dropped_metric_.Increment();
    return;
  }
  queue_.push_back(event);
  WakeLocked(lock);
}

void Subscription::WakeLocked(std::unique_lock<std::mutex>& lock) {
  if (!armed_ || !wakeup_) return;
  armed_ = false;
  std::function<void()> wakeup = wakeup_;
  ++wakeups_running_;
  lock.unlock();
  wakeup();
  lock.lock();
  if (--wakeups_running_ == 0) wakeup_done_.notify_all();
}

EventHub::EventHub(size_t queue_capacity, IngestMetrics& metrics)
    : queue_capacity_(queue_capacity), metrics_(metrics) {}

uint64_t EventHub::Publish(std::unique_ptr<wm::v1::Event> event) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t sequence = next_sequence_++;
  event->set_sequence(sequence);
  EventPtr shared(std::move(event));
  if (shared->kind() == wm::v1::EVENT_KIND_GATEWAY_STATUS) {
    if (shared->status().state() == wm::v1::GATEWAY_STATE_REMOVED) {
      latest_status_.erase(shared->gateway_id());
    } else {
      auto snapshot = std::make_shared<wm::v1::Event>(*shared);
      snapshot->set_snapshot(true);
      latest_status_[shared->gateway_id()] = std::move(snapshot);
    }
  }
  for (const auto& subscriber : subscribers_) subscriber->Offer(shared, /*force=*/false);
  return sequence;
}

std::shared_ptr<Subscription> EventHub::Subscribe(const wm::v1::SubscribeRequest& request) {
  auto subscription = std::make_shared<Subscription>(EventFilter(request), queue_capacity_,
                                                     metrics_.stream_dropped);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return nullptr;
  if (!request.skip_snapshot()) {
    std::vector<EventPtr> snapshot;
    snapshot.reserve(latest_status_.size());
    for (const auto& [gateway, event] : latest_status_) snapshot.push_back(event);
    std::sort(snapshot.begin(), snapshot.end(),
              [](const EventPtr& a, const EventPtr& b) { return a->sequence() < b->sequence(); });
    // The snapshot is bounded by the number of gateways, so it may exceed the queue size.
    for (const EventPtr& event : snapshot) subscription->Offer(event, /*force=*/true);
  }
  subscribers_.push_back(subscription);
  metrics_.subscribers.Set(static_cast<double>(subscribers_.size()));
  return subscription;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), subscription),
                     subscribers_.end());
  metrics_.subscribers.Set(static_cast<double>(subscribers_.size()));
}

void EventHub::Close() {
  std::vector<std::shared_ptr<Subscription>> subscribers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    subscribers = subscribers_;
  }
  for (const auto& subscriber : subscribers) subscriber->Close();
}

size_t EventHub::subscriber_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subscribers_.size();
}

std::vector<EventPtr> EventHub::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EventPtr> snapshot;
  for (const auto& [gateway, event] : latest_status_) snapshot.push_back(event);
  std::sort(snapshot.begin(), snapshot.end(),
            [](const EventPtr& a, const EventPtr& b) { return a->sequence() < b->sequence(); });
  return snapshot;
}

}  // namespace wm::ingest
