#include "libs/decoders/test_network.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {

DecodeStatus DecodeTestNetwork(std::string_view payload, wm::v1::TestNetworkReport* out) {
  out->Clear();
  ByteReader r(payload);
  while (r.remaining() > 0) {
    const size_t start = r.offset();
    uint8_t id = 0, size = 0;
    r.U8(&id);
    if (id == 0) break;
    const auto truncated = [&](size_t needed) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "test-network row " + std::to_string(out->rows_size()) + " at offset " +
                             std::to_string(start) + " needs " + std::to_string(needed) +
                             " bytes, " + std::to_string(payload.size() - start) + " remain"};
    };
    if (!r.U8(&size)) return truncated(2);
    const uint32_t number_of_fields = size & 0x3F;
    const uint32_t bytes_per_field = (size >> 6) + 1;
    if (r.remaining() < number_of_fields * bytes_per_field) {
      return truncated(2 + number_of_fields * bytes_per_field);
    }
    wm::v1::TestNetworkRow* row = out->add_rows();
    row->set_testdata_id(id & 0x0F);
    row->set_id_ctrl(id & 0xF0);
    row->set_number_of_fields(number_of_fields);
    row->set_bytes_per_field(bytes_per_field);
    for (uint32_t f = 0; f < number_of_fields; ++f) {
      uint32_t value = 0;
      for (uint32_t b = 0; b < bytes_per_field; ++b) value |= uint32_t{r.U8OrZero()} << (8 * b);
      row->add_datafields(value);
    }
    out->set_row_count(out->rows_size());
  }
  return std::nullopt;
}

}  // namespace wm::decoders
