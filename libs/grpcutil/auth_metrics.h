#pragma once

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace wm::grpcutil {

// Every metric of gRPC access control (GrpcServer), declared in one place; registered by every
// service, with or without authentication configured, so dashboards and alerts always find
// them. Label values are a fixed set, resolved here.
class GrpcAuthMetrics {
 public:
  explicit GrpcAuthMetrics(prometheus::Registry& registry);

  // wm_grpc_auth_failures_total{reason}: calls refused before any handler ran.
  prometheus::Counter& missing;        // reason="missing": no token and no accepted certificate
  prometheus::Counter& malformed;      // reason="malformed": authorization not "Bearer <token>"
  prometheus::Counter& invalid_token;  // reason="invalid_token": a token no one was given
  prometheus::Counter& unknown_certificate;  // reason="unknown_certificate": a verified client
                                             // certificate whose CN no setting lists
  prometheus::Counter& scope;                // reason="scope": identity's scope too narrow
  prometheus::Counter& unknown_method;       // reason="unknown_method": not in the method table
  // wm_grpc_auth_token_file_reloads_total{result}: token file loads after the first.
  prometheus::Counter& reloads_ok;     // result="ok"
  prometheus::Counter& reloads_error;  // result="error": the old tokens stay in force
  // wm_grpc_auth_tokens: bearer tokens accepted now.
  prometheus::Gauge& tokens;
  // wm_grpc_auth_enabled: 1 when calls need an identity (tokens or client certificates).
  prometheus::Gauge& enabled;
};

}  // namespace wm::grpcutil
