#include "libs/decoders/positioning.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

// An RSS entry: address u24, rss u8 in -0.5 dBm steps.
PayloadBuilder& RssEntry(PayloadBuilder& b, uint32_t address, uint32_t raw) {
  return b.U24(address).U8(raw);
}

TEST(Positioning, DecodesEveryMeasurementType) {
  PayloadBuilder b;
  b.U16(0xFFFF);                                  // 0 sequence (max u16)
  b.U8(kPosMeasRssShortRate).U8(8);               // 2: two entries
  RssEntry(b, 0x123456, 0);                       //   0 dBm (not -0)
  RssEntry(b, 0xFFFFFF, 255);                     //   -127.5 dBm
  b.U8(kPosMeasRssHighRate).U8(4);                // 12
  RssEntry(b, 7, 100);                            //   -50 dBm
  b.U8(kPosMeasRssAnchor).U8(4);                  // 18
  RssEntry(b, 8, 1);                              //   -0.5 dBm
  b.U8(kPosMeasVoltage).U8(2).U16(0xFFFF);        // 24: max u16
  wm::v1::PositioningReport r;
  ASSERT_FALSE(DecodePositioning(b.str(), &r).has_value());
  EXPECT_EQ(r.sequence(), 0xFFFFu);
  ASSERT_EQ(r.measurements_size(), 5);
  EXPECT_EQ(r.nb_measurements(), 5u);

  const wm::v1::PositioningMeasurement& m0 = r.measurements(0);
  EXPECT_EQ(m0.name(), "POS_APP_MEAS_RSS_SR");
  EXPECT_EQ(m0.meas_type(), 0x00u);
  EXPECT_EQ(m0.address(), 0x123456u);
  EXPECT_EQ(m0.rss(), 0.0);
  EXPECT_FALSE(std::signbit(m0.rss())) << "a raw 0 is 0 dBm, not -0";
  EXPECT_FALSE(m0.has_voltage());
  EXPECT_EQ(r.measurements(1).address(), 0xFFFFFFu);
  EXPECT_DOUBLE_EQ(r.measurements(1).rss(), -127.5);

  EXPECT_EQ(r.measurements(2).name(), "POS_APP_MEAS_RSS_HR");
  EXPECT_EQ(r.measurements(2).meas_type(), 0x01u);
  EXPECT_DOUBLE_EQ(r.measurements(2).rss(), -50.0);

  EXPECT_EQ(r.measurements(3).name(), "POS_APP_MEAS_RSS_SR_ANCHOR");
  EXPECT_EQ(r.measurements(3).meas_type(), 0xF0u);
  EXPECT_EQ(r.measurements(3).address(), 8u);
  EXPECT_DOUBLE_EQ(r.measurements(3).rss(), -0.5);

  const wm::v1::PositioningMeasurement& v = r.measurements(4);
  EXPECT_EQ(v.name(), "POS_APP_MEAS_VOLTAGE");
  EXPECT_EQ(v.meas_type(), 0x04u);
  EXPECT_EQ(v.voltage(), 0xFFFFu);
  EXPECT_FALSE(v.has_address());
  EXPECT_FALSE(v.has_rss());
  EXPECT_EQ(r.unknown_records_size(), 0);
}

TEST(Positioning, UnknownTypeIsSkippedByItsLengthAndKept) {
  // The Python tool did not skip the value of an unknown record and read it as the next header.
  PayloadBuilder b;
  b.U16(1);
  b.U8(0x7E).U8(3).U8(0x00).U8(0x04).U8(0xFF);  // looks like record headers inside
  b.U8(kPosMeasRssShortRate).U8(4);
  RssEntry(b, 42, 20);
  b.U8(0xFF).U8(0);                             // unknown and empty
  wm::v1::PositioningReport r;
  ASSERT_FALSE(DecodePositioning(b.str(), &r).has_value());
  ASSERT_EQ(r.measurements_size(), 1);
  EXPECT_EQ(r.measurements(0).address(), 42u);
  EXPECT_DOUBLE_EQ(r.measurements(0).rss(), -10.0);
  ASSERT_EQ(r.unknown_records_size(), 2);
  EXPECT_EQ(r.unknown_records(0).type(), 0x7Eu);
  EXPECT_EQ(r.unknown_records(0).value(), std::string("\x00\x04\xff", 3));
  EXPECT_EQ(r.unknown_records(1).type(), 0xFFu);
  EXPECT_EQ(r.unknown_records(1).value(), "");
}

TEST(Positioning, SequenceOnlyAndEmptyRecordsHaveNoMeasurements) {
  PayloadBuilder b;
  b.U16(0x0102).U8(kPosMeasRssShortRate).U8(0).U8(kPosMeasVoltage).U8(0);
  wm::v1::PositioningReport r;
  ASSERT_FALSE(DecodePositioning(b.str().substr(0, 2), &r).has_value());
  EXPECT_EQ(r.sequence(), 0x0102u);
  EXPECT_EQ(r.measurements_size(), 0);
  ASSERT_FALSE(DecodePositioning(b.str(), &r).has_value());
  EXPECT_EQ(r.measurements_size(), 0);
  EXPECT_EQ(r.nb_measurements(), 0u);
}

TEST(Positioning, ShorterThanTheSequenceIsTruncated) {
  for (std::string payload : {std::string(), std::string("\x01")}) {
    wm::v1::PositioningReport r;
    DecodeStatus error = DecodePositioning(payload, &r);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->reason, kReasonTruncated);
    EXPECT_EQ(error->offset, payload.size());
  }
}

TEST(Positioning, LengthRunningPastTheEndIsTruncatedAndEarlierRecordsKept) {
  PayloadBuilder b;
  b.U16(5).U8(kPosMeasRssShortRate).U8(4);
  RssEntry(b, 9, 2);
  b.U8(kPosMeasRssAnchor).U8(8);  // at offset 8: declares 8 bytes ...
  RssEntry(b, 10, 2).U8(1).U8(2).U8(3);  // ... only 7 follow: one byte short
  wm::v1::PositioningReport r;
  DecodeStatus error = DecodePositioning(b.str(), &r);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonTruncated);
  EXPECT_EQ(error->offset, 8u);
  EXPECT_NE(error->message.find("declares 8 bytes, 7 remain"), std::string::npos)
      << error->message;
  ASSERT_EQ(r.measurements_size(), 1);
  EXPECT_EQ(r.nb_measurements(), 1u);
  EXPECT_EQ(r.sequence(), 5u);
}

TEST(Positioning, UnknownRecordRunningPastTheEndIsTruncated) {
  PayloadBuilder b;
  b.U16(5).U8(0x42).U8(200).Fill(10, 0);
  wm::v1::PositioningReport r;
  DecodeStatus error = DecodePositioning(b.str(), &r);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, 2u);
  EXPECT_EQ(r.unknown_records_size(), 0);
}

TEST(Positioning, RecordHeaderCutOffIsTruncated) {
  wm::v1::PositioningReport r;
  DecodeStatus error = DecodePositioning(PayloadBuilder().U16(5).U8(0x00).str(), &r);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, kReasonTruncated);
  EXPECT_EQ(error->offset, 2u);
}

TEST(Positioning, LengthThatIsNotWholeEntriesIsBadValue) {
  for (auto [type, length] : {std::pair<uint32_t, uint32_t>{kPosMeasRssShortRate, 5},
                              {kPosMeasRssAnchor, 3},
                              {kPosMeasVoltage, 3}}) {
    PayloadBuilder b;
    b.U16(5).U8(type).U8(length).Fill(length, 1);
    wm::v1::PositioningReport r;
    DecodeStatus error = DecodePositioning(b.str(), &r);
    ASSERT_TRUE(error.has_value()) << type;
    EXPECT_EQ(error->reason, kReasonBadValue);
    EXPECT_EQ(error->offset, 3u) << "the length byte";
  }
}

TEST(Positioning, SeveralVoltageEntriesAreSeveralMeasurements) {
  PayloadBuilder b;
  b.U16(0).U8(kPosMeasVoltage).U8(4).U16(3000).U16(0);
  wm::v1::PositioningReport r;
  ASSERT_FALSE(DecodePositioning(b.str(), &r).has_value());
  ASSERT_EQ(r.measurements_size(), 2);
  EXPECT_EQ(r.measurements(0).voltage(), 3000u);
  EXPECT_TRUE(r.measurements(1).has_voltage());
  EXPECT_EQ(r.measurements(1).voltage(), 0u);
}

TEST(Positioning, MaximumEntriesInOneFrame) {
  // 102-byte APDU: sequence, one header, 24 entries of 4 bytes.
  PayloadBuilder b;
  b.U16(1).U8(kPosMeasRssShortRate).U8(96);
  for (uint32_t i = 0; i < 24; ++i) RssEntry(b, i + 1, i);
  ASSERT_EQ(b.size(), 100u);
  wm::v1::PositioningReport r;
  ASSERT_FALSE(DecodePositioning(b.str(), &r).has_value());
  EXPECT_EQ(r.measurements_size(), 24);
  EXPECT_DOUBLE_EQ(r.measurements(23).rss(), -11.5);
}

}  // namespace
}  // namespace wm::decoders
