#include "libs/decoders/ruuvi.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

TEST(Ruuvi, DecodesThePythonToolsDocstringExample) {
  // 01 02 b0 43 | 02 04 61 09 00 00 | 03 04 ad 3f 00 00 | 04 04 9f 56 95 00 | 05..07 zeros
  const std::string payload(
      "\x01\x02\xb0\x43"
      "\x02\x04\x61\x09\x00\x00"
      "\x03\x04\xad\x3f\x00\x00"
      "\x04\x04\x9f\x56\x95\x00"
      "\x05\x04\x00\x00\x00\x00"
      "\x06\x04\x00\x00\x00\x00"
      "\x07\x04\x00\x00\x00\x00",
      40);
  wm::v1::RuuviReport r;
  ASSERT_FALSE(DecodeRuuvi(payload, &r).has_value());
  EXPECT_EQ(r.counter(), 0x43B0u);
  EXPECT_DOUBLE_EQ(r.temperature(), 24.01);      // 2401 x 0.01 °C
  EXPECT_DOUBLE_EQ(r.humidity(), 15.9189453125);  // 16301 / 1024 %RH
  EXPECT_DOUBLE_EQ(r.pressure(), 978.7039);       // 9787039 / 10000 hPa
  EXPECT_TRUE(r.has_acc_x());
  EXPECT_EQ(r.acc_x(), 0.0);
  EXPECT_EQ(r.acc_y(), 0.0);
  EXPECT_EQ(r.acc_z(), 0.0);
  EXPECT_EQ(r.unknown_records_size(), 0);
}

TEST(Ruuvi, SignedValuesAndExtremes) {
  PayloadBuilder b;
  b.U8(2).U8(4).I32(-1234)                                     // -12.34 °C
      .U8(5).U8(4).U32(0xFFFFFFFF)                             // -1 -> -0.001 g
      .U8(6).U8(4).I32(std::numeric_limits<int32_t>::min())    // most negative i32
      .U8(7).U8(4).I32(std::numeric_limits<int32_t>::max())
      .U8(3).U8(4).U32(0xFFFFFFFF)                             // max u32 humidity
      .U8(4).U8(4).U32(0xFFFFFFFF)                             // max u32 pressure
      .U8(1).U8(2).U16(0xFFFF);                                // max u16 counter
  wm::v1::RuuviReport r;
  ASSERT_FALSE(DecodeRuuvi(b.str(), &r).has_value());
  EXPECT_DOUBLE_EQ(r.temperature(), -12.34);
  EXPECT_DOUBLE_EQ(r.acc_x(), -0.001);
  EXPECT_DOUBLE_EQ(r.acc_y(), -2147483.648);
  EXPECT_DOUBLE_EQ(r.acc_z(), 2147483.647);
  EXPECT_DOUBLE_EQ(r.humidity(), 4294967295.0 / 1024);
  EXPECT_DOUBLE_EQ(r.pressure(), 429496.7295);
  EXPECT_EQ(r.counter(), 65535u);
}

TEST(Ruuvi, AbsentRecordsAreAbsentFields) {
  wm::v1::RuuviReport r;
  ASSERT_FALSE(DecodeRuuvi(PayloadBuilder().U8(2).U8(4).I32(0).str(), &r).has_value());
  EXPECT_TRUE(r.has_temperature());
  EXPECT_FALSE(r.has_counter());
  EXPECT_FALSE(r.has_humidity());
  EXPECT_FALSE(r.has_pressure());
  EXPECT_FALSE(r.has_acc_x());
}

TEST(Ruuvi, EmptyPayloadIsAnEmptyReport) {
  wm::v1::RuuviReport r;
  ASSERT_FALSE(DecodeRuuvi("", &r).has_value());
  EXPECT_EQ(r.ByteSizeLong(), 0u);
}

TEST(Ruuvi, UnknownIdIsSkippedByItsLengthAndKept) {
  PayloadBuilder b;
  b.U8(0x20).U8(4).U8(1).U8(2).U8(4).U8(0)  // value bytes look like a counter record
      .U8(1).U8(2).U16(7)
      .U8(0).U8(0);                          // unknown and empty
  wm::v1::RuuviReport r;
  ASSERT_FALSE(DecodeRuuvi(b.str(), &r).has_value());
  EXPECT_EQ(r.counter(), 7u);
  EXPECT_FALSE(r.has_temperature());
  ASSERT_EQ(r.unknown_records_size(), 2);
  EXPECT_EQ(r.unknown_records(0).type(), 0x20u);
  EXPECT_EQ(r.unknown_records(0).value(), std::string("\x01\x02\x04\x00", 4));
  EXPECT_EQ(r.unknown_records(1).type(), 0u);
}

TEST(Ruuvi, RepeatedIdKeepsTheLastValue) {
  wm::v1::RuuviReport r;
  ASSERT_FALSE(DecodeRuuvi(PayloadBuilder().U8(1).U8(2).U16(1).U8(1).U8(2).U16(2).str(), &r)
                   .has_value());
  EXPECT_EQ(r.counter(), 2u);
}

TEST(Ruuvi, KnownIdWithAnotherLengthIsBadValue) {
  for (auto [id, length] : {std::pair<uint32_t, uint32_t>{1, 4}, {1, 1}, {2, 2}, {7, 8}, {3, 0}}) {
    PayloadBuilder b;
    b.U8(1).U8(2).U16(9).U8(id).U8(length).Fill(length, 0);
    wm::v1::RuuviReport r;
    DecodeStatus error = DecodeRuuvi(b.str(), &r);
    ASSERT_TRUE(error.has_value()) << id << "/" << length;
    EXPECT_EQ(error->reason, kReasonBadValue);
    EXPECT_EQ(error->offset, 5u) << "the length byte";
    EXPECT_EQ(r.counter(), 9u) << "records before the fault are kept";
  }
}

TEST(Ruuvi, ValueRunningPastTheEndIsTruncated) {
  PayloadBuilder b;
  b.U8(1).U8(2).U16(9).U8(2).U8(4).U8(1).U8(2).U8(3);  // temperature one byte short
  wm::v1::RuuviReport r;
  DecodeStatus error = DecodeRuuvi(b.str(), &r);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonTruncated);
  EXPECT_EQ(error->offset, 4u);
  EXPECT_NE(error->message.find("declares 4 bytes, 3 remain"), std::string::npos)
      << error->message;
  EXPECT_EQ(r.counter(), 9u);
  EXPECT_FALSE(r.has_temperature());
}

TEST(Ruuvi, HeaderCutOffIsTruncated) {
  wm::v1::RuuviReport r;
  DecodeStatus error = DecodeRuuvi(PayloadBuilder().U8(1).U8(2).U16(9).U8(2).str(), &r);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonTruncated);
  EXPECT_EQ(error->offset, 4u);
}

}  // namespace
}  // namespace wm::decoders
