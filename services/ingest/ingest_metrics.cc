#include "services/ingest/ingest_metrics.h"

#include "libs/decoders/decode_error.h"

namespace wm::ingest {
namespace {

prometheus::Family<prometheus::Counter>& MessagesFamily(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("wm_ingest_messages_total")
      .Help("Events ingest emitted, by kind")
      .Register(r);
}

prometheus::Family<prometheus::Counter>& DecodeErrorsFamily(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("wm_ingest_decode_errors_total")
      .Help("Messages or payloads that did not decode, by reason")
      .Register(r);
}

prometheus::Family<prometheus::Counter>& ResumeGapsFamily(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("wm_ingest_resume_gaps_total")
      .Help("Resumed streams that started with a gap: position older than the replay log "
            "(too_old) or of another ingest run (unknown)")
      .Register(r);
}

prometheus::Family<prometheus::Counter>& DiskLogErrorsFamily(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("wm_ingest_disk_log_errors_total")
      .Help("Failed writes (op=write) and syncs (op=fsync) of the disk replay log; MQTT "
            "messages are not acknowledged while they fail")
      .Register(r);
}

}  // namespace

IngestMetrics::IngestMetrics(prometheus::Registry& registry)
    : status_messages(MessagesFamily(registry).Add({{"kind", "status"}})),
      packet_messages(MessagesFamily(registry).Add({{"kind", "packet"}})),
      response_messages(MessagesFamily(registry).Add({{"kind", "response"}})),
      downlink_messages(MessagesFamily(registry).Add({{"kind", "downlink"}})),
      duplicates(prometheus::BuildCounter()
                     .Name("wm_ingest_duplicates_total")
                     .Help("Received packets dropped as duplicates of an event already seen")
                     .Register(registry)
                     .Add({})),
      topic_errors(DecodeErrorsFamily(registry).Add({{"reason", "topic"}})),
      protobuf_errors(DecodeErrorsFamily(registry).Add({{"reason", "protobuf"}})),
      message_errors(DecodeErrorsFamily(registry).Add({{"reason", "message"}})),
      subscribers(prometheus::BuildGauge()
                      .Name("wm_ingest_subscribers")
                      .Help("Open Subscribe streams")
                      .Register(registry)
                      .Add({})),
      stream_dropped(prometheus::BuildCounter()
                         .Name("wm_ingest_stream_dropped_total")
                         .Help("Events dropped for subscribers that read too slowly")
                         .Register(registry)
                         .Add({})),
      replay_log_events(prometheus::BuildGauge()
                            .Name("wm_ingest_replay_log_events")
                            .Help("Events in the replay log that resumed streams replay from")
                            .Register(registry)
                            .Add({})),
      replay_log_age(prometheus::BuildGauge()
                         .Name("wm_ingest_replay_log_age_seconds")
                         .Help("Age of the oldest event in the replay log")
                         .Register(registry)
                         .Add({})),
      resumes(prometheus::BuildCounter()
                  .Name("wm_ingest_resumes_total")
                  .Help("Subscribe streams opened with a resume position")
                  .Register(registry)
                  .Add({})),
      replayed_events(prometheus::BuildCounter()
                          .Name("wm_ingest_replayed_events_total")
                          .Help("Events replayed from the replay log to resumed streams")
                          .Register(registry)
                          .Add({})),
      resume_too_old(ResumeGapsFamily(registry).Add({{"reason", "too_old"}})),
      resume_unknown(ResumeGapsFamily(registry).Add({{"reason", "unknown"}})),
      disk_log_bytes(prometheus::BuildGauge()
                         .Name("wm_ingest_disk_log_bytes")
                         .Help("Bytes in the segment files of the disk replay log")
                         .Register(registry)
                         .Add({})),
      disk_log_segments(prometheus::BuildGauge()
                            .Name("wm_ingest_disk_log_segments")
                            .Help("Segment files of the disk replay log")
                            .Register(registry)
                            .Add({})),
      disk_log_write_errors(DiskLogErrorsFamily(registry).Add({{"op", "write"}})),
      disk_log_fsync_errors(DiskLogErrorsFamily(registry).Add({{"op", "fsync"}})),
      disk_log_corrupt_records(prometheus::BuildCounter()
                                   .Name("wm_ingest_disk_log_corrupt_records_total")
                                   .Help("Damaged records found when loading the disk replay log")
                                   .Register(registry)
                                   .Add({})),
      disk_log_loaded_events(prometheus::BuildGauge()
                                 .Name("wm_ingest_disk_log_loaded_events")
                                 .Help("Events read from the disk replay log at start")
                                 .Register(registry)
                                 .Add({})),
      decode_errors_(DecodeErrorsFamily(registry)),
      payload_wrong_length_(decode_errors_.Add({{"reason", "payload_wrong_length"}})),
      payload_truncated_(decode_errors_.Add({{"reason", "payload_truncated"}})),
      payload_bad_value_(decode_errors_.Add({{"reason", "payload_bad_value"}})),
      payload_other_(decode_errors_.Add({{"reason", "payload_other"}})) {}

prometheus::Counter& IngestMetrics::payload_errors(std::string_view decoder_reason) {
  if (decoder_reason == decoders::kReasonWrongLength) return payload_wrong_length_;
  if (decoder_reason == decoders::kReasonTruncated) return payload_truncated_;
  if (decoder_reason == decoders::kReasonBadValue) return payload_bad_value_;
  return payload_other_;
}

}  // namespace wm::ingest
