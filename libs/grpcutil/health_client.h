#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace wm::grpcutil {

// For tests (a testonly target): asks a server's grpc.health.v1 service whether `service` ("" for
// the whole server) is serving. True for SERVING, false for NOT_SERVING or UNKNOWN; an error when
// the call fails (NotFound for a service the server does not know, DeadlineExceeded, Unavailable,
// ...). `channel` must stay alive during the call.
absl::StatusOr<bool> IsServing(grpc::Channel& channel, std::string service,
                               absl::Duration timeout);

}  // namespace wm::grpcutil
