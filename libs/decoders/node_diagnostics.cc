#include "libs/decoders/node_diagnostics.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {

DecodeStatus DecodeNodeDiagnostics(std::string_view payload, wm::v1::NodeDiagnostics* out) {
  if (payload.size() != kNodeDiagnosticsSize && payload.size() != kNodeDiagnosticsSizeWithBuffers) {
    // Where the payload stops fitting a layout: its end when shorter than 59 bytes, else the
    // end of the longest layout it holds.
    const size_t offset = payload.size() < kNodeDiagnosticsSize ? payload.size()
                          : payload.size() < kNodeDiagnosticsSizeWithBuffers
                              ? kNodeDiagnosticsSize
                              : kNodeDiagnosticsSizeWithBuffers;
    return DecodeError{
        kReasonWrongLength, static_cast<uint32_t>(offset),
        "node diagnostics are 59 or 67 bytes, got " + std::to_string(payload.size())};
  }
  // The length was checked: every read below succeeds. Offsets: docs/payloads.md "Node
  // diagnostics".
  ByteReader r(payload);
  out->Clear();
  out->set_access_cycle(r.U16OrZero());                               // 0
  out->set_role(r.U8OrZero());                                        // 2
  out->set_voltage(static_cast<double>(r.U8OrZero()) / 100.0 + 2.0);  // 3
  out->set_max_buffer_usage(r.U8OrZero());                            // 4
  out->set_average_buffer_usage(r.U8OrZero());
  out->set_mem_alloc_fails(r.U8OrZero());
  out->set_normal_priority_buf_delay(r.U8OrZero());
  out->set_high_priority_buf_delay(r.U8OrZero());
  out->set_network_scans(r.U8OrZero());  // 9

  // 10..25: eight u16, read both as 3.x delay statistics and as 4.0 link-layer counters.
  uint32_t words[8];
  for (uint32_t& w : words) w = r.U16OrZero();
  out->set_dl_delay_avg_0(words[0]);
  out->set_dl_delay_min_0(words[1]);
  out->set_dl_delay_max_0(words[2]);
  out->set_dl_delay_samples_0(words[3]);
  out->set_dl_delay_avg_1(words[4]);
  out->set_dl_delay_min_1(words[5]);
  out->set_dl_delay_max_1(words[6]);
  out->set_dl_delay_samples_1(words[7]);
  out->set_lltx_msg_w_ack(words[0]);
  out->set_lltx_msg_unack(words[1]);
  out->set_llrx_w_unack_ok(words[2]);
  out->set_llrx_ack_not_received(words[3]);
  out->set_lltx_cca_unack_fail(words[4]);
  out->set_lltx_cca_w_ack_fail(words[5]);
  out->set_llrx_w_ack_ok(words[6]);
  out->set_llrx_ack_otherreasons(words[7]);

  out->set_dropped_packets_0(r.U8OrZero());  // 26
  out->set_dropped_packets_1(r.U8OrZero());  // 27
  // The Python tool read each 24-bit address as u16 low + u8 high: the same bytes as a
  // little-endian u24.
  out->set_route_address(r.U24OrZero());         // 28
  out->set_cost_info_next_hop_0(r.U24OrZero());  // 31
  out->set_cost_info_cost_0(r.U8OrZero());       // 34
  out->set_cost_info_link_quality_0(r.U8OrZero());
  const uint32_t next_hop_1 = r.U24OrZero();  // 36
  const uint32_t cost_1 = r.U8OrZero();       // 39
  const uint32_t link_quality_1 = r.U8OrZero();
  out->set_cost_info_next_hop_1(next_hop_1);
  out->set_cost_info_cost_1(cost_1);
  out->set_cost_info_link_quality_1(link_quality_1);
  out->set_blacklistexceeded(uint64_t{next_hop_1} | uint64_t{cost_1} << 24 |
                             uint64_t{link_quality_1} << 32);

  // 41..55: events_0 .. events_14. Resize keeps the capacity of a reused message.
  google::protobuf::RepeatedField<uint32_t>* events = out->mutable_events();
  events->Resize(15, 0);
  for (int i = 0; i < 15; ++i) events->Set(i, r.U8OrZero());
  out->set_duty_cycle(r.U16OrZero());      // 56
  out->set_current_antenna(r.U8OrZero());  // 58
  if (payload.size() == kNodeDiagnosticsSizeWithBuffers) {
    out->set_pending_ucast_cluster(r.U8OrZero());  // 59
    out->set_pending_ucast_members(r.U8OrZero());
    out->set_pending_bcast_le_members(r.U8OrZero());
    out->set_pending_bcast_ll_members(r.U8OrZero());
    out->set_pending_bcast_unack(r.U8OrZero());
    out->set_pending_expire_queue(r.U8OrZero());
    out->set_pending_bcast_next_hop(r.U8OrZero());
    out->set_pending_reroute_packets(r.U8OrZero());  // 66
  }
  return std::nullopt;
}

}  // namespace wm::decoders
