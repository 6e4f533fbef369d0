#pragma once

#include <optional>
#include <string_view>

#include "protos/wm/v1/events.pb.h"

namespace wm::eventstream {

// What a service that follows wm-ingest's event stream gives its IngestFollower: where to
// resume, what to do with each event, and what to tell readiness. The contract every consumer
// keeps (docs/following-ingest.md):
//   - Apply changes the service's state and remembers the event's position (stream_epoch,
//     sequence) in the same transaction, under the same lock, so that the stored state and
//     the stored position always agree after a crash;
//   - ResumePosition answers that remembered position: at start the stored one, later the
//     latest applied;
//   - an event at or before the applied position is not applied again (kDuplicate).
//
//   class HistoryConsumer final : public eventstream::IngestConsumer {
//     std::optional<wm::v1::StreamPosition> ResumePosition() override { return db_.Position(); }
//     Outcome Apply(const wm::v1::Event& e) override { return db_.Insert(e); }
//     void OnConnectionChange(bool up, std::string_view why) override { ready_.Set(up, why); }
//   };
class IngestConsumer {
 public:
  // What Apply did with an event.
  enum class Outcome {
    kApplied,
    // At or before the position already applied: skipped (counted in
    // <prefix>_duplicates_total).
    kDuplicate,
  };

  virtual ~IngestConsumer() = default;

  // The position of the last event applied, or nullopt when none ever was (the stream then
  // starts with the status snapshot). Asked once at start and before every (re)connect, from
  // the follower's thread.
  virtual std::optional<wm::v1::StreamPosition> ResumePosition() = 0;

  // Applies one event, in stream order, from a gRPC thread; never a STREAM_GAP (the follower
  // counts and logs those). Snapshot events (`snapshot` set) keep old sequences: apply them
  // without moving the position back.
  virtual Outcome Apply(const wm::v1::Event& event) = 0;

  // Called with true when a stream is open (ingest answered), false when it ended or ingest
  // refused this service's identity; `why` says which, for readiness (empty when connected).
  virtual void OnConnectionChange(bool connected, std::string_view why) = 0;
};

}  // namespace wm::eventstream
