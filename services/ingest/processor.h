#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/decoders/registry.h"
#include "libs/observability/logging.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "services/ingest/deduplicator.h"
#include "services/ingest/event_hub.h"
#include "services/ingest/ingest_metrics.h"

namespace wm::ingest {

// Turns MQTT messages of the gateway API into wm.v1 events: parses the topic and the
// GenericMessage, drops duplicates, decodes payloads of known endpoint pairs and publishes
// the result on the hub. Bad input is counted (wm_ingest_decode_errors_total) and logged at a
// bounded rate, never fatal; a payload that fails to decode still goes out with its raw bytes.
//
// Not thread-safe: one MQTT client thread calls Handle().
class IngestProcessor {
 public:
  using Clock = base::Clock;

  IngestProcessor(EventHub& hub, EventDeduplicator::Options dedup,
                  decoders::DecoderRegistry decoders, IngestMetrics& metrics,
                  Clock clock = absl::Now);

  // Handles one message as received from the broker.
  void Handle(std::string_view topic, std::string_view payload, bool retained);

  // Seeds the deduplicator with an event loaded from the disk log (a received packet's
  // gateway and event id, seen at its ingest time), so that a packet the broker delivers
  // again after a restart (persisted, but not yet acknowledged when ingest stopped) is
  // dropped as a duplicate. Other events are ignored.
  void RememberLoaded(const wm::v1::Event& event);

 private:
  void HandleStatus(const wirepas::Topic& topic, std::string_view payload, bool retained);
  void HandleReceivedData(const wirepas::Topic& topic, std::string_view payload);
  void HandleResponse(const wirepas::Topic& topic, std::string_view payload);
  void HandleDownlink(const wirepas::Topic& topic, std::string_view payload);

  // Parses `payload` into message_ and checks it carries `expected`; counts and logs failures.
  bool ParseExpected(std::string_view topic_text, std::string_view payload,
                     wirepas::PayloadKind expected);
  void Decode(wm::v1::PacketReceived* packet);
  std::unique_ptr<wm::v1::Event> NewEvent(wm::v1::EventKind kind, const wirepas::Topic& topic);
  void Reject(prometheus::Counter& counter, std::string_view kind, std::string_view detail);

  EventHub& hub_;
  EventDeduplicator dedup_;
  const decoders::DecoderRegistry decoders_;
  IngestMetrics& metrics_;
  Clock clock_;
  observability::RateLimitedLog bad_input_log_;

  wirepas::GenericMessage message_;  // reused between messages to spare allocations
  // The last status payload of each gateway: a byte-identical status (MQTT redelivery, the
  // retained copy after a resubscribe) is a duplicate. A repeated last will after a new
  // ONLINE status is not, although it carries the same stale event id. A cleared gateway
  // keeps an empty entry, so a repeated clear is a duplicate too.
  absl::flat_hash_map<std::string, std::string> last_status_;
};

}  // namespace wm::ingest
