#include "libs/testing/certificate_authority.h"

#include "gtest/gtest.h"
#include "libs/testing/subprocess.h"

namespace wm::testing {
namespace {

// Runs `openssl args...` and returns its exit code and output.
std::pair<int, std::string> Openssl(const std::vector<std::string>& args) {
  auto openssl = Subprocess::Start("/usr/bin/openssl", args);
  if (!openssl.ok()) return {-1, std::string(openssl.status().message())};
  int code = (*openssl)->Wait(absl::Seconds(30)).value_or(-1);
  return {code, (*openssl)->Output()};
}

TEST(CertificateAuthorityTest, IssuedCertificatesVerifyAgainstTheirCaOnly) {
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create("ca-one");
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<CertificateAuthority> other = CertificateAuthority::Create("ca-two");
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<CertificateFiles> server = ca->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<CertificateFiles> client = ca->IssueClientCertificate("ingest");
  ASSERT_TRUE(client.ok()) << client.status();

  EXPECT_EQ(
      Openssl({"verify", "-CAfile", ca->ca_cert_file(), "-purpose", "sslserver", server->cert_file})
          .first,
      0);
  EXPECT_EQ(
      Openssl({"verify", "-CAfile", ca->ca_cert_file(), "-purpose", "sslclient", client->cert_file})
          .first,
      0);
  EXPECT_NE(Openssl({"verify", "-CAfile", other->ca_cert_file(), server->cert_file}).first, 0);
  // A client certificate is not good for a server, and the other way round.
  EXPECT_NE(
      Openssl({"verify", "-CAfile", ca->ca_cert_file(), "-purpose", "sslserver", client->cert_file})
          .first,
      0);
}

TEST(CertificateAuthorityTest, ServerCertificateNamesLoopbackAddressAndLocalhost) {
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create();
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<CertificateFiles> server = ca->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(Openssl({"verify", "-CAfile", ca->ca_cert_file(), "-verify_ip", "127.0.0.1",
                     server->cert_file})
                .first,
            0);
  EXPECT_EQ(Openssl({"verify", "-CAfile", ca->ca_cert_file(), "-verify_hostname", "localhost",
                     server->cert_file})
                .first,
            0);
  EXPECT_NE(Openssl({"verify", "-CAfile", ca->ca_cert_file(), "-verify_hostname", "example.com",
                     server->cert_file})
                .first,
            0);
}

TEST(CertificateAuthorityTest, KeyMatchesCertificate) {
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create();
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<CertificateFiles> server = ca->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  auto [code1, cert_key] = Openssl({"x509", "-in", server->cert_file, "-noout", "-pubkey"});
  auto [code2, key_key] = Openssl({"pkey", "-in", server->key_file, "-pubout"});
  ASSERT_EQ(code1, 0);
  ASSERT_EQ(code2, 0);
  EXPECT_EQ(cert_key, key_key);
}

TEST(CertificateAuthorityTest, SelfSignedCertificateIsTrustedByNoCa) {
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create();
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<CertificateFiles> self_signed =
      CertificateAuthority::SelfSignedServerCertificate();
  ASSERT_TRUE(self_signed.ok()) << self_signed.status();
  EXPECT_NE(Openssl({"verify", "-CAfile", ca->ca_cert_file(), self_signed->cert_file}).first, 0);
  // It verifies against itself only.
  EXPECT_EQ(Openssl({"verify", "-CAfile", self_signed->cert_file, self_signed->cert_file}).first,
            0);
}

}  // namespace
}  // namespace wm::testing
