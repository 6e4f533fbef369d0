#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wm::gateway_sim {

// The shape of the simulated network: G gateways x S sinks x N nodes.
struct TopologyOptions {
  int gateways = 2;
  int sinks_per_gateway = 2;
  int nodes_per_sink = 20;
  // Gateway ids are <prefix><1..G>, e.g. "sim-gw-1".
  std::string gateway_id_prefix = "sim-gw-";
  // Wirepas network addresses are 24-bit.
  uint64_t network_address = 0x123456;
  // false: every sink of every gateway is in one network (`network_address`), as when several
  // gateways serve one site. true: gateway i (from 0) runs network `network_address + i`.
  bool network_per_gateway = false;
  // Same seed, same network: addresses, channels, routes, firmware versions, endpoints.
  uint64_t seed = 1;
};

// Firmware version of a node's stack, as in FirmwareVersion and boot diagnostics.
struct StackVersion {
  uint32_t major = 5;
  uint32_t minor = 4;
  uint32_t maint = 0;
  uint32_t dev = 57;
};

// One simulated mesh node (not a sink).
struct SimNode {
  uint32_t address = 0;  // unique within its network, 24-bit (diagnostics carry 24 bits)
  // Stack role byte as in diagnostics: 2 headnode (router), 3 subnode; | 0x80 autorole.
  uint8_t role = 0x83;
  uint32_t hop_count = 1;  // hops to the sink, >= 1
  uint32_t next_hop = 0;   // the sink's or a router's address
  // Nodes heard by radio (next hop first); what neighbor diagnostics report.
  std::vector<uint32_t> neighbors;
  StackVersion firmware;
  uint8_t boot_count = 1;
  // Application data: this node's source and destination endpoint (1->1 or 10->10) and the
  // packet QoS it uses (0 normal, 1 high).
  uint8_t app_endpoint = 10;
  uint32_t app_qos = 0;
  // Per-node baselines so that readings differ between nodes but stay stable over time.
  int16_t temperature_centi_c = 2150;
  uint8_t battery_percent = 90;
};

// One sink of a gateway, with the nodes that route their packets to it.
struct SimSink {
  std::string id;  // "sink0", "sink1", ...
  uint32_t node_address = 0;
  uint64_t network_address = 0;
  uint32_t network_channel = 0;
  StackVersion firmware;
  std::vector<SimNode> nodes;
};

// One simulated gateway.
struct SimGateway {
  std::string id;  // MQTT client id and <gw_id> in topics
  std::vector<SimSink> sinks;
};

// The whole simulated network.
struct Topology {
  std::vector<SimGateway> gateways;

  // Number of nodes over all gateways and sinks (sinks not counted).
  size_t NodeCount() const;
};

// Builds the network described by `options`. Node and sink addresses are random 24-bit values
// drawn from the seed, unique within each network; each node gets a route towards its sink
// (hop count, next hop, neighbours), a stack version (most nodes on the network's version, a
// few one release behind) and an application endpoint.
// InvalidArgument for counts below 1 (nodes_per_sink may be 0), a prefix that cannot be used
// in a topic, a network address that is 0 or above 24 bits (also for the last gateway with
// network_per_gateway), or more than 1,000,000 addresses in one network.
absl::StatusOr<Topology> BuildTopology(const TopologyOptions& options);

}  // namespace wm::gateway_sim
