#include "libs/observability/termination.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace wm::observability {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::string SignalName(uint32_t signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return absl::StrCat("signal ", signo);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Termination>> Termination::Install() {
  sigset_t set = StopSignals();
  int err = pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (err != 0) {
    return absl::InternalError(absl::StrCat("pthread_sigmask: ", strerror(err)));
  }
  int signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) return absl::InternalError(absl::StrCat("signalfd: ", strerror(errno)));
  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    int saved = errno;
    close(signal_fd);
    return absl::InternalError(absl::StrCat("eventfd: ", strerror(saved)));
  }
  return std::unique_ptr<Termination>(new Termination(signal_fd, wake_fd));
}

Termination::~Termination() {
  close(signal_fd_);
  close(wake_fd_);
}

void Termination::RecordStop(StopCause cause) {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  stopped_ = true;
  cause_ = std::move(cause);
  // Never read back: the eventfd stays readable and wakes every present and future waiter.
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void Termination::RequestStop(std::string_view reason) {
  RecordStop({StopCause::Kind::kRequested, std::string(reason)});
}

bool Termination::stop_requested() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

StopCause Termination::Wait(absl::Duration timeout) {
  absl::Time deadline = timeout == absl::InfiniteDuration() ? absl::InfiniteFuture()
                                                              : absl::Now() + timeout;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) return cause_;
    }
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return {StopCause::Kind::kTimeout, "timeout"};
      timeout_ms = static_cast<int>(
          std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))),
                            INT32_MAX));
    }
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n = poll(fds, 2, timeout_ms);
    if (n < 0 && errno != EINTR) {
      RecordStop({StopCause::Kind::kRequested, absl::StrCat("poll failed: ", strerror(errno))});
      continue;
    }
    if (n > 0 && (fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info;
      // Non-blocking: another waiter may have taken the signal first.
      if (read(signal_fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        RecordStop({StopCause::Kind::kSignal, SignalName(info.ssi_signo)});
      }
    }
  }
}

}  // namespace wm::observability
