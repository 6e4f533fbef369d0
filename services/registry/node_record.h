#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "protos/wm/v1/events.pb.h"
#include "protos/wm/v1/registry.pb.h"

namespace wm::registry {

// Identifies a node: a node address is unique within its network. Ordered by network, then
// address, the order ListNodes pages in.
struct NodeKey {
  uint64_t network = 0;
  uint32_t address = 0;

  friend bool operator==(const NodeKey& a, const NodeKey& b) {
    return a.network == b.network && a.address == b.address;
  }
  friend bool operator!=(const NodeKey& a, const NodeKey& b) { return !(a == b); }
  friend bool operator<(const NodeKey& a, const NodeKey& b) {
    return std::tie(a.network, a.address) < std::tie(b.network, b.address);
  }
  template <typename H>
  friend H AbslHashValue(H h, const NodeKey& key) {
    return H::combine(std::move(h), key.network, key.address);
  }
};

// Bits of NodeRecord::present: which diagnostics values a node has reported.
enum NodeValueBit : uint8_t {
  kHasRole = 1 << 0,
  kHasVoltage = 1 << 1,
  kHasFirmware = 1 << 2,
  kHasBootCount = 1 << 3,
  kHasScratchpadSequence = 1 << 4,
};

// What the registry keeps per node: fixed-size, no strings (88 bytes), so that 100,000 nodes
// take a few megabytes. The gateway and sink a node was heard through are an index into
// RegistryState's table of (gateway, sink) routes.
//
// Times ending in _ms are milliseconds since the Unix epoch. `*_rx_ms` are gateway-clock
// reception times: gateways publish a backlog newest first (docs/gateway-api.md "received_data"),
// so a value is replaced only by one from a packet received at the same time or later, or from a
// packet without a reception time, which is ordered by arrival (docs/ordering.md).
struct NodeRecord {
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  uint64_t packets = 0;
  // The newest packet (route, hop count, travel time come from it).
  int64_t last_rx_ms = 0;
  // The packets that set role, voltage, and the boot values (firmware, boot count, scratchpad).
  int64_t role_rx_ms = 0;
  int64_t voltage_rx_ms = 0;
  int64_t boot_rx_ms = 0;
  uint32_t route = 0;
  uint32_t travel_time_ms = 0;
  // Stack firmware packed major << 24 | minor << 16 | maint << 8 | dev.
  uint32_t firmware = 0;
  uint32_t boot_count = 0;
  uint32_t scratchpad_sequence = 0;
  uint16_t voltage_mv = 0;
  uint8_t hop_count = 0;
  // The stack's role byte: base role in the low nibble (1 sink, 2 router, 3 non-router),
  // 0x10 low latency, 0x80 autorole; the dual-MCU role byte.
  uint8_t role = 0;
  uint8_t present = 0;  // NodeValueBit
  bool stale = false;
};

// What one received packet tells about its source node.
struct PacketObservation {
  uint32_t route = 0;
  int64_t seen_ms = 0;  // when the backend heard it (ingest's clock)
  int64_t rx_ms = 0;    // when the gateway received it (gateway's clock); 0: unknown
  uint32_t travel_time_ms = 0;
  uint32_t hop_count = 0;
  std::optional<uint8_t> role;
  std::optional<uint32_t> voltage_mv;
  std::optional<uint32_t> firmware;
  std::optional<uint32_t> boot_count;
  std::optional<uint32_t> scratchpad_sequence;
};

// Reads the node values a decoded payload carries into `out`: role and voltage from node
// diagnostics (253), role, firmware, boot count and scratchpad sequence from boot diagnostics
// (254), any of them from diagnostics v2 (247, voltage in millivolts). A payload that did not
// decode cleanly (decode_error set) contributes nothing.
void ReadNodeValues(const wm::v1::PacketReceived& packet, PacketObservation* out);

// Folds one packet into `node`: counts it, advances last seen, takes route, hop count and
// travel time from the newest packet and each value from the newest packet carrying it, and
// clears `stale`. Returns true when something a watcher hears about changed (route, a
// diagnostics value, or stale cleared); counters and times alone return false.
bool MergePacket(const PacketObservation& packet, NodeRecord* node);

// The API form of a node; `gateway_id` and `sink_id` are its route's.
void ToNodeProto(const NodeKey& key, const NodeRecord& node, std::string_view gateway_id,
                 std::string_view sink_id, wm::v1::Node* out);

// The API form of a stack role byte.
void ToNodeRole(uint8_t role, wm::v1::NodeRole* out);

}  // namespace wm::registry
