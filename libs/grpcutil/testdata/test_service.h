#pragma once

#include <atomic>

#include "absl/synchronization/notification.h"
#include "libs/grpcutil/testdata/test_service.grpc.pb.h"

namespace wm::grpcutil::testing {

// Callback implementation of TestEcho, as services here are written.
class CallbackTestEcho : public TestEcho::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoReply* reply) override;
  grpc::ServerWriteReactor<Tick>* Ticks(grpc::CallbackServerContext* context,
                                        const TicksRequest* request) override;
};

// Synchronous implementation of TestEcho. Echo("block") signals `entered` and waits for
// `release` (or cancellation).
class SyncTestEcho : public TestEcho::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const EchoRequest* request,
                    EchoReply* reply) override;

  absl::Notification entered;
  absl::Notification release;
};

}  // namespace wm::grpcutil::testing
