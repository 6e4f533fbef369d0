#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "prometheus/counter.h"

struct mosquitto;

namespace wm::mqtt {

// One turn at a time of a libmosquitto client's network loop: mosquitto_loop with poll() and an
// eventfd of ours in place of libmosquitto's select() and internal socket pair (select() cannot
// watch a descriptor numbered 1024 or more, so a process holding many descriptors could never
// reconnect). It calls the same public steps (read, write, keepalive) on the same readiness,
// and runs the hand-off between the reads of a turn and the writing of the acknowledgements
// those reads queued (see MqttClient::SetHandOffHandler).
//
//   PollLoop loop;
//   loop.SetHandOff([&] { return log.Flush(); }, &hand_off_failures);  // optional
//   if (absl::Status s = loop.Init(); !s.ok()) ...
//   // libmosquitto's message callback calls loop.MessageHandled()
//   int rc = loop.RunOnce(mosq, 100);                 // another thread: loop.Wake()
//
// RunOnce and MessageHandled belong to the network thread; Wake is safe from any thread.
class PollLoop {
 public:
  using HandOff = std::function<absl::Status()>;

  // With a hand-off, packets read from the socket in one turn at most.
  static constexpr int kMaxPacketsPerHandOff = 256;

  PollLoop() = default;
  PollLoop(const PollLoop&) = delete;
  PollLoop& operator=(const PollLoop&) = delete;
  ~PollLoop();

  // Creates the wakeup descriptor (once); ResourceExhausted when the system gives none.
  absl::Status Init();
  // Set before the first turn. `failures` (may be null) counts the turns whose hand-off failed;
  // it must outlive the loop.
  void SetHandOff(HandOff hand_off, prometheus::Counter* failures = nullptr) {
    hand_off_ = std::move(hand_off);
    hand_off_failures_ = failures;
  }

  // One turn: waits up to `timeout_ms` for the socket or a wakeup, then reads (with a hand-off,
  // the packets the socket holds, up to kMaxPacketsPerHandOff), hands off when a message was
  // handled, writes and keeps alive. Returns a libmosquitto error code; MOSQ_ERR_NO_CONN
  // without a socket. A failed hand-off shuts the socket down (the acknowledgements queued in
  // the turn are never written) and returns MOSQ_ERR_CONN_LOST; TakeHandOffFailure says why.
  int RunOnce(::mosquitto* mosq, int timeout_ms);
  // Makes a RunOnce waiting on another thread return at once (and write what was queued).
  void Wake();
  // Called by the message callback for every message handled in the current turn.
  void MessageHandled() { ++messages_in_read_; }
  // Why the last failed hand-off failed (Unavailable), and clears it; OK when none failed.
  absl::Status TakeHandOffFailure();

 private:
  HandOff hand_off_;
  prometheus::Counter* hand_off_failures_ = nullptr;
  // eventfd that Wake signals; -1 before Init.
  int wake_fd_ = -1;
  // Network thread only.
  uint64_t messages_in_read_ = 0;
  absl::Status hand_off_failure_;
};

}  // namespace wm::mqtt
