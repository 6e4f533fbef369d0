#pragma once

#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace wm::ingest {

// Every metric wm-ingest exports, declared in one place. Label values are a fixed set,
// resolved once here so the hot path only increments.
class IngestMetrics {
 public:
  explicit IngestMetrics(prometheus::Registry& registry);

  // wm_ingest_messages_total{kind}: events emitted, by kind.
  prometheus::Counter& status_messages;
  prometheus::Counter& packet_messages;
  prometheus::Counter& response_messages;
  prometheus::Counter& downlink_messages;
  // wm_ingest_duplicates_total: packets dropped as already seen.
  prometheus::Counter& duplicates;
  // wm_ingest_decode_errors_total{reason}. Messages with these errors are dropped, except
  // payload errors, whose raw bytes still reach subscribers.
  prometheus::Counter& topic_errors;        // reason="topic": unknown or malformed topic
  prometheus::Counter& protobuf_errors;     // reason="protobuf": not a GenericMessage
  prometheus::Counter& message_errors;      // reason="message": wrong or incomplete content
  prometheus::Counter& payload_errors(std::string_view decoder_reason);
  // wm_ingest_subscribers: open Subscribe streams.
  prometheus::Gauge& subscribers;
  // wm_ingest_stream_dropped_total: events a slow subscriber could not take.
  prometheus::Counter& stream_dropped;
  // wm_ingest_replay_log_events: events in the replay log. wm_ingest_replay_log_age_seconds:
  // how long ago the oldest of them was published. Both updated whenever an event is
  // published or a stream opens.
  prometheus::Gauge& replay_log_events;
  prometheus::Gauge& replay_log_age;
  // wm_ingest_resumes_total: Subscribe streams opened with a resume position.
  prometheus::Counter& resumes;
  // wm_ingest_replayed_events_total: events queued from the replay log for resumed streams.
  prometheus::Counter& replayed_events;
  // wm_ingest_resume_gaps_total{reason}: resumes the log could not continue, which started
  // with a STREAM_GAP: reason="too_old" (the count is known), "unknown" (another epoch).
  prometheus::Counter& resume_too_old;
  prometheus::Counter& resume_unknown;
  // The disk log (replay_log_dir; docs/event-stream.md "The disk log").
  // wm_ingest_disk_log_bytes / wm_ingest_disk_log_segments: size and files of the log.
  prometheus::Gauge& disk_log_bytes;
  prometheus::Gauge& disk_log_segments;
  // wm_ingest_disk_log_errors_total{op}: failed writes ("write": write() or creating a
  // segment) and syncs ("fsync"). While they fail, MQTT messages are not acknowledged.
  prometheus::Counter& disk_log_write_errors;
  prometheus::Counter& disk_log_fsync_errors;
  // wm_ingest_disk_log_corrupt_records_total: damaged places found when loading the log
  // (torn or corrupt records, unreadable events).
  prometheus::Counter& disk_log_corrupt_records;
  // wm_ingest_disk_log_loaded_events: events read from the log at start.
  prometheus::Gauge& disk_log_loaded_events;

 private:
  prometheus::Family<prometheus::Counter>& decode_errors_;
  prometheus::Counter& payload_wrong_length_;
  prometheus::Counter& payload_truncated_;
  prometheus::Counter& payload_bad_value_;
  prometheus::Counter& payload_other_;
};

}  // namespace wm::ingest
