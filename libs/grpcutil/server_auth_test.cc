// GrpcServer's access control over real gRPC on TCP: tokens, scopes, rotation, client
// certificates, open health, metrics, and the warning for an open API beyond loopback.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/health_client.h"
#include "libs/grpcutil/server.h"
#include "libs/grpcutil/status.h"
#include "libs/grpcutil/testdata/test_certs.h"
#include "libs/grpcutil/testdata/test_service.h"
#include "libs/testing/files.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

using testing::CallbackTestEcho;
using testing::EchoReply;
using testing::EchoRequest;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SyncTestEcho;
using testing::TestEcho;
using testing::Tick;
using testing::TicksRequest;

constexpr char kFullToken[] = "full-token-0123456789abcdef";
constexpr char kReadToken[] = "read-token-0123456789abcdef";
constexpr char kWrongToken[] = "wrong-token-0123456789abcdef";

// The test service's methods: Echo reads, Ticks (a server stream) needs full scope.
const std::vector<MethodRule>& TestRules() {
  static const auto* const kRules = new std::vector<MethodRule>{
      {"/wm.grpcutil.testing.TestEcho/Echo", MethodAccess::kRead},
      {"/wm.grpcutil.testing.TestEcho/Ticks", MethodAccess::kFull},
  };
  return *kRules;
}

std::shared_ptr<grpc::Channel> Channel(int port, std::string token = "",
                                       ChannelOptions options = {}) {
  if (!token.empty()) options.bearer_token = BearerTokenSource::FromValue(std::move(token));
  return CreateChannel("127.0.0.1:" + std::to_string(port), options);
}

absl::StatusOr<std::string> Echo(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& text = "hello") {
  auto stub = TestEcho::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  EchoRequest request;
  request.set_text(text);
  EchoReply reply;
  grpc::Status status = stub->Echo(&context, request, &reply);
  if (!status.ok()) return FromGrpcStatus(status);
  return reply.text();
}

// Reads a 3-tick stream; the number of ticks, or the stream's error.
absl::StatusOr<int> Ticks(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = TestEcho::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  TicksRequest request;
  request.set_count(3);
  auto reader = stub->Ticks(&context, request);
  Tick tick;
  int n = 0;
  while (reader->Read(&tick)) ++n;
  grpc::Status status = reader->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return n;
}

std::string Serialize(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

// Echoes what a handler sees of its caller: "authorization=<header or none>
// identity=<wm_identity> scope=<wm_scope>".
class CallerEcho : public TestEcho::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest*,
                                 EchoReply* reply) override {
    auto header = context->client_metadata().find("authorization");
    std::string text = "authorization=";
    text += header == context->client_metadata().end()
                ? "none"
                : std::string(header->second.data(), header->second.size());
    for (const char* property : {"wm_identity", "wm_scope"}) {
      text += std::string(" ") + property + "=";
      for (const grpc::string_ref& value : context->auth_context()->FindPropertyValues(property)) {
        text += std::string(value.data(), value.size());
      }
    }
    reply->set_text(text);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class GrpcServerAuthTest : public ::testing::Test {
 protected:
  GrpcServerAuthTest() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  ~GrpcServerAuthTest() override {
    server_.Shutdown(absl::Seconds(1));
    spdlog::set_default_logger(previous_);
  }

  GrpcServerOptions TokenOptions() {
    GrpcServerOptions options;
    options.host = "127.0.0.1";
    EXPECT_TRUE(options.auth.tokens.Add(kFullToken, AuthScope::kFull, "deployer").ok());
    EXPECT_TRUE(options.auth.tokens.Add(kReadToken, AuthScope::kRead, "grafana").ok());
    options.auth.method_rules = &TestRules();
    return options;
  }

  int Start(const GrpcServerOptions& options) {
    absl::StatusOr<int> port = server_.Start(options);
    EXPECT_TRUE(port.ok()) << port.status();
    return port.ok() ? *port : 0;
  }

  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_;
  prometheus::Registry registry_;
  CallbackTestEcho service_;
  GrpcServer server_{nullptr, &registry_};
};

TEST_F(GrpcServerAuthTest, NoTokenOrAWrongTokenIsUnauthenticatedForUnaryAndStreamingCalls) {
  server_.AddService(&service_);
  const int port = Start(TokenOptions());
  for (const std::string& token : {std::string(), std::string(kWrongToken)}) {
    EXPECT_EQ(Echo(Channel(port, token)).status().code(), absl::StatusCode::kUnauthenticated)
        << token;
    EXPECT_EQ(Ticks(Channel(port, token)).status().code(), absl::StatusCode::kUnauthenticated)
        << token;
  }
  EXPECT_EQ(*Echo(Channel(port, kFullToken)), "hello");
  EXPECT_EQ(*Ticks(Channel(port, kFullToken)), 3);

  const std::string metrics = Serialize(registry_);
  EXPECT_THAT(metrics, HasSubstr("wm_grpc_auth_failures_total{reason=\"missing\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("wm_grpc_auth_failures_total{reason=\"invalid_token\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("wm_grpc_auth_enabled 1"));
  EXPECT_THAT(metrics, HasSubstr("wm_grpc_auth_tokens 2"));
  EXPECT_THAT(log_.str(), HasSubstr("grpc call refused"));
  EXPECT_THAT(log_.str(), Not(HasSubstr(kWrongToken)));
  EXPECT_THAT(log_.str(), Not(HasSubstr(kFullToken)));
}

TEST_F(GrpcServerAuthTest, ReadTokenReadsButIsDeniedWhatNeedsFullScope) {
  SyncTestEcho sync_service;  // a sync service is covered as well as a callback one
  server_.AddService(&sync_service);
  const int port = Start(TokenOptions());
  EXPECT_EQ(*Echo(Channel(port, kReadToken)), "hello");
  // SyncTestEcho does not implement Ticks: refused before gRPC would answer UNIMPLEMENTED.
  EXPECT_EQ(Ticks(Channel(port, kReadToken)).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Serialize(registry_), HasSubstr("wm_grpc_auth_failures_total{reason=\"scope\"} 1"));
}

TEST_F(GrpcServerAuthTest, StreamingCallbackMethodIsDeniedToAReadToken) {
  server_.AddService(&service_);
  const int port = Start(TokenOptions());
  absl::StatusOr<int> ticks = Ticks(Channel(port, kReadToken));
  EXPECT_EQ(ticks.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(ticks.status().message()), HasSubstr("needs scope full"));
}

TEST_F(GrpcServerAuthTest, HandlersSeeTheIdentityButNotTheToken) {
  CallerEcho caller_echo;
  server_.AddService(&caller_echo);
  const int port = Start(TokenOptions());
  EXPECT_EQ(*Echo(Channel(port, kReadToken)),
            "authorization=none wm_identity=token/grafana wm_scope=read");
}

TEST_F(GrpcServerAuthTest, MethodsOutsideTheTableAreDenied) {
  server_.AddService(&service_);
  GrpcServerOptions options = TokenOptions();
  options.auth.method_rules = nullptr;  // the wm.v1 table, which does not list TestEcho
  const int port = Start(options);
  EXPECT_EQ(Echo(Channel(port, kFullToken)).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(GrpcServerAuthTest, HealthIsOpenWithoutAToken) {
  server_.AddService(&service_);
  const int port = Start(TokenOptions());
  absl::StatusOr<bool> serving = IsServing(*Channel(port), "", absl::Seconds(5));
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
}

TEST_F(GrpcServerAuthTest, RotatedTokenFileTakesEffectWithoutRestart) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("rotation");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/tokens";
  const std::string old_token = "old-token-0123456789abcdef";
  const std::string new_token = "new-token-0123456789abcdef";
  ASSERT_TRUE(wm::testing::WriteFile(path, "full ci " + old_token + "\n").ok());
  server_.AddService(&service_);
  GrpcServerOptions options;
  options.host = "127.0.0.1";
  options.auth.tokens_file = path;
  options.auth.reload_interval = absl::Hours(1);  // the test checks by itself
  options.auth.method_rules = &TestRules();
  const int port = Start(options);
  EXPECT_EQ(*Echo(Channel(port, old_token)), "hello");

  ASSERT_TRUE(wm::testing::WriteFile(path + ".new", "full ci " + new_token + "\n").ok());
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
  EXPECT_EQ(server_.CheckTokenFileNow(), TokenFileWatcher::CheckResult::kReloaded);
  EXPECT_EQ(Echo(Channel(port, old_token)).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(*Echo(Channel(port, new_token)), "hello");

  // A broken file keeps the new token working and says so.
  ASSERT_TRUE(wm::testing::WriteFile(path + ".new", "full ci\n").ok());
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
  EXPECT_EQ(server_.CheckTokenFileNow(), TokenFileWatcher::CheckResult::kFailed);
  EXPECT_EQ(*Echo(Channel(port, new_token)), "hello");
  EXPECT_THAT(log_.str(), HasSubstr("line 1"));
  EXPECT_THAT(Serialize(registry_),
              HasSubstr("wm_grpc_auth_token_file_reloads_total{result=\"error\"} 1"));
}

TEST_F(GrpcServerAuthTest, WarnsWhenOpenBeyondLoopback) {
  server_.AddService(&service_);
  GrpcServerOptions open;
  open.host = "0.0.0.0";
  Start(open);
  EXPECT_THAT(log_.str(), HasSubstr("grpc server listens beyond loopback without authentication"));
  EXPECT_THAT(Serialize(registry_), HasSubstr("wm_grpc_auth_enabled 0"));
}

TEST_F(GrpcServerAuthTest, NoWarningOnLoopbackOrWithAuthentication) {
  server_.AddService(&service_);
  GrpcServerOptions loopback;
  loopback.host = "127.0.0.1";
  Start(loopback);
  server_.Shutdown(absl::Seconds(1));
  GrpcServerOptions protected_options = TokenOptions();
  protected_options.host = "0.0.0.0";
  Start(protected_options);
  EXPECT_THAT(log_.str(), Not(HasSubstr("beyond loopback")));
}

// Mutual TLS --------------------------------------------------------------------------------

class GrpcServerCertificateAuthTest : public GrpcServerAuthTest {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testing::TestPki> pki = testing::GenerateTestPki(std::getenv("TEST_TMPDIR"));
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testing::TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  GrpcServerOptions MutualTls(ClientCertificateScopes scopes) {
    GrpcServerOptions options;
    options.host = "127.0.0.1";
    options.tls_cert_pem = pki_->server_cert;
    options.tls_key_pem = pki_->server_key;
    options.tls_client_ca_pem = pki_->ca_cert;
    options.auth.client_certificates = std::move(scopes);
    EXPECT_TRUE(options.auth.tokens.Add(kFullToken, AuthScope::kFull, "deployer").ok());
    options.auth.method_rules = &TestRules();
    return options;
  }
  std::shared_ptr<grpc::Channel> WithCertificate(int port, std::string token = "") {
    ChannelOptions options;
    options.tls = true;
    options.tls_ca_pem = pki_->ca_cert;
    options.tls_client_cert_pem = pki_->client_cert;
    options.tls_client_key_pem = pki_->client_key;
    return Channel(port, std::move(token), options);
  }

  static testing::TestPki* pki_;
};

testing::TestPki* GrpcServerCertificateAuthTest::pki_ = nullptr;

TEST_F(GrpcServerCertificateAuthTest, ListedCommonNameIsTheIdentity) {
  server_.AddService(&service_);
  // The test client certificate's CN is wm-test-client.
  const int port = Start(MutualTls({.read_cns = {"wm-test-client"}}));
  EXPECT_EQ(*Echo(WithCertificate(port)), "hello");
  EXPECT_EQ(Ticks(WithCertificate(port)).status().code(), absl::StatusCode::kPermissionDenied);
  // A token sent along decides: full scope.
  EXPECT_EQ(*Ticks(WithCertificate(port, kFullToken)), 3);
}

TEST_F(GrpcServerCertificateAuthTest, UnlistedCommonNameNeedsAToken) {
  server_.AddService(&service_);
  const int port = Start(MutualTls({.full_cns = {"someone-else"}}));
  EXPECT_EQ(Echo(WithCertificate(port)).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(*Echo(WithCertificate(port, kFullToken)), "hello");
  EXPECT_THAT(Serialize(registry_),
              HasSubstr("wm_grpc_auth_failures_total{reason=\"unknown_certificate\"} 1"));
}

// Settings ----------------------------------------------------------------------------------

absl::StatusOr<GrpcServerOptions> OptionsFrom(const std::vector<std::string>& args) {
  config::Schema schema;
  AddGrpcServerSettings(schema, 7001);
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, {});
  if (!settings.ok()) return settings.status();
  return GrpcServerOptionsFromSettings(*settings);
}

TEST(GrpcServerAuthSettingsTest, OffByDefault) {
  absl::StatusOr<GrpcServerOptions> options = OptionsFrom({});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_FALSE(options->auth.enabled());
}

TEST(GrpcServerAuthSettingsTest, TokensFromSecretsAndFile) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("settings");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/tokens";
  ASSERT_TRUE(wm::testing::WriteFile(path, std::string("read grafana ") + kReadToken + "\n").ok());
  absl::StatusOr<GrpcServerOptions> options =
      OptionsFrom({std::string("--grpc_auth_token=") + kFullToken,
                   "--grpc_auth_tokens_file=" + path, "--grpc_auth_reload_s=2"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->auth.enabled());
  EXPECT_EQ(options->auth.tokens.Find(kFullToken)->name, "grpc_auth_token");
  EXPECT_EQ(options->auth.tokens_file, path);
  EXPECT_EQ(options->auth.reload_interval, absl::Seconds(2));
}

TEST(GrpcServerAuthSettingsTest, ErrorsNameTheKeyAndTheLineButNoToken) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("settings");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/tokens";
  ASSERT_TRUE(wm::testing::WriteFile(path, "# ok\nroot admin s3cr3t-s3cr3t-s3cr3t\n").ok());
  absl::StatusOr<GrpcServerOptions> bad_file = OptionsFrom({"--grpc_auth_tokens_file=" + path});
  EXPECT_EQ(bad_file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_file.status().message()),
              ::testing::AllOf(HasSubstr("grpc_auth_tokens_file"), HasSubstr("line 2"),
                               Not(HasSubstr("s3cr3t"))));
  EXPECT_EQ(OptionsFrom({"--grpc_auth_tokens_file=" + path + ".missing"}).status().code(),
            absl::StatusCode::kNotFound);

  absl::StatusOr<GrpcServerOptions> short_token = OptionsFrom({"--grpc_auth_token=short"});
  EXPECT_THAT(std::string(short_token.status().message()),
              ::testing::AllOf(HasSubstr("grpc_auth_token"), Not(HasSubstr("short"))));
  absl::StatusOr<GrpcServerOptions> same =
      OptionsFrom({std::string("--grpc_auth_token=") + kFullToken,
                   std::string("--grpc_auth_read_token=") + kFullToken});
  EXPECT_EQ(same.status().code(), absl::StatusCode::kInvalidArgument);

  absl::StatusOr<GrpcServerOptions> cns = OptionsFrom({"--grpc_auth_client_cns_read=grafana"});
  EXPECT_THAT(std::string(cns.status().message()), HasSubstr("grpc_tls_client_ca"));
}

}  // namespace
}  // namespace wm::grpcutil
