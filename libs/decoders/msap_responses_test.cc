#include "libs/decoders/msap_responses.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

wm::v1::MsapResponses Decode(const std::string& payload) {
  wm::v1::MsapResponses r;
  const DecodeStatus error = DecodeMsapResponses(payload, &r);
  EXPECT_FALSE(error.has_value()) << error->message;
  return r;
}

DecodeError DecodeFails(const std::string& payload, wm::v1::MsapResponses* out = nullptr) {
  wm::v1::MsapResponses scratch;
  const DecodeStatus error = DecodeMsapResponses(payload, out ? out : &scratch);
  EXPECT_TRUE(error.has_value());
  return error.value_or(DecodeError{});
}

// The 24-byte scratchpad status body (frame offsets 2..25 in docs/msap.md, "Scratchpad status
// body").
PayloadBuilder StatusV1Body() {
  PayloadBuilder b;
  b.U32(0x00012345)     // 2 stored_len
      .U16(0xBEEF)      // 6 stored_crc
      .U8(7)            // 8 stored_seq
      .U8(1)            // 9 stored_type: present
      .U8(255)          // 10 stored_status: new
      .U32(0x00054321)  // 11 processed_len
      .U16(0xCAFE)      // 15 processed_crc
      .U8(6)            // 17 processed_seq
      .U32(0x11223344)  // 18 fw_area_id
      .U8(5)            // 22 fw_major
      .U8(1)            // 23 fw_minor
      .U8(2)            // 24 fw_maint
      .U8(20);          // 25 fw_devel
  return b;
}

PayloadBuilder StatusV2Body() {
  PayloadBuilder b = StatusV1Body();
  b.U32(0x00001000)     // 26 app_len
      .U16(0x1234)      // 30 app_crc
      .U8(9)            // 32 app_seq
      .U32(0x55667788)  // 33 app_area_id
      .U8(1)            // 37 app_major
      .U8(2)            // 38 app_minor
      .U8(3)            // 39 app_maint
      .U8(4);           // 40 app_devel
  return b;
}

PayloadBuilder StatusV3Body() {
  PayloadBuilder b = StatusV2Body();
  b.U8(3)            // 41 action
      .U8(8)         // 42 target_seq
      .U16(0xABCD)   // 43 target_crc
      .U16(60)       // 45 target_delay
      .U16(0xFFFF);  // 47 remaining_delay
  return b;
}

std::string Frame(uint8_t type, const std::string& body) {
  return PayloadBuilder().U8(type).U8(body.size()).Bytes(body).str();
}

TEST(MsapResponses, PingEchoesTheReference) {
  const std::string reference = PayloadBuilder().U32(0x61626364).U32(0).str();
  const auto r = Decode(Frame(0x80, reference));
  ASSERT_EQ(r.frames_size(), 1);
  EXPECT_EQ(r.frames(0).type(), 0x80u);
  EXPECT_EQ(r.frames(0).offset(), 0u);
  ASSERT_TRUE(r.frames(0).has_ping());
  EXPECT_EQ(r.frames(0).ping().reference(), reference);
}

TEST(MsapResponses, PingReferenceIsOneToSixteenBytes) {
  EXPECT_EQ(Decode(Frame(0x80, "x")).frames(0).ping().reference(), "x");
  EXPECT_EQ(Decode(Frame(0x80, std::string(16, 'r'))).frames(0).ping().reference().size(), 16u);
  DecodeError e = DecodeFails(Frame(0x80, ""));
  EXPECT_EQ(e.reason, kReasonWrongLength);
  EXPECT_EQ(e.offset, 1u);
  e = DecodeFails(Frame(0x80, std::string(17, 'r')));
  EXPECT_EQ(e.reason, kReasonWrongLength);
  EXPECT_NE(e.message.find("expected 1..16"), std::string::npos) << e.message;
}

TEST(MsapResponses, BeginEndCancelAcks) {
  const auto r = Decode(Frame(0x81, "") + Frame(0x83, "") + Frame(0x84, ""));
  ASSERT_EQ(r.frames_size(), 3);
  EXPECT_TRUE(r.frames(0).has_begin());
  EXPECT_TRUE(r.frames(1).has_end());
  EXPECT_TRUE(r.frames(2).has_cancel());
  EXPECT_EQ(r.frames(1).offset(), 2u);
  EXPECT_EQ(r.frames(2).offset(), 4u);
  for (uint8_t type : {0x81, 0x83, 0x84}) {
    const DecodeError e = DecodeFails(Frame(type, std::string(1, '\0')));
    EXPECT_EQ(e.reason, kReasonWrongLength);
    EXPECT_EQ(e.offset, 1u);
  }
}

TEST(MsapResponses, UpdateAckCarriesTheCountdown) {
  EXPECT_EQ(Decode(Frame(0x85, PayloadBuilder().U16(300).str())).frames(0).update().countdown(),
            300u);
  EXPECT_EQ(Decode(Frame(0x85, PayloadBuilder().U16(0xFFFF).str())).frames(0).update().countdown(),
            65535u);
  EXPECT_EQ(DecodeFails(Frame(0x85, "\x01")).reason, kReasonWrongLength);
  EXPECT_EQ(DecodeFails(Frame(0x85, "\x01\x02\x03")).reason, kReasonWrongLength);
}

// The node refuses an update (or scratchpad update) with 0xFB "invalid begin"; the Python tool
// expected FB 02 xx xx after an update and FB 01 xx after a scratchpad update.
TEST(MsapResponses, InvalidBeginErrorForm) {
  auto r = Decode(Frame(0xFB, PayloadBuilder().U16(300).str()));
  ASSERT_TRUE(r.frames(0).has_error());
  EXPECT_EQ(r.frames(0).type(), 0xFBu);
  EXPECT_EQ(r.frames(0).error().error_name(), "INVALID_BEGIN");
  EXPECT_EQ(r.frames(0).error().body(), PayloadBuilder().U16(300).str());
  r = Decode(Frame(0xFB, "\x07") + Frame(0xFB, ""));
  ASSERT_EQ(r.frames_size(), 2);
  EXPECT_EQ(r.frames(0).error().body(), "\x07");
  EXPECT_EQ(r.frames(1).error().body(), "");
}

TEST(MsapResponses, EveryErrorResponseIsNamed) {
  const char* names[] = {"ACCESS_DENIED",  "WRITE_ONLY",     "INVALID_BROADCAST_REQUEST",
                         "INVALID_BEGIN",  "NO_SPACE",       "INVALID_VALUE",
                         "INVALID_LENGTH", "UNKNOWN_REQUEST"};
  for (int type = 0xF8; type <= 0xFF; ++type) {
    const auto r = Decode(Frame(type, "\x19"));
    ASSERT_TRUE(r.frames(0).has_error()) << type;
    EXPECT_EQ(r.frames(0).error().error_name(), names[type - 0xF8]);
  }
}

TEST(MsapResponses, ScratchpadStatusShortForm) {
  const std::string body = StatusV1Body().str();
  ASSERT_EQ(body.size(), 24u);
  const auto r = Decode(Frame(0x99, body));
  ASSERT_TRUE(r.frames(0).has_scratchpad_status());
  const auto& s = r.frames(0).scratchpad_status();
  EXPECT_EQ(s.version(), 1u);
  EXPECT_EQ(s.stored_len(), 0x12345u);
  EXPECT_EQ(s.stored_crc(), 0xBEEFu);
  EXPECT_EQ(s.stored_seq(), 7u);
  EXPECT_EQ(s.stored_type(), 1u);
  EXPECT_EQ(s.stored_status(), 255u);
  EXPECT_EQ(s.processed_len(), 0x54321u);
  EXPECT_EQ(s.processed_crc(), 0xCAFEu);
  EXPECT_EQ(s.processed_seq(), 6u);
  EXPECT_EQ(s.fw_area_id(), 0x11223344u);
  EXPECT_EQ(s.fw_major(), 5u);
  EXPECT_EQ(s.fw_minor(), 1u);
  EXPECT_EQ(s.fw_maint(), 2u);
  EXPECT_EQ(s.fw_devel(), 20u);
  EXPECT_FALSE(s.has_app_len());
  EXPECT_FALSE(s.has_app_devel());
  EXPECT_FALSE(s.has_action());
}

TEST(MsapResponses, ScratchpadStatusLongForm) {
  const std::string body = StatusV2Body().str();
  ASSERT_EQ(body.size(), 39u);
  const auto r = Decode(Frame(0x99, body));
  const auto& s = r.frames(0).scratchpad_status();
  EXPECT_EQ(s.version(), 2u);
  EXPECT_EQ(s.fw_devel(), 20u);
  EXPECT_EQ(s.app_len(), 0x1000u);
  EXPECT_EQ(s.app_crc(), 0x1234u);
  EXPECT_EQ(s.app_seq(), 9u);
  EXPECT_EQ(s.app_area_id(), 0x55667788u);
  EXPECT_EQ(s.app_major(), 1u);
  EXPECT_EQ(s.app_minor(), 2u);
  EXPECT_EQ(s.app_maint(), 3u);
  EXPECT_EQ(s.app_devel(), 4u);
  EXPECT_FALSE(s.has_action());
  EXPECT_FALSE(s.has_remaining_delay());
}

TEST(MsapResponses, ScratchpadStatusWithTargetAndAction) {
  const std::string body = StatusV3Body().str();
  ASSERT_EQ(body.size(), 47u);
  const auto r = Decode(Frame(0x99, body));
  const auto& s = r.frames(0).scratchpad_status();
  EXPECT_EQ(s.version(), 3u);
  EXPECT_EQ(s.app_devel(), 4u);
  EXPECT_EQ(s.action(), 3u);
  EXPECT_EQ(s.target_seq(), 8u);
  EXPECT_EQ(s.target_crc(), 0xABCDu);
  EXPECT_EQ(s.target_delay(), 60u);
  EXPECT_EQ(s.remaining_delay(), 0xFFFFu);
}

TEST(MsapResponses, ScratchpadStatusOtherLengthsAreWrong) {
  const std::string full = StatusV3Body().Fill(10, 0).str();
  for (size_t length : {0, 1, 23, 25, 38, 40, 46, 48, 57}) {
    const DecodeError e = DecodeFails(Frame(0x99, full.substr(0, length)));
    EXPECT_EQ(e.reason, kReasonWrongLength) << length;
    EXPECT_EQ(e.offset, 1u);
    EXPECT_NE(e.message.find("24, 39 or 47"), std::string::npos);
  }
}

TEST(MsapResponses, ScratchpadUpdateAck) {
  EXPECT_EQ(Decode(Frame(0x9A, "\x07")).frames(0).scratchpad_update().seq(), 7u);
  EXPECT_EQ(Decode(Frame(0x9A, "\xff")).frames(0).scratchpad_update().seq(), 255u);
  EXPECT_EQ(DecodeFails(Frame(0x9A, "")).reason, kReasonWrongLength);
  EXPECT_EQ(DecodeFails(Frame(0x9A, "\x01\x02")).reason, kReasonWrongLength);
}

TEST(MsapResponses, DiagnosticControlAck) {
  auto r = Decode(Frame(0xE0, PayloadBuilder().U16(300).U8(2).str()));
  auto ack = r.frames(0).diagnostic_control();
  EXPECT_EQ(ack.interval(), 300u);
  EXPECT_EQ(ack.content(), 2u);
  EXPECT_EQ(ack.body().size(), 3u);
  r = Decode(Frame(0xE0, ""));
  ASSERT_TRUE(r.frames(0).has_diagnostic_control());
  EXPECT_FALSE(r.frames(0).diagnostic_control().has_interval());
  r = Decode(Frame(0xE0, "\x01\x02"));
  EXPECT_EQ(r.frames(0).diagnostic_control().body(), "\x01\x02");
  EXPECT_FALSE(r.frames(0).diagnostic_control().has_content());
}

TEST(MsapResponses, UnknownTypesAreKeptRaw) {
  const std::string longest(255, '\x5a');
  const auto r = Decode(Frame(0x8C, "\x01\x02\x03") + Frame(0x42, "") + Frame(0x82, longest));
  ASSERT_EQ(r.frames_size(), 3);
  EXPECT_EQ(r.frames(0).type(), 0x8Cu);
  EXPECT_EQ(r.frames(0).body_case(), wm::v1::MsapResponseFrame::kUnknown);
  EXPECT_EQ(r.frames(0).unknown(), "\x01\x02\x03");
  EXPECT_EQ(r.frames(1).type(), 0x42u);
  EXPECT_EQ(r.frames(1).body_case(), wm::v1::MsapResponseFrame::kUnknown);
  EXPECT_EQ(r.frames(2).unknown(), longest);
  EXPECT_EQ(r.frames(2).offset(), 7u);
}

TEST(MsapResponses, SeveralFramesInOnePayload) {
  const auto r =
      Decode(Frame(0x81, "") + Frame(0x9A, "\x07") + Frame(0x85, PayloadBuilder().U16(10).str()) +
             Frame(0x99, StatusV1Body().str()) + Frame(0x83, ""));
  ASSERT_EQ(r.frames_size(), 5);
  EXPECT_TRUE(r.frames(0).has_begin());
  EXPECT_EQ(r.frames(1).scratchpad_update().seq(), 7u);
  EXPECT_EQ(r.frames(2).update().countdown(), 10u);
  EXPECT_EQ(r.frames(3).scratchpad_status().fw_devel(), 20u);
  EXPECT_TRUE(r.frames(4).has_end());
  EXPECT_EQ(r.frames(4).offset(), 2u + 3u + 4u + 26u);
}

TEST(MsapResponses, EmptyPayloadIsTruncated) {
  const DecodeError e = DecodeFails("");
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 0u);
}

TEST(MsapResponses, CutOffHeaderIsTruncated) {
  wm::v1::MsapResponses r;
  const DecodeError e = DecodeFails(Frame(0x81, "") + "\x83", &r);
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 2u);
  ASSERT_EQ(r.frames_size(), 1);  // the frame before the fault is kept
  EXPECT_TRUE(r.frames(0).has_begin());
}

TEST(MsapResponses, LengthPastTheEndIsTruncatedAtTheFrame) {
  const std::string body = StatusV2Body().str();
  const DecodeError e = DecodeFails(Frame(0x81, "") + Frame(0x99, body).substr(0, 40));
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 2u);
  EXPECT_NE(e.message.find("declares 39 bytes, 38 remain"), std::string::npos) << e.message;
  // One byte short of a ping echo.
  EXPECT_EQ(DecodeFails(Frame(0x80, "abcd").substr(0, 5)).offset, 0u);
}

}  // namespace
}  // namespace wm::decoders
