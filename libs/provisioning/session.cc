#include "libs/provisioning/session.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/provisioning/data_content.h"
#include "libs/provisioning/secure_data.h"

namespace wm::provisioning {
namespace {

// A session never reuses a counter: 2^16 DATA frames at most.
constexpr uint32_t kMaxDataFrames = 1u << 16;

}  // namespace

std::string_view SessionStatusName(SessionStatus status) {
  switch (status) {
    case SessionStatus::kOngoing:
      return "ONGOING";
    case SessionStatus::kSuccess:
      return "SUCCESS";
    case SessionStatus::kFailure:
      return "FAILURE";
    case SessionStatus::kErrorNoAck:
      return "ERROR_NO_ACK";
    case SessionStatus::kErrorSendingData:
      return "ERROR_SENDING_DATA";
    case SessionStatus::kErrorSendingNack:
      return "ERROR_SENDING_NACK";
    case SessionStatus::kErrorNotAuthorized:
      return "ERROR_NOT_AUTHORIZED";
    case SessionStatus::kErrorNotStart:
      return "ERROR_NOT_START";
    case SessionStatus::kErrorInvalidState:
      return "ERROR_INVALID_STATE";
    case SessionStatus::kErrorNackReceived:
      return "ERROR_NACK_RECEIVED";
    case SessionStatus::kErrorNoResponse:
      return "ERROR_NO_RESPONSE";
  }
  return "UNKNOWN";
}

std::string_view SessionStateName(SessionState state) {
  switch (state) {
    case SessionState::kIdle:
      return "IDLE";
    case SessionState::kWaitDataSent:
      return "WAIT_DATA_SENT";
    case SessionState::kWaitResponse:
      return "WAIT_RESPONSE";
    case SessionState::kWaitNackSent:
      return "WAIT_NACK_SENT";
    case SessionState::kFinished:
      return "FINISHED";
  }
  return "UNKNOWN";
}

std::string SessionKey::ToString() const {
  return absl::StrFormat("source_address=%u node_address=0x%08x session_id=%u", source_address,
                         node_address, session_id);
}

SessionKey SessionKeyOf(uint32_t source_address, const wm::v1::ProvisioningFrame& frame) {
  return SessionKey{source_address, frame.node_address(), static_cast<uint8_t>(frame.session_id())};
}

Session::Session(SessionKey key, std::shared_ptr<const ProvisioningConfig> config,
                 const CounterSource& counter_source, absl::Time now, SessionOptions options)
    : key_(key),
      config_(std::move(config)),
      options_(options),
      deadline_(now + options.state_timeout),
      counter_(counter_source()) {}

SessionStep Session::OnFrame(const wm::v1::ProvisioningFrame& frame, absl::Time now) {
  if (finished()) return Ignored("finished");
  if (!ValidateUplinkFrame(frame).ok()) return Ignored("invalid_frame");
  if (frame.node_address() != key_.node_address || frame.session_id() != key_.session_id) {
    return Ignored("wrong_session");
  }
  const bool start = frame.has_start();
  switch (state_) {
    case SessionState::kIdle:
      if (!start) return Finish(SessionStatus::kErrorNotStart);
      return HandleStart(frame.start(), now);
    case SessionState::kWaitResponse:
      if (start) return HandleStart(frame.start(), now);
      [[fallthrough]];
    case SessionState::kWaitDataSent:
      if (frame.has_data_ack()) return Finish(SessionStatus::kSuccess);
      if (frame.has_nack()) {
        nack_received_ = frame.nack().reason();
        return Finish(SessionStatus::kErrorNackReceived);
      }
      // A START while a DATA is on its way: the node gets that DATA or starts again later.
      return Ignored("unexpected_frame");
    case SessionState::kWaitNackSent:
      return Ignored("unexpected_frame");
    case SessionState::kFinished:
      break;
  }
  return Ignored("finished");
}

SessionStep Session::OnSendResult(uint64_t send_id, bool ok, absl::Time now) {
  if (finished()) return Ignored("finished");
  const bool awaited =
      state_ == SessionState::kWaitDataSent || state_ == SessionState::kWaitNackSent;
  if (!awaited || send_id != in_flight_.send_id) return Ignored("stale_send_result");
  if (state_ == SessionState::kWaitDataSent) {
    if (ok) return Enter(SessionState::kWaitResponse, now);
    return RetryOrFinish(SessionStatus::kErrorSendingData, now);
  }
  if (ok) return Finish(SessionStatus::kErrorNotAuthorized);
  return RetryOrFinish(SessionStatus::kErrorSendingNack, now);
}

SessionStep Session::OnTime(absl::Time now) {
  if (finished()) return Ignored("finished");
  if (now < deadline_) return SessionStep{};
  switch (state_) {
    case SessionState::kIdle:
      return Finish(SessionStatus::kErrorNotStart);
    case SessionState::kWaitDataSent:
      return RetryOrFinish(SessionStatus::kErrorSendingData, now);
    case SessionState::kWaitResponse:
      return Finish(SessionStatus::kErrorNoResponse);
    case SessionState::kWaitNackSent:
      return Finish(SessionStatus::kErrorSendingNack);
    case SessionState::kFinished:
      break;
  }
  return Ignored("finished");
}

SessionStep Session::HandleStart(const wm::v1::ProvisioningStart& start, absl::Time now) {
  uid_ = start.uid();
  const ProvisioningEntry* entry = config_ ? config_->Find(uid_) : nullptr;
  if (entry == nullptr) return SendNack(NackReason::kNotAuthorized, now);
  if (static_cast<uint32_t>(entry->method) != start.method()) {
    return SendNack(NackReason::kMethodNotSupported, now);
  }
  if (data_frames_ >= kMaxDataFrames) return Finish(SessionStatus::kFailure);
  ++data_frames_;
  ++counter_;  // uint16_t: wraps from 0xFFFF to 0
  absl::StatusOr<std::string> content = EncodeDataContent(entry->content);
  if (!content.ok()) return Finish(SessionStatus::kFailure);
  DataFrameHeader header{key_.node_address, key_.session_id, kKeyIndexUnsecured, counter_};
  std::string data = *std::move(content);
  if (entry->method == ProvisioningMethod::kSecured) {
    header.key_index = kKeyIndexFactoryKey;
    absl::StatusOr<std::string> sealed =
        SealSecuredData(entry->factory_key, header, start.iv(), data);
    if (!sealed.ok()) return Finish(SessionStatus::kFailure);
    data = *std::move(sealed);
  }
  return Send(SessionState::kWaitDataSent, wm::decoders::kProvisioningData,
              EncodeDataFrame(header, data), now);
}

SessionStep Session::SendNack(NackReason reason, absl::Time now) {
  nack_sent_ = reason;
  return Send(SessionState::kWaitNackSent, wm::decoders::kProvisioningNack,
              EncodeNackFrame(key_.node_address, key_.session_id, reason), now);
}

SessionStep Session::Send(SessionState next, uint8_t msg_type, std::string payload,
                          absl::Time now) {
  in_flight_ = OutgoingFrame{next_send_id_++, msg_type, std::move(payload)};
  retries_left_ = options_.retries;
  Enter(next, now);
  return SessionStep{in_flight_, {}};
}

SessionStep Session::RetryOrFinish(SessionStatus failure, absl::Time now) {
  if (retries_left_ <= 0) return Finish(failure);
  --retries_left_;
  in_flight_.send_id = next_send_id_++;
  Enter(state_, now);
  return SessionStep{in_flight_, {}};
}

SessionStep Session::Enter(SessionState state, absl::Time now) {
  state_ = state;
  deadline_ = now + options_.state_timeout;
  return SessionStep{};
}

SessionStep Session::Finish(SessionStatus status) {
  state_ = SessionState::kFinished;
  status_ = status;
  deadline_ = absl::InfiniteFuture();
  in_flight_ = OutgoingFrame{};
  return SessionStep{};
}

SessionStep Session::Ignored(std::string_view why) {
  SessionStep step;
  step.ignored = why;
  return step;
}

}  // namespace wm::provisioning
