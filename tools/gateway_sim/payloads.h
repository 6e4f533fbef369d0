#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

// Payloads a simulated node sends, byte for byte in the layouts of the diagnostics endpoints
// (spec/backend-client.md §3.3, little-endian). Values are plausible for a node's place in the
// network (role, route, firmware) and vary from packet to packet.

// Diagnostics go from these source endpoints to the sink's endpoint 255.
inline constexpr uint8_t kDiagnosticsDestinationEndpoint = 255;
inline constexpr uint8_t kTrafficDiagnosticsEndpoint = 251;
inline constexpr uint8_t kNeighborDiagnosticsEndpoint = 252;
inline constexpr uint8_t kNodeDiagnosticsEndpoint = 253;
inline constexpr uint8_t kBootDiagnosticsEndpoint = 254;

inline constexpr size_t kTrafficDiagnosticsSize = 18;
inline constexpr size_t kNeighborRecordSize = 7;
// The 4.2+ form of node diagnostics (the 59-byte 4.0 form plus eight queue counters).
inline constexpr size_t kNodeDiagnosticsSize = 67;
inline constexpr size_t kBootDiagnosticsSize = 31;

// Traffic diagnostics (251->255): access cycles, cluster channel and reliability, rx/tx
// amounts and the u8 ratios. Always 18 bytes.
std::string TrafficDiagnosticsPayload(const SimNode& node, uint32_t network_channel,
                                      SimRandom& random);

// Neighbor diagnostics (252->255): one 7-byte record per neighbour (address u24, cluster
// channel, radio power, node info, raw rssi), at most 8 records.
std::string NeighborDiagnosticsPayload(const SimNode& node, uint32_t network_channel,
                                       SimRandom& random);

// Node diagnostics (253->255), 67-byte form: access cycle, role, voltage, buffers, delays,
// route (next hop, cost, link quality), events, duty cycle and pending queues.
std::string NodeDiagnosticsPayload(const SimNode& node, SimRandom& random);

// Boot diagnostics (254->255), 31 bytes: boot count, role, the node's firmware version (dev,
// maint, minor, major), scratchpad sequence, hw magic, stack profile, boot line and traces.
std::string BootDiagnosticsPayload(const SimNode& node);

// Application data, 6 bytes: sequence u16, temperature i16 (0.01 degC), humidity u8 (%),
// battery u8 (%). Sent on the node's app_endpoint (1->1 or 10->10).
inline constexpr size_t kAppDataSize = 6;
std::string AppDataPayload(const SimNode& node, uint16_t sequence, SimRandom& random);

// Hardware and stack constants shared by sinks and nodes of the simulated network.
inline constexpr uint32_t kHwMagic = 0x0A;       // nRF52840-class radio
inline constexpr uint32_t kStackProfile = 0x01;  // 2.4 GHz
inline constexpr uint16_t kAccessCycleMs = 2000;

}  // namespace wm::gateway_sim
