#include "libs/provisioning/frames.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/decoders/provisioning_frame.h"
#include "third_party/system/string_view_compat.h"

namespace wm::provisioning {
namespace {

void AppendU8(std::string* out, uint32_t v) { out->push_back(static_cast<char>(v & 0xFF)); }

void AppendU16(std::string* out, uint32_t v) {
  AppendU8(out, v);
  AppendU8(out, v >> 8);
}

void AppendHeader(std::string* out, uint8_t type, uint32_t node_address, uint8_t session_id) {
  AppendU8(out, type);
  AppendU16(out, node_address);
  AppendU16(out, node_address >> 16);
  AppendU8(out, session_id);
}

}  // namespace

std::string EncodeDataHeader(const DataFrameHeader& header) {
  std::string out;
  out.reserve(kDataHeaderSize);
  AppendHeader(&out, wm::decoders::kProvisioningData, header.node_address, header.session_id);
  AppendU8(&out, header.key_index);
  AppendU16(&out, header.counter);
  return out;
}

std::string EncodeDataFrame(const DataFrameHeader& header, std::string_view data) {
  std::string out = EncodeDataHeader(header);
  out.append(data);
  return out;
}

std::string EncodeNackFrame(uint32_t node_address, uint8_t session_id, NackReason reason) {
  std::string out;
  AppendHeader(&out, wm::decoders::kProvisioningNack, node_address, session_id);
  AppendU8(&out, static_cast<uint8_t>(reason));
  return out;
}

std::string EncodeStartFrame(uint32_t node_address, uint8_t session_id, uint8_t method,
                             std::string_view iv, std::string_view uid) {
  std::string out;
  AppendHeader(&out, wm::decoders::kProvisioningStart, node_address, session_id);
  AppendU8(&out, method);
  out.append(iv);
  out.append(uid);
  return out;
}

std::string EncodeDataAckFrame(uint32_t node_address, uint8_t session_id) {
  std::string out;
  AppendHeader(&out, wm::decoders::kProvisioningDataAck, node_address, session_id);
  return out;
}

std::string FormatUid(std::string_view uid) {
  const bool printable = !uid.empty() && std::all_of(uid.begin(), uid.end(),
                                                     [](char c) { return c >= 0x20 && c <= 0x7E; });
  if (printable) return std::string(uid);
  return absl::StrCat("0x", absl::BytesToHexString(ToAbsl(uid)));
}

absl::StatusOr<wm::v1::ProvisioningFrame> DecodeUplinkFrame(std::string_view payload) {
  wm::v1::ProvisioningFrame frame;
  const wm::decoders::DecodeStatus error = wm::decoders::DecodeProvisioningFrame(payload, &frame);
  if (error.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("provisioning frame: ", error->message, " (", ToAbsl(error->reason), ")"));
  }
  if (frame.has_data()) {
    return absl::InvalidArgumentError("provisioning frame: DATA is sent by the server, not a node");
  }
  return frame;
}

absl::Status ValidateUplinkFrame(const wm::v1::ProvisioningFrame& frame) {
  if (frame.session_id() > 0xFF) {
    return absl::InvalidArgumentError(
        absl::StrCat("provisioning frame: session_id ", frame.session_id(), " is not a byte"));
  }
  switch (frame.body_case()) {
    case wm::v1::ProvisioningFrame::kStart: {
      if (frame.msg_type() != wm::decoders::kProvisioningStart) break;
      const wm::v1::ProvisioningStart& start = frame.start();
      if (start.method() > 0xFF) {
        return absl::InvalidArgumentError(
            absl::StrCat("provisioning START: method ", start.method(), " is not a byte"));
      }
      if (start.iv().size() != wm::decoders::kProvisioningIvSize) {
        return absl::InvalidArgumentError(absl::StrCat("provisioning START: iv is ",
                                                       start.iv().size(), " bytes, not ",
                                                       wm::decoders::kProvisioningIvSize));
      }
      if (start.uid().empty()) {
        return absl::InvalidArgumentError("provisioning START: uid is empty");
      }
      return absl::OkStatus();
    }
    case wm::v1::ProvisioningFrame::kDataAck:
      if (frame.msg_type() != wm::decoders::kProvisioningDataAck) break;
      return absl::OkStatus();
    case wm::v1::ProvisioningFrame::kNack:
      if (frame.msg_type() != wm::decoders::kProvisioningNack) break;
      if (frame.nack().reason() > 0xFF) {
        return absl::InvalidArgumentError(
            absl::StrCat("provisioning NACK: reason ", frame.nack().reason(), " is not a byte"));
      }
      return absl::OkStatus();
    case wm::v1::ProvisioningFrame::kData:
      return absl::InvalidArgumentError(
          "provisioning frame: DATA is sent by the server, not a node");
    case wm::v1::ProvisioningFrame::BODY_NOT_SET:
      return absl::InvalidArgumentError(
          absl::StrCat("provisioning frame: msg_type ", frame.msg_type(), " without a body"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("provisioning frame: msg_type ", frame.msg_type(), " does not match its body"));
}

}  // namespace wm::provisioning
