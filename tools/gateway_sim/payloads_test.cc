// Each payload is decoded back by hand from the byte offsets of docs/payloads.md and
// docs/provisioning.md "Frames", and with the decoders wm-ingest uses (libs/decoders).
#include "tools/gateway_sim/payloads.h"

#include <algorithm>
#include <set>

#include "gtest/gtest.h"
#include "libs/decoders/advertiser.h"
#include "libs/decoders/boot_diagnostics.h"
#include "libs/decoders/diagnostics_v2.h"
#include "libs/decoders/neighbor_diagnostics.h"
#include "libs/decoders/node_diagnostics.h"
#include "libs/decoders/positioning.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/decoders/ruuvi.h"
#include "libs/decoders/test_network.h"
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

// A subnode on the 4.0 stack, which sends the 59-byte node diagnostics.
SimNode LegacyNode() {
  SimNode node = TestNode();
  node.role = 0x83;
  node.firmware = StackVersion{4, 0, 0, 62};
  return node;
}

SimNode Router(uint8_t address_bytes) {
  SimNode node = TestNode();
  node.advertiser_address_bytes = address_bytes;
  node.advertiser_tags = address_bytes == 4
                             ? std::vector<uint32_t>{0x8A000001, 0x01020304, 0xFEDCBA98}
                             : std::vector<uint32_t>{0x00F001, 0x00F002, 0xABCDEF};
  return node;
}

SimJoiningNode JoiningNode() {
  SimJoiningNode node;
  node.address = 0x00C0FFEE;
  node.hop_count = 2;
  node.uid = "sim-c0ffee";
  node.method = 1;
  return node;
}

// What the decoders report when a payload does not decode.
std::string Describe(const decoders::DecodeStatus& status) {
  return status.has_value() ? std::string(status->reason) + " at " +
                                  std::to_string(status->offset) + ": " + status->message
                            : "ok";
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

TEST(PayloadsTest, NodeDiagnosticsSizeFollowsTheStack) {
  EXPECT_EQ(NodeDiagnosticsSize(StackVersion{4, 0, 0, 62}), 59u);
  EXPECT_EQ(NodeDiagnosticsSize(StackVersion{3, 9, 0, 1}), 59u);
  EXPECT_EQ(NodeDiagnosticsSize(StackVersion{4, 2, 0, 0}), 67u);
  EXPECT_EQ(NodeDiagnosticsSize(StackVersion{5, 4, 0, 57}), 67u);
}

TEST(PayloadsTest, NodeDiagnosticsOfA40NodeIsThe59ByteForm) {
  SimRandom random(41);
  const std::string p = NodeDiagnosticsPayload(LegacyNode(), random);
  ASSERT_EQ(p.size(), 59u);
  EXPECT_EQ(U8(p, 2), 0x83u);                          // role
  EXPECT_EQ(U16(p, 28) | U8(p, 30) << 16, 0x123456u);  // route_address
  // 36..40 are 4.0's blacklistexceeded u40: nothing blacklisted.
  for (size_t i = 36; i <= 40; ++i) EXPECT_EQ(U8(p, i), 0u) << i;
}

TEST(PayloadsTest, NodeDiagnosticsOfBothFormsDecodeWithTheIngestDecoder) {
  SimRandom random(42);
  for (const SimNode& node : {TestNode(), LegacyNode()}) {
    const std::string p = NodeDiagnosticsPayload(node, random);
    wm::v1::NodeDiagnostics decoded;
    decoders::DecodeStatus status = decoders::DecodeNodeDiagnostics(p, &decoded);
    ASSERT_FALSE(status.has_value()) << Describe(status);
    EXPECT_EQ(decoded.access_cycle(), 2000u);
    EXPECT_EQ(decoded.role(), node.role);
    EXPECT_GE(decoded.voltage(), 2.9);
    EXPECT_LE(decoded.voltage(), 3.15);
    EXPECT_EQ(decoded.route_address(), 0x123456u);
    EXPECT_EQ(decoded.cost_info_next_hop_0(), 0x123456u);
    EXPECT_EQ(decoded.cost_info_cost_0(), node.hop_count);
    EXPECT_EQ(decoded.events_size(), 15);
    // Only the 4.2+ form carries the pending queues.
    EXPECT_EQ(decoded.has_pending_ucast_cluster(), p.size() == 67u);
  }
}

TEST(PayloadsTest, NeighborDiagnosticsDecodeWithTheIngestDecoder) {
  SimRandom random(43);
  const std::string p = NeighborDiagnosticsPayload(TestNode(), 17, random);
  wm::v1::NeighborDiagnostics decoded;
  decoders::DecodeStatus status = decoders::DecodeNeighborDiagnostics(p, &decoded);
  ASSERT_FALSE(status.has_value()) << Describe(status);
  ASSERT_EQ(decoded.neighbors_size(), 3);
  EXPECT_EQ(decoded.neighbors(0).address(), 0x123456u);
  EXPECT_EQ(decoded.neighbors(0).node_info(), 1u);
  EXPECT_EQ(decoded.neighbors(2).address(), 0x010203u);
}

TEST(PayloadsTest, BootDiagnosticsDecodeWithTheIngestDecoder) {
  const std::string p = BootDiagnosticsPayload(TestNode());
  wm::v1::BootDiagnostics decoded;
  decoders::DecodeStatus status = decoders::DecodeBootDiagnostics(p, &decoded);
  ASSERT_FALSE(status.has_value()) << Describe(status);
  EXPECT_EQ(decoded.boot_count(), 7u);
  EXPECT_EQ(decoded.firmware_version_string(), "5.2.1.33");
  EXPECT_EQ(decoded.hw_magic(), kHwMagic);
}

TEST(PayloadsTest, DiagnosticsV2IsAnIndefiniteCborMapTheIngestDecoderReadsWhole) {
  SimRandom random(44);
  const SimNode node = TestNode();
  int mac_views = 0, boot_views = 0, unknown_ids = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string p = DiagnosticsV2Payload(node, 0x00AB01, 17, random);
    ASSERT_LE(p.size(), kMaxPayloadSize);
    // As real nodes send it: an indefinite-length map (0xbf) ended by a break (0xff).
    ASSERT_EQ(U8(p, 0), 0xBFu);
    ASSERT_EQ(U8(p, p.size() - 1), 0xFFu);
    wm::v1::DiagnosticsV2 decoded;
    decoders::DecodeStatus status = decoders::DecodeDiagnosticsV2(p, &decoded);
    ASSERT_FALSE(status.has_value()) << Describe(status);
    EXPECT_EQ(decoded.role(), 0x82u);
    EXPECT_EQ(decoded.role_bits().base_role_name(), "headnode");
    EXPECT_TRUE(decoded.role_bits().autorole());
    // 77 % battery: 2400 + 77 * 9 .. + 20 mV.
    EXPECT_GE(decoded.voltage(), 3093u);
    EXPECT_LE(decoded.voltage(), 3113u);
    EXPECT_EQ(decoded.repeated_ids_size(), 0);
    if (decoded.nexthop_details_size() > 0) {
      ++mac_views;
      const wm::v1::DiagnosticsV2NextHopDetails& next_hop = decoded.nexthop_details(0);
      EXPECT_EQ(next_hop.advertised_cost(), 3u);
      EXPECT_EQ(next_hop.sink_address(), 0x00AB01u);
      EXPECT_EQ(next_hop.next_hop_address(), 0x123456u);
      EXPECT_LT(next_hop.next_hop_rssi(), -39);
      EXPECT_GE(next_hop.next_hop_rssi(), -95);
      ASSERT_EQ(decoded.buffer_usage_size(), 1);
      EXPECT_LE(decoded.buffer_usage(0).average(), decoded.buffer_usage(0).maximum());
      ASSERT_EQ(decoded.cbmac_details_size(), 1);
      EXPECT_TRUE(decoded.cbmac_details(0).has_cbmac_tx_cca_unack_fail());
      EXPECT_GE(decoded.cluster_channel(), 1u);
      EXPECT_LE(decoded.cluster_channel(), 40u);
      EXPECT_TRUE(decoded.has_cluster_members()) << "a router reports its members";
      EXPECT_EQ(decoded.events_size(), 0);
    } else {
      ++boot_views;
      EXPECT_EQ(decoded.boot_count(), 7u);
      EXPECT_EQ(decoded.firmware_stack_string(), "5.2.1.33");
      EXPECT_EQ(decoded.firmware_app_string(), "1.3.0.7");
      ASSERT_EQ(decoded.events_size(), 1);
      EXPECT_TRUE(decoded.events(0).has_event15());
      EXPECT_EQ(decoded.events(0).extra_elements_size(), 0);
      // The neighbours after the next hop, in ids 155 and 156.
      ASSERT_EQ(decoded.neighbor_device_info_neighbor_size(), 2);
      EXPECT_EQ(decoded.neighbor_device_info_neighbor(0).id(), 155u);
      EXPECT_EQ(decoded.neighbor_device_info_neighbor(0).node_address(), 0x00A0B0u);
      EXPECT_EQ(decoded.neighbor_device_info_neighbor(1).id(), 156u);
      EXPECT_EQ(decoded.neighbor_device_info_neighbor(1).node_address(), 0x010203u);
      EXPECT_LT(decoded.neighbor_device_info_neighbor(1).rssi(), -39);
    }
    for (const wm::v1::DiagnosticsV2UnknownField& unknown : decoded.unknown_fields()) {
      EXPECT_EQ(unknown.id(), 74);
      EXPECT_TRUE(unknown.name().empty());
      EXPECT_TRUE(unknown.value().has_unsigned_int());
      ++unknown_ids;
    }
  }
  EXPECT_GT(mac_views, 50);
  EXPECT_GT(boot_views, 50);
  // About one in ten reports carries an id the map does not know.
  EXPECT_GT(unknown_ids, 5);
  EXPECT_LT(unknown_ids, 50);
}

TEST(PayloadsTest, DiagnosticsV2OfASubnodeHasNoClusterMembers) {
  SimRandom random(45);
  SimNode node = TestNode();
  node.role = 0x83;
  for (int i = 0; i < 20; ++i) {
    wm::v1::DiagnosticsV2 decoded;
    ASSERT_FALSE(
        decoders::DecodeDiagnosticsV2(DiagnosticsV2Payload(node, 1, 17, random), &decoded));
    EXPECT_FALSE(decoded.has_cluster_members());
    EXPECT_EQ(decoded.role_bits().base_role_name(), "subnode");
  }
}

TEST(PayloadsTest, AdvertiserReportsUseTheRoutersAddressWidth) {
  for (const uint8_t width : {3, 4}) {
    SimRandom random(46);
    const SimNode router = Router(width);
    std::set<uint32_t> types;
    for (int i = 0; i < 100; ++i) {
      const std::string p = AdvertiserPayload(router, static_cast<uint8_t>(250 + i), random);
      ASSERT_LE(p.size(), kMaxPayloadSize);
      EXPECT_EQ((p.size() - 2) % (width + 1), 0u) << "whole records";
      EXPECT_EQ(U8(p, 0) >> 7, width == 4 ? 1u : 0u);  // 4-byte-address flag
      EXPECT_EQ(U8(p, 1), (250u + i) & 0xFF);          // adv_message_count
      wm::v1::AdvertiserReport decoded;
      decoders::DecodeStatus status = decoders::DecodeAdvertiser(p, &decoded);
      ASSERT_FALSE(status.has_value()) << Describe(status);
      EXPECT_EQ(decoded.four_byte_addresses(), width == 4);
      types.insert(decoded.adv_type());
      ASSERT_GE(decoded.adv_size(), 1);
      for (const wm::v1::AdvertiserEntry& entry : decoded.adv()) {
        EXPECT_NE(std::find(router.advertiser_tags.begin(), router.advertiser_tags.end(),
                            entry.address()),
                  router.advertiser_tags.end())
            << std::hex << entry.address();
        EXPECT_EQ(entry.value_size(), 0) << "only RSS, OTAP and sequence types";
        for (double rss : entry.rss()) {
          EXPECT_GE(rss, -95);
          EXPECT_LE(rss, -40);
        }
        for (uint32_t otap : entry.otap()) {
          EXPECT_GE(otap, 11u);
          EXPECT_LE(otap, 12u);
        }
      }
    }
    EXPECT_EQ(types, (std::set<uint32_t>{decoders::kAdvTypeRss, decoders::kAdvTypeOtap,
                                         decoders::kAdvTypeSequence}));
  }
}

TEST(PayloadsTest, PositioningMeasuresTheNeighboursAndTheVoltage) {
  SimRandom random(47);
  SimNode tag = TestNode();
  tag.role = 0x83;
  std::set<uint32_t> types;
  for (int i = 0; i < 100; ++i) {
    const std::string p = PositioningPayload(tag, static_cast<uint16_t>(0xFFF0 + i), random);
    wm::v1::PositioningReport decoded;
    decoders::DecodeStatus status = decoders::DecodePositioning(p, &decoded);
    ASSERT_FALSE(status.has_value()) << Describe(status);
    EXPECT_EQ(decoded.sequence(), (0xFFF0u + i) & 0xFFFF);
    ASSERT_EQ(decoded.nb_measurements(), 4u);  // three neighbours and the voltage
    EXPECT_EQ(decoded.unknown_records_size(), 0);
    for (int m = 0; m < 3; ++m) {
      const wm::v1::PositioningMeasurement& rss = decoded.measurements(m);
      types.insert(rss.meas_type());
      EXPECT_EQ(rss.address(), tag.neighbors[m]);
      EXPECT_GE(rss.rss(), -95);
      EXPECT_LE(rss.rss(), -40);
    }
    EXPECT_EQ(decoded.measurements(3).name(), "POS_APP_MEAS_VOLTAGE");
    EXPECT_GE(decoded.measurements(3).voltage(), 3093u);  // mV
    EXPECT_LE(decoded.measurements(3).voltage(), 3113u);
  }
  // A tag measures at short rate, and at high rate now and then.
  EXPECT_EQ(types,
            (std::set<uint32_t>{decoders::kPosMeasRssShortRate, decoders::kPosMeasRssHighRate}));

  // A router measures as an anchor.
  wm::v1::PositioningReport anchor;
  ASSERT_FALSE(decoders::DecodePositioning(PositioningPayload(TestNode(), 1, random), &anchor));
  EXPECT_EQ(anchor.measurements(0).meas_type(), decoders::kPosMeasRssAnchor);
  EXPECT_EQ(anchor.measurements(0).name(), "POS_APP_MEAS_RSS_SR_ANCHOR");
}

TEST(PayloadsTest, RuuviReportsEveryReading) {
  SimRandom random(48);
  const std::string p = RuuviPayload(TestNode(), 513, random);
  wm::v1::RuuviReport decoded;
  decoders::DecodeStatus status = decoders::DecodeRuuvi(p, &decoded);
  ASSERT_FALSE(status.has_value()) << Describe(status);
  EXPECT_EQ(decoded.counter(), 513u);
  EXPECT_NEAR(decoded.temperature(), 20.0, 0.5);
  EXPECT_GE(decoded.humidity(), 25);
  EXPECT_LE(decoded.humidity(), 75);
  EXPECT_GE(decoded.pressure(), 990);  // hPa
  EXPECT_LE(decoded.pressure(), 1030);
  EXPECT_NEAR(decoded.acc_x(), 0, 0.0601);  // g
  EXPECT_NEAR(decoded.acc_y(), 0, 0.0601);
  EXPECT_NEAR(decoded.acc_z(), 1, 0.0401);
  EXPECT_EQ(decoded.unknown_records_size(), 0);
}

TEST(PayloadsTest, RuuviTemperatureBelowZeroStaysNegative) {
  SimRandom random(49);
  SimNode freezer = TestNode();
  freezer.temperature_centi_c = -1850;
  wm::v1::RuuviReport decoded;
  ASSERT_FALSE(decoders::DecodeRuuvi(RuuviPayload(freezer, 1, random), &decoded));
  EXPECT_NEAR(decoded.temperature(), -18.5, 0.5);
}

TEST(PayloadsTest, TestNetworkRowsDecodeWithTheIngestDecoder) {
  SimRandom random(50);
  std::set<uint32_t> row_counts;
  for (int i = 0; i < 40; ++i) {
    const std::string p = TestNetworkPayload(TestNode(), 0x01020304 + i, random);
    wm::v1::TestNetworkReport decoded;
    decoders::DecodeStatus status = decoders::DecodeTestNetwork(p, &decoded);
    ASSERT_FALSE(status.has_value()) << Describe(status);
    row_counts.insert(decoded.row_count());
    ASSERT_GE(decoded.rows_size(), 2);
    EXPECT_EQ(decoded.rows(0).testdata_id(), 1u);
    EXPECT_EQ(decoded.rows(0).id_ctrl(), 0x10u);
    EXPECT_EQ(decoded.rows(0).bytes_per_field(), 4u);
    ASSERT_EQ(decoded.rows(0).datafields_size(), 1);
    EXPECT_EQ(decoded.rows(0).datafields(0), 0x01020304u + i);
    EXPECT_EQ(decoded.rows(1).testdata_id(), 2u);
    EXPECT_EQ(decoded.rows(1).bytes_per_field(), 2u);
    EXPECT_EQ(decoded.rows(1).datafields_size(), 2);
    if (decoded.rows_size() == 3) {
      EXPECT_EQ(decoded.rows(2).bytes_per_field(), 1u);
      EXPECT_EQ(decoded.rows(2).datafields_size(), 4);
    }
  }
  EXPECT_EQ(row_counts, (std::set<uint32_t>{2, 3}));
}

TEST(PayloadsTest, ProvisioningStartCarriesMethodIvAndUid) {
  SimRandom random(51);
  const SimJoiningNode node = JoiningNode();
  const std::string iv = random.Bytes(16);
  const std::string p = ProvisioningStartPayload(node, 9, iv);
  ASSERT_EQ(p.size(), 23 + node.uid.size());
  // By hand, from the offsets in docs/provisioning.md "Common header" and "Frames".
  EXPECT_EQ(U8(p, 0), 1u);  // START
  EXPECT_EQ(U16(p, 1) | U16(p, 3) << 16, 0x00C0FFEEu);
  EXPECT_EQ(U8(p, 5), 9u);  // session_id
  EXPECT_EQ(U8(p, 6), 1u);  // SECURED
  EXPECT_EQ(p.substr(23), "sim-c0ffee");

  wm::v1::ProvisioningFrame decoded;
  decoders::DecodeStatus status = decoders::DecodeProvisioningFrame(p, &decoded);
  ASSERT_FALSE(status.has_value()) << Describe(status);
  EXPECT_EQ(decoded.msg_type(), decoders::kProvisioningStart);
  EXPECT_EQ(decoded.node_address(), 0x00C0FFEEu);
  EXPECT_EQ(decoded.session_id(), 9u);
  ASSERT_TRUE(decoded.has_start());
  EXPECT_EQ(decoded.start().method_name(), "SECURED");
  EXPECT_EQ(decoded.start().iv(), iv);
  EXPECT_EQ(decoded.start().uid(), "sim-c0ffee");
}

TEST(PayloadsTest, UnsecuredJoiningNodesSayUnsecured) {
  SimRandom random(52);
  SimJoiningNode node = JoiningNode();
  node.method = 0;
  wm::v1::ProvisioningFrame decoded;
  ASSERT_FALSE(decoders::DecodeProvisioningFrame(
      ProvisioningStartPayload(node, 0, random.Bytes(16)), &decoded));
  EXPECT_EQ(decoded.start().method_name(), "UNSECURED");
}

TEST(PayloadsTest, NoPayloadIsLongerThanASinkTakes) {
  SimRandom random(53);
  SimNode crowded = Router(4);
  for (uint32_t i = 0; i < 20; ++i) crowded.neighbors.push_back(0x100 + i);
  for (int i = 0; i < 6; ++i) crowded.advertiser_tags.push_back(0x90000000 + i);
  for (int i = 0; i < 100; ++i) {
    EXPECT_LE(TrafficDiagnosticsPayload(crowded, 1, random).size(), kMaxPayloadSize);
    EXPECT_LE(NeighborDiagnosticsPayload(crowded, 1, random).size(), kMaxPayloadSize);
    EXPECT_LE(NodeDiagnosticsPayload(crowded, random).size(), kMaxPayloadSize);
    EXPECT_LE(DiagnosticsV2Payload(crowded, 1, 1, random).size(), kMaxPayloadSize);
    EXPECT_LE(AdvertiserPayload(crowded, 1, random).size(), kMaxPayloadSize);
    EXPECT_LE(PositioningPayload(crowded, 1, random).size(), kMaxPayloadSize);
    EXPECT_LE(RuuviPayload(crowded, 1, random).size(), kMaxPayloadSize);
    EXPECT_LE(TestNetworkPayload(crowded, 1, random).size(), kMaxPayloadSize);
    EXPECT_LE(ProvisioningStartPayload(JoiningNode(), 1, random.Bytes(16)).size(), kMaxPayloadSize);
  }
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
