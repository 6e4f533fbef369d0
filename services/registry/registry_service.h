#pragma once

#include "protos/wm/v1/registry.grpc.pb.h"
#include "services/registry/change_feed.h"
#include "services/registry/registry_state.h"

namespace wm::registry {

// wm.v1.Registry over gRPC's callback API. Queries answer from the in-memory state on the
// calling thread. Each WatchChanges stream keeps one write in flight and takes the next change
// from its bounded queue when the write completes, so a slow client only fills its own queue
// (then loses changes, counted, and receives a gap marker) and never slows the registry. A
// stream with resume_after starts with what the feed's change log holds after that position
// (docs/registry-changes.md).
class RegistryService final : public wm::v1::Registry::CallbackService {
 public:
  // Both must outlive the service.
  RegistryService(const RegistryState& state, ChangeFeed& feed) : state_(state), feed_(feed) {}

  grpc::ServerUnaryReactor* ListGateways(grpc::CallbackServerContext* context,
                                         const wm::v1::ListGatewaysRequest* request,
                                         wm::v1::ListGatewaysResponse* response) override;
  grpc::ServerUnaryReactor* GetGateway(grpc::CallbackServerContext* context,
                                       const wm::v1::GetGatewayRequest* request,
                                       wm::v1::Gateway* response) override;
  grpc::ServerUnaryReactor* ListSinks(grpc::CallbackServerContext* context,
                                      const wm::v1::ListSinksRequest* request,
                                      wm::v1::ListSinksResponse* response) override;
  grpc::ServerUnaryReactor* ListNetworks(grpc::CallbackServerContext* context,
                                         const wm::v1::ListNetworksRequest* request,
                                         wm::v1::ListNetworksResponse* response) override;
  grpc::ServerUnaryReactor* ListNodes(grpc::CallbackServerContext* context,
                                      const wm::v1::ListNodesRequest* request,
                                      wm::v1::ListNodesResponse* response) override;
  grpc::ServerUnaryReactor* GetNode(grpc::CallbackServerContext* context,
                                    const wm::v1::GetNodeRequest* request,
                                    wm::v1::Node* response) override;
  grpc::ServerWriteReactor<wm::v1::RegistryChange>* WatchChanges(
      grpc::CallbackServerContext* context, const wm::v1::WatchChangesRequest* request) override;

 private:
  const RegistryState& state_;
  ChangeFeed& feed_;
};

}  // namespace wm::registry
