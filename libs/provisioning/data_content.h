#pragma once

// The content of a provisioning DATA frame (docs/provisioning.md, "DATA content"): a CBOR map with
// unsigned integer keys
//
//   {0: encryption_key, 1: authentication_key, 2: network_address, 3: network_channel,
//    4: node_id, 5: node_role, 128..255: user-specific values}
//
// where 0 and 1 are always present and the others only when configured. The server encodes it
// with wm::decoders::CborWriter; a node (or the simulator) parses it back. Both sides apply the
// rules of the SDK's joining node, so that the server never sends content a node rejects:
// keys are 16-byte byte strings, the node role is a one-byte byte string, the network address,
// channel and node id are unsigned integers that are not 0 (the node's "not set").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wm::provisioning {

// Map keys of the content.
inline constexpr uint32_t kContentEncryptionKey = 0;
inline constexpr uint32_t kContentAuthenticationKey = 1;
inline constexpr uint32_t kContentNetworkAddress = 2;
inline constexpr uint32_t kContentNetworkChannel = 3;
inline constexpr uint32_t kContentNodeId = 4;
inline constexpr uint32_t kContentNodeRole = 5;
inline constexpr uint32_t kMinUserSpecificId = 128;
inline constexpr uint32_t kMaxUserSpecificId = 255;

// Size of the network's encryption and authentication keys.
inline constexpr size_t kNetworkKeySize = 16;
// Bounds of the numeric fields: a 24-bit network address, an 8-bit channel, a 32-bit node
// address that is neither 0 (any sink) nor 0xFFFFFFFF (broadcast).
inline constexpr uint32_t kMaxNetworkAddress = 0xFFFFFF;
inline constexpr uint32_t kMaxNetworkChannel = 0xFF;
inline constexpr uint32_t kMaxNodeId = 0xFFFFFFFE;

// A user-specific value (ids 128..255): a signed 64-bit integer, a byte string or a UTF-8 text
// string, encoded as the matching CBOR type.
struct UserSpecificValue {
  enum class Kind : uint8_t { kInt, kBytes, kText };

  static UserSpecificValue Int(int64_t value) { return {Kind::kInt, value, {}}; }
  static UserSpecificValue Bytes(std::string value) { return {Kind::kBytes, 0, std::move(value)}; }
  static UserSpecificValue Text(std::string value) { return {Kind::kText, 0, std::move(value)}; }

  Kind kind = Kind::kInt;
  int64_t integer = 0;  // kInt
  std::string string;   // kBytes, kText

  bool operator==(const UserSpecificValue& o) const {
    return kind == o.kind && integer == o.integer && string == o.string;
  }
};

// What a DATA frame gives a node. The keys are secrets: never log them.
struct DataContent {
  std::string encryption_key;      // kNetworkKeySize bytes
  std::string authentication_key;  // kNetworkKeySize bytes
  std::optional<uint32_t> network_address;
  std::optional<uint32_t> network_channel;
  std::optional<uint32_t> node_id;
  std::optional<uint8_t> node_role;
  std::map<uint32_t, UserSpecificValue> user_specific;  // ids kMinUserSpecificId..kMax...

  bool operator==(const DataContent& o) const {
    return encryption_key == o.encryption_key && authentication_key == o.authentication_key &&
           network_address == o.network_address && network_channel == o.network_channel &&
           node_id == o.node_id && node_role == o.node_role && user_specific == o.user_specific;
  }
};

// Checks `content` against the rules above (and user ids 128..255, text that is UTF-8).
// InvalidArgument naming the field; the message never contains a key.
absl::Status ValidateDataContent(const DataContent& content);

// The CBOR map of a valid `content`, keys in ascending order, each item in its shortest form
// (the bytes Python's cbor2.dumps gives for the same dict in that order). Errors as
// ValidateDataContent.
absl::StatusOr<std::string> EncodeDataContent(const DataContent& content);

// Node side: parses untrusted content bytes: one CBOR map, in either length form (an
// indefinite-length map, chunked strings: any valid CBOR another encoder may write).
// InvalidArgument (never naming key bytes) for bytes that are not exactly one CBOR map
// (malformed CBOR such as a missing break reports the reader's error and offset), an id that is not an unsigned integer in
// 0..5 or 128..255, an id given twice, a value of the wrong type or out of the bounds above, a
// user-specific value that is not an integer fitting int64, a byte string or a text string, or
// a missing encryption or authentication key.
absl::StatusOr<DataContent> ParseDataContent(std::string_view cbor);

}  // namespace wm::provisioning
