#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

// Payloads a simulated node sends, byte for byte in the layouts of docs/payloads.md
// (little-endian) and docs/provisioning.md "Frames". Values are plausible for a node's
// place in the network (role, route, firmware, application) and vary from packet to packet.
// Each generator is a function of its arguments alone: the same node, counters and random
// state give the same bytes. None is longer than kMaxPayloadSize.

// The largest payload a sink takes (the MTU it reports in its configuration).
inline constexpr size_t kMaxPayloadSize = 102;

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
inline constexpr size_t kNodeDiagnosticsLegacySize = 59;
inline constexpr size_t kBootDiagnosticsSize = 31;

// Traffic diagnostics (251->255): access cycles, cluster channel and reliability, rx/tx
// amounts and the u8 ratios. Always 18 bytes.
std::string TrafficDiagnosticsPayload(const SimNode& node, uint32_t network_channel,
                                      SimRandom& random);

// Neighbor diagnostics (252->255): one 7-byte record per neighbour (address u24, cluster
// channel, radio power, node info, raw rssi), at most 8 records.
std::string NeighborDiagnosticsPayload(const SimNode& node, uint32_t network_channel,
                                       SimRandom& random);

// The size of the node diagnostics a stack sends: 59 bytes before 4.2, 67 from 4.2 on.
size_t NodeDiagnosticsSize(const StackVersion& firmware);

// Node diagnostics (253->255) in the form of the node's stack (NodeDiagnosticsSize): access
// cycle, role, voltage, buffers, link-layer statistics, route (next hop, cost, link quality),
// events and duty cycle; the 67-byte form adds the pending queues. In the 59-byte form the
// second next hop's bytes are 4.0's blacklistexceeded counter, 0.
std::string NodeDiagnosticsPayload(const SimNode& node, SimRandom& random);

// Boot diagnostics (254->255), 31 bytes: boot count, role, the node's firmware version (dev,
// maint, minor, major), scratchpad sequence, hw magic, stack profile, boot line and traces.
std::string BootDiagnosticsPayload(const SimNode& node);

// Application data (docs/payloads.md "Application data"), 6 bytes: sequence u16, temperature
// i16 (0.01 degC), humidity u8 (%), battery u8 (%). Sent on the node's app_endpoint (1->1 or
// 10->10).
inline constexpr size_t kAppDataSize = 6;
std::string AppDataPayload(const SimNode& node, uint16_t sequence, SimRandom& random);

// Endpoints of the other kinds. Diagnostics v2 and provisioning START frames go to the sink's
// endpoint 255 like the fixed-layout diagnostics; the others use the same endpoint both ways.
inline constexpr uint8_t kDiagnosticsV2Endpoint = 247;
inline constexpr uint8_t kProvisioningEndpoint = 246;
inline constexpr uint8_t kAdvertiserEndpoint = 200;
inline constexpr uint8_t kPositioningEndpoint = 238;
inline constexpr uint8_t kRuuviEndpoint = 11;
inline constexpr uint8_t kTestNetworkEndpoint = 100;

// Diagnostics v2 (247->255): one CBOR map {id: value} (ids of docs/payloads.md "Diagnostics
// v2"). Every report has role (1) and voltage (2, mV); then, in turn at random, either the MAC
// view (cluster channel and reliability, packets dropped, cluster members for a router,
// nexthop_details [cost, sink, next hop, quality, rssi < 0, power], buffer_usage [average,
// maximum], cbmac_details [9 counters]) or the boot view (boot_count, firmware_stack and
// firmware_app packed a.b.c.d, events [15 codes], up to two neighbours as ids 155.. [address,
// channel, power, rssi < 0]). About one report in ten also carries id 74, which the decoder's
// table of ids does not know (as from a newer stack). `sink_address` is the sink the node
// routes to.
std::string DiagnosticsV2Payload(const SimNode& node, uint32_t sink_address,
                                 uint32_t network_channel, SimRandom& random);

// Advertiser report (200->200) of a router: byte 0 = 4-byte-address flag (bit 7, from the
// router's advertiser_address_bytes) | adv_type (2 RSS for most reports, 3 OTAP, 6 tag
// sequence), byte 1 = `message_count` (the router's rolling count), then one record per tag it
// heard this time (most of its advertiser_tags, at least one): address (3 or 4 bytes) and the
// value byte (RSS: (dBm + 127) * 2; OTAP: the tag's scratchpad sequence; sequence: the tag's
// rolling sequence). The router must have tags.
std::string AdvertiserPayload(const SimNode& router, uint8_t message_count, SimRandom& random);

// Positioning report (238->238): `sequence` u16, one RSS record of the node's neighbours (at
// most 8 entries of address u24 and -0.5 dBm steps) and a voltage record (u16, mV). A router
// measures as an anchor (0xF0); a tag at short rate (0x00), or at high rate (0x01) about one
// report in four, as when it moves.
std::string PositioningPayload(const SimNode& node, uint16_t sequence, SimRandom& random);

// Ruuvi sensor report (11->11), records [id][length][value]: counter u16 (`counter`),
// temperature i32 (0.01 degC, around the node's baseline, negative in cold storage), humidity
// u32 (1/1024 %RH), pressure u32 (0.0001 hPa), acceleration x/y/z i32 (0.001 g, a tag lying
// flat).
std::string RuuviPayload(const SimNode& node, uint16_t counter, SimRandom& random);

// Test-network rows (100->100): a 4-byte packet counter (`counter`) row, a row of two 2-byte
// timing fields and, every other report or so, a row of four 1-byte fields.
std::string TestNetworkPayload(const SimNode& node, uint32_t counter, SimRandom& random);

// Provisioning START frame (246->255, docs/provisioning.md "Frames"): msg_type 1, the node's
// address (u32 LE), `session_id`, its method, `iv` (16 bytes, fresh for every START: see
// StartProvisioning in provisioning_node.h) and its UID.
std::string ProvisioningStartPayload(const SimJoiningNode& node, uint8_t session_id,
                                     std::string_view iv);

// Hardware and stack constants shared by sinks and nodes of the simulated network.
inline constexpr uint32_t kHwMagic = 0x0A;       // nRF52840-class radio
inline constexpr uint32_t kStackProfile = 0x01;  // 2.4 GHz
inline constexpr uint16_t kAccessCycleMs = 2000;
// Version of the application firmware every node runs (diagnostics v2 firmware_app).
inline constexpr StackVersion kAppFirmware{1, 3, 0, 7};
// The scratchpad every sink and node stores at start and that produced the network's current
// firmware (ScratchpadInfo len, crc and seq; boot diagnostics' scratchpad sequence).
inline constexpr uint32_t kNetworkScratchpadLength = 180224;
inline constexpr uint32_t kNetworkScratchpadCrc = 0x3A5C;
inline constexpr uint32_t kNetworkScratchpadSequence = 12;
// Memory area the stack firmware was written to (SinkReadConfig.firmware_area_id).
inline constexpr uint32_t kFirmwareAreaId = 0x000A0201;

}  // namespace wm::gateway_sim
