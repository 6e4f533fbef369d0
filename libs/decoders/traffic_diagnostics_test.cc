#include "libs/decoders/traffic_diagnostics.h"

#include <string>

#include "gtest/gtest.h"

namespace wm::decoders {
namespace {

// Built byte by byte from the layout in docs/payloads.md "Traffic diagnostics".
std::string Sample() {
  return std::string(
      "\x05\x03"   // 0 access_cycles = 0x0305 (4.0: 5 members, 3 head-node members)
      "\x0b"       // 2 cluster_channel = 11
      "\x5a"       // 3 channel_reliability = 90
      "\x34\x12"   // 4 rx_amount = 0x1234
      "\xff\xff"   // 6 tx_amount = 65535 (unsigned)
      "\x01\x02\x03\x04\x05\x06\x07\x08\x09\xfe",  // 8..17 ratios and slot usages
      18);
}

TEST(TrafficDiagnostics, DecodesEveryField) {
  wm::v1::TrafficDiagnostics d;
  ASSERT_FALSE(DecodeTrafficDiagnostics(Sample(), &d).has_value());
  EXPECT_EQ(d.access_cycles(), 0x0305u);
  EXPECT_EQ(d.cluster_channel(), 11u);
  EXPECT_EQ(d.channel_reliability(), 90u);
  EXPECT_EQ(d.rx_amount(), 0x1234u);
  EXPECT_EQ(d.tx_amount(), 65535u);
  EXPECT_EQ(d.aloha_rx_ratio(), 1u);
  EXPECT_EQ(d.reserved_rx_success_ratio(), 2u);
  EXPECT_EQ(d.data_rx_ratio(), 3u);
  EXPECT_EQ(d.rx_duplicate_ratio(), 4u);
  EXPECT_EQ(d.cca_success_ratio(), 5u);
  EXPECT_EQ(d.broadcast_ratio(), 6u);
  EXPECT_EQ(d.failed_unicast_ratio(), 7u);
  EXPECT_EQ(d.max_reserved_slot_usage(), 8u);
  EXPECT_EQ(d.average_reserved_slot_usage(), 9u);
  EXPECT_EQ(d.max_aloha_slot_usage(), 254u);
  EXPECT_EQ(d.cluster_members(), 5u);
  EXPECT_EQ(d.cluster_headnode_members(), 3u);
}

TEST(TrafficDiagnostics, OneByteShortIsWrongLength) {
  wm::v1::TrafficDiagnostics d;
  auto error = DecodeTrafficDiagnostics(Sample().substr(0, 17), &d);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonWrongLength);
  EXPECT_EQ(error->offset, 17u);
  EXPECT_NE(error->message.find("got 17"), std::string::npos);
}

TEST(TrafficDiagnostics, OneByteLongIsWrongLength) {
  wm::v1::TrafficDiagnostics d;
  auto error = DecodeTrafficDiagnostics(Sample() + "x", &d);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonWrongLength);
  EXPECT_EQ(error->offset, 18u);
}

TEST(TrafficDiagnostics, EmptyIsWrongLength) {
  wm::v1::TrafficDiagnostics d;
  auto error = DecodeTrafficDiagnostics("", &d);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, 0u);
}

}  // namespace
}  // namespace wm::decoders
