#include "services/ingest/events_service.h"

#include <mutex>

#include "spdlog/spdlog.h"

namespace wm::ingest {
namespace {

class SubscribeReactor final : public grpc::ServerWriteReactor<wm::v1::Event> {
 public:
  SubscribeReactor(EventHub& hub, std::shared_ptr<Subscription> subscription, std::string peer)
      : hub_(hub), subscription_(std::move(subscription)), peer_(std::move(peer)) {
    spdlog::info("subscribe_start peer={}", peer_);
    subscription_->SetWakeup([this] { TryWrite(); });
    // Tells the client at once that its subscription is in place, before any event exists.
    StartSendInitialMetadata();
    TryWrite();
  }

  void OnSendInitialMetadataDone(bool /*ok*/) override {}

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      write_in_flight_ = false;
      current_.reset();
      if (!ok) {
        // The client went away or the server is shutting down.
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream write failed"));
        return;
      }
    }
    TryWrite();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    // With a write in flight, its OnWriteDone(false) finishes the call.
    if (!write_in_flight_) FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    subscription_->Detach();
    hub_.Unsubscribe(subscription_);
    spdlog::info("subscribe_end peer={} dropped={}", peer_, subscription_->dropped());
    delete this;
  }

 private:
  // Starts the next write if none is in flight. Called from the constructor, from
  // OnWriteDone, and from the hub's thread when an event arrives for an idle stream.
  void TryWrite() {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_ || write_in_flight_) return;
    bool more = false;
    EventPtr event = subscription_->PopOrArm(&more);
    if (event == nullptr) {
      if (subscription_->closed()) FinishLocked(grpc::Status::OK);
      return;
    }
    current_ = std::move(event);
    write_in_flight_ = true;
    // With more events queued, let gRPC coalesce this one with the next writes instead of
    // flushing a frame per event; the last write of a run goes without the hint and flushes.
    grpc::WriteOptions options;
    if (more) options.set_buffer_hint();
    StartWrite(current_.get(), options);
  }

  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  EventHub& hub_;
  const std::shared_ptr<Subscription> subscription_;
  const std::string peer_;

  std::mutex mu_;
  EventPtr current_;  // kept alive until its write completes
  bool write_in_flight_ = false;
  bool finished_ = false;
};

class RejectedReactor final : public grpc::ServerWriteReactor<wm::v1::Event> {
 public:
  explicit RejectedReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<wm::v1::Event>* EventsService::Subscribe(
    grpc::CallbackServerContext* context, const wm::v1::SubscribeRequest* request) {
  std::shared_ptr<Subscription> subscription = hub_.Subscribe(*request);
  if (subscription == nullptr) {
    return new RejectedReactor(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "wm-ingest is shutting down"));
  }
  return new SubscribeReactor(hub_, std::move(subscription), context->peer());
}

}  // namespace wm::ingest
