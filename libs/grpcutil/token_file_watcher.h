#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/grpcutil/auth_metrics.h"
#include "libs/grpcutil/token_store.h"

namespace wm::grpcutil {

// Keeps a TokenStore's file tokens equal to a token file (ParseTokenFile's format), without a
// restart.
//
// Each check stats the path, following symlinks, and reloads when what it leads to changed
// (device, inode, size or modification time): an edit in place, a rename over the file, and
// Kubernetes' update of a mounted secret (a swap of the `..data` symlink to a new directory)
// all count. A good file replaces the tokens at once (calls already running keep going; new
// calls see the new tokens). A missing, unreadable or bad file keeps the previous tokens, is
// logged as an error once per version of the file (never with a token) and counted in
// wm_grpc_auth_token_file_reloads_total{result="error"}; the next change is tried again.
//
//   TokenFileWatcher watcher(path, store, metrics);
//   if (absl::Status s = watcher.Load(); !s.ok()) return s;   // startup: a bad file is fatal
//   watcher.Start(absl::Seconds(5));                           // then checks on its own thread
class TokenFileWatcher {
 public:
  // `store` and `metrics` must outlive the watcher.
  TokenFileWatcher(std::string path, TokenStore& store, GrpcAuthMetrics& metrics);
  TokenFileWatcher(const TokenFileWatcher&) = delete;
  TokenFileWatcher& operator=(const TokenFileWatcher&) = delete;
  ~TokenFileWatcher();

  // Reads the file and replaces the store's file tokens. NotFound when it does not exist,
  // InvalidArgument when it cannot be read or does not parse (the store is left as it was).
  absl::Status Load();

  enum class CheckResult {
    kUnchanged,  // the file is the one loaded last (or that failed last)
    kReloaded,   // it changed and its tokens are in force now
    kFailed,     // it changed (or vanished) and is bad: the previous tokens stay
  };
  // One check, as the thread does it.
  CheckResult CheckNow();

  // Checks every `interval` on a thread of its own until Stop. Once only.
  void Start(absl::Duration interval);
  // Stops and joins the thread. Idempotent.
  void Stop();

  const std::string& path() const { return path_; }

 private:
  struct FileVersion {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileVersion& other) const {
      return device == other.device && inode == other.inode && size == other.size &&
             mtime_ns == other.mtime_ns;
    }
  };
  // The version of what path_ leads to; NotFound / Internal when it cannot be stat'ed.
  absl::StatusOr<FileVersion> Stat() const;
  // Reads and parses the file and replaces the tokens (under check_mu_).
  absl::Status ReadAndReplace() ABSL_EXCLUSIVE_LOCKS_REQUIRED(check_mu_);

  const std::string path_;
  TokenStore& store_;
  GrpcAuthMetrics& metrics_;

  absl::Mutex check_mu_;
  // The version last tried (loaded or failed); nullopt: the path could not be stat'ed.
  std::optional<FileVersion> last_ ABSL_GUARDED_BY(check_mu_);
  bool last_missing_ ABSL_GUARDED_BY(check_mu_) = false;

  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace wm::grpcutil
