#include "libs/grpcutil/channel.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/server.h"
#include "libs/grpcutil/status.h"
#include "libs/grpcutil/testdata/test_certs.h"
#include "libs/grpcutil/testdata/test_service.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

absl::StatusOr<config::Settings> LoadClientSettings(const std::vector<std::string>& args) {
  config::Schema schema;
  AddGrpcClientSettings(schema);
  AddAddressSetting(schema, "wm_ingest", "127.0.0.1:7001", "wm-ingest's gRPC address.");
  return config::Settings::Load(schema, args, {});
}

TEST(AddressSettingTest, ValidAddresses) {
  for (const char* address : {"127.0.0.1:7001", "wm-ingest:7001", "[::1]:7001", "h:65535"}) {
    absl::StatusOr<config::Settings> settings =
        LoadClientSettings({std::string("--wm_ingest=") + address});
    ASSERT_TRUE(settings.ok());
    absl::StatusOr<std::string> parsed = AddressFromSettings(*settings, "wm_ingest");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, address);
  }
  EXPECT_EQ(*AddressFromSettings(*LoadClientSettings({}), "wm_ingest"), "127.0.0.1:7001");
}

TEST(AddressSettingTest, InvalidAddressesNameTheKey) {
  for (const char* address :
       {"127.0.0.1", ":7001", "host:0", "host:70000", "host:7x", "::1:7001", "host:", "[]:1"}) {
    absl::StatusOr<config::Settings> settings =
        LoadClientSettings({std::string("--wm_ingest=") + address});
    ASSERT_TRUE(settings.ok());
    absl::StatusOr<std::string> parsed = AddressFromSettings(*settings, "wm_ingest");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << address;
    EXPECT_THAT(std::string(parsed.status().message()),
                AllOf(HasSubstr("wm_ingest"), HasSubstr("flag")));
  }
}

TEST(ChannelTokenSettingsTest, NoTokenByDefault) {
  absl::StatusOr<ChannelOptions> options = ChannelOptionsFromSettings(*LoadClientSettings({}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->bearer_token, nullptr);
}

TEST(ChannelTokenSettingsTest, TokenFromTheSecretSettingOrAFile) {
  absl::StatusOr<config::Settings> settings =
      LoadClientSettings({"--wm_token=secret-token-0123456789"});
  ASSERT_TRUE(settings.ok());
  // A secret: never shown by `settings`.
  EXPECT_THAT(settings->Render(), ::testing::Not(HasSubstr("secret-token-0123456789")));
  absl::StatusOr<ChannelOptions> options = ChannelOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_NE(options->bearer_token, nullptr);
  EXPECT_EQ(options->bearer_token->Current(), "secret-token-0123456789");

  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/client_token";
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("file-token-0123456789\n", file);
  std::fclose(file);
  options = ChannelOptionsFromSettings(*LoadClientSettings({"--wm_token_file=" + path}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->bearer_token->Current(), "file-token-0123456789");
}

TEST(ChannelTokenTest, WarnsWhenATokenWouldCrossTheNetworkInClear) {
  std::ostringstream log;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  ChannelOptions options;
  options.bearer_token = BearerTokenSource::FromValue("secret-token-0123456789");
  CreateChannel("127.0.0.1:7002", options);
  CreateChannel("localhost:7002", options);
  EXPECT_EQ(log.str(), "");
  CreateChannel("wm-registry.example:7002", options);
  EXPECT_THAT(log.str(), AllOf(HasSubstr("sends its bearer token in clear"),
                               HasSubstr("wm-registry.example:7002"),
                               ::testing::Not(HasSubstr("secret-token"))));
  spdlog::set_default_logger(previous);
}

TEST(ChannelTokenSettingsTest, ErrorsNameTheKey) {
  absl::StatusOr<ChannelOptions> both = ChannelOptionsFromSettings(*LoadClientSettings(
      {"--wm_token=secret-token-0123456789", "--wm_token_file=/nonexistent/token"}));
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(both.status().message()),
              AllOf(HasSubstr("wm_token_file"), ::testing::Not(HasSubstr("secret-token"))));
  absl::StatusOr<ChannelOptions> missing =
      ChannelOptionsFromSettings(*LoadClientSettings({"--wm_token_file=/nonexistent/token"}));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("wm_token_file"));
}

TEST(ChannelOptionsTest, PlaintextByDefault) {
  absl::StatusOr<ChannelOptions> options = ChannelOptionsFromSettings(*LoadClientSettings({}));
  ASSERT_TRUE(options.ok());
  EXPECT_FALSE(options->tls);
}

class ChannelTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testing::TestPki> pki = testing::GenerateTestPki(std::getenv("TEST_TMPDIR"));
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testing::TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }
  static testing::TestPki* pki_;
};

testing::TestPki* ChannelTlsTest::pki_ = nullptr;

TEST_F(ChannelTlsTest, OptionsFromSettings) {
  absl::StatusOr<ChannelOptions> options = ChannelOptionsFromSettings(*LoadClientSettings(
      {"--grpc_tls_ca=" + pki_->ca_cert_path, "--grpc_tls_client_cert=" + pki_->client_cert_path,
       "--grpc_tls_client_key=" + pki_->client_key_path}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tls);
  EXPECT_EQ(options->tls_ca_pem, pki_->ca_cert);
  EXPECT_EQ(options->tls_client_cert_pem, pki_->client_cert);
  EXPECT_EQ(options->tls_client_key_pem, pki_->client_key);

  absl::StatusOr<ChannelOptions> missing =
      ChannelOptionsFromSettings(*LoadClientSettings({"--grpc_tls_ca=/nonexistent/ca.crt"}));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("grpc_tls_ca"));

  absl::StatusOr<ChannelOptions> no_key = ChannelOptionsFromSettings(*LoadClientSettings(
      {"--grpc_tls_ca=" + pki_->ca_cert_path, "--grpc_tls_client_cert=" + pki_->client_cert_path}));
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_key.status().message()), HasSubstr("grpc_tls_client_key"));

  absl::StatusOr<ChannelOptions> no_ca = ChannelOptionsFromSettings(
      *LoadClientSettings({"--grpc_tls_client_cert=" + pki_->client_cert_path,
                           "--grpc_tls_client_key=" + pki_->client_key_path}));
  EXPECT_THAT(std::string(no_ca.status().message()), HasSubstr("grpc_tls_ca"));
}

TEST_F(ChannelTlsTest, MutualTlsChannelFromSettingsReachesServer) {
  testing::CallbackTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  GrpcServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.tls_cert_pem = pki_->server_cert;
  server_options.tls_key_pem = pki_->server_key;
  server_options.tls_client_ca_pem = pki_->ca_cert;
  absl::StatusOr<int> port = server.Start(server_options);
  ASSERT_TRUE(port.ok()) << port.status();

  absl::StatusOr<ChannelOptions> options = ChannelOptionsFromSettings(*LoadClientSettings(
      {"--grpc_tls_ca=" + pki_->ca_cert_path, "--grpc_tls_client_cert=" + pki_->client_cert_path,
       "--grpc_tls_client_key=" + pki_->client_key_path}));
  ASSERT_TRUE(options.ok());
  absl::StatusOr<std::string> address = AddressFromSettings(
      *LoadClientSettings({"--wm_ingest=127.0.0.1:" + std::to_string(*port)}), "wm_ingest");
  ASSERT_TRUE(address.ok());
  auto stub = testing::TestEcho::NewStub(CreateChannel(*address, *options));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  testing::EchoRequest request;
  request.set_text("over mtls");
  testing::EchoReply reply;
  grpc::Status status = stub->Echo(&context, request, &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "over mtls");
}

}  // namespace
}  // namespace wm::grpcutil
