#include "tools/gateway_sim/payloads.h"

#include <algorithm>

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
// Scratchpad sequence of the image the network last processed.
constexpr uint32_t kScratchpadSequence = 12;

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

std::string NodeDiagnosticsPayload(const SimNode& node, SimRandom& random) {
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
  const uint32_t second = node.neighbors.size() > 1 ? node.neighbors[1] : 0;
  w.U24(second);                                     // 36 cost_info_next_hop_1
  w.U8(second != 0 ? node.hop_count + 1 : 0);        // 39 cost_info_cost_1
  w.U8(second != 0 ? random.Uniform(100, 200) : 0);  // 40 cost_info_link_quality_1
  for (int i = 0; i < 15; ++i) w.U8(0);              // 41..55 events_0..events_14
  w.U16(random.Uniform(10, 80));                     // 56 duty_cycle
  w.U8(0);                                           // 58 current_antenna
  for (int i = 0; i < 8; ++i) {
    w.U8(random.Uniform(0, 3));  // 59..66 pending_* queues (4.2+)
  }
  return w.Take();
}

std::string BootDiagnosticsPayload(const SimNode& node) {
  LittleEndianWriter w(kBootDiagnosticsSize);
  w.U8(node.boot_count);       // 0 boot_count
  w.U8(node.role);             // 1 node_role
  w.U8(node.firmware.dev);     // 2 sw_dev_version
  w.U8(node.firmware.maint);   // 3 sw_maint_version
  w.U8(node.firmware.minor);   // 4 sw_minor_version
  w.U8(node.firmware.major);   // 5 sw_major_version
  w.U16(kScratchpadSequence);  // 6 scratchpad_sequence
  w.U16(kHwMagic);             // 8 hw_magic
  w.U16(kStackProfile);        // 10 stack_profile
  w.U8(1);                     // 12 otap_enabled
  w.U16(0);                    // 13 boot_line_number (0: a normal boot)
  w.U16(0);                    // 15 file_hash
  w.U32(0);                    // 17 stack_trace_0
  w.U32(0);                    // 21 stack_trace_1
  w.U32(0);                    // 25 stack_trace_2
  w.U16(kScratchpadSequence);  // 29 cur_seq
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

}  // namespace wm::gateway_sim
