#include "libs/decoders/node_diagnostics.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

// The 59-byte form, field by field as in docs/payloads.md "Node diagnostics", with a distinct
// value in every field so that a shifted offset shows.
PayloadBuilder Stack40() {
  PayloadBuilder b;
  b.U16(0xFFFF)                    // 0 access_cycle (max u16)
      .U8(0x93)                    // 2 role
      .U8(130)                     // 3 voltage: 130 / 100 + 2.0 = 3.3 V
      .U8(4)                       // 4 max_buffer_usage
      .U8(5)                       // 5 average_buffer_usage
      .U8(6)                       // 6 mem_alloc_fails
      .U8(7)                       // 7 normal_priority_buf_delay
      .U8(8)                       // 8 high_priority_buf_delay
      .U8(9)                       // 9 network_scans
      .U16(0x1010)                 // 10 dl_delay_avg_0 / lltx_msg_w_ack
      .U16(0x1212)                 // 12 dl_delay_min_0 / lltx_msg_unack
      .U16(0x1414)                 // 14 dl_delay_max_0 / llrx_w_unack_ok
      .U16(0x1616)                 // 16 dl_delay_samples_0 / llrx_ack_not_received
      .U16(0x1818)                 // 18 dl_delay_avg_1 / lltx_cca_unack_fail
      .U16(0x2020)                 // 20 dl_delay_min_1 / lltx_cca_w_ack_fail
      .U16(0x2222)                 // 22 dl_delay_max_1 / llrx_w_ack_ok
      .U16(0xFFFE)                 // 24 dl_delay_samples_1 / llrx_ack_otherreasons
      .U8(26)                      // 26 dropped_packets_0
      .U8(27)                      // 27 dropped_packets_1
      .U16(0x3456).U8(0x12)        // 28 route_address 0x123456 (u16 lo + u8 hi)
      .U16(0xFFFF).U8(0xFF)        // 31 cost_info_next_hop_0 0xFFFFFF (max u24)
      .U8(34)                      // 34 cost_info_cost_0
      .U8(35)                      // 35 cost_info_link_quality_0
      .U16(0xBEEF).U8(0xAD)        // 36 cost_info_next_hop_1 0xADBEEF
      .U8(0xC0)                    // 39 cost_info_cost_1
      .U8(0xFF);                   // 40 cost_info_link_quality_1
  for (int i = 0; i < 15; ++i) b.U8(100 + i);  // 41..55 events_0..events_14
  b.U16(0x5656)                    // 56 duty_cycle
      .U8(2);                      // 58 current_antenna
  return b;
}

// The 67-byte form: the 59 bytes and eight pending_* counters.
PayloadBuilder Stack42() {
  PayloadBuilder b = Stack40();
  for (int i = 0; i < 8; ++i) b.U8(i == 7 ? 0xFF : 59 + i);  // 59..66
  return b;
}

TEST(NodeDiagnostics, Decodes59ByteFormWithBothReadings) {
  ASSERT_EQ(Stack40().size(), 59u);
  wm::v1::NodeDiagnostics d;
  ASSERT_FALSE(DecodeNodeDiagnostics(Stack40().str(), &d).has_value());
  EXPECT_EQ(d.access_cycle(), 0xFFFFu);
  EXPECT_EQ(d.role(), 0x93u);
  EXPECT_DOUBLE_EQ(d.voltage(), 3.3);
  EXPECT_EQ(d.max_buffer_usage(), 4u);
  EXPECT_EQ(d.average_buffer_usage(), 5u);
  EXPECT_EQ(d.mem_alloc_fails(), 6u);
  EXPECT_EQ(d.normal_priority_buf_delay(), 7u);
  EXPECT_EQ(d.high_priority_buf_delay(), 8u);
  EXPECT_EQ(d.network_scans(), 9u);
  // Stack 3.x names ...
  EXPECT_EQ(d.dl_delay_avg_0(), 0x1010u);
  EXPECT_EQ(d.dl_delay_min_0(), 0x1212u);
  EXPECT_EQ(d.dl_delay_max_0(), 0x1414u);
  EXPECT_EQ(d.dl_delay_samples_0(), 0x1616u);
  EXPECT_EQ(d.dl_delay_avg_1(), 0x1818u);
  EXPECT_EQ(d.dl_delay_min_1(), 0x2020u);
  EXPECT_EQ(d.dl_delay_max_1(), 0x2222u);
  EXPECT_EQ(d.dl_delay_samples_1(), 0xFFFEu);
  // ... and the same words under their stack 4.0 names.
  EXPECT_EQ(d.lltx_msg_w_ack(), 0x1010u);
  EXPECT_EQ(d.lltx_msg_unack(), 0x1212u);
  EXPECT_EQ(d.llrx_w_unack_ok(), 0x1414u);
  EXPECT_EQ(d.llrx_ack_not_received(), 0x1616u);
  EXPECT_EQ(d.lltx_cca_unack_fail(), 0x1818u);
  EXPECT_EQ(d.lltx_cca_w_ack_fail(), 0x2020u);
  EXPECT_EQ(d.llrx_w_ack_ok(), 0x2222u);
  EXPECT_EQ(d.llrx_ack_otherreasons(), 0xFFFEu);
  EXPECT_EQ(d.dropped_packets_0(), 26u);
  EXPECT_EQ(d.dropped_packets_1(), 27u);
  EXPECT_EQ(d.route_address(), 0x123456u);
  EXPECT_EQ(d.cost_info_next_hop_0(), 0xFFFFFFu);
  EXPECT_EQ(d.cost_info_cost_0(), 34u);
  EXPECT_EQ(d.cost_info_link_quality_0(), 35u);
  EXPECT_EQ(d.cost_info_next_hop_1(), 0xADBEEFu);
  EXPECT_EQ(d.cost_info_cost_1(), 0xC0u);
  EXPECT_EQ(d.cost_info_link_quality_1(), 0xFFu);
  // 4.0: next_hop_1 | cost_1 << 24 | link_quality_1 << 32, a 40-bit value.
  EXPECT_EQ(d.blacklistexceeded(), 0xFFC0ADBEEFull);
  ASSERT_EQ(d.events_size(), 15);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(d.events(i), 100u + i) << "events_" << i;
  EXPECT_EQ(d.duty_cycle(), 0x5656u);
  EXPECT_EQ(d.current_antenna(), 2u);
  EXPECT_FALSE(d.has_pending_ucast_cluster());
  EXPECT_FALSE(d.has_pending_reroute_packets());
}

TEST(NodeDiagnostics, Decodes67ByteFormWithBufferStatistics) {
  ASSERT_EQ(Stack42().size(), 67u);
  wm::v1::NodeDiagnostics d;
  ASSERT_FALSE(DecodeNodeDiagnostics(Stack42().str(), &d).has_value());
  EXPECT_EQ(d.current_antenna(), 2u);
  ASSERT_TRUE(d.has_pending_ucast_cluster());
  EXPECT_EQ(d.pending_ucast_cluster(), 59u);
  EXPECT_EQ(d.pending_ucast_members(), 60u);
  EXPECT_EQ(d.pending_bcast_le_members(), 61u);
  EXPECT_EQ(d.pending_bcast_ll_members(), 62u);
  EXPECT_EQ(d.pending_bcast_unack(), 63u);
  EXPECT_EQ(d.pending_expire_queue(), 64u);
  EXPECT_EQ(d.pending_bcast_next_hop(), 65u);
  EXPECT_EQ(d.pending_reroute_packets(), 255u);
}

TEST(NodeDiagnostics, VoltageIsRawOverHundredPlusTwoVolts) {
  for (auto [raw, volts] : {std::pair<uint32_t, double>{0, 2.0}, {100, 3.0}, {255, 4.55}}) {
    std::string p = Stack40().str();
    p[3] = static_cast<char>(raw);
    wm::v1::NodeDiagnostics d;
    ASSERT_FALSE(DecodeNodeDiagnostics(p, &d).has_value());
    EXPECT_DOUBLE_EQ(d.voltage(), volts) << "raw " << raw;
  }
}

TEST(NodeDiagnostics, EveryOtherLengthIsWrongLength) {
  const std::string full = Stack42().str() + std::string(10, '\x01');
  struct Case {
    size_t size;
    uint32_t offset;
  };
  for (Case c : {Case{0, 0}, Case{1, 1}, Case{58, 58}, Case{60, 59}, Case{66, 59},
                 Case{68, 67}, Case{77, 67}}) {
    wm::v1::NodeDiagnostics d;
    DecodeStatus error = DecodeNodeDiagnostics(full.substr(0, c.size), &d);
    ASSERT_TRUE(error.has_value()) << c.size;
    EXPECT_EQ(error->reason, kReasonWrongLength);
    EXPECT_EQ(error->offset, c.offset) << c.size;
    EXPECT_NE(error->message.find("got " + std::to_string(c.size)), std::string::npos)
        << error->message;
  }
}

TEST(NodeDiagnostics, ErrorLeavesTheMessageUntouched) {
  wm::v1::NodeDiagnostics d;
  ASSERT_FALSE(DecodeNodeDiagnostics(Stack40().str(), &d).has_value());
  ASSERT_TRUE(DecodeNodeDiagnostics(Stack40().str() + "x", &d).has_value());
  EXPECT_EQ(d.route_address(), 0x123456u);
}

TEST(NodeDiagnostics, ReusedMessageDropsBufferStatisticsOfAnEarlier67BytePayload) {
  wm::v1::NodeDiagnostics d;
  ASSERT_FALSE(DecodeNodeDiagnostics(Stack42().str(), &d).has_value());
  ASSERT_FALSE(DecodeNodeDiagnostics(Stack40().str(), &d).has_value());
  EXPECT_FALSE(d.has_pending_ucast_cluster());
  EXPECT_EQ(d.events_size(), 15);
}

}  // namespace
}  // namespace wm::decoders
