#pragma once

// The secured provisioning method (docs/provisioning.md, "Secured method"): the DATA content is
// authenticated with AES-CMAC and encrypted with AES-128 in counter mode, under keys derived
// from the node's 32-byte factory key:
//
//   auth_key = factory_key[0:16], enc_key = factory_key[16:32]
//   MIC  = AES-CMAC(auth_key, DATA header with key_index 1 and the counter ‖ plaintext)[0:5]
//   ICB  = (counter + int_LE(IV)) mod 2^128, as 16 bytes little-endian (IV from the START)
//   data = AES-128-CTR(enc_key, ICB, plaintext ‖ MIC), the counter block incremented as a
//          128-bit LITTLE-endian integer (OpenSSL's CTR mode counts big-endian, so the key
//          stream is built here from AES-128-ECB blocks)
//
// The server seals (SealSecuredData); a node, or the simulator standing in for one, opens
// (OpenSecuredData). No function here logs or returns key material in an error.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/provisioning/frames.h"

namespace wm::provisioning {

inline constexpr size_t kAesKeySize = 16;
inline constexpr size_t kAesBlockSize = 16;
// auth_key ‖ enc_key.
inline constexpr size_t kFactoryKeySize = 32;
inline constexpr size_t kIvSize = 16;
inline constexpr size_t kMicSize = 5;

// One AES block: a CMAC tag or a counter block.
using AesBlock = std::array<uint8_t, kAesBlockSize>;

// AES-CMAC (RFC 4493, OpenSSL's CMAC over AES-128-CBC) of `message` under a 16-byte `key`.
// InvalidArgument for another key size; Internal when OpenSSL fails.
absl::StatusOr<AesBlock> AesCmac(std::string_view key, std::string_view message);

// The initial counter block: (counter + int_LE(iv)) mod 2^128, as 16 bytes little-endian.
// InvalidArgument unless `iv` is 16 bytes.
absl::StatusOr<AesBlock> InitialCounterBlock(uint16_t counter, std::string_view iv);

// AES-128 in counter mode with a 128-bit little-endian counter that starts at
// `initial_counter_block` and wraps modulo 2^128. Encrypting and decrypting are the same
// operation. InvalidArgument for a key that is not 16 bytes; Internal when OpenSSL fails.
absl::StatusOr<std::string> AesCtrLittleEndian(std::string_view key,
                                               const AesBlock& initial_counter_block,
                                               std::string_view data);

// The 5-byte MIC of a secured DATA: the first bytes of AES-CMAC(auth_key, EncodeDataHeader(
// header) ‖ plaintext). `header.key_index` must be kKeyIndexFactoryKey (InvalidArgument).
absl::StatusOr<std::string> SecuredDataMic(std::string_view auth_key, const DataFrameHeader& header,
                                           std::string_view plaintext);

// Server side: the data field of a secured DATA frame that carries `plaintext` (the CBOR
// content) to the node that sent `iv` in its START:
// AES-128-CTR(enc_key, ICB(header.counter, iv), plaintext ‖ MIC).
// InvalidArgument for a factory key that is not 32 bytes, an IV that is not 16 bytes or a
// key_index other than 1.
absl::StatusOr<std::string> SealSecuredData(std::string_view factory_key,
                                            const DataFrameHeader& header, std::string_view iv,
                                            std::string_view plaintext);

// Node side, the inverse: decrypts the data field of a secured DATA frame and checks its MIC.
// Returns the plaintext (the CBOR content). InvalidArgument for a wrong key, IV or key_index,
// or data shorter than the MIC; Unauthenticated when the MIC does not match (tampered data,
// another key, IV, header or counter).
absl::StatusOr<std::string> OpenSecuredData(std::string_view factory_key,
                                            const DataFrameHeader& header, std::string_view iv,
                                            std::string_view data);

}  // namespace wm::provisioning
