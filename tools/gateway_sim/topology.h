#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/gateway_sim/sim_random.h"

namespace wm::gateway_sim {

// Size of a joining node's factory key (the secured provisioning method, docs/provisioning.md).
inline constexpr size_t kFactoryKeySize = 32;

// How joining nodes ask to be provisioned.
enum class JoiningMethod : uint8_t {
  kSecured,    // every joining node uses the secured method (factory key)
  kUnsecured,  // every joining node uses the unsecured method
  kMixed,      // about 70% secured, drawn per node from the seed
};

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
  // Nodes per sink that are not in the network yet and ask to be provisioned (START frames).
  // Only sinks with nodes get them: a joining node is heard through the sink's mesh.
  int joining_nodes_per_sink = 1;
  JoiningMethod joining_method = JoiningMethod::kSecured;
  // The factory key of every secured joining node (one per simulator, as a batch of devices
  // shares one): kFactoryKeySize bytes, or empty for FactoryKeyFromSeed(seed). A secret.
  std::string factory_key;
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

// What a node's application sends besides diagnostics.
enum class NodeApplication : uint8_t {
  kSensor,          // 6-byte readings on its app_endpoint, 1->1 or 10->10 (AppDataPayload)
  kRuuviTag,        // Ruuvi sensor records, 11->11
  kPositioningTag,  // RSS of its neighbours, 238->238 (a router measures as an anchor)
  kTestNetwork,     // Wirepas test-application rows, 100->100
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
  NodeApplication application = NodeApplication::kSensor;
  // The application's source and destination endpoint (1 or 10 for a sensor, 11 Ruuvi,
  // 238 positioning, 100 test network) and the packet QoS a sensor uses (0 normal, 1 high).
  uint8_t app_endpoint = 10;
  uint32_t app_qos = 0;
  // Diagnostics v2 (CBOR, 247->255) instead of the fixed layouts (251..253); stack 5 and later.
  bool diagnostics_v2 = false;
  // Routers only: the advertiser tags it hears and reports (200->200), and the address width
  // it reports them with (3 or 4 bytes).
  std::vector<uint32_t> advertiser_tags;
  uint8_t advertiser_address_bytes = 3;
  // Per-node baselines so that readings differ between nodes but stay stable over time.
  // Some Ruuvi tags sit in cold storage, below 0 degC.
  int16_t temperature_centi_c = 2150;
  uint8_t battery_percent = 90;
};

// A node that is not in the network yet: it asks a provisioning server for its keys by
// sending START frames (246->255) through the sink's mesh now and then.
struct SimJoiningNode {
  uint32_t address = 0;  // unique within its network, like a node's
  uint32_t hop_count = 1;
  // Its unique id, as a provisioning config lists it ("sim-" and six hex digits).
  std::string uid;
  uint8_t method = 1;  // 0 unsecured, 1 secured
  // Secured: the kFactoryKeySize-byte key it opens DATA frames with; empty when unsecured.
  // A secret: never log it.
  std::string factory_key;
};

// One sink of a gateway, with the nodes that route their packets to it.
struct SimSink {
  std::string id;  // "sink0", "sink1", ...
  uint32_t node_address = 0;
  uint64_t network_address = 0;
  uint32_t network_channel = 0;
  StackVersion firmware;
  std::vector<SimNode> nodes;
  std::vector<SimJoiningNode> joining_nodes;
};

// One simulated gateway.
struct SimGateway {
  std::string id;  // MQTT client id and <gw_id> in topics
  std::vector<SimSink> sinks;
};

// The whole simulated network.
struct Topology {
  std::vector<SimGateway> gateways;

  // Number of nodes over all gateways and sinks (sinks and joining nodes not counted).
  size_t NodeCount() const;
  // Number of joining nodes over all gateways and sinks.
  size_t JoiningNodeCount() const;
};

// The factory key joining nodes use when none is given: kFactoryKeySize bytes that follow from
// `seed` alone (the same seed gives the same key, so a config written by one run authorises
// the nodes of the next).
std::string FactoryKeyFromSeed(uint64_t seed);

// The travel time a packet over `hop_count` hops reports, in whole milliseconds: each hop takes
// 4..80 ticks of 1/128 s (the unit the mesh measures in), converted as the gateway does.
uint32_t MeshTravelTimeMs(uint32_t hop_count, SimRandom& random);

// Builds the network described by `options`. Node and sink addresses are random 24-bit values
// drawn from the seed, unique within each network; each node gets a route towards its sink
// (hop count, next hop, neighbours), a stack version (most nodes on the network's version, about
// one in ten a release behind, about one in seven still on 4.0, which sends the 59-byte node
// diagnostics), an application (about 60% sensors, 15% Ruuvi tags, 15% positioning tags, 10%
// test network) and its diagnostics format (about 30% of stack-5 nodes use diagnostics v2).
// Routers hear 2..6 advertiser tags each. Every sink with nodes also gets
// joining_nodes_per_sink joining nodes, each with the method joining_method says and, when
// secured, the factory key.
// InvalidArgument for counts below 1 (nodes_per_sink and joining_nodes_per_sink may be 0), a
// prefix that cannot be used in a topic, a network address that is 0 or above 24 bits (also
// for the last gateway with network_per_gateway), more than 1,000,000 addresses in one
// network (joining nodes included), or a factory key that is neither empty nor 32 bytes.
absl::StatusOr<Topology> BuildTopology(const TopologyOptions& options);

}  // namespace wm::gateway_sim
