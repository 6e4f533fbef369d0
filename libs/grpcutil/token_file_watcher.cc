#include "libs/grpcutil/token_file_watcher.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace wm::grpcutil {

TokenFileWatcher::TokenFileWatcher(std::string path, TokenStore& store, GrpcAuthMetrics& metrics)
    : path_(std::move(path)), store_(store), metrics_(metrics) {}

TokenFileWatcher::~TokenFileWatcher() { Stop(); }

absl::StatusOr<TokenFileWatcher::FileVersion> TokenFileWatcher::Stat() const {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT)
      return absl::NotFoundError(absl::StrCat("token file ", path_, " not found"));
    return absl::InvalidArgumentError(
        absl::StrCat("token file ", path_, " cannot be read: ", std::strerror(error)));
  }
  return FileVersion{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                     static_cast<int64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

absl::Status TokenFileWatcher::ReadAndReplace() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("token file ", path_, " cannot be opened"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat("token file ", path_, " cannot be read"));
  }
  absl::StatusOr<TokenSet> tokens = ParseTokenFile(text.str(), path_);
  if (!tokens.ok()) return tokens.status();
  store_.ReplaceFileTokens(*std::move(tokens));
  metrics_.tokens.Set(static_cast<double>(store_.size()));
  return absl::OkStatus();
}

absl::Status TokenFileWatcher::Load() {
  absl::MutexLock lock(&check_mu_);
  absl::StatusOr<FileVersion> version = Stat();
  if (!version.ok()) return version.status();
  if (absl::Status s = ReadAndReplace(); !s.ok()) return s;
  last_ = *version;
  last_missing_ = false;
  return absl::OkStatus();
}

TokenFileWatcher::CheckResult TokenFileWatcher::CheckNow() {
  absl::MutexLock lock(&check_mu_);
  absl::StatusOr<FileVersion> version = Stat();
  if (!version.ok()) {
    // E.g. between the two renames of a non-atomic update: the old tokens stay.
    if (last_missing_) return CheckResult::kUnchanged;
    last_missing_ = true;
    last_.reset();
    metrics_.reloads_error.Increment();
    spdlog::error("grpc token file not reloaded, the previous tokens stay: {}",
                  std::string(version.status().message()));
    return CheckResult::kFailed;
  }
  last_missing_ = false;
  if (last_.has_value() && *last_ == *version) return CheckResult::kUnchanged;
  last_ = *version;
  if (absl::Status s = ReadAndReplace(); !s.ok()) {
    metrics_.reloads_error.Increment();
    spdlog::error("grpc token file not reloaded, the previous tokens stay: {}",
                  std::string(s.message()));
    return CheckResult::kFailed;
  }
  metrics_.reloads_ok.Increment();
  spdlog::info("grpc token file reloaded path={} tokens={}", path_, store_.size());
  return CheckResult::kReloaded;
}

void TokenFileWatcher::Start(absl::Duration interval) {
  if (thread_.joinable()) return;
  thread_ = std::thread([this, interval] {
    absl::MutexLock lock(&stop_mu_);
    while (!stopping_) {
      if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval)) break;
      stop_mu_.Unlock();
      CheckNow();
      stop_mu_.Lock();
    }
  });
}

void TokenFileWatcher::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace wm::grpcutil
