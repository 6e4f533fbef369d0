#include "libs/decoders/provisioning_frame.h"

#include <algorithm>
#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {
namespace {

std::string_view MethodName(uint32_t method) {
  switch (method) {
    case 0:
      return "UNSECURED";
    case 1:
      return "SECURED";
    default:
      return "";
  }
}

std::string_view NackReasonName(uint32_t reason) {
  switch (reason) {
    case 0:
      return "NOT_AUTHORIZED";
    case 1:
      return "METHOD_NOT_SUPPORTED";
    case 2:
      return "INVALID_DATA";
    case 3:
      return "INVALID_KEY";
    default:
      return "";
  }
}

DecodeError TooShort(std::string_view what, size_t minimum, size_t size) {
  return DecodeError{kReasonTruncated, static_cast<uint32_t>(size),
                     "provisioning " + std::string(what) + " needs at least " +
                         std::to_string(minimum) + " bytes, got " + std::to_string(size)};
}

DecodeError NotExactly(std::string_view what, size_t expected, size_t size) {
  return DecodeError{kReasonWrongLength, static_cast<uint32_t>(std::min(size, expected)),
                     "provisioning " + std::string(what) + " is " + std::to_string(expected) +
                         " bytes, got " + std::to_string(size)};
}

}  // namespace

DecodeStatus DecodeProvisioningFrame(std::string_view payload, wm::v1::ProvisioningFrame* out) {
  out->Clear();
  if (payload.size() < kProvisioningHeaderSize) {
    return TooShort("frame header", kProvisioningHeaderSize, payload.size());
  }
  ByteReader r(payload);
  const uint8_t type = r.U8OrZero();
  // Four raw bytes (the Python server kept them as bytes), read as u32 little-endian like the
  // protocol's other multi-byte field, the DATA counter.
  const uint32_t node_address = r.U32OrZero();
  const uint8_t session_id = r.U8OrZero();
  out->set_msg_type(type);
  out->set_node_address(node_address);
  out->set_session_id(session_id);

  switch (type) {
    case kProvisioningStart: {
      if (payload.size() < kProvisioningStartMinSize) {
        return TooShort("START (method, 16-byte IV, UID)", kProvisioningStartMinSize,
                        payload.size());
      }
      wm::v1::ProvisioningStart* start = out->mutable_start();
      const uint8_t method = r.U8OrZero();
      std::string_view iv, uid;
      r.Bytes(kProvisioningIvSize, &iv);
      r.Bytes(r.remaining(), &uid);
      start->set_method(method);
      const std::string_view name = MethodName(method);
      start->mutable_method_name()->assign(name.data(), name.size());
      start->set_iv(iv.data(), iv.size());
      start->set_uid(uid.data(), uid.size());
      return std::nullopt;
    }
    case kProvisioningData: {
      if (payload.size() < kProvisioningDataMinSize) {
        return TooShort("DATA (key index, counter, data)", kProvisioningDataMinSize,
                        payload.size());
      }
      wm::v1::ProvisioningData* data = out->mutable_data();
      data->set_key_index(r.U8OrZero());
      data->set_counter(r.U16OrZero());
      std::string_view bytes;
      r.Bytes(r.remaining(), &bytes);
      data->set_data(bytes.data(), bytes.size());
      return std::nullopt;
    }
    case kProvisioningDataAck:
      if (payload.size() != kProvisioningHeaderSize) {
        return NotExactly("DATA_ACK", kProvisioningHeaderSize, payload.size());
      }
      out->mutable_data_ack();
      return std::nullopt;
    case kProvisioningNack: {
      if (payload.size() != kProvisioningNackSize) {
        return NotExactly("NACK", kProvisioningNackSize, payload.size());
      }
      wm::v1::ProvisioningNack* nack = out->mutable_nack();
      const uint8_t reason = r.U8OrZero();
      nack->set_reason(reason);
      const std::string_view name = NackReasonName(reason);
      nack->mutable_reason_name()->assign(name.data(), name.size());
      return std::nullopt;
    }
    default:
      return DecodeError{kReasonBadValue, 0,
                         "provisioning message type " + std::to_string(type) +
                             " is not START (1), DATA (2), DATA_ACK (3) or NACK (4)"};
  }
}

}  // namespace wm::decoders
