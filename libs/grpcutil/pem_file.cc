#include "libs/grpcutil/pem_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace wm::grpcutil {

absl::StatusOr<std::string> ReadPemSetting(const config::Settings& settings, std::string_view key,
                                           PemKind kind) {
  std::string path = settings.GetString(key);
  if (path.empty()) return std::string();
  std::string where = absl::StrCat("setting ", std::string(key), " (",
                                   std::string(settings.SourceOf(key)), ") file ", path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(where, " does not exist"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(where, " cannot be read"));
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string pem = content.str();
  bool ok = false;
  switch (kind) {
    case PemKind::kCertificate:
      ok = absl::StrContains(pem, "-----BEGIN CERTIFICATE-----");
      break;
    case PemKind::kPrivateKey:
      ok = absl::StrContains(pem, "-----BEGIN ") && absl::StrContains(pem, "PRIVATE KEY-----");
      break;
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, kind == PemKind::kCertificate ? " holds no PEM certificate"
                                             : " holds no PEM private key"));
  }
  return pem;
}

}  // namespace wm::grpcutil
