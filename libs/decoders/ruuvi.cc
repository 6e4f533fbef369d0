#include "libs/decoders/ruuvi.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {
namespace {

// Value size of a known record id, or 0 for an unknown one.
size_t ValueSize(uint8_t id) {
  switch (id) {
    case 1:
      return 2;
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
      return 4;
    default:
      return 0;
  }
}

}  // namespace

DecodeStatus DecodeRuuvi(std::string_view payload, wm::v1::RuuviReport* out) {
  out->Clear();
  ByteReader r(payload);
  while (r.remaining() > 0) {
    const size_t start = r.offset();
    uint8_t id = 0, length = 0;
    std::string_view value;
    if (!r.U8(&id) || !r.U8(&length)) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "ruuvi record header at offset " + std::to_string(start) + " is cut off"};
    }
    if (!r.Bytes(length, &value)) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "ruuvi record " + std::to_string(id) + " at offset " +
                             std::to_string(start) + " declares " + std::to_string(length) +
                             " bytes, " + std::to_string(r.remaining()) + " remain"};
    }
    const size_t size = ValueSize(id);
    if (size == 0) {
      wm::v1::TlvRecord* unknown = out->add_unknown_records();
      unknown->set_type(id);
      unknown->mutable_value()->assign(value.data(), value.size());
      continue;
    }
    if (length != size) {
      return DecodeError{kReasonBadValue, static_cast<uint32_t>(start + 1),
                         "ruuvi record " + std::to_string(id) + " at offset " +
                             std::to_string(start) + " has length " + std::to_string(length) +
                             ", expected " + std::to_string(size)};
    }
    ByteReader v(value);
    int32_t i32 = 0;
    uint32_t u32 = 0;
    switch (id) {
      case 1:
        out->set_counter(v.U16OrZero());
        break;
      case 2:
        v.I32(&i32);
        out->set_temperature(i32 * 0.01);
        break;
      case 3:
        v.U32(&u32);
        out->set_humidity(u32 * (1 / 1024.0));
        break;
      case 4:
        // Units of 0.01 Pa; x 0.0001 gives hPa. Scaling multiplies by the factor, as the
        // Python tool did, so that values match it to the last bit.
        v.U32(&u32);
        out->set_pressure(u32 * 0.0001);
        break;
      case 5:
        v.I32(&i32);
        out->set_acc_x(i32 * 0.001);
        break;
      case 6:
        v.I32(&i32);
        out->set_acc_y(i32 * 0.001);
        break;
      case 7:
        v.I32(&i32);
        out->set_acc_z(i32 * 0.001);
        break;
    }
  }
  return std::nullopt;
}

}  // namespace wm::decoders
