#include "libs/grpcutil/call_authenticator.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "third_party/system/string_view_compat.h"

namespace wm::grpcutil {
namespace {

// A method name comes from the caller: quoted and cut short in logs.
std::string LoggableMethod(std::string_view method) {
  constexpr size_t kMaxLogged = 120;
  return absl::CHexEscape(ToAbsl(method.substr(0, kMaxLogged)));
}

bool Lists(const std::vector<std::string>& list, std::string_view cn) {
  return std::any_of(list.begin(), list.end(),
                     [cn](const std::string& entry) { return entry == "*" || entry == cn; });
}

}  // namespace

std::optional<std::string_view> BearerTokenOf(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(ToAbsl(authorization.substr(0, kScheme.size())), ToAbsl(kScheme))) {
    return std::nullopt;
  }
  std::string_view token =
      ToStd(absl::StripAsciiWhitespace(ToAbsl(authorization.substr(kScheme.size()))));
  if (token.empty() || token.find(' ') != std::string_view::npos) return std::nullopt;
  return token;
}

CallAuthenticator::CallAuthenticator(const TokenStore* tokens, ClientCertificateScopes certificates,
                                     const std::vector<MethodRule>& rules, GrpcAuthMetrics& metrics)
    : tokens_(tokens),
      certificates_(std::move(certificates)),
      rules_(rules),
      metrics_(metrics),
      refusals_log_(absl::Minutes(1)) {}

absl::Status CallAuthenticator::Refuse(prometheus::Counter& counter, std::string_view reason,
                                       const CallCredentials& call, std::string_view identity,
                                       absl::Status status) {
  counter.Increment();
  refusals_log_.Warn(reason,
                     absl::StrCat("grpc call refused method=\"", LoggableMethod(call.method),
                                  "\" code=", absl::StatusCodeToString(status.code()),
                                  identity.empty() ? "" : " identity=", ToAbsl(identity)));
  return status;
}

std::optional<AuthScope> CallAuthenticator::CertificateScope(std::string_view cn) const {
  if (Lists(certificates_.full_cns, cn)) return AuthScope::kFull;
  if (Lists(certificates_.read_cns, cn)) return AuthScope::kRead;
  return std::nullopt;
}

absl::StatusOr<CallerIdentity> CallAuthenticator::Check(const CallCredentials& call) {
  const MethodAccess access = RequiredAccess(rules_, call.method);
  if (access == MethodAccess::kOpen) return CallerIdentity{};

  std::optional<CallerIdentity> identity;
  if (call.authorization.has_value()) {
    std::optional<std::string_view> token = BearerTokenOf(*call.authorization);
    if (!token.has_value()) {
      return Refuse(
          metrics_.malformed, "malformed", call, "",
          absl::UnauthenticatedError("the authorization header must be \"Bearer <token>\""));
    }
    std::optional<TokenIdentity> found =
        tokens_ != nullptr ? tokens_->Authenticate(*token) : std::nullopt;
    if (!found.has_value()) {
      return Refuse(metrics_.invalid_token, "invalid_token", call, "",
                    absl::UnauthenticatedError("the bearer token is not accepted"));
    }
    identity = CallerIdentity{absl::StrCat("token/", found->name), found->scope};
  } else {
    for (std::string_view cn : call.verified_client_cns) {
      if (std::optional<AuthScope> scope = CertificateScope(cn); scope.has_value()) {
        identity = CallerIdentity{absl::StrCat("certificate/", ToAbsl(cn)), *scope};
        break;
      }
    }
    if (!identity.has_value()) {
      if (!call.verified_client_cns.empty()) {
        const std::string name = absl::StrCat(
            "certificate/", absl::CHexEscape(ToAbsl(call.verified_client_cns.front())));
        return Refuse(metrics_.unknown_certificate, "unknown_certificate", call, name,
                      absl::UnauthenticatedError(
                          "the client certificate's common name is not accepted and no bearer "
                          "token was sent"));
      }
      return Refuse(metrics_.missing, "missing", call, "",
                    absl::UnauthenticatedError(
                        "this service needs a bearer token (authorization: Bearer <token>) or "
                        "an accepted client certificate"));
    }
  }

  if (access == MethodAccess::kUnknown) {
    return Refuse(metrics_.unknown_method, "unknown_method", call, identity->name,
                  absl::PermissionDeniedError(absl::StrCat("method ", LoggableMethod(call.method),
                                                           " is in no access rule")));
  }
  if (!ScopeAllows(identity->scope, access)) {
    return Refuse(metrics_.scope, "scope", call, identity->name,
                  absl::PermissionDeniedError(
                      absl::StrCat(ToAbsl(call.method), " needs scope full; ", identity->name,
                                   " has scope ", ToAbsl(AuthScopeName(identity->scope)))));
  }
  return *std::move(identity);
}

}  // namespace wm::grpcutil
