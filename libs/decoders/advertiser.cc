#include "libs/decoders/advertiser.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {
namespace {

// The entry of `address`, appended when the address is new. Reports hold a few dozen records
// at most (one radio frame), so a linear search is the cheapest.
wm::v1::AdvertiserEntry* EntryFor(uint32_t address, wm::v1::AdvertiserReport* out) {
  for (wm::v1::AdvertiserEntry& entry : *out->mutable_adv()) {
    if (entry.address() == address) return &entry;
  }
  wm::v1::AdvertiserEntry* entry = out->add_adv();
  entry->set_address(address);
  return entry;
}

}  // namespace

DecodeStatus DecodeAdvertiser(std::string_view payload, wm::v1::AdvertiserReport* out) {
  out->Clear();
  ByteReader r(payload);
  uint8_t type_byte = 0, message_count = 0;
  if (!r.U8(&type_byte) || !r.U8(&message_count)) {
    return DecodeError{kReasonTruncated, static_cast<uint32_t>(payload.size()),
                       "advertiser reports start with a 2-byte header, got " +
                           std::to_string(payload.size()) + " bytes"};
  }
  const bool four_byte_addresses = (type_byte & 0x80) != 0;
  const uint32_t adv_type = type_byte & 0x7F;
  out->set_adv_type(adv_type);
  out->set_adv_message_count(message_count);
  out->set_four_byte_addresses(four_byte_addresses);

  const size_t record_size = four_byte_addresses ? 5 : 4;
  while (r.remaining() > 0) {
    const size_t start = r.offset();
    if (r.remaining() < record_size) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "advertiser record at offset " + std::to_string(start) + " has " +
                             std::to_string(r.remaining()) + " of " + std::to_string(record_size) +
                             " bytes"};
    }
    uint32_t address = 0;
    uint8_t value = 0;
    if (four_byte_addresses) {
      r.U32(&address);
    } else {
      r.U24(&address);
    }
    r.U8(&value);
    wm::v1::AdvertiserEntry* entry = EntryFor(address, out);
    switch (adv_type) {
      case kAdvTypeRss:
        // Every RSS goes to rss, 0.0 dBm (value 254) included: the Python tool tested the
        // float's truth and filed an RSS of exactly 0.0 under value.
        entry->add_rss(value / 2.0 - 127.0);
        break;
      case kAdvTypeOtap:
        entry->add_otap(value);
        break;
      case kAdvTypeSequence:
        entry->add_sequence(value);
        break;
      default:
        entry->add_value(value);
        break;
    }
  }
  return std::nullopt;
}

}  // namespace wm::decoders
