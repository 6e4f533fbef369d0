#pragma once

#include <functional>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "services/command/command_call.h"

namespace wm::command {

// The MSAP node commands of wm.v1.Commands: requests sent as send_data from endpoint 255 to
// 240, answers collected from gw-event/received_data/+/+/+/240/255 (through NodeReplyRouter).
// CommandsService hands these methods here; each returns the reactor gRPC expects.
class NodeCommands {
 public:
  explicit NodeCommands(CommandEnv& env) : env_(env) {}

  grpc::ServerWriteReactor<wm::v1::PingResponse>* Ping(grpc::CallbackServerContext* context,
                                                       const wm::v1::PingRequest* request);
  grpc::ServerWriteReactor<wm::v1::GetNodesScratchpadStatusResponse>* GetNodesScratchpadStatus(
      grpc::CallbackServerContext* context, const wm::v1::GetNodesScratchpadStatusRequest* request);
  grpc::ServerUnaryReactor* UpdateNodesScratchpad(
      grpc::CallbackServerContext* context, const wm::v1::UpdateNodesScratchpadRequest* request,
      wm::v1::NodeCommandResponse* response);
  grpc::ServerUnaryReactor* CancelNodesUpdate(grpc::CallbackServerContext* context,
                                              const wm::v1::CancelNodesUpdateRequest* request,
                                              wm::v1::NodeCommandResponse* response);
  grpc::ServerUnaryReactor* SetNeighborDiagnostics(
      grpc::CallbackServerContext* context, const wm::v1::SetNeighborDiagnosticsRequest* request,
      wm::v1::NodeCommandResponse* response);

  // Calls `then` with the configuration of `sink_id` of `gateway_id`: the one wm-command
  // knows when it has the sink's node address, else read with get_configs. Ends `call` with
  // NotFound when the gateway does not report the sink, or with the get_configs error.
  static void ResolveSink(const std::shared_ptr<CommandCall>& call, const std::string& gateway_id,
                          const std::string& sink_id,
                          std::function<void(const wm::v1::SinkConfig&)> then);

 private:
  CommandEnv& env_;
};

}  // namespace wm::command
