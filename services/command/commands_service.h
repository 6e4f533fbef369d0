#pragma once

#include "grpcpp/grpcpp.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "services/command/command_call.h"
#include "services/command/node_commands.h"

namespace wm::command {

// wm.v1.Commands over gRPC's callback API (see protos/wm/v1/commands.proto for what each
// method does). No handler blocks: each call checks its arguments, then goes through the
// GatewayRequester and finishes from whichever thread completes it. The only exception is
// ClearGatewayStatus, which waits (at most its timeout) for the broker to take the message.
class CommandsService final : public wm::v1::Commands::CallbackService {
 public:
  explicit CommandsService(CommandEnv& env) : env_(env), nodes_(env) {}

  grpc::ServerUnaryReactor* GetConfigs(grpc::CallbackServerContext* context,
                                       const wm::v1::GetConfigsRequest* request,
                                       wm::v1::GetConfigsResponse* response) override;
  grpc::ServerUnaryReactor* SetConfig(grpc::CallbackServerContext* context,
                                      const wm::v1::SetConfigRequest* request,
                                      wm::v1::SetConfigResponse* response) override;
  grpc::ServerUnaryReactor* SetAppConfig(grpc::CallbackServerContext* context,
                                         const wm::v1::SetAppConfigRequest* request,
                                         wm::v1::SetAppConfigResponse* response) override;
  grpc::ServerUnaryReactor* GetGatewayInfo(grpc::CallbackServerContext* context,
                                           const wm::v1::GetGatewayInfoRequest* request,
                                           wm::v1::GetGatewayInfoResponse* response) override;
  grpc::ServerUnaryReactor* SendData(grpc::CallbackServerContext* context,
                                     const wm::v1::SendDataRequest* request,
                                     wm::v1::SendDataResponse* response) override;
  grpc::ServerUnaryReactor* GetScratchpadStatus(
      grpc::CallbackServerContext* context, const wm::v1::GetScratchpadStatusRequest* request,
      wm::v1::GetScratchpadStatusResponse* response) override;
  grpc::ServerReadReactor<wm::v1::UploadScratchpadRequest>* UploadScratchpad(
      grpc::CallbackServerContext* context, wm::v1::UploadScratchpadResponse* response) override;
  grpc::ServerUnaryReactor* ProcessScratchpad(grpc::CallbackServerContext* context,
                                              const wm::v1::ProcessScratchpadRequest* request,
                                              wm::v1::ProcessScratchpadResponse* response) override;
  grpc::ServerUnaryReactor* SetScratchpadTargetAndAction(
      grpc::CallbackServerContext* context,
      const wm::v1::SetScratchpadTargetAndActionRequest* request,
      wm::v1::SetScratchpadTargetAndActionResponse* response) override;
  grpc::ServerUnaryReactor* SetConfigurationDataItem(
      grpc::CallbackServerContext* context, const wm::v1::SetConfigurationDataItemRequest* request,
      wm::v1::SetConfigurationDataItemResponse* response) override;
  grpc::ServerUnaryReactor* GetConfigurationDataItem(
      grpc::CallbackServerContext* context, const wm::v1::GetConfigurationDataItemRequest* request,
      wm::v1::GetConfigurationDataItemResponse* response) override;
  grpc::ServerUnaryReactor* ClearGatewayStatus(
      grpc::CallbackServerContext* context, const wm::v1::ClearGatewayStatusRequest* request,
      wm::v1::ClearGatewayStatusResponse* response) override;

  grpc::ServerWriteReactor<wm::v1::PingResponse>* Ping(
      grpc::CallbackServerContext* context, const wm::v1::PingRequest* request) override {
    return nodes_.Ping(context, request);
  }
  grpc::ServerWriteReactor<wm::v1::GetNodesScratchpadStatusResponse>* GetNodesScratchpadStatus(
      grpc::CallbackServerContext* context,
      const wm::v1::GetNodesScratchpadStatusRequest* request) override {
    return nodes_.GetNodesScratchpadStatus(context, request);
  }
  grpc::ServerUnaryReactor* UpdateNodesScratchpad(
      grpc::CallbackServerContext* context, const wm::v1::UpdateNodesScratchpadRequest* request,
      wm::v1::NodeCommandResponse* response) override {
    return nodes_.UpdateNodesScratchpad(context, request, response);
  }
  grpc::ServerUnaryReactor* CancelNodesUpdate(grpc::CallbackServerContext* context,
                                              const wm::v1::CancelNodesUpdateRequest* request,
                                              wm::v1::NodeCommandResponse* response) override {
    return nodes_.CancelNodesUpdate(context, request, response);
  }
  grpc::ServerUnaryReactor* SetNeighborDiagnostics(
      grpc::CallbackServerContext* context, const wm::v1::SetNeighborDiagnosticsRequest* request,
      wm::v1::NodeCommandResponse* response) override {
    return nodes_.SetNeighborDiagnostics(context, request, response);
  }

 private:
  CommandEnv& env_;
  NodeCommands nodes_;
};

}  // namespace wm::command
