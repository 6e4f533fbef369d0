#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/client_interceptor.h"

namespace wm::grpcutil {

// Reads a client's token file: the first line that is neither blank nor a `#` comment, without
// surrounding whitespace (a Kubernetes secret mounted as a file works as it is). Errors name
// the path, never the content: NotFound for a missing file, InvalidArgument for one that cannot
// be read, holds no token, or a token with spaces or control characters.
absl::StatusOr<std::string> ReadClientTokenFile(const std::string& path);

// The bearer token a client sends (docs/authentication.md): a fixed value, or a file that is
// read again whenever it changed (device, inode, size or modification time, after following
// symlinks), so a rotated secret is sent on the next call without a restart. When the file
// becomes bad, the last good token keeps being sent and a warning is logged once. Thread-safe.
class BearerTokenSource {
 public:
  static std::shared_ptr<BearerTokenSource> FromValue(std::string token);
  // Reads the file now; its errors are ReadClientTokenFile's.
  static absl::StatusOr<std::shared_ptr<BearerTokenSource>> FromFile(std::string path);

  // The token to send now.
  std::string Current();

 private:
  struct FileVersion {
    uint64_t device = 0, inode = 0;
    int64_t size = 0, mtime_ns = 0;
    bool operator==(const FileVersion& o) const {
      return device == o.device && inode == o.inode && size == o.size && mtime_ns == o.mtime_ns;
    }
  };
  BearerTokenSource(std::string token, std::string path) : path_(std::move(path)), token_(token) {}
  static bool StatFile(const std::string& path, FileVersion* version);

  const std::string path_;  // "" for a fixed token
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  FileVersion version_ ABSL_GUARDED_BY(mu_);
  bool warned_ ABSL_GUARDED_BY(mu_) = false;
};

// Adds "authorization: Bearer <token>" to the initial metadata of every call of a channel,
// unary and streaming, with the token `source` gives at the start of each call.
class BearerTokenInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptorFactory(std::shared_ptr<BearerTokenSource> source)
      : source_(std::move(source)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override;

 private:
  std::shared_ptr<BearerTokenSource> source_;
};

}  // namespace wm::grpcutil
