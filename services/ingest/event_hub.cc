#include "services/ingest/event_hub.h"

#include <algorithm>

namespace wm::ingest {
namespace {

// The event that tells a subscriber it lost `dropped` events at this point of its stream.
EventPtr GapEvent(uint64_t dropped) {
  auto gap = std::make_shared<wm::v1::Event>();
  gap->set_kind(wm::v1::EVENT_KIND_STREAM_GAP);
  gap->mutable_gap()->set_dropped(dropped);
  return gap;
}

}  // namespace

EventHub::EventHub(size_t queue_capacity, IngestMetrics& metrics, absl::Duration gather_delay,
                   RemovedGatewayRetention removed_retention)
    : queue_capacity_(queue_capacity),
      metrics_(metrics),
      gather_(gather_delay > absl::ZeroDuration()
                  ? std::make_unique<grpcutil::DelayedRunner>(gather_delay)
                  : nullptr),
      removed_retention_(std::move(removed_retention)) {}

void EventHub::Offer(const Subscriber& subscriber, const EventPtr& event, bool force) {
  if (!subscriber.filter.Matches(*event)) return;
  if (subscriber.queue->Push(event, force) == Subscription::PushResult::kDropped) {
    metrics_.stream_dropped.Increment();
  }
}

uint64_t EventHub::Publish(std::unique_ptr<wm::v1::Event> event) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t sequence = next_sequence_++;
  event->set_sequence(sequence);
  EventPtr shared(std::move(event));
  if (shared->kind() == wm::v1::EVENT_KIND_GATEWAY_STATUS) RememberStatusLocked(shared);
  for (const Subscriber& subscriber : subscribers_) Offer(subscriber, shared, /*force=*/false);
  return sequence;
}

void EventHub::RememberStatusLocked(const EventPtr& event) {
  auto snapshot = std::make_shared<wm::v1::Event>(*event);
  snapshot->set_snapshot(true);
  const std::string& gateway = event->gateway_id();
  if (event->status().state() != wm::v1::GATEWAY_STATE_REMOVED) {
    removed_.erase(gateway);
    latest_status_[gateway] = std::move(snapshot);
    return;
  }
  latest_status_.erase(gateway);
  removed_[gateway] = std::move(snapshot);
  ForgetOldRemovalsLocked();
}

void EventHub::ForgetOldRemovalsLocked() {
  const int64_t oldest_ms =
      absl::ToUnixMillis(removed_retention_.clock() - removed_retention_.max_age);
  absl::erase_if(removed_, [oldest_ms](const auto& entry) {
    return static_cast<int64_t>(entry.second->ingest_time_ms_epoch()) < oldest_ms;
  });
  while (removed_.size() > removed_retention_.max_count) {
    auto oldest = std::min_element(
        removed_.begin(), removed_.end(),
        [](const auto& a, const auto& b) { return a.second->sequence() < b.second->sequence(); });
    removed_.erase(oldest);
  }
}

std::shared_ptr<Subscription> EventHub::Subscribe(const wm::v1::SubscribeRequest& request) {
  Subscriber subscriber{EventFilter(request),
                        std::make_shared<Subscription>(queue_capacity_, GapEvent, gather_.get())};
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return nullptr;
  if (!request.skip_snapshot()) {
    ForgetOldRemovalsLocked();
    std::vector<EventPtr> snapshot;
    snapshot.reserve(latest_status_.size() + removed_.size());
    for (const auto& [gateway, event] : latest_status_) snapshot.push_back(event);
    for (const auto& [gateway, event] : removed_) snapshot.push_back(event);
    std::sort(snapshot.begin(), snapshot.end(),
              [](const EventPtr& a, const EventPtr& b) { return a->sequence() < b->sequence(); });
    // The snapshot is bounded by the number of gateways, so it may exceed the queue size.
    for (const EventPtr& event : snapshot) Offer(subscriber, event, /*force=*/true);
  }
  std::shared_ptr<Subscription> subscription = subscriber.queue;
  subscribers_.push_back(std::move(subscriber));
  metrics_.subscribers.Set(static_cast<double>(subscribers_.size()));
  return subscription;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                    [&](const Subscriber& s) { return s.queue == subscription; }),
                     subscribers_.end());
  metrics_.subscribers.Set(static_cast<double>(subscribers_.size()));
}

void EventHub::Close() {
  std::vector<std::shared_ptr<Subscription>> queues;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (const Subscriber& subscriber : subscribers_) queues.push_back(subscriber.queue);
  }
  for (const auto& queue : queues) queue->Close();
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
