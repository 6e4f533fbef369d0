#pragma once

#include <cstdint>

namespace wm::registry {

// When a fact a gateway reported (its status, its sink list, a sink's configuration) happened,
// on the two clocks an event carries, so that facts are applied in the order the gateway made
// them rather than the order they arrived in (docs/ordering.md):
//   - gateway_ms: the gateway's own clock, the message header's time_ms_epoch; 0 when the
//     message carried none. Only compared with times of the same gateway.
//   - received_ms: wm-ingest's clock, when it received the message.
//
//   FactTime fact{event.gateway_time_ms_epoch(), event.ingest_time_ms_epoch()};
//   if (NotOlder(fact, entry.applied)) {
//     ...apply...;
//     entry.applied = Advance(entry.applied, fact);
//   }
struct FactTime {
  int64_t gateway_ms = 0;
  int64_t received_ms = 0;

  friend bool operator==(const FactTime& a, const FactTime& b) {
    return a.gateway_ms == b.gateway_ms && a.received_ms == b.received_ms;
  }
  friend bool operator!=(const FactTime& a, const FactTime& b) { return !(a == b); }
};

// Whether a fact made at `fact` may replace what was applied at `applied`: by the gateway's
// clock when both carry its time (a tie replaces), otherwise by reception (a message received
// at or after the applied one replaces it).
bool NotOlder(const FactTime& fact, const FactTime& applied);

// What `applied` becomes once `fact` replaced it: the fact's reception time (never going back)
// and its gateway time, or the applied gateway time when the fact had none, so that a message
// without a time does not let an older timed message that arrives later win.
FactTime Advance(const FactTime& applied, const FactTime& fact);

}  // namespace wm::registry
