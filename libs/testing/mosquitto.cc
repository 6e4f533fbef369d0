#include "libs/testing/mosquitto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "libs/testing/files.h"
#include "libs/testing/ports.h"

namespace wm::testing {
namespace {

constexpr char kMosquitto[] = "/usr/sbin/mosquitto";
constexpr char kMosquittoPasswd[] = "/usr/bin/mosquitto_passwd";
constexpr absl::Duration kStartTimeout = absl::Seconds(10);

bool AcceptsConnections(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// mosquitto started as root switches to the "mosquitto" user unless told otherwise, and that
// user cannot read the test's files.
std::string CurrentUserName() {
  passwd* entry = getpwuid(geteuid());
  return entry != nullptr ? entry->pw_name : "root";
}

}  // namespace

absl::StatusOr<std::unique_ptr<MosquittoProcess>> MosquittoProcess::Start(
    MosquittoOptions options) {
  std::unique_ptr<MosquittoProcess> broker(new MosquittoProcess());
  absl::StatusOr<std::string> dir = MakeTempDir("mosquitto");
  if (!dir.ok()) return dir.status();
  broker->dir_ = *dir;
  broker->config_path_ = broker->dir_ + "/mosquitto.conf";
  bool pick_ports = options.port == 0;
  broker->options_ = std::move(options);

  // A picked port may be taken by someone else before mosquitto binds it: pick again.
  constexpr int kAttempts = 3;
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    broker->port_ = pick_ports ? FreeLoopbackPort() : broker->options_.port;
    broker->tls_port_ = broker->options_.tls.has_value() ? FreeLoopbackPort() : 0;
    status = broker->WriteConfig();
    if (!status.ok()) return status;
    status = broker->StartAgain();
    if (status.ok() || !pick_ports) break;
  }
  if (!status.ok()) return status;
  return broker;
}

MosquittoProcess::~MosquittoProcess() { Stop().IgnoreError(); }

absl::Status MosquittoProcess::WriteConfig() {
  std::vector<std::string> lines = {
      absl::StrCat("user ", CurrentUserName()),
      "per_listener_settings false",
      "log_dest stderr",  // unbuffered, so WaitForLog sees lines as they happen
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "connection_messages true",
      absl::StrCat("persistence ", options_.persistence ? "true" : "false"),
      // Small request/response messages must not wait for Nagle's algorithm (as in deploy/).
      "set_tcp_nodelay true",
  };
  if (options_.persistence) {
    lines.push_back(absl::StrCat("persistence_location ", dir_, "/"));
    lines.push_back("autosave_interval 0");  // save on shutdown only
  }
  if (options_.users.empty()) {
    lines.push_back("allow_anonymous true");
  } else {
    std::string password_file = dir_ + "/passwd";
    std::string plain;
    for (const auto& [user, password] : options_.users) {
      absl::StrAppend(&plain, user, ":", password, "\n");
    }
    absl::Status written = WriteFile(password_file, plain, 0600);
    if (!written.ok()) return written;
    // Hash the file in place.
    absl::StatusOr<std::unique_ptr<Subprocess>> hasher =
        Subprocess::Start(kMosquittoPasswd, {"-U", password_file});
    if (!hasher.ok()) return hasher.status();
    absl::StatusOr<int> code = (*hasher)->Wait(absl::Seconds(10));
    if (!code.ok() || *code != 0) {
      return absl::InternalError(absl::StrCat("mosquitto_passwd failed: ", (*hasher)->Output()));
    }
    lines.push_back("allow_anonymous false");
    lines.push_back(absl::StrCat("password_file ", password_file));
  }
  lines.push_back(absl::StrCat("listener ", port_, " ", host_));
  if (options_.tls.has_value()) {
    lines.push_back(absl::StrCat("listener ", tls_port_, " ", host_));
    lines.push_back(absl::StrCat("cafile ", options_.tls->ca_file));
    lines.push_back(absl::StrCat("certfile ", options_.tls->cert_file));
    lines.push_back(absl::StrCat("keyfile ", options_.tls->key_file));
    if (options_.tls->require_certificate) lines.push_back("require_certificate true");
  }
  for (const std::string& line : options_.extra_config) lines.push_back(line);
  return WriteFile(config_path_, absl::StrJoin(lines, "\n") + "\n");
}

absl::Status MosquittoProcess::StartAgain() {
  if (running()) return absl::FailedPreconditionError("mosquitto is already running");
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(kMosquitto, {"-c", config_path_});
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  return WaitUntilListening(kStartTimeout);
}

absl::Status MosquittoProcess::WaitUntilListening(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (!process_->running()) {
      return absl::UnavailableError(
          absl::StrCat("mosquitto exited while starting on port ", port_, ":\n", Log()));
    }
    // mosquitto says "running" once every listener is open; checking the ports as well makes
    // sure they are this broker's (another process may hold a port this one failed to bind).
    if (Log().find(" running") != std::string::npos && AcceptsConnections(host_, port_) &&
        (tls_port_ == 0 || AcceptsConnections(host_, tls_port_))) {
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("mosquitto not listening on port ", port_,
                                                      " after ", absl::FormatDuration(timeout),
                                                      ":\n", Log()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::Status MosquittoProcess::Stop() {
  if (process_ == nullptr || !process_->running()) return absl::OkStatus();
  int code = process_->Stop();
  // 0 after SIGTERM is a clean exit; anything else means it had to be killed or crashed.
  if (code != 0) {
    return absl::InternalError(absl::StrCat("mosquitto exited with ", code, ":\n", Log()));
  }
  return absl::OkStatus();
}

absl::Status MosquittoProcess::Signal(int signal) {
  if (process_ == nullptr) return absl::FailedPreconditionError("mosquitto is not running");
  return process_->Signal(signal);
}

std::string MosquittoProcess::Log() const {
  return process_ != nullptr ? process_->Output() : std::string();
}

absl::Status MosquittoProcess::WaitForLog(std::string_view text, absl::Duration timeout) {
  if (process_ == nullptr) return absl::FailedPreconditionError("mosquitto was never started");
  return process_->WaitForOutput(text, timeout);
}

}  // namespace wm::testing
