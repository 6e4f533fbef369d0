#include "libs/grpcutil/call_authenticator.h"

#include <memory>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFullToken[] = "full-token-0123456789abcdef";
constexpr char kReadToken[] = "read-token-0123456789abcdef";
constexpr char kWrongToken[] = "wrong-token-0123456789abcdef";
constexpr char kSetConfig[] = "/wm.v1.Commands/SetConfig";
constexpr char kListNodes[] = "/wm.v1.Registry/ListNodes";

class CallAuthenticatorTest : public ::testing::Test {
 protected:
  CallAuthenticatorTest() {
    TokenSet tokens;
    EXPECT_TRUE(tokens.Add(kFullToken, AuthScope::kFull, "deployer").ok());
    EXPECT_TRUE(tokens.Add(kReadToken, AuthScope::kRead, "grafana").ok());
    store_ = std::make_unique<TokenStore>(tokens);
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  ~CallAuthenticatorTest() override { spdlog::set_default_logger(previous_); }

  CallAuthenticator Make(ClientCertificateScopes certificates = {}) {
    return CallAuthenticator(store_.get(), std::move(certificates), WmMethodRules(), metrics_);
  }
  static CallCredentials Call(std::string_view method,
                              std::optional<std::string_view> authorization) {
    CallCredentials call;
    call.method = method;
    call.authorization = authorization;
    return call;
  }

  prometheus::Registry registry_;
  GrpcAuthMetrics metrics_{registry_};
  std::unique_ptr<TokenStore> store_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(CallAuthenticatorTest, FullTokenMayCallEverythingInTheTable) {
  CallAuthenticator authenticator = Make();
  const std::string header = std::string("Bearer ") + kFullToken;
  for (const char* method : {kSetConfig, kListNodes, "/wm.v1.Events/Subscribe"}) {
    absl::StatusOr<CallerIdentity> identity = authenticator.Check(Call(method, header));
    ASSERT_TRUE(identity.ok()) << method << ": " << identity.status();
    EXPECT_EQ(identity->name, "token/deployer");
    EXPECT_EQ(identity->scope, AuthScope::kFull);
  }
  // The scheme in any case, as HTTP allows.
  EXPECT_TRUE(authenticator.Check(Call(kSetConfig, std::string("bearer ") + kFullToken)).ok());
}

TEST_F(CallAuthenticatorTest, ReadTokenListsButGetsPermissionDeniedOnCommands) {
  CallAuthenticator authenticator = Make();
  const std::string header = std::string("Bearer ") + kReadToken;
  EXPECT_TRUE(authenticator.Check(Call(kListNodes, header)).ok());
  EXPECT_TRUE(authenticator.Check(Call("/wm.v1.Commands/GetConfigs", header)).ok());
  absl::StatusOr<CallerIdentity> refused = authenticator.Check(Call(kSetConfig, header));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("needs scope full; token/grafana has scope read"));
  EXPECT_EQ(metrics_.scope.Value(), 1);
  EXPECT_THAT(log_.str(), HasSubstr("identity=token/grafana"));
}

TEST_F(CallAuthenticatorTest, NoTokenWrongTokenOrMalformedHeaderIsUnauthenticated) {
  CallAuthenticator authenticator = Make();
  EXPECT_EQ(authenticator.Check(Call(kListNodes, std::nullopt)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(
      authenticator.Check(Call(kListNodes, std::string("Bearer ") + kWrongToken)).status().code(),
      absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(authenticator.Check(Call(kListNodes, kFullToken)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(authenticator.Check(Call(kListNodes, "Basic dXNlcjpwYXNz")).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(metrics_.missing.Value(), 1);
  EXPECT_EQ(metrics_.invalid_token.Value(), 1);
  EXPECT_EQ(metrics_.malformed.Value(), 2);
  EXPECT_THAT(log_.str(), HasSubstr("grpc call refused"));
  EXPECT_THAT(log_.str(), Not(HasSubstr(kWrongToken)));
  EXPECT_THAT(log_.str(), Not(HasSubstr(kFullToken)));
  EXPECT_THAT(log_.str(), Not(HasSubstr("dXNlcjpwYXNz")));
}

TEST_F(CallAuthenticatorTest, HealthAndReflectionAreOpen) {
  CallAuthenticator authenticator = Make();
  EXPECT_TRUE(authenticator.Check(Call("/grpc.health.v1.Health/Check", std::nullopt)).ok());
  // Even with a wrong token: an open method does not look at it.
  EXPECT_TRUE(authenticator
                  .Check(Call("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                              "Bearer nope"))
                  .ok());
}

TEST_F(CallAuthenticatorTest, UnknownMethodIsDeniedEvenToAFullToken) {
  CallAuthenticator authenticator = Make();
  absl::StatusOr<CallerIdentity> refused =
      authenticator.Check(Call("/wm.v1.Commands/Reboot", std::string("Bearer ") + kFullToken));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(metrics_.unknown_method.Value(), 1);
  // Unknown and unauthenticated: UNAUTHENTICATED first.
  EXPECT_EQ(authenticator.Check(Call("/wm.v1.Commands/Reboot", std::nullopt)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(CallAuthenticatorTest, VerifiedCertificateIdentifiesByCommonName) {
  CallAuthenticator authenticator =
      Make(ClientCertificateScopes{.full_cns = {"wm-deployer"}, .read_cns = {"grafana", "bi"}});
  CallCredentials call = Call(kSetConfig, std::nullopt);
  call.verified_client_cns = {"wm-deployer"};
  absl::StatusOr<CallerIdentity> full = authenticator.Check(call);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->name, "certificate/wm-deployer");

  call.verified_client_cns = {"bi"};
  EXPECT_EQ(authenticator.Check(call).status().code(), absl::StatusCode::kPermissionDenied);
  call.method = kListNodes;
  EXPECT_TRUE(authenticator.Check(call).ok());

  call.verified_client_cns = {"intruder"};
  EXPECT_EQ(authenticator.Check(call).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(metrics_.unknown_certificate.Value(), 1);

  // A token sent along decides on its own.
  call.verified_client_cns = {"wm-deployer"};
  call.authorization = std::string("Bearer ") + kWrongToken;
  EXPECT_EQ(authenticator.Check(call).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(CallAuthenticatorTest, StarAcceptsEveryVerifiedCertificate) {
  CallAuthenticator authenticator = Make(ClientCertificateScopes{.read_cns = {"*"}});
  CallCredentials call = Call(kListNodes, std::nullopt);
  call.verified_client_cns = {"anyone"};
  EXPECT_TRUE(authenticator.Check(call).ok());
  call.method = kSetConfig;
  EXPECT_EQ(authenticator.Check(call).status().code(), absl::StatusCode::kPermissionDenied);
  // Without a verified certificate the star means nothing.
  call.verified_client_cns.clear();
  call.method = kListNodes;
  EXPECT_EQ(authenticator.Check(call).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(BearerTokenOfTest, TakesTheTokenOfTheBearerScheme) {
  EXPECT_EQ(BearerTokenOf("Bearer abc"), "abc");
  EXPECT_EQ(BearerTokenOf("BEARER   abc "), "abc");
  EXPECT_EQ(BearerTokenOf("Bearer "), std::nullopt);
  EXPECT_EQ(BearerTokenOf("Bearer a b"), std::nullopt);
  EXPECT_EQ(BearerTokenOf("Bearerabc"), std::nullopt);
  EXPECT_EQ(BearerTokenOf("abc"), std::nullopt);
}

}  // namespace
}  // namespace wm::grpcutil
