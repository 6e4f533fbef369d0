#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace wm::grpcutil::testing {

// PEM files and their contents for TLS tests, made with the openssl command: a CA, a server
// certificate for localhost and 127.0.0.1, a client certificate, all signed by the CA, and a
// second CA that signed nothing here.
struct TestPki {
  std::string dir;
  std::string ca_cert_path, server_cert_path, server_key_path, client_cert_path,
      client_key_path, other_ca_cert_path;
  std::string ca_cert, server_cert, server_key, client_cert, client_key, other_ca_cert;
};

// Generates the files in `dir` (e.g. TEST_TMPDIR).
absl::StatusOr<TestPki> GenerateTestPki(const std::string& dir);

}  // namespace wm::grpcutil::testing
