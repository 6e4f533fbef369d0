#pragma once

#include <cstdint>
#include <string_view>

namespace wm::decoders {

// Reads little-endian integers from an untrusted payload. Every read is bounds-checked: a
// read past the end returns false and leaves the value untouched, so callers never read
// outside the payload. `offset()` tells where decoding stopped, for error reports.
//
//   ByteReader r(payload);
//   uint16_t access_cycles;
//   if (!r.U16(&access_cycles)) return Truncated(r.offset());
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  bool U8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = byte(0);
    offset_ += 1;
    return true;
  }
  bool U16(uint16_t* v) {
    if (remaining() < 2) return false;
    *v = static_cast<uint16_t>(byte(0) | byte(1) << 8);
    offset_ += 2;
    return true;
  }
  // 24-bit little-endian value (node addresses in diagnostics).
  bool U24(uint32_t* v) {
    if (remaining() < 3) return false;
    *v = byte(0) | byte(1) << 8 | static_cast<uint32_t>(byte(2)) << 16;
    offset_ += 3;
    return true;
  }
  bool U32(uint32_t* v) {
    if (remaining() < 4) return false;
    *v = byte(0) | byte(1) << 8 | static_cast<uint32_t>(byte(2)) << 16 |
         static_cast<uint32_t>(byte(3)) << 24;
    offset_ += 4;
    return true;
  }
  // 32-bit little-endian two's complement (signed sensor readings).
  bool I32(int32_t* v) {
    uint32_t u = 0;
    if (!U32(&u)) return false;
    *v = static_cast<int32_t>(u);
    return true;
  }
  // The next `n` bytes as a view into the payload (for values kept as they were sent).
  bool Bytes(size_t n, std::string_view* v) {
    if (remaining() < n) return false;
    *v = bytes_.substr(offset_, n);
    offset_ += n;
    return true;
  }
  bool Skip(size_t n) {
    if (remaining() < n) return false;
    offset_ += n;
    return true;
  }

  // For fixed layouts whose length the caller checked first: the value, or 0 past the end
  // (never a read outside the payload).
  uint8_t U8OrZero() {
    uint8_t v = 0;
    U8(&v);
    return v;
  }
  uint16_t U16OrZero() {
    uint16_t v = 0;
    U16(&v);
    return v;
  }
  uint32_t U24OrZero() {
    uint32_t v = 0;
    U24(&v);
    return v;
  }
  uint32_t U32OrZero() {
    uint32_t v = 0;
    U32(&v);
    return v;
  }

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  size_t size() const { return bytes_.size(); }

 private:
  uint32_t byte(size_t i) const { return static_cast<uint8_t>(bytes_[offset_ + i]); }

  std::string_view bytes_;
  size_t offset_ = 0;
};

}  // namespace wm::decoders
