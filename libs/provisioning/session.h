#pragma once

// One provisioning session, server side (docs/provisioning.md, "Session state machine"): a
// pure state machine that turns a node's frames, the results of the frames it asked to send,
// and the passing of time into frames to send and, at the end, a status. It does no I/O,
// reads no clock and never logs: the owner (wm-provisioning) feeds it and acts on what it
// returns.
//
//   IDLE --START, authorised--> send DATA --> WAIT_DATA_SENT
//        --START, unknown UID--> send NACK NOT_AUTHORIZED --> WAIT_NACK_SENT
//        --START, other method--> send NACK METHOD_NOT_SUPPORTED --> WAIT_NACK_SENT
//        --another frame or timeout--> ERROR_NOT_START
//   WAIT_DATA_SENT --sent OK--> WAIT_RESPONSE
//        --send failed or timeout--> send the same DATA again once, else ERROR_SENDING_DATA
//        --DATA_ACK--> SUCCESS, --NACK--> ERROR_NACK_RECEIVED (the node answered before the
//          gateway's send result arrived; wm-wps dropped those and then timed out)
//   WAIT_RESPONSE --DATA_ACK--> SUCCESS, --NACK--> ERROR_NACK_RECEIVED,
//        --timeout--> ERROR_NO_RESPONSE,
//        --START again--> authorise that START and send DATA with a new counter (or a NACK)
//   WAIT_NACK_SENT --sent OK--> ERROR_NOT_AUTHORIZED (only now: wm-wps set it before the
//          result and never saw it), --send failed--> send it again once, else
//          ERROR_SENDING_NACK, --timeout--> ERROR_SENDING_NACK
//
// Every state has its own deadline, state_timeout after entering it. Each frame built from a
// START gets `retries` further sends. Frames for another session, malformed frames, frames a
// state does not expect and results of sends that are no longer in flight change nothing
// (SessionStep::ignored says why).
//
// The DATA counter (u16, in every DATA frame and, for the secured method, in the MIC and the
// initial counter block) starts at a value drawn from the injected CounterSource and is
// incremented before each DATA frame is built, modulo 2^16: a start of 0xFFFF gives a first
// DATA with counter 0x0000. A session never uses the same counter twice: when a 65537th DATA
// would be needed, it ends with FAILURE instead.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/time.h"
#include "libs/provisioning/frames.h"
#include "libs/provisioning/provisioning_config.h"
#include "protos/wm/v1/provisioning.pb.h"

namespace wm::provisioning {

// The result of a session; the numbers are those of wm-wps's ProvisioningStatus.
// ERROR_NO_ACK and ERROR_INVALID_STATE are kept for their numbers; no transition leads there.
enum class SessionStatus : uint8_t {
  kOngoing = 0,
  kSuccess = 1,
  kFailure = 2,  // the DATA counter is exhausted, or the DATA could not be built
  kErrorNoAck = 3,
  kErrorSendingData = 4,
  kErrorSendingNack = 5,
  kErrorNotAuthorized = 6,  // a NACK (NOT_AUTHORIZED or METHOD_NOT_SUPPORTED) was delivered
  kErrorNotStart = 7,
  kErrorInvalidState = 8,
  kErrorNackReceived = 9,
  kErrorNoResponse = 10,
};

// "ONGOING", "SUCCESS", ..., "ERROR_NO_RESPONSE" (wm-wps's names; stable, for logs and labels).
std::string_view SessionStatusName(SessionStatus status);

// Where a session is.
enum class SessionState : uint8_t {
  kIdle,
  kWaitDataSent,
  kWaitResponse,
  kWaitNackSent,
  kFinished,
};

// "IDLE", "WAIT_DATA_SENT", "WAIT_RESPONSE", "WAIT_NACK_SENT", "FINISHED".
std::string_view SessionStateName(SessionState state);

// Identifies a session: the mesh source address of the node's packets, and the node_address
// and session_id of its frames. Usable as a key of absl hash containers and std::map.
struct SessionKey {
  uint32_t source_address = 0;
  uint32_t node_address = 0;
  uint8_t session_id = 0;

  // "source_address=123 node_address=0x12345678 session_id=42", for key=value log lines.
  std::string ToString() const;

  friend bool operator==(const SessionKey& a, const SessionKey& b) {
    return a.source_address == b.source_address && a.node_address == b.node_address &&
           a.session_id == b.session_id;
  }
  friend bool operator!=(const SessionKey& a, const SessionKey& b) { return !(a == b); }
  friend bool operator<(const SessionKey& a, const SessionKey& b) {
    if (a.source_address != b.source_address) return a.source_address < b.source_address;
    if (a.node_address != b.node_address) return a.node_address < b.node_address;
    return a.session_id < b.session_id;
  }
  template <typename H>
  friend H AbslHashValue(H h, const SessionKey& k) {
    return H::combine(std::move(h), k.source_address, k.node_address, k.session_id);
  }
};

// The key of the session that an uplink frame, received from `source_address`, belongs to.
SessionKey SessionKeyOf(uint32_t source_address, const wm::v1::ProvisioningFrame& frame);

// Tuning of a session.
struct SessionOptions {
  // How long each state waits (for a send result, the node's answer, a first START).
  absl::Duration state_timeout = absl::Seconds(180);
  // How many times a frame is sent again after a failed send (or a DATA send timing out).
  int retries = 1;
};

// Draws the random first value of a session's DATA counter, e.g.
//   [&bitgen] { return absl::Uniform<uint16_t>(bitgen); }
using CounterSource = std::function<uint16_t()>;

// A frame to send to the node: send_data from endpoint 255 to 246, destination the session's
// source_address. Report the gateway's answer with Session::OnSendResult(send_id, ...).
struct OutgoingFrame {
  // Identifies this send within the session (a resend of the same bytes gets a new id).
  uint64_t send_id = 0;
  // wm::decoders::kProvisioningData or kProvisioningNack.
  uint8_t msg_type = 0;
  // The frame. An unsecured DATA carries network keys in clear: never log it.
  std::string payload;
};

// What one input made the session do.
struct SessionStep {
  // A frame to send now, if any.
  std::optional<OutgoingFrame> send;
  // Empty when the input was acted on; otherwise why it changed nothing, a stable label for a
  // counter: "finished", "wrong_session", "invalid_frame", "unexpected_frame",
  // "stale_send_result".
  std::string_view ignored;
};

// One session. Not thread-safe: the owner serialises the calls. `now` is the owner's clock at
// the input; it only sets deadlines. A deadline fires only through OnTime: call it at (or
// after) deadline(), e.g. from a periodic tick.
class Session {
 public:
  // A session in IDLE whose first deadline is now + state_timeout. `config` is the allowlist
  // it authorises STARTs against (kept alive by the session, so a reload can swap the owner's
  // pointer while sessions finish on the config they started with). Draws the counter's start
  // from `counter_source` once, here.
  Session(SessionKey key, std::shared_ptr<const ProvisioningConfig> config,
          const CounterSource& counter_source, absl::Time now, SessionOptions options = {});

  // A frame the node sent (see DecodeUplinkFrame). Frames of another key, and frames that fail
  // ValidateUplinkFrame, are ignored.
  SessionStep OnFrame(const wm::v1::ProvisioningFrame& frame, absl::Time now);

  // The gateway's answer to the send `send_id`: ok when it reported success (GW_RES_OK).
  SessionStep OnSendResult(uint64_t send_id, bool ok, absl::Time now);

  // Time passing: acts when now >= deadline().
  SessionStep OnTime(absl::Time now);

  const SessionKey& key() const { return key_; }
  SessionState state() const { return state_; }
  // kOngoing until the session is finished.
  SessionStatus status() const { return status_; }
  bool finished() const { return state_ == SessionState::kFinished; }
  // When the current state times out; absl::InfiniteFuture() once finished.
  absl::Time deadline() const { return deadline_; }
  // The UID of the last START (empty before one).
  const std::string& uid() const { return uid_; }
  // The counter of the last DATA built (the drawn start before any).
  uint16_t counter() const { return counter_; }
  // The reason of the NACK sent to the node, if one was.
  std::optional<NackReason> nack_sent() const { return nack_sent_; }
  // The reason byte of the NACK the node sent, if it did.
  std::optional<uint32_t> nack_received() const { return nack_received_; }

 private:
  SessionStep HandleStart(const wm::v1::ProvisioningStart& start, absl::Time now);
  SessionStep SendNack(NackReason reason, absl::Time now);
  SessionStep Send(SessionState next, uint8_t msg_type, std::string payload, absl::Time now);
  SessionStep RetryOrFinish(SessionStatus failure, absl::Time now);
  SessionStep Enter(SessionState state, absl::Time now);
  SessionStep Finish(SessionStatus status);
  static SessionStep Ignored(std::string_view why);

  SessionKey key_;
  std::shared_ptr<const ProvisioningConfig> config_;
  SessionOptions options_;
  SessionState state_ = SessionState::kIdle;
  SessionStatus status_ = SessionStatus::kOngoing;
  absl::Time deadline_;
  std::string uid_;
  uint16_t counter_ = 0;
  // DATA frames built so far (each with its own counter); at most 2^16.
  uint32_t data_frames_ = 0;
  int retries_left_ = 0;
  // The frame whose send result is awaited (or last sent), for a resend.
  OutgoingFrame in_flight_;
  uint64_t next_send_id_ = 1;
  std::optional<NackReason> nack_sent_;
  std::optional<uint32_t> nack_received_;
};

}  // namespace wm::provisioning
