#include "libs/grpcutil/testdata/test_certs.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace wm::grpcutil::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

absl::StatusOr<TestPki> GenerateTestPki(const std::string& dir) {
  // EC keys keep generation fast; SANs cover both ways tests reach the server.
  std::string script = absl::StrCat(R"(set -e
cd ')", dir, R"('
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 2 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" \
    -days 2 -extfile "$1.ext" 2>/dev/null
}
ca ca wm-test-ca
ca other_ca wm-other-ca
leaf server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
leaf client wm-test-client "extendedKeyUsage=clientAuth"
)");
  std::string script_path = dir + "/make_pki.sh";
  std::ofstream(script_path) << script;
  std::string command = absl::StrCat("sh '", script_path, "' > '", dir, "/make_pki.log' 2>&1");
  int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("openssl failed (", rc, "): ", ReadAll(dir + "/make_pki.log")));
  }
  TestPki pki;
  pki.dir = dir;
  pki.ca_cert_path = dir + "/ca.crt";
  pki.server_cert_path = dir + "/server.crt";
  pki.server_key_path = dir + "/server.key";
  pki.client_cert_path = dir + "/client.crt";
  pki.client_key_path = dir + "/client.key";
  pki.other_ca_cert_path = dir + "/other_ca.crt";
  pki.ca_cert = ReadAll(pki.ca_cert_path);
  pki.server_cert = ReadAll(pki.server_cert_path);
  pki.server_key = ReadAll(pki.server_key_path);
  pki.client_cert = ReadAll(pki.client_cert_path);
  pki.client_key = ReadAll(pki.client_key_path);
  pki.other_ca_cert = ReadAll(pki.other_ca_cert_path);
  return pki;
}

}  // namespace wm::grpcutil::testing
