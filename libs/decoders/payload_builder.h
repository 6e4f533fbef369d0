#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wm::decoders {

// Builds a little-endian payload field by field, so that tests, fuzz seeds and benchmarks
// spell out a layout the way docs/payloads.md lists it:
//
//   std::string traffic = PayloadBuilder().U16(0x0305).U8(11).U8(90).str();
class PayloadBuilder {
 public:
  PayloadBuilder& U8(uint32_t v) {
    bytes_.push_back(static_cast<char>(v & 0xFF));
    return *this;
  }
  PayloadBuilder& U16(uint32_t v) { return U8(v).U8(v >> 8); }
  PayloadBuilder& U24(uint32_t v) { return U16(v).U8(v >> 16); }
  PayloadBuilder& U32(uint32_t v) { return U16(v).U16(v >> 16); }
  PayloadBuilder& I32(int32_t v) { return U32(static_cast<uint32_t>(v)); }
  // `n` copies of the byte `v`.
  PayloadBuilder& Fill(size_t n, uint32_t v) {
    bytes_.append(n, static_cast<char>(v & 0xFF));
    return *this;
  }
  PayloadBuilder& Bytes(std::string_view v) {
    bytes_.append(v);
    return *this;
  }

  const std::string& str() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

}  // namespace wm::decoders
