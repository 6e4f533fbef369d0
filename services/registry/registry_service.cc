#include "services/registry/registry_service.h"

#include <mutex>

#include "libs/grpcutil/status.h"
#include "spdlog/spdlog.h"

namespace wm::registry {
namespace {

// Answers a unary call at once.
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpcutil::ToGrpcStatus(status));
  return reactor;
}

// Sets `*response` from `result`, or returns its error.
template <typename T>
absl::Status Take(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

class WatchReactor final : public grpc::ServerWriteReactor<wm::v1::RegistryChange> {
 public:
  WatchReactor(ChangeFeed& feed, std::shared_ptr<ChangeWatcher> watcher, std::string peer)
      : feed_(feed), watcher_(std::move(watcher)), peer_(std::move(peer)) {
    spdlog::info("watch_start peer={}", peer_);
    watcher_->SetWakeup([this] { TryWrite(); });
    // Tells the client at once that its watch is in place, before any change exists: a client
    // may List after this and miss nothing.
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
    watcher_->Detach();
    feed_.Unwatch(watcher_);
    spdlog::info("watch_end peer={} dropped={}", peer_, watcher_->dropped());
    delete this;
  }

 private:
  // Starts the next write if none is in flight: from the constructor, OnWriteDone, and the
  // registry's thread when a change arrives for an idle stream.
  void TryWrite() {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_ || write_in_flight_) return;
    ChangePtr change = watcher_->PopOrArm();
    if (change == nullptr) {
      if (watcher_->closed()) FinishLocked(grpc::Status::OK);
      return;
    }
    current_ = std::move(change);
    write_in_flight_ = true;
    StartWrite(current_.get());
  }

  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  ChangeFeed& feed_;
  const std::shared_ptr<ChangeWatcher> watcher_;
  const std::string peer_;

  std::mutex mu_;
  ChangePtr current_;  // kept alive until its write completes
  bool write_in_flight_ = false;
  bool finished_ = false;
};

class RejectedReactor final : public grpc::ServerWriteReactor<wm::v1::RegistryChange> {
 public:
  explicit RejectedReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* RegistryService::ListGateways(grpc::CallbackServerContext* context,
                                                        const wm::v1::ListGatewaysRequest* request,
                                                        wm::v1::ListGatewaysResponse* response) {
  state_.ListGateways(*request, response);
  return Answer(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* RegistryService::GetGateway(grpc::CallbackServerContext* context,
                                                      const wm::v1::GetGatewayRequest* request,
                                                      wm::v1::Gateway* response) {
  return Answer(context, Take(state_.GetGateway(request->gateway_id()), response));
}

grpc::ServerUnaryReactor* RegistryService::ListSinks(grpc::CallbackServerContext* context,
                                                     const wm::v1::ListSinksRequest* request,
                                                     wm::v1::ListSinksResponse* response) {
  state_.ListSinks(*request, response);
  return Answer(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* RegistryService::ListNetworks(grpc::CallbackServerContext* context,
                                                        const wm::v1::ListNetworksRequest*,
                                                        wm::v1::ListNetworksResponse* response) {
  state_.ListNetworks(response);
  return Answer(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* RegistryService::ListNodes(grpc::CallbackServerContext* context,
                                                     const wm::v1::ListNodesRequest* request,
                                                     wm::v1::ListNodesResponse* response) {
  return Answer(context, state_.ListNodes(*request, response));
}

grpc::ServerUnaryReactor* RegistryService::GetNode(grpc::CallbackServerContext* context,
                                                   const wm::v1::GetNodeRequest* request,
                                                   wm::v1::Node* response) {
  return Answer(context,
                Take(state_.GetNode(request->network_address(), request->address()), response));
}

grpc::ServerWriteReactor<wm::v1::RegistryChange>* RegistryService::WatchChanges(
    grpc::CallbackServerContext* context, const wm::v1::WatchChangesRequest* request) {
  for (int entity : request->entities()) {
    if (entity < wm::v1::CHANGE_ENTITY_GATEWAY || entity > wm::v1::CHANGE_ENTITY_NODE) {
      return new RejectedReactor(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                       "entities: " + std::to_string(entity) + " is not a gateway, sink or node"));
    }
  }
  std::shared_ptr<ChangeWatcher> watcher = feed_.Watch(*request);
  if (watcher == nullptr) {
    return new RejectedReactor(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "wm-registry is shutting down"));
  }
  return new WatchReactor(feed_, std::move(watcher), context->peer());
}

}  // namespace wm::registry
