#pragma once

namespace wm::grpcutil {

// Sends gRPC's own log lines (a failed TLS handshake, a bad peer, ...) through spdlog, so they
// take the program's log format, JSON lines included, instead of gRPC's plain stderr lines.
// gRPC's log sink is process-wide; the first call installs the bridge, later calls do nothing.
// GrpcServer and CreateChannel call it, so every program using gRPC through grpcutil has it.
void RouteGrpcLogsToSpdlog();

}  // namespace wm::grpcutil
