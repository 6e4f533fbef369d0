// wm-registry follows a wm-ingest that requires mutual TLS, with the gRPC client settings.
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/certificate_authority.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/registry/registry_stack.h"

namespace wm::registry {
namespace {

using ::wm::testing::CertificateAuthority;
using ::wm::testing::RegistryStack;
using ::wm::testing::WaitUntil;

TEST(RegistryTlsTest, FollowsAnIngestThatRequiresClientCertificates) {
  auto ca = CertificateAuthority::Create("registry-test-ca");
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto server = ca->IssueServerCertificate();
  auto client = ca->IssueClientCertificate("wm-registry");
  ASSERT_TRUE(server.ok() && client.ok());
  auto stack = RegistryStack::Start(
      {"--grpc_tls_ca=" + ca->ca_cert_file(), "--grpc_tls_client_cert=" + client->cert_file,
       "--grpc_tls_client_key=" + client->key_file},
      {"--grpc_tls_cert=" + server->cert_file, "--grpc_tls_key=" + server->key_file,
       "--grpc_tls_client_ca=" + ca->ca_cert_file()});
  ASSERT_TRUE(stack.ok()) << stack.status();  // ready: the stream is open
  ASSERT_TRUE((*stack)
                  ->Publish(wm::testing::GatewayStatusTopic("gw-tls"),
                            wm::testing::GatewayStatusBytes("gw-tls", true), true)
                  .ok());
  EXPECT_TRUE(WaitUntil([&] { return (*stack)->GetGateway("gw-tls").ok(); }));

  // Without a client certificate the registry cannot follow: it never becomes ready and says
  // why.
  auto plain = wm::testing::ServiceProcess::Start(
      "services/registry/wm-registry",
      {"--wm_ingest=" + (*stack)->ingest_address(), "--grpc_tls_ca=" + ca->ca_cert_file(),
       "--registry_db=" + wm::testing::TestTmpDir() + "/no-client-cert.db"});
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE((*plain)->process().WaitForOutput("ingest_stream_failed", absl::Seconds(20)).ok())
      << (*plain)->process().Output();
  EXPECT_FALSE((*plain)->WaitReady(absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace wm::registry
