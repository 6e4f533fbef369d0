#include "libs/testing/certificate_authority.h"

#include <arpa/inet.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"

namespace wm::testing {
namespace {

constexpr char kOpenssl[] = "/usr/bin/openssl";
constexpr char kValidDays[] = "2";

absl::Status RunOpenssl(const std::vector<std::string>& args) {
  absl::StatusOr<std::unique_ptr<Subprocess>> openssl = Subprocess::Start(kOpenssl, args);
  if (!openssl.ok()) return openssl.status();
  absl::StatusOr<int> code = (*openssl)->Wait(absl::Seconds(30));
  if (!code.ok()) return code.status();
  if (*code != 0) {
    return absl::InternalError(absl::StrCat("openssl ", absl::StrJoin(args, " "), " exited with ",
                                            *code, ":\n", (*openssl)->Output()));
  }
  return absl::OkStatus();
}

std::string SubjectAltNames(const std::vector<std::string>& hosts) {
  std::vector<std::string> names;
  for (const std::string& host : hosts) {
    in6_addr ignored;
    bool is_ip = inet_pton(AF_INET, host.c_str(), &ignored) == 1 ||
                 inet_pton(AF_INET6, host.c_str(), &ignored) == 1;
    names.push_back(absl::StrCat(is_ip ? "IP:" : "DNS:", host));
  }
  return absl::StrJoin(names, ",");
}

std::string ServerExtensions(const std::vector<std::string>& hosts) {
  return absl::StrCat("basicConstraints=critical,CA:FALSE\n",
                      "keyUsage=critical,digitalSignature,keyEncipherment\n",
                      "extendedKeyUsage=serverAuth\n", "subjectAltName=", SubjectAltNames(hosts),
                      "\n");
}

std::vector<std::string> NewKeyArgs(const std::string& key_file) {
  return {"-newkey", "ec",      "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes",  "-keyout", key_file};
}

}  // namespace

absl::StatusOr<CertificateAuthority> CertificateAuthority::Create(const std::string& name) {
  CertificateAuthority ca;
  absl::StatusOr<std::string> dir = MakeTempDir("ca");
  if (!dir.ok()) return dir.status();
  ca.dir_ = *dir;
  ca.ca_ = {ca.dir_ + "/ca.crt", ca.dir_ + "/ca.key"};
  std::vector<std::string> args = {"req", "-x509"};
  for (std::string& arg : NewKeyArgs(ca.ca_.key_file)) args.push_back(std::move(arg));
  for (const char* arg : {"-days", kValidDays, "-subj"}) args.push_back(arg);
  args.push_back("/CN=" + name);
  args.insert(args.end(), {"-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                           "keyUsage=critical,keyCertSign,cRLSign", "-out", ca.ca_.cert_file});
  absl::Status status = RunOpenssl(args);
  if (!status.ok()) return status;
  return ca;
}

absl::StatusOr<CertificateFiles> CertificateAuthority::IssueServerCertificate(
    const std::vector<std::string>& hosts) {
  return Issue("server", "/CN=" + (hosts.empty() ? std::string("server") : hosts.front()),
               ServerExtensions(hosts));
}

absl::StatusOr<CertificateFiles> CertificateAuthority::IssueClientCertificate(
    const std::string& common_name) {
  return Issue("client", "/CN=" + common_name,
               "basicConstraints=critical,CA:FALSE\n"
               "keyUsage=critical,digitalSignature,keyEncipherment\n"
               "extendedKeyUsage=clientAuth\n");
}

absl::StatusOr<CertificateFiles> CertificateAuthority::Issue(const std::string& name,
                                                             const std::string& subject,
                                                             const std::string& extensions) {
  std::string base = absl::StrCat(dir_, "/", name, "-", ++issued_);
  CertificateFiles files{base + ".crt", base + ".key"};
  std::string csr = base + ".csr";
  std::string extensions_file = base + ".ext";
  absl::Status status = WriteFile(extensions_file, extensions);
  if (!status.ok()) return status;

  std::vector<std::string> request = {"req", "-new"};
  for (std::string& arg : NewKeyArgs(files.key_file)) request.push_back(std::move(arg));
  request.insert(request.end(), {"-subj", subject, "-out", csr});
  status = RunOpenssl(request);
  if (!status.ok()) return status;

  // Distinct serials, so a client never sees two certificates from one issuer with one serial.
  status = RunOpenssl({"x509", "-req", "-in", csr, "-CA", ca_.cert_file, "-CAkey", ca_.key_file,
                       "-set_serial", absl::StrCat(1000 + issued_), "-days", kValidDays, "-extfile",
                       extensions_file, "-out", files.cert_file});
  if (!status.ok()) return status;
  return files;
}

absl::StatusOr<CertificateFiles> CertificateAuthority::SelfSignedServerCertificate(
    const std::vector<std::string>& hosts) {
  absl::StatusOr<std::string> dir = MakeTempDir("self-signed");
  if (!dir.ok()) return dir.status();
  CertificateFiles files{*dir + "/server.crt", *dir + "/server.key"};
  std::vector<std::string> args = {"req", "-x509"};
  for (std::string& arg : NewKeyArgs(files.key_file)) args.push_back(std::move(arg));
  args.insert(args.end(), {"-days", kValidDays, "-subj",
                           "/CN=" + (hosts.empty() ? std::string("server") : hosts.front()),
                           "-addext", "subjectAltName=" + SubjectAltNames(hosts), "-addext",
                           "extendedKeyUsage=serverAuth", "-out", files.cert_file});
  absl::Status status = RunOpenssl(args);
  if (!status.ok()) return status;
  return files;
}

}  // namespace wm::testing
