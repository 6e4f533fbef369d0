#include "libs/grpcutil/auth_metrics.h"

namespace wm::grpcutil {
namespace {

prometheus::Family<prometheus::Counter>& FailuresFamily(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("wm_grpc_auth_failures_total")
      .Help(
          "gRPC calls refused by access control (UNAUTHENTICATED or PERMISSION_DENIED), by "
          "reason")
      .Register(r);
}

prometheus::Family<prometheus::Counter>& ReloadsFamily(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("wm_grpc_auth_token_file_reloads_total")
      .Help(
          "Reloads of the gRPC token file after a change, by result (on error the previous "
          "tokens stay in force)")
      .Register(r);
}

}  // namespace

GrpcAuthMetrics::GrpcAuthMetrics(prometheus::Registry& registry)
    : missing(FailuresFamily(registry).Add({{"reason", "missing"}})),
      malformed(FailuresFamily(registry).Add({{"reason", "malformed"}})),
      invalid_token(FailuresFamily(registry).Add({{"reason", "invalid_token"}})),
      unknown_certificate(FailuresFamily(registry).Add({{"reason", "unknown_certificate"}})),
      scope(FailuresFamily(registry).Add({{"reason", "scope"}})),
      unknown_method(FailuresFamily(registry).Add({{"reason", "unknown_method"}})),
      reloads_ok(ReloadsFamily(registry).Add({{"result", "ok"}})),
      reloads_error(ReloadsFamily(registry).Add({{"result", "error"}})),
      tokens(prometheus::BuildGauge()
                 .Name("wm_grpc_auth_tokens")
                 .Help("Bearer tokens the gRPC server accepts now")
                 .Register(registry)
                 .Add({})),
      enabled(prometheus::BuildGauge()
                  .Name("wm_grpc_auth_enabled")
                  .Help("1 when gRPC calls need an identity (a bearer token or a client "
                        "certificate), 0 when the API is open to whoever reaches the port")
                  .Register(registry)
                  .Add({})) {}

}  // namespace wm::grpcutil
