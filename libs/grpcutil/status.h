#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace wm::grpcutil {

// Maps an absl::Status onto the gRPC status with the same code (the canonical codes are the
// same numbers) and message. Payloads are dropped.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a gRPC status back; codes outside the canonical range become kUnknown. Binary error
// details are dropped.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace wm::grpcutil
