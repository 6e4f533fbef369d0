#pragma once

// Tests only: writes protobuf wire bytes by hand from field numbers and wire types, so that
// tests compare encoder output against bytes derived from docs/gateway-api.md "The wire protobuf
// files", not from protobuf itself, and can build messages protobuf would refuse to (unknown enum
// values, missing fields).
//
//   // ResponseHeader {req_id: 5, gw_id: "gw", res: 42}
//   std::string bytes = V(1, 5) + L(2, "gw") + V(4, 42);

#include <cstdint>
#include <string>
#include <string_view>

namespace wm::wirepas::testing {

inline constexpr int kVarintWireType = 0;
inline constexpr int kLenWireType = 2;

// Base-128 varint.
inline std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

// Field key: field number and wire type.
inline std::string Tag(int field, int wire_type) {
  return Varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type));
}

// A varint-typed field (uint32, uint64, bool, enum). Negative enums: pass the value
// sign-extended, e.g. static_cast<uint64_t>(int64_t{-1}).
inline std::string V(int field, uint64_t value) {
  return Tag(field, kVarintWireType) + Varint(value);
}

// A length-delimited field (string, bytes, sub-message).
inline std::string L(int field, std::string_view content) {
  return Tag(field, kLenWireType) + Varint(content.size()) + std::string(content);
}

}  // namespace wm::wirepas::testing
