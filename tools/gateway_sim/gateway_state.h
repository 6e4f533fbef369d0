#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/wirepas/message.h"
#include "tools/gateway_sim/gateway_status.h"
#include "tools/gateway_sim/provisioning_node.h"
#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

// A scratchpad upload in chunks that is not complete yet, as the reference gateway gathers it
// (docs/reference-gateway.md, "otap_load_scratchpad"): an image of `total_size` bytes with
// sequence `seq`, filled in at each chunk's offset in whatever order the chunks come.
struct ChunkedUpload {
  uint32_t seq = 0;
  uint32_t total_size = 0;
  // total_size bytes; those not received yet are 0.
  std::string bytes;
  // Which bytes have been received, and how many.
  std::vector<bool> received;
  uint32_t received_count = 0;
};

// What a node of a sink's mesh says about itself in MSAP answers: where it is and which
// firmware it runs (its scratchpads follow from the firmware and the sink's OTAP target).
struct MeshNode {
  uint32_t address = 0;
  uint32_t hop_count = 1;
  StackVersion firmware;
};

// The mutable state of one sink, changed by the requests a gateway answers.
struct SinkState {
  // Everything the sink reports (get_configs, status, set_config): role, addresses, channel,
  // app config, keys set, stack state, stored and processed scratchpad, target and action, and
  // the configuration data items (reported only with the CONFIGURATION_DATA_V1 feature).
  gwapi::SinkReadConfig config;
  // The bytes of the stored scratchpad when they came through otap_load_scratchpad (whole or
  // reassembled from chunks), with the upload's sequence in the header as the sink keeps it;
  // empty for the image the sink started with, after a clear and after a failed upload.
  std::string scratchpad;
  // A chunked upload in progress.
  std::optional<ChunkedUpload> upload;
  // The nodes routing to this sink, sorted by address.
  std::vector<MeshNode> nodes;
  // The nodes asking to join through this sink's mesh, in topology order (SimSink's
  // joining_nodes): their provisioning sessions, which START frames open and downlinks to
  // endpoint 246 move on.
  std::vector<JoiningNodeState> joining_nodes;

  // The node with `address`; nullptr when none of this sink's nodes has it.
  const MeshNode* FindNode(uint32_t address) const;
  // The joining node with `address`; nullptr when none of this sink's joining nodes has it.
  JoiningNodeState* FindJoiningNode(uint32_t address);
};

// The state of one simulated gateway that request handlers read and change. The simulator
// serialises requests per gateway, so handlers need no locking.
struct GatewayState {
  std::string gw_id;
  GatewayIdentity identity;
  std::vector<SinkState> sinks;
  // Event ids, travel times and delays of what nodes send in answer to requests.
  SimRandom random{1};

  // The sink with `sink_id`; nullptr for a sink this gateway does not have.
  SinkState* FindSink(std::string_view sink_id);
  const SinkState* FindSink(std::string_view sink_id) const;

  // Every sink's configuration, in sink order (status, get_configs).
  std::vector<gwapi::SinkReadConfig> Configs() const;
};

// The state of `gateway` as it starts: each sink's configuration from BuildSinkReadConfig, its
// nodes and its joining nodes (none provisioned, no session); `seed` seeds
// GatewayState::random.
GatewayState NewGatewayState(const SimGateway& gateway, const GatewayIdentity& identity,
                             uint64_t seed);

}  // namespace wm::gateway_sim
