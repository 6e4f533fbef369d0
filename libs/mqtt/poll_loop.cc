#include "libs/mqtt/poll_loop.h"

#include <mosquitto.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace wm::mqtt {

PollLoop::~PollLoop() {
  if (wake_fd_ >= 0) close(wake_fd_);
}

absl::Status PollLoop::Init() {
  if (wake_fd_ >= 0) return absl::OkStatus();
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create the MQTT client's wakeup descriptor: ",
                     std::error_code(errno, std::generic_category()).message()));
  }
  return absl::OkStatus();
}

void PollLoop::Wake() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

absl::Status PollLoop::TakeHandOffFailure() {
  return std::exchange(hand_off_failure_, absl::OkStatus());
}

int PollLoop::RunOnce(::mosquitto* mosq, int timeout_ms) {
  const int sock = mosquitto_socket(mosq);
  if (sock < 0) return MOSQ_ERR_NO_CONN;
  pollfd fds[2] = {};
  fds[0].fd = sock;
  fds[0].events = static_cast<short>(POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0));
  fds[1].fd = wake_fd_;
  fds[1].events = POLLIN;
  const nfds_t count = wake_fd_ >= 0 ? 2 : 1;
  if (poll(fds, count, timeout_ms) < 0) return errno == EINTR ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ERRNO;
  bool write = (fds[0].revents & POLLOUT) != 0;
  if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
    messages_in_read_ = 0;
    const int rc = mosquitto_loop_read(mosq, 1);
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq) < 0) return rc;
    // libmosquitto reads one packet per call. With a hand-off, the packets the socket already
    // holds are read first, so that one hand-off (e.g. one disk write) covers all of them.
    for (int more = 1; hand_off_ && more < kMaxPacketsPerHandOff; ++more) {
      pollfd readable{sock, POLLIN, 0};
      if (poll(&readable, 1, 0) <= 0 || (readable.revents & POLLIN) == 0) break;
      const int more_rc = mosquitto_loop_read(mosq, 1);
      if (more_rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq) < 0) return more_rc;
    }
    // The acknowledgements this read queued are written below: hand-off first (client.h).
    if (messages_in_read_ > 0 && hand_off_) {
      absl::Status handed_off = hand_off_();
      if (!handed_off.ok()) {
        if (hand_off_failures_ != nullptr) hand_off_failures_->Increment();
        hand_off_failure_ = absl::UnavailableError(absl::StrCat(
            "hand-off failed, messages of this read not acknowledged: ", handed_off.message()));
        // Nothing more is written on this connection: the queued acknowledgements die with it.
        ::shutdown(sock, SHUT_RDWR);
        return MOSQ_ERR_CONN_LOST;
      }
    }
    // What the read queued (PUBACK, PUBREC, ...) goes out now, not after another poll.
    write = write || mosquitto_want_write(mosq);
  }
  if (count == 2 && (fds[1].revents & POLLIN) != 0) {
    uint64_t wakeups = 0;
    (void)!read(wake_fd_, &wakeups, sizeof wakeups);
    write = true;  // another thread queued a message after want_write was read
  }
  if (write) {
    const int rc = mosquitto_loop_write(mosq, 1);
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq) < 0) return rc;
  }
  return mosquitto_loop_misc(mosq);
}

}  // namespace wm::mqtt
