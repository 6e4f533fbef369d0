#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/time/time.h"
#include "libs/grpcutil/channel.h"
#include "libs/observability/logging.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "services/registry/registry_metrics.h"
#include "services/registry/sequence_tracker.h"

namespace wm::registry {

// Where wm-ingest is and how to reach it again after a failure.
struct IngestFollowerOptions {
  // wm-ingest's gRPC address, "host:port".
  std::string address;
  grpcutil::ChannelOptions channel;
  // Delays between attempts to open the stream again: exponential with full jitter.
  absl::Duration reconnect_min_delay = absl::Milliseconds(200);
  absl::Duration reconnect_max_delay = absl::Seconds(5);
  // The position of the last event applied, asked before every (re)connect: the stream then
  // resumes after it (SubscribeRequest.resume_after; docs/event-stream.md "wm-registry
  // resumes"). Unset, or returning nothing: snapshot, then live events.
  std::function<std::optional<wm::v1::StreamPosition>()> resume_position;
};

// Follows wm-ingest's event stream (wm.v1.Events/Subscribe: gateway statuses, packets and
// responses, starting with the status snapshot, or resuming after `resume_position`) and hands
// every event to `on_event`, in stream order, from a gRPC thread. When the stream ends or
// cannot be opened it opens it again, with backoff, for as long as it runs, resuming after the
// position applied by then. A SLOW_CONSUMER gap in a resumable stream ends it, and the next one
// resumes from the last event applied, so the dropped events come from ingest's replay log.
// STREAM_GAP events and ingest restarts are logged and counted (RegistryMetrics), not handed on.
//
//   IngestFollower follower(options, [&](const wm::v1::Event& e) { state.Apply(e); },
//                           [&](bool connected, std::string_view why) {
//                             readiness.Set("ingest", connected, why);
//                           },
//                           metrics);
//   follower.Start();
//   ...
//   follower.Stop();   // no handler runs after this returns
class IngestFollower {
 public:
  using EventHandler = std::function<void(const wm::v1::Event&)>;
  // Called with true when a stream is open (ingest answered), false when it ended or wm-ingest
  // refused this registry's identity; `why` says which, for readiness (empty when connected).
  using ConnectionHandler = std::function<void(bool connected, std::string_view why)>;

  IngestFollower(IngestFollowerOptions options, EventHandler on_event,
                 ConnectionHandler on_connection, RegistryMetrics& metrics);
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
  const EventHandler on_event_;
  const ConnectionHandler on_connection_;
  RegistryMetrics& metrics_;
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

  std::mutex mu_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  StreamReader* current_ = nullptr;  // the open stream, to cancel it
  std::thread thread_;
};

}  // namespace wm::registry
