#include "libs/decoders/test_network.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

// Row header: [id_ctrl | testdata_id][(bytes_per_field - 1) << 6 | number_of_fields].
PayloadBuilder& Row(PayloadBuilder& b, uint32_t id, uint32_t bytes_per_field, uint32_t fields) {
  return b.U8(id).U8((bytes_per_field - 1) << 6 | fields);
}

TEST(TestNetwork, DecodesRowsOfEveryFieldWidth) {
  PayloadBuilder b;
  Row(b, 0x21, 1, 2).U8(5).U8(0xFF);
  Row(b, 0xF2, 2, 1).U16(0xFFFF);
  Row(b, 0x03, 3, 2).U24(0xFFFFFF).U24(0x010203);
  Row(b, 0x0F, 4, 1).U32(0xFFFFFFFF);
  wm::v1::TestNetworkReport t;
  ASSERT_FALSE(DecodeTestNetwork(b.str(), &t).has_value());
  ASSERT_EQ(t.rows_size(), 4);
  EXPECT_EQ(t.row_count(), 4u);
  const wm::v1::TestNetworkRow& r0 = t.rows(0);
  EXPECT_EQ(r0.testdata_id(), 1u);
  EXPECT_EQ(r0.id_ctrl(), 0x20u) << "kept as byte & 0xF0, as the Python tool did";
  EXPECT_EQ(r0.number_of_fields(), 2u);
  EXPECT_EQ(r0.bytes_per_field(), 1u);
  ASSERT_EQ(r0.datafields_size(), 2);
  EXPECT_EQ(r0.datafields(0), 5u);
  EXPECT_EQ(r0.datafields(1), 255u);
  EXPECT_EQ(t.rows(1).testdata_id(), 2u);
  EXPECT_EQ(t.rows(1).id_ctrl(), 0xF0u);
  EXPECT_EQ(t.rows(1).bytes_per_field(), 2u);
  EXPECT_EQ(t.rows(1).datafields(0), 0xFFFFu);
  EXPECT_EQ(t.rows(2).bytes_per_field(), 3u);
  EXPECT_EQ(t.rows(2).datafields(0), 0xFFFFFFu);
  EXPECT_EQ(t.rows(2).datafields(1), 0x010203u);
  EXPECT_EQ(t.rows(3).bytes_per_field(), 4u);
  EXPECT_EQ(t.rows(3).datafields(0), 0xFFFFFFFFu);
}

TEST(TestNetwork, ZeroByteEndsTheRows) {
  PayloadBuilder b;
  Row(b, 0x01, 1, 1).U8(9).U8(0).U8(0x55).U8(0x66);
  wm::v1::TestNetworkReport t;
  ASSERT_FALSE(DecodeTestNetwork(b.str(), &t).has_value());
  EXPECT_EQ(t.rows_size(), 1);
}

TEST(TestNetwork, EmptyPayloadAndRowWithoutFields) {
  wm::v1::TestNetworkReport t;
  ASSERT_FALSE(DecodeTestNetwork("", &t).has_value());
  EXPECT_EQ(t.rows_size(), 0);
  EXPECT_EQ(t.row_count(), 0u);
  PayloadBuilder b;
  Row(b, 0x01, 4, 0);
  ASSERT_FALSE(DecodeTestNetwork(b.str(), &t).has_value());
  ASSERT_EQ(t.rows_size(), 1);
  EXPECT_EQ(t.rows(0).datafields_size(), 0);
}

TEST(TestNetwork, MaximumFieldsInARow) {
  PayloadBuilder b;
  Row(b, 0x01, 1, 63);
  for (int i = 0; i < 63; ++i) b.U8(i);
  wm::v1::TestNetworkReport t;
  ASSERT_FALSE(DecodeTestNetwork(b.str(), &t).has_value());
  ASSERT_EQ(t.rows(0).datafields_size(), 63);
  EXPECT_EQ(t.rows(0).datafields(62), 62u);
}

TEST(TestNetwork, RowCutOffIsTruncatedAndCompleteRowsKept) {
  PayloadBuilder b;
  Row(b, 0x01, 1, 1).U8(9);
  Row(b, 0x02, 2, 2).U16(1).U8(0);  // at offset 3: needs 6 bytes, 5 remain
  wm::v1::TestNetworkReport t;
  DecodeStatus error = DecodeTestNetwork(b.str(), &t);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonTruncated);
  EXPECT_EQ(error->offset, 3u);
  EXPECT_NE(error->message.find("needs 6 bytes, 5 remain"), std::string::npos)
      << error->message;
  EXPECT_EQ(t.rows_size(), 1);
  EXPECT_EQ(t.row_count(), 1u);
}

TEST(TestNetwork, LoneRowHeaderByteIsTruncated) {
  wm::v1::TestNetworkReport t;
  DecodeStatus error = DecodeTestNetwork("\x07", &t);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonTruncated);
  EXPECT_EQ(error->offset, 0u);
}

}  // namespace
}  // namespace wm::decoders
