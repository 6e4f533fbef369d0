#include "tools/gateway_sim/provisioning_node.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/provisioning/data_content.h"
#include "libs/provisioning/secure_data.h"
#include "protos/wm/v1/provisioning.pb.h"
#include "tools/gateway_sim/payloads.h"

namespace wm::gateway_sim {
namespace {

using provisioning::NackReason;

DownlinkOutcome Ignored(std::string_view why, uint8_t session_id) {
  DownlinkOutcome outcome;
  outcome.ignored = why;
  outcome.session_id = session_id;
  return outcome;
}

// Rejects the pending session's DATA: the node answers NACK and its session ends.
DownlinkOutcome Reject(JoiningNodeState& state, uint8_t session_id, NackReason reason) {
  state.pending.reset();
  DownlinkOutcome outcome;
  outcome.result = DownlinkResult::kNackSent;
  outcome.nack_sent = reason;
  outcome.answer = provisioning::EncodeNackFrame(state.node.address, session_id, reason);
  outcome.session_id = session_id;
  return outcome;
}

DownlinkOutcome HandleData(JoiningNodeState& state, const wm::v1::ProvisioningFrame& frame) {
  const auto session_id = static_cast<uint8_t>(frame.session_id());
  const wm::v1::ProvisioningData& data = frame.data();
  const bool secured =
      state.node.method == static_cast<uint8_t>(provisioning::ProvisioningMethod::kSecured);
  const uint8_t expected_key_index =
      secured ? provisioning::kKeyIndexFactoryKey : provisioning::kKeyIndexUnsecured;
  if (data.key_index() != expected_key_index) {
    return Reject(state, session_id, NackReason::kInvalidKey);
  }
  std::string plaintext;
  if (secured) {
    const provisioning::DataFrameHeader header{frame.node_address(), session_id, expected_key_index,
                                               static_cast<uint16_t>(data.counter())};
    absl::StatusOr<std::string> opened = provisioning::OpenSecuredData(
        state.node.factory_key, header, state.pending->iv, data.data());
    if (!opened.ok()) {
      // Unauthenticated: the MIC does not match (another key, IV, counter, or tampered bytes).
      // Anything else: data too short to hold a MIC.
      return Reject(state, session_id,
                    absl::IsUnauthenticated(opened.status()) ? NackReason::kInvalidKey
                                                             : NackReason::kInvalidData);
    }
    plaintext = *std::move(opened);
  } else {
    plaintext = data.data();
  }
  absl::StatusOr<provisioning::DataContent> content = provisioning::ParseDataContent(plaintext);
  if (!content.ok()) return Reject(state, session_id, NackReason::kInvalidData);
  state.pending.reset();
  state.provisioned = true;
  state.network_address = content->network_address;
  state.network_channel = content->network_channel;
  DownlinkOutcome outcome;
  outcome.result = DownlinkResult::kProvisioned;
  outcome.answer = provisioning::EncodeDataAckFrame(state.node.address, session_id);
  outcome.session_id = session_id;
  return outcome;
}

}  // namespace

std::string StartProvisioning(JoiningNodeState& state, uint8_t session_id, SimRandom& random) {
  PendingProvisioning pending;
  pending.session_id = session_id;
  pending.iv = random.Bytes(provisioning::kIvSize);
  std::string frame = ProvisioningStartPayload(state.node, session_id, pending.iv);
  state.pending = std::move(pending);
  return frame;
}

DownlinkOutcome HandleProvisioningDownlink(JoiningNodeState& state, std::string_view payload) {
  wm::v1::ProvisioningFrame frame;
  if (decoders::DecodeProvisioningFrame(payload, &frame).has_value()) {
    return Ignored("invalid_frame", 0);
  }
  const auto session_id = static_cast<uint8_t>(frame.session_id());
  if (!frame.has_data() && !frame.has_nack()) return Ignored("unexpected_frame", session_id);
  if (frame.node_address() != state.node.address) return Ignored("wrong_node", session_id);
  if (!state.pending.has_value()) return Ignored("no_session", session_id);
  if (session_id != state.pending->session_id) return Ignored("wrong_session", session_id);
  if (frame.has_nack()) {
    state.pending.reset();
    DownlinkOutcome outcome;
    outcome.result = DownlinkResult::kNackReceived;
    outcome.nack_received = frame.nack().reason();
    outcome.session_id = session_id;
    return outcome;
  }
  return HandleData(state, frame);
}

std::string_view NackReasonLabel(uint32_t reason) {
  switch (reason) {
    case static_cast<uint32_t>(NackReason::kNotAuthorized):
      return "not_authorized";
    case static_cast<uint32_t>(NackReason::kMethodNotSupported):
      return "method_not_supported";
    case static_cast<uint32_t>(NackReason::kInvalidData):
      return "invalid_data";
    case static_cast<uint32_t>(NackReason::kInvalidKey):
      return "invalid_key";
    default:
      return "unknown";
  }
}

}  // namespace wm::gateway_sim
