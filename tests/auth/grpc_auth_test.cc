// Access control of the real services over gRPC on TCP: wm-command with a token file (no
// token, a wrong token, a read-only token calling commands, a rotated file, failures in
// /metrics, tokens never in the log), wm-command with client certificates, wm-registry
// following a protected wm-ingest, and the warning of a service open beyond loopback.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/health_client.h"
#include "libs/grpcutil/status.h"
#include "libs/testing/certificate_authority.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/ports.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "protos/wm/v1/registry.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/harness/service_process.h"

namespace wm::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr char kOpsToken[] = "ops-token-6b1f0c2e9a7d4c55";
constexpr char kViewerToken[] = "viewer-token-3e8a91d07f2b";
constexpr char kWrongToken[] = "wrong-token-0000000000000";
constexpr char kRotatedToken[] = "rotated-token-a4c2e8f01b77";

// Replaces `path` by a new file renamed over it, as a deploy tool does.
void ReplaceFile(const std::string& path, const std::string& text) {
  ASSERT_TRUE(WriteFile(path + ".new", text).ok());
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
}

std::unique_ptr<wm::v1::Commands::Stub> CommandsWith(const std::string& address,
                                                     const std::string& token,
                                                     grpcutil::ChannelOptions options = {}) {
  if (!token.empty()) options.bearer_token = grpcutil::BearerTokenSource::FromValue(token);
  return wm::v1::Commands::NewStub(grpcutil::CreateChannel(address, options));
}

grpc::StatusCode GetConfigs(wm::v1::Commands::Stub& stub, const std::string& gateway,
                            uint32_t timeout_ms = 0) {
  wm::v1::GetConfigsRequest request;
  request.set_gateway_id(gateway);
  request.set_timeout_ms(timeout_ms);
  wm::v1::GetConfigsResponse response;
  return stub.GetConfigs(CallContext().get(), request, &response).error_code();
}

grpc::StatusCode ClearGatewayStatus(wm::v1::Commands::Stub& stub, const std::string& gateway) {
  wm::v1::ClearGatewayStatusRequest request;
  request.set_gateway_id(gateway);
  wm::v1::ClearGatewayStatusResponse response;
  return stub.ClearGatewayStatus(CallContext().get(), request, &response).error_code();
}

// A server-streaming command: the code it ends with.
grpc::StatusCode Ping(wm::v1::Commands::Stub& stub, const std::string& gateway) {
  wm::v1::PingRequest request;
  request.set_gateway_id(gateway);
  request.set_sink_id("sink0");
  request.set_timeout_ms(500);
  auto context = CallContext();
  auto reader = stub.Ping(context.get(), request);
  wm::v1::PingResponse response;
  while (reader->Read(&response)) {
  }
  return reader->Finish().error_code();
}

class CommandWithTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = MakeTempDir("auth");
    ASSERT_TRUE(dir.ok()) << dir.status();
    tokens_file_ = *dir + "/tokens";
    ReplaceFile(tokens_file_, absl::StrCat("# who may call wm-command\n", "full ops ", kOpsToken,
                                           "\n", "read viewer ", kViewerToken, "\n"));
    absl::StatusOr<std::unique_ptr<CommandStack>> stack = CommandStack::Start(
        {"--grpc_auth_tokens_file=" + tokens_file_, "--grpc_auth_reload_s=0.05"});
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    absl::StatusOr<SimulatedGateways*> sim = stack_->StartSimulator({.sinks_per_gateway = 1});
    ASSERT_TRUE(sim.ok()) << sim.status() << stack_->Output();
    gateway_ = (*sim)->gateway_id(0);
  }

  std::string address() { return stack_->command().grpc_address(); }

  std::string tokens_file_;
  std::unique_ptr<CommandStack> stack_;
  std::string gateway_;
};

TEST_F(CommandWithTokensTest, NoTokenOrAWrongTokenIsUnauthenticated) {
  // The stack's own client sends no token.
  EXPECT_EQ(GetConfigs(stack_->commands(), gateway_), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Ping(stack_->commands(), gateway_), grpc::StatusCode::UNAUTHENTICATED);
  auto wrong = CommandsWith(address(), kWrongToken);
  EXPECT_EQ(GetConfigs(*wrong, gateway_), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ClearGatewayStatus(*wrong, gateway_), grpc::StatusCode::UNAUTHENTICATED);
  auto ops = CommandsWith(address(), kOpsToken);
  EXPECT_EQ(GetConfigs(*ops, gateway_), grpc::StatusCode::OK) << stack_->Output();

  ASSERT_TRUE(stack_->command()
                  .WaitForMetric("wm_grpc_auth_failures_total", "reason=\"missing\"", 2, kTimeout)
                  .ok());
  EXPECT_EQ(stack_->command().Metric("wm_grpc_auth_failures_total", "reason=\"invalid_token\""), 2);
  // Refusals are logged, tokens never.
  const std::string output = stack_->command().process().Output();
  EXPECT_THAT(output, HasSubstr("grpc call refused"));
  for (const char* token : {kOpsToken, kViewerToken, kWrongToken}) {
    EXPECT_THAT(output, Not(HasSubstr(token)));
  }
}

TEST_F(CommandWithTokensTest, ReadOnlyTokenReadsButCommandsArePermissionDenied) {
  auto viewer = CommandsWith(address(), kViewerToken);
  EXPECT_EQ(GetConfigs(*viewer, gateway_), grpc::StatusCode::OK) << stack_->Output();
  EXPECT_EQ(ClearGatewayStatus(*viewer, gateway_), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Ping(*viewer, gateway_), grpc::StatusCode::PERMISSION_DENIED);
  // Nothing reached the gateway for the refused calls.
  EXPECT_TRUE(stack_->RequestsTo(gateway_, wirepas::Method::kSendData).empty());
  // The full-scope token gets past access control (and the gateway is online, so the command
  // itself refuses to clear it).
  auto ops = CommandsWith(address(), kOpsToken);
  EXPECT_EQ(ClearGatewayStatus(*ops, gateway_), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(stack_->command().Metric("wm_grpc_auth_failures_total", "reason=\"scope\""), 2);
}

TEST_F(CommandWithTokensTest, HealthIsOpenWithoutAToken) {
  absl::StatusOr<bool> serving =
      grpcutil::IsServing(*grpcutil::CreateChannel(address(), {}), "", absl::Seconds(5));
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
}

TEST_F(CommandWithTokensTest, RotatedTokenFileTakesEffectWithoutRestart) {
  auto old_ops = CommandsWith(address(), kOpsToken);
  auto rotated = CommandsWith(address(), kRotatedToken);
  EXPECT_EQ(GetConfigs(*old_ops, gateway_), grpc::StatusCode::OK);
  EXPECT_EQ(GetConfigs(*rotated, gateway_), grpc::StatusCode::UNAUTHENTICATED);
  const int pid = stack_->command().process().pid();

  ReplaceFile(tokens_file_, absl::StrCat("full ops ", kRotatedToken, "\n"));
  ASSERT_TRUE(
      stack_->command()
          .WaitForMetric("wm_grpc_auth_token_file_reloads_total", "result=\"ok\"", 1, kTimeout)
          .ok())
      << stack_->Output();
  EXPECT_EQ(GetConfigs(*old_ops, gateway_), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetConfigs(*rotated, gateway_), grpc::StatusCode::OK);
  EXPECT_EQ(stack_->command().process().pid(), pid);
  EXPECT_TRUE(stack_->command().process().running());

  // A broken file keeps the rotated token in force.
  ReplaceFile(tokens_file_, "full ops\n");
  ASSERT_TRUE(
      stack_->command()
          .WaitForMetric("wm_grpc_auth_token_file_reloads_total", "result=\"error\"", 1, kTimeout)
          .ok());
  EXPECT_EQ(GetConfigs(*rotated, gateway_), grpc::StatusCode::OK);
  EXPECT_THAT(stack_->command().process().Output(), HasSubstr("line 1"));
  EXPECT_THAT(stack_->command().process().Output(), Not(HasSubstr(kRotatedToken)));
}

// Client certificates ----------------------------------------------------------------------

TEST(CommandWithCertificatesTest, VerifiedCommonNameGivesItsScope) {
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create();
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<CertificateFiles> server = ca->IssueServerCertificate();
  absl::StatusOr<CertificateFiles> dashboard = ca->IssueClientCertificate("dashboard");
  absl::StatusOr<CertificateFiles> stranger = ca->IssueClientCertificate("stranger");
  ASSERT_TRUE(server.ok() && dashboard.ok() && stranger.ok());
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  absl::StatusOr<std::unique_ptr<ServiceProcess>> command = ServiceProcess::Start(
      "services/command/wm-command",
      {"--mqtt_hostname=127.0.0.1", absl::StrCat("--mqtt_port=", (*broker)->port()),
       "--mqtt_force_unsecure", "--grpc_tls_cert=" + server->cert_file,
       "--grpc_tls_key=" + server->key_file, "--grpc_tls_client_ca=" + ca->ca_cert_file(),
       "--grpc_auth_client_cns_read=dashboard", absl::StrCat("--grpc_auth_token=", kOpsToken)});
  ASSERT_TRUE(command.ok()) << command.status();
  ASSERT_TRUE((*command)->WaitReady(kTimeout).ok()) << (*command)->process().Output();

  auto with_certificate = [&](const CertificateFiles& files, const std::string& token) {
    grpcutil::ChannelOptions options;
    options.tls = true;
    absl::StatusOr<std::string> ca_pem = ReadFile(ca->ca_cert_file());
    absl::StatusOr<std::string> cert = ReadFile(files.cert_file);
    absl::StatusOr<std::string> key = ReadFile(files.key_file);
    EXPECT_TRUE(ca_pem.ok() && cert.ok() && key.ok());
    options.tls_ca_pem = *ca_pem;
    options.tls_client_cert_pem = *cert;
    options.tls_client_key_pem = *key;
    return CommandsWith((*command)->grpc_address(), token, options);
  };
  // Past access control, a request to a gateway that is not there times out.
  auto reader = with_certificate(*dashboard, "");
  EXPECT_EQ(GetConfigs(*reader, "no-such-gw", 200), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ClearGatewayStatus(*reader, "no-such-gw"), grpc::StatusCode::PERMISSION_DENIED);
  auto unknown = with_certificate(*stranger, "");
  EXPECT_EQ(GetConfigs(*unknown, "no-such-gw", 200), grpc::StatusCode::UNAUTHENTICATED);
  // A certificate the CA verified plus a full-scope token.
  auto ops = with_certificate(*stranger, kOpsToken);
  EXPECT_NE(ClearGatewayStatus(*ops, "no-such-gw"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(ClearGatewayStatus(*ops, "no-such-gw"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ((*command)->Metric("wm_grpc_auth_failures_total", "reason=\"unknown_certificate\""), 1);
  EXPECT_THAT((*command)->process().Output(), Not(HasSubstr(kOpsToken)));
}

// wm-registry following a protected wm-ingest ----------------------------------------------

class ProtectedIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    absl::StatusOr<std::unique_ptr<ServiceProcess>> ingest = ServiceProcess::Start(
        "services/ingest/wm-ingest",
        {"--mqtt_hostname=127.0.0.1", absl::StrCat("--mqtt_port=", broker_->port()),
         "--mqtt_force_unsecure"},
        // The secret setting from the environment, as a Kubernetes secretKeyRef gives it.
        {{"WM_SERVICES_GRPC_AUTH_READ_TOKEN", kViewerToken}});
    ASSERT_TRUE(ingest.ok()) << ingest.status();
    ingest_ = *std::move(ingest);
    ASSERT_TRUE(ingest_->WaitReady(kTimeout).ok()) << ingest_->process().Output();
    absl::StatusOr<std::string> dir = MakeTempDir("registry");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }

  absl::StatusOr<std::unique_ptr<ServiceProcess>> StartRegistry(std::vector<std::string> args) {
    args.push_back("--wm_ingest=" + ingest_->grpc_address());
    args.push_back("--registry_db=" + dir_ + "/registry.db");
    return ServiceProcess::Start("services/registry/wm-registry", args);
  }

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<ServiceProcess> ingest_;
  std::string dir_;
};

TEST_F(ProtectedIngestTest, RegistryWithTheTokenFileFollows) {
  const std::string token_file = dir_ + "/ingest-token";
  ReplaceFile(token_file, absl::StrCat(kViewerToken, "\n"));
  absl::StatusOr<std::unique_ptr<ServiceProcess>> registry =
      StartRegistry({"--wm_token_file=" + token_file});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE((*registry)->WaitReady(kTimeout).ok()) << (*registry)->process().Output();
  EXPECT_EQ((*registry)->Metric("wm_registry_ingest_connected"), 1);
  EXPECT_EQ(ingest_->Metric("wm_grpc_auth_failures_total", "reason=\"missing\""), 0);
  EXPECT_THAT((*registry)->process().Output(), Not(HasSubstr(kViewerToken)));
  // wm-ingest had it as a secret setting from the environment.
  EXPECT_THAT(ingest_->process().Output(), Not(HasSubstr(kViewerToken)));
}

TEST_F(ProtectedIngestTest, RegistryWithoutATokenIsRefused) {
  absl::StatusOr<std::unique_ptr<ServiceProcess>> registry = StartRegistry({});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(
      ingest_->WaitForMetric("wm_grpc_auth_failures_total", "reason=\"missing\"", 1, kTimeout).ok())
      << (*registry)->process().Output();
  EXPECT_EQ((*registry)->Metric("wm_registry_ingest_connected"), 0);
  EXPECT_TRUE((*registry)->process().WaitForOutput("ingest_stream_refused", kTimeout).ok())
      << (*registry)->process().Output();
  EXPECT_THAT((*registry)->process().Output(), HasSubstr("set wm_token or wm_token_file"));
  // Readiness says why it is not ready (set before the line above is logged).
  absl::StatusOr<std::string> readiness = (*registry)->ReadinessReport();
  ASSERT_TRUE(readiness.ok()) << readiness.status();
  EXPECT_THAT(*readiness, HasSubstr("wm-ingest refuses this registry's identity (UNAUTHENTICATED)"));
}

TEST_F(ProtectedIngestTest, RegistryPicksUpARotatedTokenFileWithoutRestart) {
  const std::string token_file = dir_ + "/ingest-token";
  ReplaceFile(token_file, "not-the-token-of-wm-ingest\n");
  absl::StatusOr<std::unique_ptr<ServiceProcess>> registry =
      StartRegistry({"--wm_token_file=" + token_file});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE(
      ingest_->WaitForMetric("wm_grpc_auth_failures_total", "reason=\"invalid_token\"", 1, kTimeout)
          .ok());
  ReplaceFile(token_file, absl::StrCat(kViewerToken, "\n"));
  EXPECT_TRUE((*registry)->WaitReady(kTimeout).ok()) << (*registry)->process().Output();
}

// The warning of a service open beyond loopback --------------------------------------------

// wm-registry run directly (ServiceProcess binds loopback), its output once gRPC listens.
std::string RegistryOutput(const std::vector<std::string>& extra) {
  absl::StatusOr<std::string> dir = MakeTempDir("open");
  EXPECT_TRUE(dir.ok());
  std::vector<std::string> args = {absl::StrCat("--grpc_port=", FreeLoopbackPort()),
                                   "--http_host=127.0.0.1",
                                   absl::StrCat("--http_port=", FreeLoopbackPort()),
                                   absl::StrCat("--wm_ingest=127.0.0.1:", FreeLoopbackPort()),
                                   "--registry_db=" + *dir + "/registry.db"};
  args.insert(args.end(), extra.begin(), extra.end());
  absl::StatusOr<std::unique_ptr<Subprocess>> registry =
      Subprocess::Start(RunfilePath("services/registry/wm-registry"), args);
  EXPECT_TRUE(registry.ok()) << registry.status();
  if (!registry.ok()) return "";
  EXPECT_TRUE((*registry)->WaitForOutput("grpc server listening", kTimeout).ok())
      << (*registry)->Output();
  // The warning is logged right after the listening line, before `started`.
  EXPECT_TRUE((*registry)->WaitForOutput("started service=wm-registry", kTimeout).ok())
      << (*registry)->Output();
  std::string output = (*registry)->Output();
  (*registry)->Stop();
  return output;
}

TEST(OpenServiceWarningTest, WarnsWhenListeningBeyondLoopbackWithoutAuthentication) {
  EXPECT_THAT(RegistryOutput({"--grpc_host=0.0.0.0"}),
              HasSubstr("grpc server listens beyond loopback without authentication"));
}

TEST(OpenServiceWarningTest, QuietOnLoopbackOrWithATokenFile) {
  EXPECT_THAT(RegistryOutput({"--grpc_host=127.0.0.1"}), Not(HasSubstr("beyond loopback")));
  absl::StatusOr<std::string> dir = MakeTempDir("tokens");
  ASSERT_TRUE(dir.ok());
  ReplaceFile(*dir + "/tokens", absl::StrCat("read viewer ", kViewerToken, "\n"));
  EXPECT_THAT(
      RegistryOutput({"--grpc_host=0.0.0.0", "--grpc_auth_tokens_file=" + *dir + "/tokens"}),
      Not(HasSubstr("beyond loopback")));
}

}  // namespace
}  // namespace wm::testing
