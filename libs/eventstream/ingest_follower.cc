#include "libs/eventstream/ingest_follower.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/channel.h"
#include "libs/base/backoff.h"
#include "spdlog/spdlog.h"

namespace wm::eventstream {

// One Subscribe call over gRPC's callback API, one read in flight.
class IngestFollower::StreamReader final : public grpc::ClientReadReactor<wm::v1::Event> {
 public:
  explicit StreamReader(IngestFollower& follower) : follower_(follower) {}

  void Begin(wm::v1::Events::Stub& stub, const wm::v1::SubscribeRequest& request) {
    stub.async()->Subscribe(&context_, &request, this);
    StartRead(&event_);
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }

  // Hands on no more events of this stream and ends it: the follower resumes from the last
  // event it applied instead. Called from this stream's own read callback.
  void Abandon() {
    abandoned_ = true;
    context_.TryCancel();
  }

  // Blocks until the call has ended; returns its status.
  grpc::Status Await() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return status_;
  }

  // Whether ingest answered (sent its initial metadata) on this call.
  bool connected() const {
    absl::MutexLock lock(&mu_);
    return connected_;
  }

  void OnReadInitialMetadataDone(bool ok) override {
    if (!ok) return;
    {
      absl::MutexLock lock(&mu_);
      connected_ = true;
    }
    follower_.OnConnected();
  }

  void OnReadDone(bool ok) override {
    if (!ok || abandoned_) return;  // the stream ended (or is ending); OnDone follows
    follower_.OnEvent(event_, *this);
    if (abandoned_) return;
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

 private:
  IngestFollower& follower_;
  grpc::ClientContext context_;
  wm::v1::Event event_;
  mutable absl::Mutex mu_;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ = false;  // touched only by this stream's read callbacks
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

IngestFollower::IngestFollower(IngestFollowerOptions options, IngestConsumer& consumer,
                               IngestFollowerMetrics& metrics)
    : options_(std::move(options)),
      consumer_(consumer),
      metrics_(metrics),
      request_(options_.request) {
  request_.clear_resume_after();  // the consumer's position decides
}

IngestFollower::~IngestFollower() { Stop(); }

void IngestFollower::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void IngestFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (current_ != nullptr) current_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
}

void IngestFollower::Run() {
  std::shared_ptr<grpc::Channel> channel =
      grpcutil::CreateChannel(options_.address, options_.channel);
  std::unique_ptr<wm::v1::Events::Stub> stub = wm::v1::Events::NewStub(channel);
  base::ExponentialBackoff backoff(options_.reconnect_min_delay, options_.reconnect_max_delay);
  absl::BitGen random;
  // Positions stored by an earlier run: an event of another epoch is an ingest restart.
  if (std::optional<wm::v1::StreamPosition> stored = consumer_.ResumePosition()) {
    tracker_.Resume(stored->stream_epoch(), stored->sequence());
  }
  while (true) {
    StreamReader reader(*this);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      current_ = &reader;
    }
    tracker_.StartStream();
    if (std::optional<wm::v1::StreamPosition> position = consumer_.ResumePosition()) {
      *request_.mutable_resume_after() = *position;
    } else {
      request_.clear_resume_after();
    }
    reader.Begin(*stub, request_);
    const grpc::Status status = reader.Await();
    const bool was_connected = reader.connected();
    const bool resume_now = resume_now_;
    resume_now_ = false;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      current_ = nullptr;
      stopping = stopping_;
    }
    if (resume_now && !stopping && status.error_code() == grpc::StatusCode::CANCELLED) {
      // Not a failure: this follower ended the stream to resume after a gap, at once.
      reopening_after_gap_ = true;
      continue;
    }
    reopening_after_gap_ = false;
    const bool refused = status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                         status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
    if (was_connected) {
      metrics_.connected.Set(0);
      backoff.Reset();
    }
    if (refused) {
      // Readiness says why, not just "connecting": retrying cannot help until the token is set.
      consumer_.OnConnectionChange(
          false, absl::StrCat("wm-ingest refuses ", options_.consumer_name, "'s identity (",
                              status.error_code() == grpc::StatusCode::UNAUTHENTICATED
                                  ? "UNAUTHENTICATED"
                                  : "PERMISSION_DENIED",
                              "): set wm_token or wm_token_file"));
    } else if (was_connected) {
      consumer_.OnConnectionChange(false, "wm-ingest stream lost");
    }
    const absl::Duration delay = backoff.NextDelay(random);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      const std::string detail =
          absl::StrCat("address=", options_.address, " code=", status.error_code(), " error=\"",
                       status.error_message(), "\" retry_in_ms=", absl::ToInt64Milliseconds(delay));
      if (refused) {
        // Retried all the same: a rotated wm_token_file is read again by the next attempt
        // (docs/authentication.md).
        retry_log_.Warn("ingest_refused",
                        "ingest_stream_refused " + detail +
                            " hint=\"wm-ingest needs a token: set wm_token or wm_token_file\"");
      } else if (was_connected) {
        spdlog::warn("ingest_stream_ended {}", detail);
      } else {
        retry_log_.Warn("ingest_unavailable", "ingest_stream_failed " + detail);
      }
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
      if (stopping_) return;
    }
    // The channel keeps its own, much longer, reconnection backoff: this one governs.
    grpc::experimental::ChannelResetConnectionBackoff(channel.get());
  }
}

void IngestFollower::OnConnected() {
  metrics_.connected.Set(1);
  // A stream this follower reopened to fill a gap is no reconnection (gap_resumes counts it).
  if (ever_connected_ && !reopening_after_gap_) metrics_.reconnects.Increment();
  ever_connected_ = true;
  reopening_after_gap_ = false;
  spdlog::info("ingest_stream_connected address={} stream={}", options_.address,
               tracker_.streams());
  consumer_.OnConnectionChange(true, "");
}

void IngestFollower::OnEvent(const wm::v1::Event& event, StreamReader& reader) {
  const SequenceTracker::Observation observation = tracker_.Observe(event);
  switch (observation.kind) {
    case SequenceTracker::Kind::kGap:
      if (event.gap().cause() != wm::v1::STREAM_GAP_CAUSE_POSITION_TOO_OLD &&
          consumer_.ResumePosition().has_value()) {
        // Dropped from this stream's queue, but likely still in ingest's replay log: resume
        // right away from the last event applied (docs/following-ingest.md "Gaps").
        metrics_.gap_resumes.Increment();
        spdlog::info("ingest_stream_gap_resuming dropped={}", event.gap().dropped());
        resume_now_ = true;
        reader.Abandon();
        return;
      }
      metrics_.stream_gaps.Increment();
      metrics_.stream_dropped.Increment(static_cast<double>(observation.dropped));
      gap_log_.Warn("ingest_stream_gap",
                    absl::StrCat("ingest_stream_gap dropped=", observation.dropped,
                                 " cause=", wm::v1::StreamGapCause_Name(event.gap().cause())));
      return;
    case SequenceTracker::Kind::kUnknownGap:
      metrics_.stream_unknown_gaps.Increment();
      gap_log_.Warn("ingest_stream_gap",
                    absl::StrCat("ingest_stream_gap dropped=unknown cause=",
                                 wm::v1::StreamGapCause_Name(event.gap().cause()),
                                 " epoch=", event.stream_epoch()));
      return;
    case SequenceTracker::Kind::kRestart:
      metrics_.restarts.Increment();
      spdlog::warn("ingest_restarted previous_epoch={} previous_sequence={} epoch={} sequence={}",
                   observation.previous_epoch, observation.previous_sequence, event.stream_epoch(),
                   event.sequence());
      break;
    case SequenceTracker::Kind::kEvent:
      break;
  }
  metrics_.CountEvent(event.kind());
  if (!event.snapshot() && event.ingest_time_ms_epoch() > 0) {
    const double lag_s = absl::ToDoubleSeconds(
        absl::Now() - absl::FromUnixMillis(static_cast<int64_t>(event.ingest_time_ms_epoch())));
    metrics_.lag_seconds.Set(lag_s > 0 ? lag_s : 0);
  }
  if (consumer_.Apply(event) == IngestConsumer::Outcome::kDuplicate) {
    metrics_.duplicates.Increment();
  }
}

}  // namespace wm::eventstream
