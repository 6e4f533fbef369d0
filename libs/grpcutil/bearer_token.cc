#include "libs/grpcutil/bearer_token.h"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {
namespace {

class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(std::string token) : token_(std::move(token)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", "Bearer " + token_);
    }
    methods->Proceed();
  }

 private:
  const std::string token_;
};

}  // namespace

absl::StatusOr<std::string> ReadClientTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT)
      return absl::NotFoundError(absl::StrCat("token file ", path, " not found"));
    return absl::InvalidArgumentError(absl::StrCat("token file ", path, " cannot be opened"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return absl::InvalidArgumentError(absl::StrCat("token file ", path, " cannot be read"));
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    for (char c : line) {
      if (c <= ' ' || c > '~') {
        return absl::InvalidArgumentError(
            absl::StrCat("token file ", path,
                         ": the token holds a space or a character that is not "
                         "printable ASCII"));
      }
    }
    return std::string(line);
  }
  return absl::InvalidArgumentError(absl::StrCat("token file ", path, " holds no token"));
}

std::shared_ptr<BearerTokenSource> BearerTokenSource::FromValue(std::string token) {
  return std::shared_ptr<BearerTokenSource>(new BearerTokenSource(std::move(token), ""));
}

bool BearerTokenSource::StatFile(const std::string& path, FileVersion* version) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  *version =
      FileVersion{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                  static_cast<int64_t>(st.st_size),
                  static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  return true;
}

absl::StatusOr<std::shared_ptr<BearerTokenSource>> BearerTokenSource::FromFile(std::string path) {
  FileVersion version;
  const bool stated = StatFile(path, &version);
  absl::StatusOr<std::string> token = ReadClientTokenFile(path);
  if (!token.ok()) return token.status();
  std::shared_ptr<BearerTokenSource> source(new BearerTokenSource(*std::move(token), path));
  absl::MutexLock lock(&source->mu_);
  if (stated) source->version_ = version;
  return source;
}

std::string BearerTokenSource::Current() {
  absl::MutexLock lock(&mu_);
  if (path_.empty()) return token_;
  FileVersion version;
  if (!StatFile(path_, &version) || version == version_) return token_;
  version_ = version;
  absl::StatusOr<std::string> token = ReadClientTokenFile(path_);
  if (!token.ok()) {
    if (!warned_) {
      spdlog::warn("token file not reread, the previous token is sent: {}",
                   std::string(token.status().message()));
    }
    warned_ = true;
    return token_;
  }
  warned_ = false;
  token_ = *std::move(token);
  return token_;
}

grpc::experimental::Interceptor* BearerTokenInterceptorFactory::CreateClientInterceptor(
    grpc::experimental::ClientRpcInfo*) {
  return new BearerTokenInterceptor(source_->Current());
}

}  // namespace wm::grpcutil
