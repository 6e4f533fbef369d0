#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "protos/wm/v1/events.pb.h"
#include "absl/time/time.h"
#include "services/ingest/delayed_runner.h"
#include "services/ingest/event_filter.h"
#include "services/ingest/ingest_metrics.h"

namespace wm::ingest {

using EventPtr = std::shared_ptr<const wm::v1::Event>;

// One subscriber's bounded queue of events. The hub pushes, the subscriber's stream pops.
// When the queue is full, new events are dropped for this subscriber alone and counted; the
// next event the subscriber pops is then a STREAM_GAP event with the number it missed.
// Thread-safe.
class Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  // With a `gather` runner, an event arriving for an idle stream does not wake it at once: the
  // wakeup comes after the runner's delay (or as soon as `gather_limit` events wait), so the
  // stream writes what gathered in one burst. Without one, every event wakes it at once.
  Subscription(EventFilter filter, size_t capacity, prometheus::Counter& dropped,
               DelayedRunner* gather = nullptr, size_t gather_limit = 256);

  // Takes the next event. When none is queued, returns nullptr and arms the wakeup: the next
  // push (or Close) calls it once, from the pushing thread (or from the gather runner's).
  // `more` (optional) tells whether another event is already queued behind the one returned.
  EventPtr PopOrArm(bool* more = nullptr);
  // Sets the function called when an event arrives for an armed, empty queue.
  void SetWakeup(std::function<void()> wakeup);
  // Clears the wakeup and waits until a wakeup running on another thread has returned, so
  // the owner of the wakeup can be destroyed afterwards.
  void Detach();
  // No more events will come: the stream ends once the queue is drained.
  void Close();
  bool closed() const;
  uint64_t dropped() const;

 private:
  friend class EventHub;
  // Queues `event` if it matches the filter. `force` ignores the capacity (snapshot).
  void Offer(const EventPtr& event, bool force);
  void WakeLocked(std::unique_lock<std::mutex>& lock);
  // The gather runner's delayed wakeup.
  void WakeAfterGathering();

  const EventFilter filter_;
  const size_t capacity_;
  prometheus::Counter& dropped_metric_;
  DelayedRunner* const gather_;
  const size_t gather_limit_;

  mutable std::mutex mu_;
  std::condition_variable wakeup_done_;
  struct Queued {
    uint64_t dropped_before;  // events dropped between the previous queued one and this one
    EventPtr event;
  };
  std::deque<Queued> queue_;
  std::function<void()> wakeup_;
  bool armed_ = false;
  bool gathering_ = false;  // a delayed wakeup is scheduled
  int wakeups_running_ = 0;
  bool closed_ = false;
  uint64_t dropped_ = 0;
  uint64_t dropped_at_tail_ = 0;  // dropped after the last queued event, not yet reported
};

// Fans events out to subscribers. Assigns each published event the next sequence number and
// keeps the latest status of every gateway, which new subscribers receive first (marked as
// snapshot) so that a consumer starting after ingest misses nothing.
class EventHub {
 public:
  // `gather_delay` > 0 lets events gather that long for an idle stream before it is woken
  // (see Subscription): a little latency for far less CPU per event at high rates.
  EventHub(size_t queue_capacity, IngestMetrics& metrics,
           absl::Duration gather_delay = absl::ZeroDuration());

  // Stamps the next sequence number on `event` and delivers it to every matching subscriber.
  // Returns the sequence number.
  uint64_t Publish(std::unique_ptr<wm::v1::Event> event);

  // Opens a subscription. Unless `skip_snapshot`, it starts with the latest status event of
  // every known gateway that matches. Returns nullptr once the hub is closed.
  std::shared_ptr<Subscription> Subscribe(const wm::v1::SubscribeRequest& request);
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

  // Stops accepting subscribers and closes every subscription (streams drain, then end).
  void Close();

  size_t subscriber_count() const;
  // Latest status per gateway, ordered by sequence.
  std::vector<EventPtr> Snapshot() const;

 private:
  const size_t queue_capacity_;
  IngestMetrics& metrics_;
  std::unique_ptr<DelayedRunner> gather_;  // null when events wake streams at once

  mutable std::mutex mu_;
  uint64_t next_sequence_ = 1;
  bool closed_ = false;
  std::vector<std::shared_ptr<Subscription>> subscribers_;
  // Latest status per gateway, already marked as snapshot.
  absl::flat_hash_map<std::string, EventPtr> latest_status_;
};

}  // namespace wm::ingest
