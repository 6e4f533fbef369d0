#include "libs/grpcutil/health_client.h"

#include <chrono>
#include <memory>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "libs/grpcutil/status.h"

namespace wm::grpcutil {

absl::StatusOr<bool> IsServing(grpc::Channel& channel, std::string service,
                               absl::Duration timeout) {
  // The stub wants shared ownership; the caller keeps the channel alive for this call.
  std::shared_ptr<grpc::Channel> borrowed(&channel, [](grpc::Channel*) {});
  auto stub = grpc::health::v1::Health::NewStub(borrowed);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(std::move(service));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace wm::grpcutil
