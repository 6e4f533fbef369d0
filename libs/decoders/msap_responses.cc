#include "libs/decoders/msap_responses.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {
namespace {

std::string Hex(uint8_t v) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[v >> 4] + kDigits[v & 0x0F];
}

// WP-RM-117 error response names, indexed by type - 0xF8.
constexpr std::string_view kErrorNames[] = {
    "ACCESS_DENIED", "WRITE_ONLY",     "INVALID_BROADCAST_REQUEST", "INVALID_BEGIN", "NO_SPACE",
    "INVALID_VALUE", "INVALID_LENGTH", "UNKNOWN_REQUEST",
};

// The stored scratchpad, the processed one and the firmware version: the first 24 bytes of
// every layout. `body` holds at least 24 bytes.
void ReadScratchpadStatusV1(ByteReader& r, wm::v1::MsapScratchpadStatus* s) {
  s->set_stored_len(r.U32OrZero());
  s->set_stored_crc(r.U16OrZero());
  s->set_stored_seq(r.U8OrZero());
  s->set_stored_type(r.U8OrZero());
  s->set_stored_status(r.U8OrZero());
  s->set_processed_len(r.U32OrZero());
  s->set_processed_crc(r.U16OrZero());
  s->set_processed_seq(r.U8OrZero());
  s->set_fw_area_id(r.U32OrZero());
  s->set_fw_major(r.U8OrZero());
  s->set_fw_minor(r.U8OrZero());
  s->set_fw_maint(r.U8OrZero());
  s->set_fw_devel(r.U8OrZero());
}

// The scratchpad that produced the application and its version: body bytes 24..38.
void ReadScratchpadStatusV2(ByteReader& r, wm::v1::MsapScratchpadStatus* s) {
  s->set_app_len(r.U32OrZero());
  s->set_app_crc(r.U16OrZero());
  s->set_app_seq(r.U8OrZero());
  s->set_app_area_id(r.U32OrZero());
  s->set_app_major(r.U8OrZero());
  s->set_app_minor(r.U8OrZero());
  s->set_app_maint(r.U8OrZero());
  s->set_app_devel(r.U8OrZero());
}

// The OTAP target and action: body bytes 39..46.
void ReadScratchpadStatusV3(ByteReader& r, wm::v1::MsapScratchpadStatus* s) {
  s->set_action(r.U8OrZero());
  s->set_target_seq(r.U8OrZero());
  s->set_target_crc(r.U16OrZero());
  s->set_target_delay(r.U16OrZero());
  s->set_remaining_delay(r.U16OrZero());
}

// The lengths a known frame type allows, written out, when `length` is not one of them;
// nullptr when it is (types not listed allow any length).
const char* DisallowedLength(uint8_t type, size_t length) {
  switch (type) {
    case kMsapPingResponse:
      return length >= 1 && length <= kMsapPingMaxReference ? nullptr : "1..16";
    case kMsapBeginResponse:
    case kMsapEndResponse:
    case kMsapCancelResponse:
      return length == 0 ? nullptr : "0";
    case kMsapUpdateResponse:
      return length == 2 ? nullptr : "2";
    case kMsapScratchpadStatusResponse:
      return length == kMsapScratchpadStatusV1Length || length == kMsapScratchpadStatusV2Length ||
                     length == kMsapScratchpadStatusV3Length
                 ? nullptr
                 : "24, 39 or 47";
    case kMsapScratchpadUpdateResponse:
      return length == 1 ? nullptr : "1";
    default:
      return nullptr;
  }
}

void DecodeFrame(uint8_t type, std::string_view body, wm::v1::MsapResponseFrame* frame) {
  ByteReader r(body);
  switch (type) {
    case kMsapPingResponse:
      frame->mutable_ping()->set_reference(body.data(), body.size());
      return;
    case kMsapBeginResponse:
      frame->mutable_begin();
      return;
    case kMsapEndResponse:
      frame->mutable_end();
      return;
    case kMsapCancelResponse:
      frame->mutable_cancel();
      return;
    case kMsapUpdateResponse:
      frame->mutable_update()->set_countdown(r.U16OrZero());
      return;
    case kMsapScratchpadStatusResponse: {
      wm::v1::MsapScratchpadStatus* s = frame->mutable_scratchpad_status();
      ReadScratchpadStatusV1(r, s);
      s->set_version(1);
      if (body.size() >= kMsapScratchpadStatusV2Length) {
        ReadScratchpadStatusV2(r, s);
        s->set_version(2);
      }
      if (body.size() >= kMsapScratchpadStatusV3Length) {
        ReadScratchpadStatusV3(r, s);
        s->set_version(3);
      }
      return;
    }
    case kMsapScratchpadUpdateResponse:
      frame->mutable_scratchpad_update()->set_seq(r.U8OrZero());
      return;
    case kDiagnosticControlResponse: {
      wm::v1::MsapDiagnosticControlAck* ack = frame->mutable_diagnostic_control();
      ack->set_body(body.data(), body.size());
      // Read as the request's interval u16 and content byte when it has their size.
      if (body.size() == 3) {
        ack->set_interval(r.U16OrZero());
        ack->set_content(r.U8OrZero());
      }
      return;
    }
    default:
      break;
  }
  if (type >= kMsapFirstErrorResponse) {
    wm::v1::MsapErrorResponse* error = frame->mutable_error();
    const std::string_view name = kErrorNames[type - kMsapFirstErrorResponse];
    error->mutable_error_name()->assign(name.data(), name.size());
    error->set_body(body.data(), body.size());
    return;
  }
  frame->set_unknown(body.data(), body.size());
}

}  // namespace

DecodeStatus DecodeMsapResponses(std::string_view payload, wm::v1::MsapResponses* out) {
  out->Clear();
  if (payload.empty()) {
    return DecodeError{kReasonTruncated, 0,
                       "an MSAP response holds at least one frame, got 0 bytes"};
  }
  ByteReader r(payload);
  while (r.remaining() > 0) {
    const size_t start = r.offset();
    uint8_t type = 0, length = 0;
    std::string_view body;
    if (!r.U8(&type) || !r.U8(&length)) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "MSAP frame header at offset " + std::to_string(start) + " is cut off"};
    }
    if (!r.Bytes(length, &body)) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "MSAP frame " + Hex(type) + " at offset " + std::to_string(start) +
                             " declares " + std::to_string(length) + " bytes, " +
                             std::to_string(r.remaining()) + " remain"};
    }
    if (const char* expected = DisallowedLength(type, length)) {
      return DecodeError{kReasonWrongLength, static_cast<uint32_t>(start + 1),
                         "MSAP frame " + Hex(type) + " at offset " + std::to_string(start) +
                             " has length " + std::to_string(length) + ", expected " + expected};
    }
    wm::v1::MsapResponseFrame* frame = out->add_frames();
    frame->set_type(type);
    frame->set_offset(static_cast<uint32_t>(start));
    DecodeFrame(type, body, frame);
  }
  return std::nullopt;
}

}  // namespace wm::decoders
