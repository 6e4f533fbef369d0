// Each payload is decoded back by hand from the byte offsets of spec/backend-client.md §3.3.
#include "tools/gateway_sim/payloads.h"

#include "gtest/gtest.h"
#include "libs/decoders/traffic_diagnostics.h"

namespace wm::gateway_sim {
namespace {

uint32_t U8(const std::string& b, size_t offset) { return static_cast<uint8_t>(b.at(offset)); }
uint32_t U16(const std::string& b, size_t offset) { return U8(b, offset) | U8(b, offset + 1) << 8; }
uint32_t U24(const std::string& b, size_t offset) {
  return U16(b, offset) | U8(b, offset + 2) << 16;
}

SimNode TestNode() {
  SimNode node;
  node.address = 0xABCDEF;
  node.role = 0x82;
  node.hop_count = 3;
  node.next_hop = 0x123456;
  node.neighbors = {0x123456, 0x00A0B0, 0x010203};
  node.firmware = StackVersion{5, 2, 1, 33};
  node.boot_count = 7;
  node.temperature_centi_c = 2000;
  node.battery_percent = 77;
  return node;
}

TEST(PayloadsTest, TrafficDiagnosticsIsExactly18BytesWithPlausibleFields) {
  SimRandom random(1);
  for (int i = 0; i < 50; ++i) {
    const std::string p = TrafficDiagnosticsPayload(TestNode(), 17, random);
    ASSERT_EQ(p.size(), 18u);
    EXPECT_EQ(U16(p, 0), 30u);  // access_cycles
    EXPECT_GE(U8(p, 2), 1u);    // cluster_channel 1..40
    EXPECT_LE(U8(p, 2), 40u);
    EXPECT_GE(U8(p, 3), 80u);  // channel_reliability (%)
    EXPECT_LE(U8(p, 3), 100u);
    EXPECT_GT(U16(p, 4), 0u);  // rx_amount
    EXPECT_GT(U16(p, 6), 0u);  // tx_amount
    for (size_t ratio = 8; ratio < 18; ++ratio) EXPECT_LE(U8(p, ratio), 100u) << ratio;
  }
}

TEST(PayloadsTest, TrafficDiagnosticsDecodesWithTheIngestDecoder) {
  SimRandom random(11);
  const std::string p = TrafficDiagnosticsPayload(TestNode(), 17, random);
  wm::v1::TrafficDiagnostics decoded;
  decoders::DecodeStatus status = decoders::DecodeTrafficDiagnostics(p, &decoded);
  ASSERT_FALSE(status.has_value()) << status->message;
  EXPECT_EQ(decoded.access_cycles(), 30u);
  EXPECT_EQ(decoded.rx_amount(), U16(p, 4));
  EXPECT_EQ(decoded.max_aloha_slot_usage(), U8(p, 17));
}

TEST(PayloadsTest, NeighborDiagnosticsHasOneSevenByteRecordPerNeighbor) {
  SimRandom random(2);
  const SimNode node = TestNode();
  const std::string p = NeighborDiagnosticsPayload(node, 17, random);
  ASSERT_EQ(p.size(), 3 * kNeighborRecordSize);
  EXPECT_EQ(U24(p, 0), 0x123456u);
  EXPECT_EQ(U24(p, 7), 0x00A0B0u);
  EXPECT_EQ(U24(p, 14), 0x010203u);
  for (size_t record = 0; record < 3; ++record) {
    const size_t at = record * 7;
    EXPECT_NE(U24(p, at), 0u) << "address 0 ends the list";
    EXPECT_GE(U8(p, at + 3), 1u);  // cluster_channel
    EXPECT_LE(U8(p, at + 3), 40u);
    EXPECT_GE(U8(p, at + 6), 40u);  // rssi (raw)
  }
}

TEST(PayloadsTest, NeighborDiagnosticsKeepsAtMostEightRecords) {
  SimRandom random(3);
  SimNode node = TestNode();
  node.neighbors.clear();
  for (uint32_t i = 1; i <= 12; ++i) node.neighbors.push_back(i);
  EXPECT_EQ(NeighborDiagnosticsPayload(node, 1, random).size(), 8 * kNeighborRecordSize);
}

TEST(PayloadsTest, NodeDiagnosticsIsThe67ByteFormWithRouteAndRole) {
  SimRandom random(4);
  const SimNode node = TestNode();
  const std::string p = NodeDiagnosticsPayload(node, random);
  ASSERT_EQ(p.size(), 67u);
  EXPECT_EQ(U16(p, 0), 2000u);                  // access_cycle (ms)
  EXPECT_EQ(U8(p, 2), 0x82u);                   // role
  const double volts = U8(p, 3) / 100.0 + 2.0;  // voltage
  EXPECT_GE(volts, 2.9);
  EXPECT_LE(volts, 3.15);
  EXPECT_EQ(U16(p, 28) | U8(p, 30) << 16, 0x123456u);  // route_address lo u16 + hi u8
  EXPECT_EQ(U24(p, 31), 0x123456u);                    // cost_info_next_hop_0
  EXPECT_EQ(U8(p, 34), 3u);                            // cost_info_cost_0
  EXPECT_EQ(U24(p, 36), 0x00A0B0u);                    // cost_info_next_hop_1
}

TEST(PayloadsTest, BootDiagnosticsIs31BytesWithTheNodesFirmware) {
  const std::string p = BootDiagnosticsPayload(TestNode());
  ASSERT_EQ(p.size(), 31u);
  EXPECT_EQ(U8(p, 0), 7u);     // boot_count
  EXPECT_EQ(U8(p, 1), 0x82u);  // node_role
  // firmware_version = major<<24 | minor<<16 | maint<<8 | dev from bytes 5, 4, 3, 2.
  const uint32_t firmware = U8(p, 5) << 24 | U8(p, 4) << 16 | U8(p, 3) << 8 | U8(p, 2);
  EXPECT_EQ(firmware, 0x05020121u);
  EXPECT_EQ(U16(p, 8), kHwMagic);        // hw_magic
  EXPECT_EQ(U16(p, 10), kStackProfile);  // stack_profile
  EXPECT_EQ(U8(p, 12), 1u);              // otap_enabled
}

TEST(PayloadsTest, AppDataCarriesSequenceTemperatureAndBattery) {
  SimRandom random(5);
  const std::string p = AppDataPayload(TestNode(), 0xBEEF, random);
  ASSERT_EQ(p.size(), kAppDataSize);
  EXPECT_EQ(U16(p, 0), 0xBEEFu);
  const auto temperature = static_cast<int16_t>(U16(p, 2));
  EXPECT_GE(temperature, 1950);
  EXPECT_LE(temperature, 2050);
  EXPECT_EQ(U8(p, 5), 77u);
}

TEST(PayloadsTest, NegativeTemperatureIsTwosComplement) {
  SimRandom random(6);
  SimNode node = TestNode();
  node.temperature_centi_c = -1000;
  const auto temperature = static_cast<int16_t>(U16(AppDataPayload(node, 1, random), 2));
  EXPECT_LE(temperature, -950);
  EXPECT_GE(temperature, -1050);
}

}  // namespace
}  // namespace wm::gateway_sim
