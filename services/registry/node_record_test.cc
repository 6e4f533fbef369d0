#include "services/registry/node_record.h"

#include "gtest/gtest.h"

namespace wm::registry {
namespace {

PacketObservation Packet(int64_t rx_ms, uint32_t route = 0) {
  PacketObservation packet;
  packet.route = route;
  packet.seen_ms = rx_ms + 5;
  packet.rx_ms = rx_ms;
  packet.hop_count = 2;
  packet.travel_time_ms = 30;
  return packet;
}

TEST(ReadNodeValuesTest, NodeDiagnosticsGiveRoleAndMillivolts) {
  wm::v1::PacketReceived packet;
  auto* node = packet.mutable_decoded()->mutable_node_diagnostics();
  node->set_role(0x82);
  node->set_voltage(2.95);
  PacketObservation out;
  ReadNodeValues(packet, &out);
  EXPECT_EQ(out.role, 0x82);
  EXPECT_EQ(out.voltage_mv, 2950u);
  EXPECT_FALSE(out.boot_count.has_value());
  EXPECT_FALSE(out.firmware.has_value());
}

TEST(ReadNodeValuesTest, BootDiagnosticsGiveBootValues) {
  wm::v1::PacketReceived packet;
  auto* boot = packet.mutable_decoded()->mutable_boot_diagnostics();
  boot->set_boot_count(7);
  boot->set_node_role(0x03);
  boot->set_firmware_version(0x05010014);
  boot->set_scratchpad_sequence(12);
  PacketObservation out;
  ReadNodeValues(packet, &out);
  EXPECT_EQ(out.role, 0x03);
  EXPECT_EQ(out.boot_count, 7u);
  EXPECT_EQ(out.firmware, 0x05010014u);
  EXPECT_EQ(out.scratchpad_sequence, 12u);
  EXPECT_FALSE(out.voltage_mv.has_value());
}

TEST(ReadNodeValuesTest, DiagnosticsV2GiveOnlyWhatIsPresent) {
  wm::v1::PacketReceived packet;
  auto* v2 = packet.mutable_decoded()->mutable_diagnostics_v2();
  v2->set_voltage(3012);
  v2->set_scratchpad_stored_sequence(40);
  PacketObservation out;
  ReadNodeValues(packet, &out);
  EXPECT_EQ(out.voltage_mv, 3012u);
  EXPECT_EQ(out.scratchpad_sequence, 40u);
  EXPECT_FALSE(out.role.has_value());
  EXPECT_FALSE(out.boot_count.has_value());
}

TEST(ReadNodeValuesTest, PayloadsWithADecodeErrorOrOtherKindsGiveNothing) {
  wm::v1::PacketReceived broken;
  broken.mutable_decoded()->mutable_node_diagnostics()->set_voltage(3.0);
  broken.mutable_decode_error()->set_reason("wrong_length");
  PacketObservation out;
  ReadNodeValues(broken, &out);
  EXPECT_FALSE(out.voltage_mv.has_value());

  wm::v1::PacketReceived traffic;
  traffic.mutable_decoded()->mutable_traffic_diagnostics()->set_rx_amount(3);
  ReadNodeValues(traffic, &out);
  EXPECT_FALSE(out.role.has_value());
}

TEST(MergePacketTest, CountsAndTakesTheLatestPacket) {
  NodeRecord node;
  PacketObservation first = Packet(1000);
  first.voltage_mv = 3000;
  EXPECT_TRUE(MergePacket(first, &node));  // a value appeared
  EXPECT_EQ(node.packets, 1u);
  EXPECT_EQ(node.last_seen_ms, 1005);
  EXPECT_EQ(node.voltage_mv, 3000);
  EXPECT_EQ(node.hop_count, 2);

  PacketObservation same = Packet(2000);
  same.voltage_mv = 3000;
  EXPECT_FALSE(MergePacket(same, &node)) << "counters and times alone are not a change";
  EXPECT_EQ(node.packets, 2u);
  EXPECT_EQ(node.last_seen_ms, 2005);

  PacketObservation moved = Packet(3000, /*route=*/4);
  moved.hop_count = 5;
  EXPECT_TRUE(MergePacket(moved, &node));
  EXPECT_EQ(node.route, 4u);
  EXPECT_EQ(node.hop_count, 5);
}

TEST(MergePacketTest, AnOlderPacketFromABacklogDoesNotOverwriteNewerValues) {
  NodeRecord node;
  PacketObservation newer = Packet(5000, /*route=*/1);
  newer.voltage_mv = 2900;
  newer.role = 0x82;
  MergePacket(newer, &node);

  // Gateways publish a backlog newest first: this one was received earlier.
  PacketObservation older = Packet(4000, /*route=*/2);
  older.seen_ms = 9000;
  older.voltage_mv = 3100;
  older.role = 0x83;
  older.hop_count = 9;
  older.boot_count = 3;  // never reported before: taken
  EXPECT_TRUE(MergePacket(older, &node));
  EXPECT_EQ(node.packets, 2u);
  EXPECT_EQ(node.last_seen_ms, 9000);
  EXPECT_EQ(node.route, 1u);
  EXPECT_EQ(node.hop_count, 2);
  EXPECT_EQ(node.voltage_mv, 2900);
  EXPECT_EQ(node.role, 0x82);
  EXPECT_EQ(node.boot_count, 3u);
  EXPECT_TRUE(node.present & kHasBootCount);

  PacketObservation even_older = Packet(3500);
  even_older.boot_count = 2;
  EXPECT_FALSE(MergePacket(even_older, &node));
  EXPECT_EQ(node.boot_count, 3u) << "the boot count from the packet received at 4000 stays";
  PacketObservation between = Packet(4500);
  between.boot_count = 4;
  EXPECT_TRUE(MergePacket(between, &node));
  EXPECT_EQ(node.boot_count, 4u);
}

TEST(MergePacketTest, APacketWithoutAReceptionTimeIsOrderedByArrival) {
  NodeRecord node;
  PacketObservation timed = Packet(5000, /*route=*/1);
  timed.voltage_mv = 2900;
  MergePacket(timed, &node);

  // rx time 0: the gateway gave none; arriving last, it is the newest.
  PacketObservation untimed = Packet(0, /*route=*/2);
  untimed.seen_ms = 9000;
  untimed.voltage_mv = 3100;
  untimed.hop_count = 4;
  EXPECT_TRUE(MergePacket(untimed, &node));
  EXPECT_EQ(node.voltage_mv, 3100);
  EXPECT_EQ(node.route, 2u);
  EXPECT_EQ(node.hop_count, 4);
  EXPECT_EQ(node.last_rx_ms, 5000) << "the gateway times stay for the next timed packet";
  EXPECT_EQ(node.voltage_rx_ms, 5000);

  // A timed packet older than the one the untimed packet followed stays older...
  PacketObservation backlog = Packet(4000, /*route=*/1);
  backlog.voltage_mv = 2500;
  EXPECT_FALSE(MergePacket(backlog, &node));
  EXPECT_EQ(node.voltage_mv, 3100);
  EXPECT_EQ(node.route, 2u);
  // ...and a newer one is taken.
  PacketObservation later = Packet(6000, /*route=*/1);
  later.voltage_mv = 2800;
  EXPECT_TRUE(MergePacket(later, &node));
  EXPECT_EQ(node.voltage_mv, 2800);
  EXPECT_EQ(node.voltage_rx_ms, 6000);
}

TEST(MergePacketTest, HearingAStaleNodeIsAChange) {
  NodeRecord node;
  MergePacket(Packet(1000), &node);
  node.stale = true;
  EXPECT_TRUE(MergePacket(Packet(2000), &node));
  EXPECT_FALSE(node.stale);
}

TEST(ToNodeProtoTest, ReportsOnlyValuesTheNodeSent) {
  NodeRecord node;
  node.first_seen_ms = 100;
  node.last_seen_ms = 200;
  node.packets = 3;
  node.hop_count = 2;
  wm::v1::Node out;
  ToNodeProto({77, 1001}, node, "gw", "sink0", &out);
  EXPECT_EQ(out.network_address(), 77u);
  EXPECT_EQ(out.address(), 1001u);
  EXPECT_EQ(out.gateway_id(), "gw");
  EXPECT_EQ(out.sink_id(), "sink0");
  EXPECT_EQ(out.packets(), 3u);
  EXPECT_FALSE(out.has_role());
  EXPECT_FALSE(out.has_voltage_mv());
  EXPECT_FALSE(out.has_firmware_version());
  EXPECT_FALSE(out.has_boot_count());

  node.role = 0x93;  // non-router, low latency, autorole
  node.firmware = 0x05010014;
  node.boot_count = 0;
  node.present = kHasRole | kHasFirmware | kHasBootCount;
  ToNodeProto({77, 1001}, node, "gw", "sink0", &out);
  EXPECT_EQ(out.role().base(), wm::v1::BASE_ROLE_NON_ROUTER);
  EXPECT_TRUE(out.role().low_latency());
  EXPECT_TRUE(out.role().autorole());
  EXPECT_EQ(out.role().dual_mcu_role(), 0x93u);
  EXPECT_EQ(out.firmware_version().major(), 5u);
  EXPECT_EQ(out.firmware_version().minor(), 1u);
  EXPECT_EQ(out.firmware_version().maint(), 0u);
  EXPECT_EQ(out.firmware_version().dev(), 20u);
  EXPECT_TRUE(out.has_boot_count()) << "a boot count of 0 is a value";
}

}  // namespace
}  // namespace wm::registry
