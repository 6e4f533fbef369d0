#include "libs/decoders/neighbor_diagnostics.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

// One 7-byte record laid out as in docs/payloads.md "Neighbor diagnostics".
PayloadBuilder& Record(PayloadBuilder& b, uint32_t address, uint32_t channel, uint32_t power,
                       uint32_t info, uint32_t rssi) {
  return b.U24(address).U8(channel).U8(power).U8(info).U8(rssi);
}

TEST(NeighborDiagnostics, DecodesEveryFieldOfEveryRecord) {
  PayloadBuilder b;
  Record(b, 0x123456, 11, 3, 0x81, 200);
  Record(b, 0xFFFFFF, 0xFF, 0xFF, 0xFF, 0xFF);  // maximum u24 address, all-ones bytes
  wm::v1::NeighborDiagnostics d;
  ASSERT_FALSE(DecodeNeighborDiagnostics(b.str(), &d).has_value());
  ASSERT_EQ(d.neighbors_size(), 2);
  EXPECT_EQ(d.neighbors(0).address(), 0x123456u);
  EXPECT_EQ(d.neighbors(0).cluster_channel(), 11u);
  EXPECT_EQ(d.neighbors(0).radio_power(), 3u);
  EXPECT_EQ(d.neighbors(0).node_info(), 0x81u);
  EXPECT_EQ(d.neighbors(0).rssi(), 200u);
  EXPECT_EQ(d.neighbors(1).address(), 0xFFFFFFu);
  EXPECT_EQ(d.neighbors(1).cluster_channel(), 255u);
  EXPECT_EQ(d.neighbors(1).radio_power(), 255u);
  EXPECT_EQ(d.neighbors(1).node_info(), 255u);
  EXPECT_EQ(d.neighbors(1).rssi(), 255u);
}

TEST(NeighborDiagnostics, EmptyPayloadHasNoNeighbors) {
  wm::v1::NeighborDiagnostics d;
  EXPECT_FALSE(DecodeNeighborDiagnostics("", &d).has_value());
  EXPECT_EQ(d.neighbors_size(), 0);
}

TEST(NeighborDiagnostics, ZeroAddressEndsTheList) {
  PayloadBuilder b;
  Record(b, 7, 1, 2, 3, 4);
  Record(b, 0, 9, 9, 9, 9);
  Record(b, 8, 1, 2, 3, 4);  // after the terminator: ignored
  wm::v1::NeighborDiagnostics d;
  ASSERT_FALSE(DecodeNeighborDiagnostics(b.str(), &d).has_value());
  ASSERT_EQ(d.neighbors_size(), 1);
  EXPECT_EQ(d.neighbors(0).address(), 7u);
}

TEST(NeighborDiagnostics, ZeroAddressFirstMeansNoNeighbors) {
  wm::v1::NeighborDiagnostics d;
  EXPECT_FALSE(DecodeNeighborDiagnostics(std::string(14, '\0'), &d).has_value());
  EXPECT_EQ(d.neighbors_size(), 0);
}

TEST(NeighborDiagnostics, ShortTailStartingWithZeroAddressIsPadding) {
  PayloadBuilder b;
  Record(b, 7, 1, 2, 3, 4).U24(0).U8(0xAA);  // 4 trailing bytes, zero address
  wm::v1::NeighborDiagnostics d;
  EXPECT_FALSE(DecodeNeighborDiagnostics(b.str(), &d).has_value());
  EXPECT_EQ(d.neighbors_size(), 1);
}

TEST(NeighborDiagnostics, PartialTrailingRecordIsTruncatedAndKeepsCompleteRecords) {
  PayloadBuilder b;
  Record(b, 1, 1, 1, 1, 1);
  Record(b, 2, 2, 2, 2, 2);
  b.U24(3).U8(3).U8(3).U8(3);  // 6 of 7 bytes: one byte short
  wm::v1::NeighborDiagnostics d;
  DecodeStatus error = DecodeNeighborDiagnostics(b.str(), &d);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonTruncated);
  EXPECT_EQ(error->offset, 14u);
  EXPECT_NE(error->message.find("6 of 7 bytes"), std::string::npos) << error->message;
  ASSERT_EQ(d.neighbors_size(), 2) << "complete records before the partial one are kept";
  EXPECT_EQ(d.neighbors(1).address(), 2u);
}

TEST(NeighborDiagnostics, EveryTailShorterThanARecordIsTruncated) {
  for (size_t tail = 1; tail < kNeighborRecordSize; ++tail) {
    PayloadBuilder b;
    Record(b, 5, 5, 5, 5, 5).Fill(tail, 0x11);
    wm::v1::NeighborDiagnostics d;
    DecodeStatus error = DecodeNeighborDiagnostics(b.str(), &d);
    ASSERT_TRUE(error.has_value()) << "tail " << tail;
    EXPECT_EQ(error->reason, kReasonTruncated);
    EXPECT_EQ(error->offset, 7u);
    EXPECT_EQ(d.neighbors_size(), 1);
  }
}

TEST(NeighborDiagnostics, OneOrTwoTrailingBytesCannotHoldAnAddressAndAreTruncated) {
  PayloadBuilder b;
  Record(b, 5, 5, 5, 5, 5).U16(0);
  wm::v1::NeighborDiagnostics d;
  DecodeStatus error = DecodeNeighborDiagnostics(b.str(), &d);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, 7u);
}

TEST(NeighborDiagnostics, LoneShortRecordIsTruncatedAtZero) {
  wm::v1::NeighborDiagnostics d;
  DecodeStatus error = DecodeNeighborDiagnostics(PayloadBuilder().U24(9).U8(1).str(), &d);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, 0u);
  EXPECT_EQ(d.neighbors_size(), 0);
}

TEST(NeighborDiagnostics, MaximumRecordsInOneFrame) {
  // The largest APDU (102 bytes) holds 14 records; no limit beyond the payload applies.
  for (int count : {14, 36}) {
    PayloadBuilder b;
    for (int i = 1; i <= count; ++i) Record(b, i, i, i, i, i);
    wm::v1::NeighborDiagnostics d;
    ASSERT_FALSE(DecodeNeighborDiagnostics(b.str(), &d).has_value());
    ASSERT_EQ(d.neighbors_size(), count);
    EXPECT_EQ(d.neighbors(count - 1).address(), static_cast<uint32_t>(count));
  }
}

TEST(NeighborDiagnostics, ReusedMessageHoldsOnlyTheLatestPayload) {
  PayloadBuilder three, one;
  for (int i = 1; i <= 3; ++i) Record(three, i, 0, 0, 0, 0);
  Record(one, 42, 0, 0, 0, 0);
  wm::v1::NeighborDiagnostics d;
  ASSERT_FALSE(DecodeNeighborDiagnostics(three.str(), &d).has_value());
  ASSERT_FALSE(DecodeNeighborDiagnostics(one.str(), &d).has_value());
  ASSERT_EQ(d.neighbors_size(), 1);
  EXPECT_EQ(d.neighbors(0).address(), 42u);
}

}  // namespace
}  // namespace wm::decoders
