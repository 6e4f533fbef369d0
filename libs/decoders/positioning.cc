#include "libs/decoders/positioning.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {
namespace {

// Name the Python tool gave each known record type, or nullptr.
const char* MeasurementName(uint8_t type) {
  switch (type) {
    case kPosMeasRssShortRate:
      return "POS_APP_MEAS_RSS_SR";
    case kPosMeasRssHighRate:
      return "POS_APP_MEAS_RSS_HR";
    case kPosMeasVoltage:
      return "POS_APP_MEAS_VOLTAGE";
    case kPosMeasRssAnchor:
      return "POS_APP_MEAS_RSS_SR_ANCHOR";
    default:
      return nullptr;
  }
}

std::string Hex(uint8_t v) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[v >> 4] + kDigits[v & 0x0F];
}

}  // namespace

DecodeStatus DecodePositioning(std::string_view payload, wm::v1::PositioningReport* out) {
  out->Clear();
  ByteReader r(payload);
  uint16_t sequence = 0;
  if (!r.U16(&sequence)) {
    return DecodeError{kReasonTruncated, static_cast<uint32_t>(payload.size()),
                       "positioning reports start with a 2-byte sequence, got " +
                           std::to_string(payload.size()) + " bytes"};
  }
  out->set_sequence(sequence);

  while (r.remaining() > 0) {
    const size_t start = r.offset();
    uint8_t type = 0, length = 0;
    std::string_view value;
    if (!r.U8(&type) || !r.U8(&length)) {
      return DecodeError{
          kReasonTruncated, static_cast<uint32_t>(start),
          "positioning record header at offset " + std::to_string(start) + " is cut off"};
    }
    if (!r.Bytes(length, &value)) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "positioning record " + Hex(type) + " at offset " + std::to_string(start) +
                             " declares " + std::to_string(length) + " bytes, " +
                             std::to_string(r.remaining()) + " remain"};
    }
    const char* name = MeasurementName(type);
    if (name == nullptr) {
      wm::v1::TlvRecord* unknown = out->add_unknown_records();
      unknown->set_type(type);
      unknown->mutable_value()->assign(value.data(), value.size());
      continue;
    }
    const size_t entry_size = type == kPosMeasVoltage ? 2 : 4;
    if (length % entry_size != 0) {
      return DecodeError{kReasonBadValue, static_cast<uint32_t>(start + 1),
                         std::string(name) + " record at offset " + std::to_string(start) +
                             " has length " + std::to_string(length) + ", not a multiple of " +
                             std::to_string(entry_size)};
    }
    ByteReader entries(value);
    while (entries.remaining() > 0) {
      wm::v1::PositioningMeasurement* m = out->add_measurements();
      // assign() reuses a cleared message's string; set_name(const char*) would build a
      // temporary std::string first (protobuf 3.21), one allocation per measurement.
      m->mutable_name()->assign(name);
      m->set_meas_type(type);
      if (type == kPosMeasVoltage) {
        m->set_voltage(entries.U16OrZero());
      } else {
        m->set_address(entries.U24OrZero());
        // 0.0 - x rather than -x: a raw 0 is 0 dBm, not -0.
        m->set_rss(0.0 - 0.5 * entries.U8OrZero());
      }
    }
    out->set_nb_measurements(out->measurements_size());
  }
  return std::nullopt;
}

}  // namespace wm::decoders
