#include "tools/gateway_sim/payloads.h"

#include <algorithm>

#include "libs/decoders/cbor.h"

namespace wm::gateway_sim {
namespace {

// Appends little-endian integers.
class LittleEndianWriter {
 public:
  explicit LittleEndianWriter(size_t reserve) { bytes_.reserve(reserve); }

  void U8(uint32_t v) { bytes_.push_back(static_cast<char>(v & 0xFF)); }
  void U16(uint32_t v) {
    U8(v);
    U8(v >> 8);
  }
  void U24(uint32_t v) {
    U16(v);
    U8(v >> 16);
  }
  void U32(uint32_t v) {
    U16(v);
    U16(v >> 16);
  }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// The cluster channel a node's cluster uses, stable per node.
uint32_t ClusterChannel(const SimNode& node, uint32_t network_channel) {
  return (network_channel + node.address) % 40 + 1;
}

bool IsRouter(const SimNode& node) { return (node.role & 0x0F) == 0x02; }

// Diagnostics are sent every 60 s; at a 2 s access cycle that is 30 cycles.
constexpr uint32_t kAccessCyclesPerReport = 30;
constexpr size_t kMaxNeighborRecords = 8;
constexpr size_t kMaxPositioningEntries = 8;
constexpr size_t kMaxDiagnosticsV2Neighbors = 2;
// Diagnostics v2 ids (docs/payloads.md "Diagnostics v2").
constexpr uint64_t kDiagRole = 1;
constexpr uint64_t kDiagVoltage = 2;
constexpr uint64_t kDiagClusterChannel = 7;
constexpr uint64_t kDiagClusterChannelReliability = 8;
constexpr uint64_t kDiagPacketsDropped = 17;
constexpr uint64_t kDiagClusterMembers = 26;
constexpr uint64_t kDiagBootCount = 29;
constexpr uint64_t kDiagFirmwareStack = 30;
constexpr uint64_t kDiagFirmwareApp = 39;
constexpr uint64_t kDiagNexthopDetails = 65;
constexpr uint64_t kDiagBufferUsage = 66;
constexpr uint64_t kDiagCbmacDetails = 69;
constexpr uint64_t kDiagEvents = 73;
constexpr uint64_t kDiagFirstNeighbor = 155;  // neighbor_device_info_neighbor, 155..170
// Not in the decoder's table of ids: what a newer stack might add.
constexpr uint64_t kDiagUnknownId = 74;

// Supply voltage in mV, from the node's battery level (a 3 V cell).
uint32_t SupplyMillivolts(const SimNode& node, SimRandom& random) {
  return 2400 + node.battery_percent * 9 + static_cast<uint32_t>(random.Uniform(0, 20));
}

// "a.b.c.d" packed with a in the most significant byte, as diagnostics v2 sends versions.
uint32_t PackedVersion(const StackVersion& v) {
  return (v.major & 0xFF) << 24 | (v.minor & 0xFF) << 16 | (v.maint & 0xFF) << 8 | (v.dev & 0xFF);
}

// A received signal strength in dBm, -95..-40.
int32_t RssDbm(SimRandom& random) { return -static_cast<int32_t>(random.Uniform(40, 95)); }

int32_t SignedUniform(int32_t lo, int32_t hi, SimRandom& random) {
  return lo + static_cast<int32_t>(random.Uniform(0, static_cast<uint64_t>(hi - lo)));
}

}  // namespace

std::string TrafficDiagnosticsPayload(const SimNode& node, uint32_t network_channel,
                                      SimRandom& random) {
  const uint32_t load = IsRouter(node) ? 4 : 1;
  LittleEndianWriter w(kTrafficDiagnosticsSize);
  w.U16(kAccessCyclesPerReport);                // 0 access_cycles
  w.U8(ClusterChannel(node, network_channel));  // 2 cluster_channel
  w.U8(random.Uniform(80, 100));                // 3 channel_reliability
  w.U16(random.Uniform(5, 40) * load);          // 4 rx_amount
  w.U16(random.Uniform(5, 30) * load);          // 6 tx_amount
  w.U8(random.Uniform(85, 100));                // 8 aloha_rx_ratio
  w.U8(random.Uniform(90, 100));                // 9 reserved_rx_success_ratio
  w.U8(random.Uniform(90, 100));                // 10 data_rx_ratio
  w.U8(random.Uniform(0, 5));                   // 11 rx_duplicate_ratio
  w.U8(random.Uniform(90, 100));                // 12 cca_success_ratio
  w.U8(random.Uniform(5, 30));                  // 13 broadcast_ratio
  w.U8(random.Uniform(0, 5));                   // 14 failed_unicast_ratio
  w.U8(random.Uniform(10, 60));                 // 15 max_reserved_slot_usage
  w.U8(random.Uniform(5, 30));                  // 16 average_reserved_slot_usage
  w.U8(random.Uniform(5, 40));                  // 17 max_aloha_slot_usage
  return w.Take();
}

std::string NeighborDiagnosticsPayload(const SimNode& node, uint32_t network_channel,
                                       SimRandom& random) {
  const size_t records = std::min(node.neighbors.size(), kMaxNeighborRecords);
  LittleEndianWriter w(records * kNeighborRecordSize);
  for (size_t i = 0; i < records; ++i) {
    w.U24(node.neighbors[i]);                              // +0 address
    w.U8((network_channel + node.neighbors[i]) % 40 + 1);  // +3 cluster_channel
    w.U8(random.Uniform(0, 8));                            // +4 radio_power
    w.U8(i == 0 ? 0x01 : 0x00);                            // +5 node_info (next hop first)
    w.U8(random.Uniform(40, 90));                          // +6 rssi (raw)
  }
  return w.Take();
}

size_t NodeDiagnosticsSize(const StackVersion& firmware) {
  const bool before_4_2 = firmware.major < 4 || (firmware.major == 4 && firmware.minor < 2);
  return before_4_2 ? kNodeDiagnosticsLegacySize : kNodeDiagnosticsSize;
}

std::string NodeDiagnosticsPayload(const SimNode& node, SimRandom& random) {
  const bool legacy = NodeDiagnosticsSize(node.firmware) == kNodeDiagnosticsLegacySize;
  LittleEndianWriter w(kNodeDiagnosticsSize);
  w.U16(kAccessCycleMs);          // 0 access_cycle (ms)
  w.U8(node.role);                // 2 role
  w.U8(random.Uniform(95, 110));  // 3 voltage: raw / 100 + 2.0 V
  w.U8(random.Uniform(5, 30));    // 4 max_buffer_usage
  w.U8(random.Uniform(0, 10));    // 5 average_buffer_usage
  w.U8(0);                        // 6 mem_alloc_fails
  w.U8(random.Uniform(0, 20));    // 7 normal_priority_buf_delay
  w.U8(random.Uniform(0, 5));     // 8 high_priority_buf_delay
  w.U8(random.Uniform(0, 2));     // 9 network_scans
  for (int i = 0; i < 8; ++i) {
    w.U16(random.Uniform(0, 500));  // 10..24 dl_delay_{avg,min,max,samples}_{0,1}
  }
  w.U8(0);                         // 26 dropped_packets_0
  w.U8(0);                         // 27 dropped_packets_1
  w.U24(node.next_hop);            // 28 route_address (lo u16 + hi u8)
  w.U24(node.next_hop);            // 31 cost_info_next_hop_0
  w.U8(node.hop_count);            // 34 cost_info_cost_0
  w.U8(random.Uniform(150, 255));  // 35 cost_info_link_quality_0
  // 36..40: the second next hop (4.2+), or 4.0's blacklistexceeded u40.
  const uint32_t second = !legacy && node.neighbors.size() > 1 ? node.neighbors[1] : 0;
  w.U24(second);                                     // 36 cost_info_next_hop_1
  w.U8(second != 0 ? node.hop_count + 1 : 0);        // 39 cost_info_cost_1
  w.U8(second != 0 ? random.Uniform(100, 200) : 0);  // 40 cost_info_link_quality_1
  for (int i = 0; i < 15; ++i) w.U8(0);              // 41..55 events_0..events_14
  w.U16(random.Uniform(10, 80));                     // 56 duty_cycle
  w.U8(0);                                           // 58 current_antenna
  if (!legacy) {
    for (int i = 0; i < 8; ++i) {
      w.U8(random.Uniform(0, 3));  // 59..66 pending_* queues (4.2+)
    }
  }
  return w.Take();
}

std::string BootDiagnosticsPayload(const SimNode& node) {
  LittleEndianWriter w(kBootDiagnosticsSize);
  w.U8(node.boot_count);              // 0 boot_count
  w.U8(node.role);                    // 1 node_role
  w.U8(node.firmware.dev);            // 2 sw_dev_version
  w.U8(node.firmware.maint);          // 3 sw_maint_version
  w.U8(node.firmware.minor);          // 4 sw_minor_version
  w.U8(node.firmware.major);          // 5 sw_major_version
  w.U16(kNetworkScratchpadSequence);  // 6 scratchpad_sequence
  w.U16(kHwMagic);                    // 8 hw_magic
  w.U16(kStackProfile);               // 10 stack_profile
  w.U8(1);                            // 12 otap_enabled
  w.U16(0);                           // 13 boot_line_number (0: a normal boot)
  w.U16(0);                           // 15 file_hash
  w.U32(0);                           // 17 stack_trace_0
  w.U32(0);                           // 21 stack_trace_1
  w.U32(0);                           // 25 stack_trace_2
  w.U16(kNetworkScratchpadSequence);  // 29 cur_seq
  return w.Take();
}

std::string AppDataPayload(const SimNode& node, uint16_t sequence, SimRandom& random) {
  LittleEndianWriter w(kAppDataSize);
  w.U16(sequence);
  const int32_t temperature =
      node.temperature_centi_c + static_cast<int32_t>(random.Uniform(0, 100)) - 50;
  w.U16(static_cast<uint16_t>(static_cast<int16_t>(temperature)));
  w.U8(random.Uniform(30, 60));
  w.U8(node.battery_percent);
  return w.Take();
}

std::string DiagnosticsV2Payload(const SimNode& node, uint32_t sink_address,
                                 uint32_t network_channel, SimRandom& random) {
  // Real nodes send the report as one indefinite-length map (0xbf, pairs, break 0xff) of
  // definite-length values (docs/diagnostics-v2.md), and so does the simulator.
  decoders::CborWriter body;
  body.IndefiniteMap();
  const auto key = [&](uint64_t id) -> decoders::CborWriter& { return body.Unsigned(id); };
  key(kDiagRole).Unsigned(node.role);
  key(kDiagVoltage).Unsigned(SupplyMillivolts(node, random));
  // A node's diagnostics are bigger than one packet: each report carries one view.
  if (random.Chance(0.5)) {
    key(kDiagClusterChannel).Unsigned(ClusterChannel(node, network_channel));
    key(kDiagClusterChannelReliability).Unsigned(random.Uniform(80, 100));
    key(kDiagPacketsDropped).Unsigned(random.Uniform(0, 2));
    if (IsRouter(node)) key(kDiagClusterMembers).Unsigned(random.Uniform(1, 12));
    key(kDiagNexthopDetails)
        .ArrayHeader(6)
        .Unsigned(node.hop_count)            // advertised_cost
        .Unsigned(sink_address)              // sink_address
        .Unsigned(node.next_hop)             // next_hop_address
        .Unsigned(random.Uniform(150, 255))  // next_hop_quality
        .Int(RssDbm(random))                 // next_hop_rssi (dBm)
        .Int(SignedUniform(-4, 8, random));  // next_hop_power (dBm)
    const uint64_t average = random.Uniform(0, 10);
    key(kDiagBufferUsage)
        .ArrayHeader(2)
        .Unsigned(average)
        .Unsigned(average + random.Uniform(2, 20));
    const uint32_t load = IsRouter(node) ? 4 : 1;
    key(kDiagCbmacDetails)
        .ArrayHeader(9)
        .Unsigned(random.Uniform(5, 60))         // cbmac_load (%)
        .Unsigned(random.Uniform(5, 40) * load)  // rx_messages_ack
        .Unsigned(random.Uniform(0, 20) * load)  // rx_messages_unack
        .Unsigned(random.Uniform(0, 3))          // rx_ack_other_reasons
        .Unsigned(random.Uniform(0, 3))          // tx_ack_cca_fail
        .Unsigned(random.Uniform(0, 3))          // tx_ack_not_received
        .Unsigned(random.Uniform(5, 30) * load)  // tx_messages_ack
        .Unsigned(random.Uniform(0, 10) * load)  // tx_messages_unack
        .Unsigned(random.Uniform(0, 3));         // tx_cca_unack_fail
  } else {
    key(kDiagBootCount).Unsigned(node.boot_count);
    key(kDiagFirmwareStack).Unsigned(PackedVersion(node.firmware));
    key(kDiagFirmwareApp).Unsigned(PackedVersion(kAppFirmware));
    // Event codes, 0 = none; now and then a route change (0x21) or a scan (0x41).
    key(kDiagEvents).ArrayHeader(15);
    for (int i = 0; i < 15; ++i) {
      const double draw = random.UnitDouble();
      body.Unsigned(draw < 0.05 ? 0x21 : draw < 0.08 ? 0x41 : 0);
    }
    // Neighbours other than the next hop (that one is in nexthop_details).
    const size_t neighbors = std::min(kMaxDiagnosticsV2Neighbors,
                                      node.neighbors.empty() ? 0 : node.neighbors.size() - 1);
    for (size_t i = 0; i < neighbors; ++i) {
      const uint32_t address = node.neighbors[i + 1];
      key(kDiagFirstNeighbor + i)
          .ArrayHeader(4)
          .Unsigned(address)                               // node_address
          .Unsigned((network_channel + address) % 40 + 1)  // channel
          .Int(SignedUniform(-4, 8, random))               // radio_power (dBm)
          .Int(RssDbm(random));                            // rssi (dBm)
    }
  }
  if (random.Chance(0.1)) key(kDiagUnknownId).Unsigned(random.Uniform(0, 0xFFFF));
  return body.Break().Release();
}

std::string AdvertiserPayload(const SimNode& router, uint8_t message_count, SimRandom& random) {
  const bool four_bytes = router.advertiser_address_bytes == 4;
  const double draw = random.UnitDouble();
  const uint32_t adv_type = draw < 0.7 ? 2 : draw < 0.85 ? 3 : 6;  // RSS, OTAP, tag sequence
  LittleEndianWriter w(2 + router.advertiser_tags.size() * 5);
  w.U8((four_bytes ? 0x80 : 0x00) | adv_type);  // 0 address flag | adv_type
  w.U8(message_count);                          // 1 adv_message_count
  for (size_t i = 0; i < router.advertiser_tags.size(); ++i) {
    // A tag is missed now and then, but a report has at least one.
    if (i + 1 < router.advertiser_tags.size() && !random.Chance(0.8)) continue;
    const uint32_t tag = router.advertiser_tags[i];
    if (four_bytes) {
      w.U32(tag);
    } else {
      w.U24(tag);
    }
    switch (adv_type) {
      case 2:
        w.U8((RssDbm(random) + 127) * 2);  // rss_dBm = value / 2 - 127
        break;
      case 3:
        w.U8(random.Chance(0.8) ? kNetworkScratchpadSequence : kNetworkScratchpadSequence - 1);
        break;
      default:
        w.U8(message_count + tag);  // the tag's rolling sequence
        break;
    }
  }
  return w.Take();
}

std::string PositioningPayload(const SimNode& node, uint16_t sequence, SimRandom& random) {
  const size_t entries = std::min(node.neighbors.size(), kMaxPositioningEntries);
  uint32_t type = 0x00;  // POS_APP_MEAS_RSS_SR
  if (IsRouter(node)) {
    type = 0xF0;  // POS_APP_MEAS_RSS_SR_ANCHOR
  } else if (random.Chance(0.25)) {
    type = 0x01;  // POS_APP_MEAS_RSS_HR
  }
  LittleEndianWriter w(2 + 2 + entries * 4 + 4);
  w.U16(sequence);
  w.U8(type);
  w.U8(entries * 4);
  for (size_t i = 0; i < entries; ++i) {
    w.U24(node.neighbors[i]);
    w.U8(-RssDbm(random) * 2);  // rss = raw * -0.5 dBm
  }
  w.U8(0x04);  // POS_APP_MEAS_VOLTAGE
  w.U8(2);
  w.U16(SupplyMillivolts(node, random));
  return w.Take();
}

std::string RuuviPayload(const SimNode& node, uint16_t counter, SimRandom& random) {
  LittleEndianWriter w(6 * 6 + 4);
  const auto record = [&w](uint32_t id, uint32_t length) {
    w.U8(id);
    w.U8(length);
  };
  record(1, 2);  // counter
  w.U16(counter);
  record(2, 4);  // temperature, 0.01 degC
  w.U32(static_cast<uint32_t>(node.temperature_centi_c + SignedUniform(-50, 50, random)));
  record(3, 4);  // humidity, 1/1024 %RH
  w.U32(random.Uniform(25 * 1024, 75 * 1024));
  record(4, 4);  // pressure, 0.0001 hPa
  w.U32(random.Uniform(9900000, 10300000));
  record(5, 4);  // acc_x, 0.001 g
  w.U32(static_cast<uint32_t>(SignedUniform(-60, 60, random)));
  record(6, 4);  // acc_y
  w.U32(static_cast<uint32_t>(SignedUniform(-60, 60, random)));
  record(7, 4);  // acc_z: gravity
  w.U32(static_cast<uint32_t>(SignedUniform(960, 1040, random)));
  return w.Take();
}

std::string TestNetworkPayload(const SimNode& node, uint32_t counter, SimRandom& random) {
  // Row header: [id_ctrl | testdata_id][(bytes_per_field - 1) << 6 | number_of_fields].
  const auto row = [](LittleEndianWriter& w, uint32_t id, uint32_t bytes, uint32_t fields) {
    w.U8(id);
    w.U8((bytes - 1) << 6 | fields);
  };
  LittleEndianWriter w(2 + 4 + 2 + 4 + 2 + 4);
  row(w, 0x11, 4, 1);  // id_ctrl 0x10, testdata_id 1: packet counter
  w.U32(counter);
  row(w, 0x02, 2, 2);  // testdata_id 2: send interval and processing time, ms
  w.U16(1000 * (1 + node.address % 10));
  w.U16(random.Uniform(1, 40));
  if (random.Chance(0.5)) {
    row(w, 0x03, 1, 4);  // testdata_id 3: four byte-sized readings
    for (int i = 0; i < 4; ++i) w.U8(random.Uniform(1, 255));
  }
  return w.Take();
}

std::string ProvisioningStartPayload(const SimJoiningNode& node, uint8_t session_id,
                                     std::string_view iv) {
  LittleEndianWriter w(1 + 4 + 1 + 1 + 16 + node.uid.size());
  w.U8(1);              // 0 msg_type START
  w.U32(node.address);  // 1..4 node_address
  w.U8(session_id);     // 5 session_id
  w.U8(node.method);    // 6 method
  std::string bytes = w.Take();
  bytes += iv;        // 7..22 IV
  bytes += node.uid;  // 23.. UID
  return bytes;
}

}  // namespace wm::gateway_sim
