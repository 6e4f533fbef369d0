#include "libs/provisioning/secure_data.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "third_party/system/string_view_compat.h"

namespace wm::provisioning {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct MacFree {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status CheckKey(std::string_view what, std::string_view key, size_t size) {
  if (key.size() != size) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), " must be ", size, " bytes, got ", key.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckSecuredHeader(const DataFrameHeader& header) {
  if (header.key_index != kKeyIndexFactoryKey) {
    return absl::InvalidArgumentError(absl::StrCat(
        "secured DATA needs key_index ", kKeyIndexFactoryKey, ", got ", header.key_index));
  }
  return absl::OkStatus();
}

// Adds one to a 128-bit little-endian integer, modulo 2^128.
void IncrementLittleEndian(AesBlock& block) {
  for (uint8_t& byte : block) {
    if (++byte != 0) return;
  }
}

// Wipes a buffer that held key stream or plaintext MIC input.
void Cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

}  // namespace

absl::StatusOr<AesBlock> AesCmac(std::string_view key, std::string_view message) {
  if (absl::Status s = CheckKey("AES-CMAC key", key, kAesKeySize); !s.ok()) return s;
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_CMAC, nullptr));
  if (mac == nullptr) return absl::InternalError("OpenSSL has no CMAC");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  if (ctx == nullptr) return absl::InternalError("OpenSSL: EVP_MAC_CTX_new failed");
  char cipher[] = "AES-128-CBC";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
      OSSL_PARAM_construct_end(),
  };
  AesBlock tag{};
  size_t tag_size = 0;
  if (EVP_MAC_init(ctx.get(), Bytes(key), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), Bytes(message), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), tag.data(), &tag_size, tag.size()) != 1 || tag_size != tag.size()) {
    return absl::InternalError("OpenSSL: AES-CMAC failed");
  }
  return tag;
}

absl::StatusOr<AesBlock> InitialCounterBlock(uint16_t counter, std::string_view iv) {
  if (iv.size() != kIvSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("IV must be ", kIvSize, " bytes, got ", iv.size()));
  }
  AesBlock icb{};
  // Schoolbook addition of the 16-bit counter to the 128-bit little-endian IV; the carry out of
  // the last byte is dropped (mod 2^128).
  uint32_t carry = counter;
  for (size_t i = 0; i < kIvSize; ++i) {
    const uint32_t sum = static_cast<uint8_t>(iv[i]) + (carry & 0xFF);
    icb[i] = static_cast<uint8_t>(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  return icb;
}

absl::StatusOr<std::string> AesCtrLittleEndian(std::string_view key,
                                               const AesBlock& initial_counter_block,
                                               std::string_view data) {
  if (absl::Status s = CheckKey("AES-128-CTR key", key, kAesKeySize); !s.ok()) return s;
  if (data.empty()) return std::string();
  // The counter blocks, then their encryption (the key stream) in one ECB pass.
  const size_t blocks = (data.size() + kAesBlockSize - 1) / kAesBlockSize;
  std::string counters(blocks * kAesBlockSize, '\0');
  AesBlock counter = initial_counter_block;
  for (size_t b = 0; b < blocks; ++b) {
    std::copy(counter.begin(), counter.end(), counters.begin() + b * kAesBlockSize);
    IncrementLittleEndian(counter);
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return absl::InternalError("OpenSSL: EVP_CIPHER_CTX_new failed");
  std::string stream(counters.size() + kAesBlockSize, '\0');
  int written = 0;
  int final_written = 0;
  auto* out = reinterpret_cast<unsigned char*>(stream.data());
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, Bytes(key), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &written, Bytes(counters),
                        static_cast<int>(counters.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + written, &final_written) != 1 ||
      static_cast<size_t>(written + final_written) != counters.size()) {
    Cleanse(stream);
    return absl::InternalError("OpenSSL: AES-128-ECB failed");
  }
  std::string result(data);
  for (size_t i = 0; i < result.size(); ++i) result[i] ^= stream[i];
  Cleanse(stream);
  return result;
}

absl::StatusOr<std::string> SecuredDataMic(std::string_view auth_key, const DataFrameHeader& header,
                                           std::string_view plaintext) {
  if (absl::Status s = CheckSecuredHeader(header); !s.ok()) return s;
  std::string authenticated = EncodeDataHeader(header);
  authenticated.append(plaintext);
  absl::StatusOr<AesBlock> tag = AesCmac(auth_key, authenticated);
  Cleanse(authenticated);
  if (!tag.ok()) return tag.status();
  return std::string(reinterpret_cast<const char*>(tag->data()), kMicSize);
}

absl::StatusOr<std::string> SealSecuredData(std::string_view factory_key,
                                            const DataFrameHeader& header, std::string_view iv,
                                            std::string_view plaintext) {
  if (absl::Status s = CheckKey("factory key", factory_key, kFactoryKeySize); !s.ok()) return s;
  if (absl::Status s = CheckSecuredHeader(header); !s.ok()) return s;
  absl::StatusOr<AesBlock> icb = InitialCounterBlock(header.counter, iv);
  if (!icb.ok()) return icb.status();
  const std::string_view auth_key = factory_key.substr(0, kAesKeySize);
  const std::string_view enc_key = factory_key.substr(kAesKeySize, kAesKeySize);
  absl::StatusOr<std::string> mic = SecuredDataMic(auth_key, header, plaintext);
  if (!mic.ok()) return mic.status();
  std::string sealed(plaintext);
  sealed.append(*mic);
  absl::StatusOr<std::string> ciphertext = AesCtrLittleEndian(enc_key, *icb, sealed);
  Cleanse(sealed);
  return ciphertext;
}

absl::StatusOr<std::string> OpenSecuredData(std::string_view factory_key,
                                            const DataFrameHeader& header, std::string_view iv,
                                            std::string_view data) {
  if (absl::Status s = CheckKey("factory key", factory_key, kFactoryKeySize); !s.ok()) return s;
  if (absl::Status s = CheckSecuredHeader(header); !s.ok()) return s;
  if (data.size() < kMicSize) {
    return absl::InvalidArgumentError(absl::StrCat("secured DATA needs at least ", kMicSize,
                                                   " bytes (the MIC), got ", data.size()));
  }
  absl::StatusOr<AesBlock> icb = InitialCounterBlock(header.counter, iv);
  if (!icb.ok()) return icb.status();
  const std::string_view auth_key = factory_key.substr(0, kAesKeySize);
  const std::string_view enc_key = factory_key.substr(kAesKeySize, kAesKeySize);
  absl::StatusOr<std::string> opened = AesCtrLittleEndian(enc_key, *icb, data);
  if (!opened.ok()) return opened.status();
  const size_t plaintext_size = opened->size() - kMicSize;
  const std::string_view plaintext = std::string_view(*opened).substr(0, plaintext_size);
  absl::StatusOr<std::string> expected = SecuredDataMic(auth_key, header, plaintext);
  if (!expected.ok()) {
    Cleanse(*opened);
    return expected.status();
  }
  if (CRYPTO_memcmp(expected->data(), opened->data() + plaintext_size, kMicSize) != 0) {
    Cleanse(*opened);
    return absl::UnauthenticatedError("secured DATA: MIC does not match");
  }
  opened->resize(plaintext_size);
  return opened;
}

}  // namespace wm::provisioning
