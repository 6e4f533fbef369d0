#include "libs/decoders/provisioning_frame.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"

namespace wm::decoders {
namespace {

// The common header (docs/provisioning.md, "Common header"): msg_type, node_address (4 raw bytes),
// session_id.
PayloadBuilder Header(uint8_t type) {
  PayloadBuilder b;
  b.U8(type).U8(0x78).U8(0x56).U8(0x34).U8(0x12).U8(0x2a);
  return b;
}

const std::string kIv = "0123456789abcdef";

wm::v1::ProvisioningFrame Decode(const std::string& payload) {
  wm::v1::ProvisioningFrame f;
  const DecodeStatus error = DecodeProvisioningFrame(payload, &f);
  EXPECT_FALSE(error.has_value()) << error->message;
  return f;
}

DecodeError DecodeFails(const std::string& payload, wm::v1::ProvisioningFrame* out = nullptr) {
  wm::v1::ProvisioningFrame scratch;
  const DecodeStatus error = DecodeProvisioningFrame(payload, out ? out : &scratch);
  EXPECT_TRUE(error.has_value());
  return error.value_or(DecodeError{});
}

TEST(ProvisioningFrame, Start) {
  const auto f = Decode(Header(1).U8(1).Bytes(kIv).Bytes("node-uid-7").str());
  EXPECT_EQ(f.msg_type(), 1u);
  EXPECT_EQ(f.node_address(), 0x12345678u);
  EXPECT_EQ(f.session_id(), 42u);
  ASSERT_TRUE(f.has_start());
  EXPECT_EQ(f.start().method(), 1u);
  EXPECT_EQ(f.start().method_name(), "SECURED");
  EXPECT_EQ(f.start().iv(), kIv);
  EXPECT_EQ(f.start().uid(), "node-uid-7");
}

TEST(ProvisioningFrame, StartBoundaries) {
  // 24 bytes: a one-byte UID, unsecured.
  auto f = Decode(Header(1).U8(0).Bytes(kIv).U8(0x99).str());
  EXPECT_EQ(f.start().method_name(), "UNSECURED");
  EXPECT_EQ(f.start().uid(), "\x99");
  // 23 bytes: the IV is complete but there is no UID (the Python server sliced on regardless).
  wm::v1::ProvisioningFrame partial;
  DecodeError e = DecodeFails(Header(1).U8(0).Bytes(kIv).str(), &partial);
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 23u);
  EXPECT_NE(e.message.find("at least 24 bytes, got 23"), std::string::npos) << e.message;
  EXPECT_EQ(partial.node_address(), 0x12345678u);  // the header is kept
  EXPECT_FALSE(partial.has_start());
  // A short IV.
  e = DecodeFails(Header(1).U8(0).Bytes(kIv.substr(0, 10)).str());
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 17u);
  // The method alone.
  EXPECT_EQ(DecodeFails(Header(1).U8(0).str()).offset, 7u);
  // A method the protocol does not define keeps its number, without a name.
  f = Decode(Header(1).U8(7).Bytes(kIv).U8(1).str());
  EXPECT_EQ(f.start().method(), 7u);
  EXPECT_EQ(f.start().method_name(), "");
}

TEST(ProvisioningFrame, Data) {
  const std::string cbor("\xa1\x00\x41\x01", 4);  // {0: h'01'}
  const auto f = Decode(Header(2).U8(1).U16(0xFFFE).Bytes(cbor).str());
  ASSERT_TRUE(f.has_data());
  EXPECT_EQ(f.data().key_index(), 1u);
  EXPECT_EQ(f.data().counter(), 0xFFFEu);
  EXPECT_EQ(f.data().data(), cbor);
}

TEST(ProvisioningFrame, DataBoundaries) {
  // 10 bytes: one data byte.
  EXPECT_EQ(Decode(Header(2).U8(0).U16(1).U8(0xa0).str()).data().data(), "\xa0");
  // 9 bytes: no data.
  DecodeError e = DecodeFails(Header(2).U8(0).U16(1).str());
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 9u);
  // The counter cut off.
  EXPECT_EQ(DecodeFails(Header(2).U8(0).U8(1).str()).offset, 8u);
}

TEST(ProvisioningFrame, DataAckIsTheHeaderOnly) {
  const auto f = Decode(Header(3).str());
  EXPECT_TRUE(f.has_data_ack());
  EXPECT_EQ(f.session_id(), 42u);
  const DecodeError e = DecodeFails(Header(3).U8(0).str());
  EXPECT_EQ(e.reason, kReasonWrongLength);
  EXPECT_EQ(e.offset, 6u);
}

TEST(ProvisioningFrame, NackReasons) {
  const char* names[] = {"NOT_AUTHORIZED", "METHOD_NOT_SUPPORTED", "INVALID_DATA", "INVALID_KEY"};
  for (uint32_t reason = 0; reason < 4; ++reason) {
    const auto f = Decode(Header(4).U8(reason).str());
    ASSERT_TRUE(f.has_nack());
    EXPECT_EQ(f.nack().reason(), reason);
    EXPECT_EQ(f.nack().reason_name(), names[reason]);
  }
  const auto unknown = Decode(Header(4).U8(200).str());
  EXPECT_EQ(unknown.nack().reason(), 200u);
  EXPECT_EQ(unknown.nack().reason_name(), "");
}

TEST(ProvisioningFrame, NackIsExactlySevenBytes) {
  DecodeError e = DecodeFails(Header(4).str());
  EXPECT_EQ(e.reason, kReasonWrongLength);
  EXPECT_EQ(e.offset, 6u);
  e = DecodeFails(Header(4).U8(0).U8(0).str());
  EXPECT_EQ(e.reason, kReasonWrongLength);
  EXPECT_EQ(e.offset, 7u);
}

TEST(ProvisioningFrame, ShortHeaderIsTruncated) {
  for (size_t size = 0; size < 6; ++size) {
    const DecodeError e = DecodeFails(Header(3).str().substr(0, size));
    EXPECT_EQ(e.reason, kReasonTruncated);
    EXPECT_EQ(e.offset, size);
  }
}

TEST(ProvisioningFrame, UnknownTypeIsBadValue) {
  for (uint8_t type : {0, 5, 255}) {
    const DecodeError e = DecodeFails(Header(type).U8(0).str());
    EXPECT_EQ(e.reason, kReasonBadValue);
    EXPECT_EQ(e.offset, 0u);
  }
}

}  // namespace
}  // namespace wm::decoders
