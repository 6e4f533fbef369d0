#pragma once

// The node side of the Wirepas provisioning protocol (docs/provisioning.md), as a
// simulated joining node plays it: it opens a session with START (a fresh session id and IV),
// and answers the server's DATA for that session with DATA_ACK when it opens and parses, or
// with NACK when it does not; a NACK from the server ends the session. A provisioned node
// sends no more START.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libs/provisioning/frames.h"
#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

// A session a joining node opened with START and that has not ended yet.
struct PendingProvisioning {
  uint8_t session_id = 0;
  // The 16-byte IV of the START: the secured method's counter blocks start from it.
  std::string iv;
};

// One joining node and where its provisioning stands.
struct JoiningNodeState {
  // Address, hop count, UID, method and (secured) factory key.
  SimJoiningNode node;
  // Set from START until the session ends (DATA accepted or rejected, NACK received).
  std::optional<PendingProvisioning> pending;
  // Accepted a DATA: it is in the network now and sends no more START.
  bool provisioned = false;
  // What the accepted DATA named, when it did.
  std::optional<uint32_t> network_address;
  std::optional<uint32_t> network_channel;
};

// Opens a new session: draws a fresh IV from `random`, remembers the session (a previous one
// is dropped: the node starts over) and returns the START frame to send (246->255).
std::string StartProvisioning(JoiningNodeState& state, uint8_t session_id, SimRandom& random);

// What a joining node did with a frame the server sent it (send_data 255->246).
enum class DownlinkResult : uint8_t {
  kProvisioned,   // a DATA that opened and parsed: answered DATA_ACK, session over
  kNackSent,      // a DATA it rejects: answered NACK (nack_sent says why), session over
  kNackReceived,  // the server's NACK: session over
  kIgnored,       // nothing changed (ignored says why)
};

// The outcome of one frame.
struct DownlinkOutcome {
  DownlinkResult result = DownlinkResult::kIgnored;
  // The frame the node sends back (246->255): DATA_ACK or NACK.
  std::optional<std::string> answer;
  // kNackSent: kInvalidKey for a DATA whose key_index is not the node's method's or whose MIC
  // does not match; kInvalidData for data too short to hold a MIC or content that does not
  // parse (ParseDataContent).
  std::optional<provisioning::NackReason> nack_sent;
  // kNackReceived: the reason byte of the server's NACK.
  uint32_t nack_received = 0;
  // kIgnored, a stable label for a counter: "invalid_frame" (does not decode),
  // "unexpected_frame" (a START or DATA_ACK), "wrong_node" (the frame's node_address is not the
  // node's), "no_session" (no session pending, e.g. already provisioned), "wrong_session"
  // (another session id than the pending one).
  std::string_view ignored;
  // The frame's session id (0 when it did not decode).
  uint8_t session_id = 0;
};

// Handles one frame the server sent to the node, as the SDK's joining node does: the frame
// must be for the node's address and its pending session; a DATA is opened with the factory
// key and the START's IV (secured, key_index 1) or read as is (unsecured, key_index 0), then
// parsed as DATA content. Keys never leave the node: neither the outcome nor anything here
// holds or logs them.
DownlinkOutcome HandleProvisioningDownlink(JoiningNodeState& state, std::string_view payload);

// A stable lower-case label for a NACK reason byte, for counters and log lines:
// "not_authorized", "method_not_supported", "invalid_data", "invalid_key", else "unknown".
std::string_view NackReasonLabel(uint32_t reason);

// What one provisioning downlink did at a sink, for the simulator's counters and log lines.
struct ProvisioningNodeEvent {
  std::string sink_id;
  // The downlink's destination address.
  uint32_t address = 0;
  // The joining node's UID and method; empty UID when no joining node of the sink has the
  // address (outcome ignored with "unknown_node"). A node farther than the downlink's hop
  // limit never gets the frame (ignored with "beyond_hop_limit").
  std::string uid;
  uint8_t method = 0;
  DownlinkOutcome outcome;
  // kProvisioned: what the DATA named.
  std::optional<uint32_t> network_address;
  std::optional<uint32_t> network_channel;
};

}  // namespace wm::gateway_sim
