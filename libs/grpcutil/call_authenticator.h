#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "libs/grpcutil/auth_metrics.h"
#include "libs/grpcutil/auth_policy.h"
#include "libs/grpcutil/token_store.h"
#include "libs/observability/logging.h"

namespace wm::grpcutil {

// Which verified client certificates (mutual TLS) identify a caller, by the certificate's
// subject common name; "*" in a list matches every certificate the client CA verified.
struct ClientCertificateScopes {
  std::vector<std::string> full_cns;
  std::vector<std::string> read_cns;
  bool empty() const { return full_cns.empty() && read_cns.empty(); }
};

// What a call presents, as the server sees it before any handler runs.
struct CallCredentials {
  std::string_view method;                        // ":path", e.g. "/wm.v1.Commands/SetConfig"
  std::optional<std::string_view> authorization;  // the "authorization" header, if sent
  // Common names of the client certificate the TLS handshake verified (empty without one).
  std::vector<std::string_view> verified_client_cns;
};

// Who a call was found to come from.
struct CallerIdentity {
  std::string name;  // "token/<token name>" or "certificate/<CN>"; "" for an open method
  AuthScope scope = AuthScope::kRead;
};

// Decides, for each call, who calls and whether they may call the method
// (docs/authentication.md):
//  - health and reflection are open;
//  - a call with an `authorization` header is judged by it alone: "Bearer <token>" with a
//    token of `tokens`, else UNAUTHENTICATED;
//  - without one, a verified client certificate whose CN `certificates` lists identifies it;
//  - else UNAUTHENTICATED;
//  - an identity whose scope does not allow the method (WmMethodRules-style `rules`; a method
//    not in them is allowed to no one) gets PERMISSION_DENIED.
// Every refusal is counted in wm_grpc_auth_failures_total{reason} and logged (rate-limited per
// reason) with the method and, when known, the identity's name; never with a token.
// Thread-safe: Check runs on gRPC's threads, concurrently.
class CallAuthenticator {
 public:
  // `tokens` may be null (certificates only). `tokens`, `rules` and `metrics` must outlive it.
  CallAuthenticator(const TokenStore* tokens, ClientCertificateScopes certificates,
                    const std::vector<MethodRule>& rules, GrpcAuthMetrics& metrics);

  // OK with the caller's identity, or UNAUTHENTICATED / PERMISSION_DENIED with a message for
  // the caller.
  absl::StatusOr<CallerIdentity> Check(const CallCredentials& call);

 private:
  absl::Status Refuse(prometheus::Counter& counter, std::string_view reason,
                      const CallCredentials& call, std::string_view identity, absl::Status status);
  std::optional<AuthScope> CertificateScope(std::string_view cn) const;

  const TokenStore* const tokens_;
  const ClientCertificateScopes certificates_;
  const std::vector<MethodRule>& rules_;
  GrpcAuthMetrics& metrics_;
  observability::RateLimitedLog refusals_log_;
};

// The token of an `authorization` header value "Bearer <token>" (scheme in any case); nullopt
// when the value has another form.
std::optional<std::string_view> BearerTokenOf(std::string_view authorization);

}  // namespace wm::grpcutil
