#pragma once

// Frames of the Wirepas provisioning protocol (docs/provisioning.md, "Frames"): encoders for every
// frame type, and checks on uplink frames decoded by //libs/decoders:provisioning_frame.
//
// Every frame starts with the same 6-byte header: msg_type u8 | node_address (4 bytes, written
// and read as u32 little-endian, like the decoder) | session_id u8.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "protos/wm/v1/provisioning.pb.h"

namespace wm::provisioning {

// Byte 6 of a START: how the node wants its DATA protected.
enum class ProvisioningMethod : uint8_t {
  kUnsecured = 0,  // DATA carries plain CBOR, key_index 0
  kSecured = 1,    // DATA is encrypted and authenticated with the node's factory key, key_index 1
};

// Byte 6 of a NACK.
enum class NackReason : uint8_t {
  kNotAuthorized = 0,
  kMethodNotSupported = 1,
  kInvalidData = 2,
  kInvalidKey = 3,
};

// The DATA key_index of each method.
inline constexpr uint8_t kKeyIndexUnsecured = 0;
inline constexpr uint8_t kKeyIndexFactoryKey = 1;

// DATA header: the common header, key_index u8, counter u16 little-endian.
inline constexpr size_t kDataHeaderSize = 9;
// The largest frame a joining node handles (PROV_PDU_SIZE of the SDK's provisioning library):
// a DATA's content must fit in it with the header, and with the MIC when secured.
inline constexpr size_t kMaxFrameSize = 102;

// The fields of a DATA frame before its data.
struct DataFrameHeader {
  uint32_t node_address = 0;
  uint8_t session_id = 0;
  uint8_t key_index = 0;
  uint16_t counter = 0;
};

// The 9 header bytes of a DATA frame (the secured method authenticates them with the content).
std::string EncodeDataHeader(const DataFrameHeader& header);

// DATA (2), server -> node: the header followed by `data` (plain CBOR, or ciphertext of CBOR and
// MIC). `data` must not be empty (a node, and our decoder, need at least one byte).
std::string EncodeDataFrame(const DataFrameHeader& header, std::string_view data);

// NACK (4), either way: the header and the reason (7 bytes).
std::string EncodeNackFrame(uint32_t node_address, uint8_t session_id, NackReason reason);

// START (1), node -> server: header, method, 16-byte IV, UID (for the node simulator and tests;
// no length checks: it writes what it is given).
std::string EncodeStartFrame(uint32_t node_address, uint8_t session_id, uint8_t method,
                             std::string_view iv, std::string_view uid);

// DATA_ACK (3), node -> server: the header alone (6 bytes).
std::string EncodeDataAckFrame(uint32_t node_address, uint8_t session_id);

// A UID for log lines and errors: its text when every byte is printable ASCII, else "0x" and
// hex digits (a UID is not a secret).
std::string FormatUid(std::string_view uid);

// Decodes a frame a node sent to the server (START, DATA_ACK or NACK) with
// wm::decoders::DecodeProvisioningFrame. InvalidArgument, with the decoder's message, for bytes
// that do not decode, and for a DATA (only the server sends DATA).
absl::StatusOr<wm::v1::ProvisioningFrame> DecodeUplinkFrame(std::string_view payload);

// Checks a decoded uplink frame from another process (e.g. an event of wm-ingest) before a
// session acts on it: msg_type matches the body, a START has a 16-byte IV and a UID,
// session_id, method and reason fit in a byte. InvalidArgument naming the field otherwise.
absl::Status ValidateUplinkFrame(const wm::v1::ProvisioningFrame& frame);

}  // namespace wm::provisioning
