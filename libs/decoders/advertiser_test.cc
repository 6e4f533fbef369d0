#include "libs/decoders/advertiser.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

// Header: byte 0 = 4-byte-address flag (bit 7) | adv_type, byte 1 = adv_message_count.
PayloadBuilder Header(uint32_t adv_type, bool four_byte, uint32_t count) {
  PayloadBuilder b;
  b.U8(adv_type | (four_byte ? 0x80 : 0)).U8(count);
  return b;
}

TEST(Advertiser, RssRecordsInDbmGatheredPerAddress) {
  PayloadBuilder b = Header(kAdvTypeRss, false, 200);
  b.U24(0x123456).U8(0)      // -127 dBm
      .U24(0xFFFFFF).U8(254)  // exactly 0.0 dBm: an RSS, not a raw value
      .U24(0x123456).U8(255)  // +0.5 dBm, same address: appended to its entry
      .U24(0x000001).U8(100);  // -77 dBm
  wm::v1::AdvertiserReport r;
  ASSERT_FALSE(DecodeAdvertiser(b.str(), &r).has_value());
  EXPECT_EQ(r.adv_type(), 2u);
  EXPECT_EQ(r.adv_message_count(), 200u);
  EXPECT_FALSE(r.four_byte_addresses());
  ASSERT_EQ(r.adv_size(), 3);
  EXPECT_EQ(r.adv(0).address(), 0x123456u);
  ASSERT_EQ(r.adv(0).rss_size(), 2);
  EXPECT_DOUBLE_EQ(r.adv(0).rss(0), -127.0);
  EXPECT_DOUBLE_EQ(r.adv(0).rss(1), 0.5);
  EXPECT_EQ(r.adv(1).address(), 0xFFFFFFu);
  ASSERT_EQ(r.adv(1).rss_size(), 1);
  EXPECT_DOUBLE_EQ(r.adv(1).rss(0), 0.0);
  EXPECT_EQ(r.adv(1).value_size(), 0) << "the Python tool filed 0.0 dBm under value";
  EXPECT_EQ(r.adv(2).address(), 1u);
  EXPECT_DOUBLE_EQ(r.adv(2).rss(0), -77.0);
}

TEST(Advertiser, FourByteAddressesByTheFlagBit) {
  PayloadBuilder b = Header(kAdvTypeRss, true, 1);
  b.U32(0xFFFFFFFF).U8(10).U32(0x80000001).U8(20);
  wm::v1::AdvertiserReport r;
  ASSERT_FALSE(DecodeAdvertiser(b.str(), &r).has_value());
  EXPECT_TRUE(r.four_byte_addresses());
  EXPECT_EQ(r.adv_type(), 2u) << "the flag is not part of adv_type";
  ASSERT_EQ(r.adv_size(), 2);
  EXPECT_EQ(r.adv(0).address(), 0xFFFFFFFFu);
  EXPECT_DOUBLE_EQ(r.adv(0).rss(0), -122.0);
  EXPECT_EQ(r.adv(1).address(), 0x80000001u);
}

TEST(Advertiser, OtapSequenceAndRawValuesByType) {
  struct Case {
    uint32_t adv_type;
    int otap, sequence, value;
  };
  for (Case c : {Case{kAdvTypeOtap, 2, 0, 0}, Case{kAdvTypeSequence, 0, 2, 0},
                 Case{5, 0, 0, 2}, Case{0x7F, 0, 0, 2}, Case{0, 0, 0, 2}}) {
    PayloadBuilder b = Header(c.adv_type, false, 0);
    b.U24(77).U8(0).U24(77).U8(0xFF);  // 0 is a valid OTAP / tag sequence
    wm::v1::AdvertiserReport r;
    ASSERT_FALSE(DecodeAdvertiser(b.str(), &r).has_value()) << c.adv_type;
    EXPECT_EQ(r.adv_type(), c.adv_type);
    ASSERT_EQ(r.adv_size(), 1);
    const wm::v1::AdvertiserEntry& e = r.adv(0);
    EXPECT_EQ(e.rss_size(), 0);
    EXPECT_EQ(e.otap_size(), c.otap) << c.adv_type;
    EXPECT_EQ(e.sequence_size(), c.sequence) << c.adv_type;
    EXPECT_EQ(e.value_size(), c.value) << c.adv_type;
    if (c.otap) EXPECT_EQ(e.otap(1), 255u);
    if (c.sequence) EXPECT_EQ(e.sequence(0), 0u);
    if (c.value) EXPECT_EQ(e.value(1), 255u);
  }
}

TEST(Advertiser, HeaderOnlyHasNoRecords) {
  wm::v1::AdvertiserReport r;
  ASSERT_FALSE(DecodeAdvertiser(Header(2, false, 9).str(), &r).has_value());
  EXPECT_EQ(r.adv_size(), 0);
  EXPECT_EQ(r.adv_message_count(), 9u);
}

TEST(Advertiser, ShorterThanTheHeaderIsTruncated) {
  for (std::string payload : {std::string(), std::string("\x02")}) {
    wm::v1::AdvertiserReport r;
    DecodeStatus error = DecodeAdvertiser(payload, &r);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->reason, kReasonTruncated);
    EXPECT_EQ(error->offset, payload.size());
  }
}

TEST(Advertiser, ShortFinalChunkIsReportedAndCompleteRecordsKept) {
  for (bool four_byte : {false, true}) {
    const size_t record = four_byte ? 5 : 4;
    for (size_t tail = 1; tail < record; ++tail) {
      PayloadBuilder b = Header(kAdvTypeRss, four_byte, 0);
      b.U32(0x01020304).Fill(record - 4, 0x00).Fill(tail, 0xAA);  // one record, then the tail
      wm::v1::AdvertiserReport r;
      DecodeStatus error = DecodeAdvertiser(b.str(), &r);
      ASSERT_TRUE(error.has_value()) << four_byte << " " << tail;
      EXPECT_EQ(error->reason, kReasonTruncated);
      EXPECT_EQ(error->offset, 2 + record);
      EXPECT_NE(error->message.find(std::to_string(tail) + " of " + std::to_string(record)),
                std::string::npos)
          << error->message;
      EXPECT_EQ(r.adv_size(), 1);
      EXPECT_EQ(r.adv_type(), 2u);
    }
  }
}

TEST(Advertiser, MaximumRecordsInOneFrame) {
  // 102-byte APDU: header + 25 records of 4 bytes.
  PayloadBuilder b = Header(kAdvTypeOtap, false, 0);
  for (uint32_t i = 0; i < 25; ++i) b.U24(1000 + i).U8(i);
  ASSERT_EQ(b.size(), 102u);
  wm::v1::AdvertiserReport r;
  ASSERT_FALSE(DecodeAdvertiser(b.str(), &r).has_value());
  ASSERT_EQ(r.adv_size(), 25);
  EXPECT_EQ(r.adv(24).address(), 1024u);
  EXPECT_EQ(r.adv(24).otap(0), 24u);
}

}  // namespace
}  // namespace wm::decoders
