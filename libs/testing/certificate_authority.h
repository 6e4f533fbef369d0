#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wm::testing {

// A certificate and its private key, as PEM files.
struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
};

// A throw-away certificate authority for TLS tests (MQTT, gRPC, HTTP), made with the openssl
// command in a new directory under TestTmpDir(). Keys are ECDSA P-256; certificates are valid
// for two days.
//
//   auto ca = CertificateAuthority::Create("test-ca");
//   auto server = ca->IssueServerCertificate();      // for 127.0.0.1 and localhost
//   auto client = ca->IssueClientCertificate("ingest");
//   // trust ca->ca_cert_file() on the other side
class CertificateAuthority {
 public:
  // Creates the CA's key and self-signed certificate with subject CN=`name`.
  static absl::StatusOr<CertificateAuthority> Create(const std::string& name = "wm-test-ca");

  const std::string& ca_cert_file() const { return ca_.cert_file; }
  const std::string& ca_key_file() const { return ca_.key_file; }
  const std::string& directory() const { return dir_; }

  // A server certificate (extendedKeyUsage serverAuth) signed by this CA, valid for `hosts`:
  // IP addresses become IP subjectAltNames, other names DNS ones.
  absl::StatusOr<CertificateFiles> IssueServerCertificate(const std::vector<std::string>& hosts = {
                                                              "127.0.0.1", "localhost"});
  // A client certificate (extendedKeyUsage clientAuth) with subject CN=`common_name`.
  absl::StatusOr<CertificateFiles> IssueClientCertificate(const std::string& common_name);

  // A self-signed server certificate for `hosts`, signed by no CA: what a server with a
  // certificate nobody trusts presents.
  static absl::StatusOr<CertificateFiles> SelfSignedServerCertificate(
      const std::vector<std::string>& hosts = {"127.0.0.1", "localhost"});

 private:
  CertificateAuthority() = default;
  absl::StatusOr<CertificateFiles> Issue(const std::string& name, const std::string& subject,
                                         const std::string& extensions);

  std::string dir_;
  CertificateFiles ca_;
  int issued_ = 0;
};

}  // namespace wm::testing
