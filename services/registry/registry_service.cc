#include "services/registry/registry_service.h"

#include "libs/grpcutil/queue_write_reactor.h"
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
      return grpcutil::RejectStream<wm::v1::RegistryChange>(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                       "entities: " + std::to_string(entity) + " is not a gateway, sink or node"));
    }
  }
  std::shared_ptr<ChangeWatcher> watcher = feed_.Watch(*request);
  if (watcher == nullptr) {
    return grpcutil::RejectStream<wm::v1::RegistryChange>(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "wm-registry is shutting down"));
  }
  std::string peer = context->peer();
  if (request->has_resume_after()) {
    spdlog::info("watch_start peer={} resume_after={}", peer, request->resume_after());
  } else {
    spdlog::info("watch_start peer={}", peer);
  }
  // The stream tells the client at once that its watch is in place, before any change exists:
  // a client may List after this and miss nothing.
  return new grpcutil::QueueWriteReactor<wm::v1::RegistryChange>(
      watcher, [&feed = feed_, watcher, peer = std::move(peer)] {
        feed.Unwatch(watcher);
        spdlog::info("watch_end peer={} dropped={}", peer, watcher->dropped());
      });
}

}  // namespace wm::registry
