#include "libs/provisioning/frames.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/payload_builder.h"
#include "libs/decoders/provisioning_frame.h"

namespace wm::provisioning {
namespace {

using wm::decoders::PayloadBuilder;

const std::string kIv = "0123456789abcdef";

TEST(Frames, DataFrameLayout) {
  // docs/provisioning.md "Frames": 0 type 2 | 1..4 node_address | 5 session_id | 6 key_index | 7..8
  // counter LE | 9.. data
  const std::string frame = EncodeDataFrame({0x12345678, 0x2a, 1, 0xBEEF}, "cbor");
  EXPECT_EQ(frame,
            PayloadBuilder().U8(2).U32(0x12345678).U8(0x2a).U8(1).U16(0xBEEF).Bytes("cbor").str());
  EXPECT_EQ(EncodeDataHeader({0x12345678, 0x2a, 1, 0xBEEF}), frame.substr(0, kDataHeaderSize));

  // The decoder, which the node simulator and ingest use, reads it back.
  wm::v1::ProvisioningFrame decoded;
  ASSERT_FALSE(wm::decoders::DecodeProvisioningFrame(frame, &decoded).has_value());
  EXPECT_EQ(decoded.node_address(), 0x12345678u);
  EXPECT_EQ(decoded.session_id(), 0x2au);
  EXPECT_EQ(decoded.data().key_index(), 1u);
  EXPECT_EQ(decoded.data().counter(), 0xBEEFu);
  EXPECT_EQ(decoded.data().data(), "cbor");
}

TEST(Frames, NackFrameLayout) {
  const std::string frame = EncodeNackFrame(0x01020304, 7, NackReason::kMethodNotSupported);
  EXPECT_EQ(frame, PayloadBuilder().U8(4).U32(0x01020304).U8(7).U8(1).str());
  wm::v1::ProvisioningFrame decoded;
  ASSERT_FALSE(wm::decoders::DecodeProvisioningFrame(frame, &decoded).has_value());
  EXPECT_EQ(decoded.nack().reason_name(), "METHOD_NOT_SUPPORTED");
}

TEST(Frames, NodeFramesDecodeAsUplink) {
  absl::StatusOr<wm::v1::ProvisioningFrame> start =
      DecodeUplinkFrame(EncodeStartFrame(0xAABBCCDD, 3, 1, kIv, "uid-1"));
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_EQ(start->node_address(), 0xAABBCCDDu);
  EXPECT_EQ(start->session_id(), 3u);
  EXPECT_EQ(start->start().method(), 1u);
  EXPECT_EQ(start->start().iv(), kIv);
  EXPECT_EQ(start->start().uid(), "uid-1");
  EXPECT_TRUE(ValidateUplinkFrame(*start).ok());

  const std::string ack = EncodeDataAckFrame(0xAABBCCDD, 3);
  EXPECT_EQ(ack, PayloadBuilder().U8(3).U32(0xAABBCCDD).U8(3).str());
  absl::StatusOr<wm::v1::ProvisioningFrame> decoded_ack = DecodeUplinkFrame(ack);
  ASSERT_TRUE(decoded_ack.ok());
  EXPECT_TRUE(decoded_ack->has_data_ack());

  absl::StatusOr<wm::v1::ProvisioningFrame> nack =
      DecodeUplinkFrame(EncodeNackFrame(0xAABBCCDD, 3, NackReason::kInvalidData));
  ASSERT_TRUE(nack.ok());
  EXPECT_EQ(nack->nack().reason(), 2u);
}

TEST(Frames, UplinkRejectsShortStartAndData) {
  // 23 bytes: header, method and IV, no UID (wm-wps sliced on regardless).
  absl::StatusOr<wm::v1::ProvisioningFrame> short_start =
      DecodeUplinkFrame(EncodeStartFrame(1, 2, 0, kIv, ""));
  EXPECT_EQ(short_start.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_start.status().message().find("at least 24 bytes, got 23"), std::string::npos)
      << short_start.status();
  // A 15-byte "IV" and a one-byte UID: 23 bytes again.
  EXPECT_FALSE(DecodeUplinkFrame(EncodeStartFrame(1, 2, 0, kIv.substr(0, 15), "u")).ok());
  EXPECT_FALSE(DecodeUplinkFrame("").ok());
  EXPECT_FALSE(DecodeUplinkFrame(std::string("\x01\x00\x00", 3)).ok());
  // A DATA is what the server sends: a node never does.
  absl::StatusOr<wm::v1::ProvisioningFrame> data =
      DecodeUplinkFrame(EncodeDataFrame({1, 2, 0, 3}, "x"));
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  // Unknown type, and a DATA_ACK with a trailing byte.
  EXPECT_FALSE(DecodeUplinkFrame(PayloadBuilder().U8(9).U32(1).U8(2).str()).ok());
  EXPECT_FALSE(DecodeUplinkFrame(EncodeDataAckFrame(1, 2) + "x").ok());
}

wm::v1::ProvisioningFrame ValidStart() {
  wm::v1::ProvisioningFrame f;
  f.set_msg_type(1);
  f.set_node_address(5);
  f.set_session_id(6);
  f.mutable_start()->set_method(1);
  f.mutable_start()->set_iv(kIv);
  f.mutable_start()->set_uid("u");
  return f;
}

TEST(Frames, ValidateUplinkFrameChecksEveryField) {
  EXPECT_TRUE(ValidateUplinkFrame(ValidStart()).ok());

  auto f = ValidStart();
  f.mutable_start()->set_iv(kIv.substr(0, 15));
  EXPECT_NE(ValidateUplinkFrame(f).message().find("iv is 15 bytes"), std::string::npos);
  f = ValidStart();
  f.mutable_start()->set_iv(kIv + "x");
  EXPECT_FALSE(ValidateUplinkFrame(f).ok());
  f = ValidStart();
  f.mutable_start()->clear_uid();
  EXPECT_NE(ValidateUplinkFrame(f).message().find("uid is empty"), std::string::npos);
  f = ValidStart();
  f.mutable_start()->set_method(256);
  EXPECT_FALSE(ValidateUplinkFrame(f).ok());
  f = ValidStart();
  f.set_session_id(256);
  EXPECT_FALSE(ValidateUplinkFrame(f).ok());
  f = ValidStart();
  f.set_msg_type(3);  // says DATA_ACK, carries a START
  EXPECT_NE(ValidateUplinkFrame(f).message().find("does not match"), std::string::npos);

  wm::v1::ProvisioningFrame nack;
  nack.set_msg_type(4);
  nack.mutable_nack()->set_reason(300);
  EXPECT_FALSE(ValidateUplinkFrame(nack).ok());
  nack.mutable_nack()->set_reason(3);
  EXPECT_TRUE(ValidateUplinkFrame(nack).ok());

  wm::v1::ProvisioningFrame empty;
  empty.set_msg_type(3);
  EXPECT_NE(ValidateUplinkFrame(empty).message().find("without a body"), std::string::npos);
  empty.mutable_data_ack();
  EXPECT_TRUE(ValidateUplinkFrame(empty).ok());

  wm::v1::ProvisioningFrame data;
  data.set_msg_type(2);
  data.mutable_data()->set_data("x");
  EXPECT_FALSE(ValidateUplinkFrame(data).ok());
}

TEST(Frames, FormatUid) {
  EXPECT_EQ(FormatUid("node-7"), "node-7");
  EXPECT_EQ(FormatUid(std::string("\x01\xAB", 2)), "0x01ab");
  EXPECT_EQ(FormatUid("tab\there"), "0x7461620968657265");
  EXPECT_EQ(FormatUid(""), "0x");
}

}  // namespace
}  // namespace wm::provisioning
