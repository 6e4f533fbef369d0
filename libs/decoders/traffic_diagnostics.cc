#include "libs/decoders/traffic_diagnostics.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {

DecodeStatus DecodeTrafficDiagnostics(std::string_view payload, wm::v1::TrafficDiagnostics* out) {
  if (payload.size() != kTrafficDiagnosticsSize) {
    return DecodeError{kReasonWrongLength,
                       static_cast<uint32_t>(std::min(payload.size(), kTrafficDiagnosticsSize)),
                       "traffic diagnostics are 18 bytes, got " + std::to_string(payload.size())};
  }
  ByteReader r(payload);
  uint16_t access_cycles = 0, rx_amount = 0, tx_amount = 0;
  uint8_t u8[14] = {};
  // Offsets 0..7: access_cycles u16, cluster_channel u8, channel_reliability u8, rx_amount u16,
  // tx_amount u16; then ten u8 ratios and slot usages from offset 8. The length was checked.
  r.U16(&access_cycles);
  r.U8(&u8[0]);
  r.U8(&u8[1]);
  r.U16(&rx_amount);
  r.U16(&tx_amount);
  for (int i = 2; i < 12; ++i) r.U8(&u8[i]);

  out->set_access_cycles(access_cycles);
  out->set_cluster_channel(u8[0]);
  out->set_channel_reliability(u8[1]);
  out->set_rx_amount(rx_amount);
  out->set_tx_amount(tx_amount);
  out->set_aloha_rx_ratio(u8[2]);
  out->set_reserved_rx_success_ratio(u8[3]);
  out->set_data_rx_ratio(u8[4]);
  out->set_rx_duplicate_ratio(u8[5]);
  out->set_cca_success_ratio(u8[6]);
  out->set_broadcast_ratio(u8[7]);
  out->set_failed_unicast_ratio(u8[8]);
  out->set_max_reserved_slot_usage(u8[9]);
  out->set_average_reserved_slot_usage(u8[10]);
  out->set_max_aloha_slot_usage(u8[11]);
  // Stack 4.0 packs the cluster sizes into access_cycles.
  out->set_cluster_members(access_cycles & 0xFF);
  out->set_cluster_headnode_members(access_cycles >> 8);
  return std::nullopt;
}

}  // namespace wm::decoders
