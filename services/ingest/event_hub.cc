#include "services/ingest/event_hub.h"

#include <algorithm>

namespace wm::ingest {

Subscription::Subscription(EventFilter filter, size_t capacity, prometheus::Counter& dropped,
                           DelayedRunner* gather, size_t gather_limit)
    : filter_(std::move(filter)),
      capacity_(std::max<size_t>(capacity, 1)),
      dropped_metric_(dropped),
      gather_(gather),
      gather_limit_(std::max<size_t>(std::min(gather_limit, capacity_ / 2), 1)) {}

namespace {

// The event that tells a subscriber it lost `dropped` events at this point of its stream.
EventPtr GapEvent(uint64_t dropped) {
  auto gap = std::make_shared<wm::v1::Event>();
  gap->set_kind(wm::v1::EVENT_KIND_STREAM_GAP);
  gap->mutable_gap()->set_dropped(dropped);
  return gap;
}

}  // namespace

EventPtr Subscription::PopOrArm(bool* more) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) {
    if (dropped_at_tail_ > 0) {
      EventPtr gap = GapEvent(dropped_at_tail_);
      dropped_at_tail_ = 0;
      if (more != nullptr) *more = false;
      return gap;
    }
    armed_ = !closed_;
    if (more != nullptr) *more = false;
    return nullptr;
  }
  Queued& front = queue_.front();
  if (front.dropped_before > 0) {
    EventPtr gap = GapEvent(front.dropped_before);
    front.dropped_before = 0;
    if (more != nullptr) *more = true;
    return gap;
  }
  EventPtr event = std::move(front.event);
  queue_.pop_front();
  if (more != nullptr) *more = !queue_.empty() || dropped_at_tail_ > 0;
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
    ++dropped_at_tail_;
    dropped_metric_.Increment();
    return;
  }
  queue_.push_back({dropped_at_tail_, event});
  dropped_at_tail_ = 0;
  if (gather_ != nullptr && armed_ && queue_.size() < gather_limit_) {
    if (!gathering_) {
      gathering_ = true;
      gather_->Schedule([weak = weak_from_this()] {
        if (auto subscription = weak.lock()) subscription->WakeAfterGathering();
      });
    }
    return;
  }
  WakeLocked(lock);
}

void Subscription::WakeAfterGathering() {
  std::unique_lock<std::mutex> lock(mu_);
  gathering_ = false;
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

EventHub::EventHub(size_t queue_capacity, IngestMetrics& metrics, absl::Duration gather_delay)
    : queue_capacity_(queue_capacity),
      metrics_(metrics),
      gather_(gather_delay > absl::ZeroDuration() ? std::make_unique<DelayedRunner>(gather_delay)
                                                  : nullptr) {}

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
                                                     metrics_.stream_dropped, gather_.get());
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
