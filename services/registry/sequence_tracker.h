#pragma once

#include <cstdint>

#include "protos/wm/v1/events.pb.h"

namespace wm::registry {

// Watches the sequence numbers of wm-ingest's event streams, across reconnects, for the two
// things a follower must notice:
//   - a STREAM_GAP event: ingest dropped events this client read too slowly;
//   - a restart: ingest numbers its events from 1 again, so a live event whose sequence is not
//     above the highest one seen means a new ingest process (the snapshot that opens the new
//     stream then re-delivers every gateway's status).
// Snapshot events keep their original sequence and say nothing about restarts.
//
//   SequenceTracker tracker;
//   tracker.StartStream();                 // at every (re)connect
//   switch (tracker.Observe(event).kind) { ... }
class SequenceTracker {
 public:
  enum class Kind {
    kEvent,    // an event in order (or a snapshot event)
    kGap,      // a STREAM_GAP event; `dropped` events were lost
    kRestart,  // the first live event of a restarted ingest
  };
  struct Observation {
    Kind kind = Kind::kEvent;
    uint64_t dropped = 0;
    uint64_t previous_sequence = 0;  // kRestart: the highest sequence of the old process
  };

  // A new stream begins (first connect or reconnect).
  void StartStream() { ++streams_; }
  Observation Observe(const wm::v1::Event& event);

  uint64_t last_sequence() const { return last_sequence_; }
  uint64_t streams() const { return streams_; }

 private:
  uint64_t last_sequence_ = 0;  // highest live sequence seen, from the current ingest process
  uint64_t streams_ = 0;
};

}  // namespace wm::registry
