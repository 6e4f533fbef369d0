#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/eventstream/ingest_consumer.h"
#include "libs/eventstream/ingest_follower_metrics.h"
#include "libs/eventstream/sequence_tracker.h"
#include "libs/grpcutil/channel.h"
#include "libs/observability/logging.h"
#include "protos/wm/v1/events.grpc.pb.h"

namespace wm::eventstream {

// Where wm-ingest is, how to reach it again after a failure, and what to ask it for.
// IngestFollowerOptionsFromSettings (ingest_follower_settings.h) fills the first four.
struct IngestFollowerOptions {
  // wm-ingest's gRPC address, "host:port".
  std::string address;
  grpcutil::ChannelOptions channel;
  // Delays between attempts to open the stream again: exponential with full jitter.
  absl::Duration reconnect_min_delay = absl::Milliseconds(200);
  absl::Duration reconnect_max_delay = absl::Seconds(5);
  // The filters of every Subscribe (kinds, gateways, endpoints, skip_snapshot); resume_after
  // is the follower's own (set from IngestConsumer::ResumePosition). Empty: every event.
  wm::v1::SubscribeRequest request;
  // Who this is in readiness messages: "wm-ingest refuses <consumer_name>'s identity ...".
  std::string consumer_name = "this service";
};

// Follows wm-ingest's event stream (wm.v1.Events/Subscribe, starting with the status snapshot,
// or resuming after IngestConsumer::ResumePosition) and hands every event to
// IngestConsumer::Apply, in stream order, from a gRPC thread. When the stream ends or cannot be
// opened it opens it again, with backoff, for as long as it runs, resuming after the position
// applied by then. A SLOW_CONSUMER gap in a resumable stream ends it, and the next one resumes
// from the last event applied, so the dropped events come from ingest's replay log. STREAM_GAP
// events and ingest restarts (another stream_epoch) are logged and counted
// (IngestFollowerMetrics), not handed on. docs/following-ingest.md says what a consumer gets.
//
//   eventstream::IngestFollowerMetrics metrics(*registry, "wm_history_ingest",
//                                              "wm_history_events_total");
//   eventstream::IngestFollower follower(options, consumer, metrics);
//   follower.Start();
//   ...
//   follower.Stop();   // no Apply runs after this returns
//
// Threads: one of its own (opens streams, waits out the backoff, asks ResumePosition) and
// gRPC's callback threads (Apply, OnConnectionChange, and ResumePosition after a gap); calls
// to the consumer never overlap.
class IngestFollower {
 public:
  // `consumer` and `metrics` must outlive the follower.
  IngestFollower(IngestFollowerOptions options, IngestConsumer& consumer,
                 IngestFollowerMetrics& metrics);
  IngestFollower(const IngestFollower&) = delete;
  IngestFollower& operator=(const IngestFollower&) = delete;
  // Stops.
  ~IngestFollower();

  // Starts following on a thread of its own.
  void Start();
  // Cancels the stream and waits for the thread. Idempotent.
  void Stop();

 private:
  class StreamReader;

  void Run();
  void OnConnected();
  void OnEvent(const wm::v1::Event& event, StreamReader& reader);

  const IngestFollowerOptions options_;
  IngestConsumer& consumer_;
  IngestFollowerMetrics& metrics_;
  wm::v1::SubscribeRequest request_;
  // Touched only by the stream's callbacks, which never overlap across streams.
  SequenceTracker tracker_;
  bool ever_connected_ = false;
  // The stream was ended to resume after a SLOW_CONSUMER gap: reconnect without backoff.
  bool resume_now_ = false;
  // The stream being opened replaces one ended by resume_now_, not one that failed.
  bool reopening_after_gap_ = false;
  observability::RateLimitedLog gap_log_{absl::Minutes(1)};
  observability::RateLimitedLog retry_log_{absl::Minutes(1)};

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  StreamReader* current_ ABSL_GUARDED_BY(mu_) = nullptr;  // the open stream, to cancel it
  // Started under mu_ (Start), joined without it (Stop) so that Run can take mu_ meanwhile.
  std::thread thread_;
};

}  // namespace wm::eventstream
