#include "libs/provisioning/secure_data.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "libs/provisioning/frames.h"

namespace wm::provisioning {
namespace {

std::string Hex(const char* hex) { return absl::HexStringToBytes(hex); }

std::string ToHex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

std::string ToHex(const AesBlock& block) {
  return ToHex(std::string(reinterpret_cast<const char*>(block.data()), block.size()));
}

// RFC 4493 §4, the four examples (AES-128 key 2b7e1516...).
TEST(AesCmac, Rfc4493Vectors) {
  const std::string key = Hex("2b7e151628aed2a6abf7158809cf4f3c");
  const std::string m64 =
      Hex("6bc1bee22e409f96e93d7e117393172a"
          "ae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52ef"
          "f69f2445df4f9b17ad2b417be66c3710");
  struct Vector {
    size_t length;
    const char* tag;
  };
  for (const Vector& v : {Vector{0, "bb1d6929e95937287fa37d129b756746"},
                          Vector{16, "070a16b46b4d4144f79bdd9dd04a287c"},
                          Vector{40, "dfa66747de9ae63030ca32611497c827"},
                          Vector{64, "51f0bebf7e3b9d92fc49741779363cfe"}}) {
    absl::StatusOr<AesBlock> tag = AesCmac(key, m64.substr(0, v.length));
    ASSERT_TRUE(tag.ok()) << tag.status();
    EXPECT_EQ(ToHex(*tag), v.tag) << "message length " << v.length;
  }
}

TEST(AesCmac, RejectsKeysOfOtherSizes) {
  EXPECT_EQ(AesCmac(std::string(15, 'k'), "m").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AesCmac(std::string(32, 'k'), "m").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(InitialCounterBlock, AddsTheCounterToTheLittleEndianIv) {
  const std::string iv = Hex("ceffffff00112233445566778899aabb");
  // 0xce + 0x30 = 0xfe; 0xff + 0x01 carries through bytes 1..3 into byte 4.
  EXPECT_EQ(ToHex(*InitialCounterBlock(0x0130, iv)), "fe00000001112233445566778899aabb");
  EXPECT_EQ(ToHex(*InitialCounterBlock(0, iv)), "ceffffff00112233445566778899aabb");
  // Modulo 2^128: the carry out of the last byte is dropped.
  const std::string ones(16, '\xff');
  EXPECT_EQ(ToHex(*InitialCounterBlock(1, ones)), "00000000000000000000000000000000");
  EXPECT_EQ(ToHex(*InitialCounterBlock(0x0102, ones)), "01010000000000000000000000000000");
  EXPECT_EQ(ToHex(*InitialCounterBlock(0xFFFF, std::string(16, '\0'))),
            "ffff0000000000000000000000000000");
}

TEST(InitialCounterBlock, NeedsA16ByteIv) {
  for (size_t size : {0, 1, 15, 17, 32}) {
    EXPECT_EQ(InitialCounterBlock(1, std::string(size, 'i')).status().code(),
              absl::StatusCode::kInvalidArgument)
        << size;
  }
}

// Key stream blocks computed with the openssl command line, AES-128-ECB over counter blocks
// written by hand (the second is the first plus one, little-endian, wrapping to zero):
//   printf '%s' ffffffffffffffffffffffffffffffff 00000000000000000000000000000000 | xxd -r -p |
//     openssl enc -aes-128-ecb -nopad -K 101112131415161718191a1b1c1d1e1f | xxd -p -c 64
TEST(AesCtrLittleEndian, CounterWrapsModulo2To128) {
  const std::string key = Hex("101112131415161718191a1b1c1d1e1f");
  AesBlock icb;
  icb.fill(0xFF);
  absl::StatusOr<std::string> stream = AesCtrLittleEndian(key, icb, std::string(32, '\0'));
  ASSERT_TRUE(stream.ok()) << stream.status();
  EXPECT_EQ(ToHex(*stream),
            "fa402fd4076ea9638f88ebaff4639a90"
            "eda330f90eecd16c003e5fb09bcff358");
  // A partial last block uses the start of its key stream block.
  EXPECT_EQ(ToHex(*AesCtrLittleEndian(key, icb, std::string(20, '\0'))),
            "fa402fd4076ea9638f88ebaff4639a90eda330f9");
  // Decrypting is encrypting again.
  const std::string text = "provisioning data spanning blocks";
  EXPECT_EQ(*AesCtrLittleEndian(key, icb, *AesCtrLittleEndian(key, icb, text)), text);
  EXPECT_EQ(*AesCtrLittleEndian(key, icb, ""), "");
  EXPECT_FALSE(AesCtrLittleEndian(key.substr(1), icb, "x").ok());
}

// The secured DATA of a known-answer vector, obtained independently of this code with the
// openssl 3 command line (and python3 only to XOR and add integers):
//   factory_key = 000102..1f, so auth_key = 000102..0f and enc_key = 101112..1f
//   DATA header = 02 78563412 2a 01 3001   (node_address 0x12345678, session 0x2a,
//                                           key_index 1, counter 0x0130)
//   plaintext   = the 45-byte CBOR below (cbor2.dumps of {0: a0..af, 1: b0..bf, 2: 0x123456,
//                 3: 5})
//   MIC  = openssl mac -cipher AES-128-CBC -macopt hexkey:000102..0f -in header‖plaintext CMAC
//          = 6fe8a989f29d0515395b63b8566469de -> first 5 bytes 6fe8a989f2
//   IV   = ceffffff00112233445566778899aabb; ICB = IV + 0x0130 (LE) = fe000000011122...bb
//   counter blocks fe00000001.., ff00000001.., 0001000001.., 0101000001.. (LE increments,
//   the third one carrying) through openssl enc -aes-128-ecb -nopad -K 101112..1f give the
//   key stream, XORed with plaintext ‖ MIC.
constexpr char kKatFactoryKey[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKatIv[] = "ceffffff00112233445566778899aabb";
constexpr char kKatPlaintext[] =
    "a40050a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0150b0b1b2b3b4b5b6b7b8b9babbbcbdbebf021a00123456"
    "0305";
constexpr char kKatMic[] = "6fe8a989f2";
constexpr char kKatCiphertext[] =
    "33316a905c8dfb16ef8c0de0a0b0e369247b37487c366abeb92f2b7bc098b277e17f56dee666c7ee433c2f9c"
    "7e0c86afd3bc";
const DataFrameHeader kKatHeader{0x12345678, 0x2a, kKeyIndexFactoryKey, 0x0130};

TEST(SecuredData, MicKnownAnswer) {
  const std::string auth_key = Hex(kKatFactoryKey).substr(0, 16);
  absl::StatusOr<std::string> mic = SecuredDataMic(auth_key, kKatHeader, Hex(kKatPlaintext));
  ASSERT_TRUE(mic.ok()) << mic.status();
  EXPECT_EQ(ToHex(*mic), kKatMic);
  // The MIC always covers a key_index 1 header.
  DataFrameHeader unsecured = kKatHeader;
  unsecured.key_index = kKeyIndexUnsecured;
  EXPECT_EQ(SecuredDataMic(auth_key, unsecured, "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SecuredData, SealKnownAnswer) {
  absl::StatusOr<std::string> sealed =
      SealSecuredData(Hex(kKatFactoryKey), kKatHeader, Hex(kKatIv), Hex(kKatPlaintext));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(ToHex(*sealed), kKatCiphertext);
  EXPECT_EQ(sealed->size(), 45u + kMicSize);
}

TEST(SecuredData, OpenKnownAnswer) {
  absl::StatusOr<std::string> opened =
      OpenSecuredData(Hex(kKatFactoryKey), kKatHeader, Hex(kKatIv), Hex(kKatCiphertext));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(ToHex(*opened), kKatPlaintext);
}

TEST(SecuredData, RoundTripEverySize) {
  const std::string key = Hex(kKatFactoryKey);
  const std::string iv = Hex(kKatIv);
  std::string plaintext;
  for (int size = 0; size <= 100; ++size) {
    const DataFrameHeader header{0xCAFE0000u + size, static_cast<uint8_t>(size),
                                 kKeyIndexFactoryKey, static_cast<uint16_t>(0xFFF0 + size)};
    absl::StatusOr<std::string> sealed = SealSecuredData(key, header, iv, plaintext);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    ASSERT_EQ(sealed->size(), plaintext.size() + kMicSize);
    if (size >= 8) {
      EXPECT_NE(sealed->substr(0, size), plaintext);  // it is encrypted
    }
    absl::StatusOr<std::string> opened = OpenSecuredData(key, header, iv, *sealed);
    ASSERT_TRUE(opened.ok()) << "size " << size << ": " << opened.status();
    EXPECT_EQ(*opened, plaintext);
    plaintext.push_back(static_cast<char>(size * 37));
  }
}

TEST(SecuredData, RejectsEveryTamperedByte) {
  const std::string key = Hex(kKatFactoryKey);
  const std::string iv = Hex(kKatIv);
  const std::string ciphertext = Hex(kKatCiphertext);
  // Ciphertext bytes and MIC bytes alike.
  for (size_t i = 0; i < ciphertext.size(); ++i) {
    std::string tampered = ciphertext;
    tampered[i] ^= 0x01;
    EXPECT_EQ(OpenSecuredData(key, kKatHeader, iv, tampered).status().code(),
              absl::StatusCode::kUnauthenticated)
        << "byte " << i;
  }
  // Truncated or extended data.
  EXPECT_FALSE(OpenSecuredData(key, kKatHeader, iv, ciphertext.substr(1)).ok());
  EXPECT_FALSE(OpenSecuredData(key, kKatHeader, iv, ciphertext + "x").ok());
}

TEST(SecuredData, RejectsAnotherHeaderIvOrKey) {
  const std::string key = Hex(kKatFactoryKey);
  const std::string iv = Hex(kKatIv);
  const std::string ciphertext = Hex(kKatCiphertext);
  const auto code = [&](const std::string& k, DataFrameHeader h, const std::string& v) {
    return OpenSecuredData(k, h, v, ciphertext).status().code();
  };
  DataFrameHeader h = kKatHeader;
  h.counter += 1;
  EXPECT_EQ(code(key, h, iv), absl::StatusCode::kUnauthenticated);
  h = kKatHeader;
  h.session_id += 1;
  EXPECT_EQ(code(key, h, iv), absl::StatusCode::kUnauthenticated);
  h = kKatHeader;
  h.node_address ^= 0x100;
  EXPECT_EQ(code(key, h, iv), absl::StatusCode::kUnauthenticated);
  std::string other_iv = iv;
  other_iv[15] ^= 0x80;
  EXPECT_EQ(code(key, kKatHeader, other_iv), absl::StatusCode::kUnauthenticated);
  std::string other_key = key;
  other_key[31] ^= 0x01;  // encryption half
  EXPECT_EQ(code(other_key, kKatHeader, iv), absl::StatusCode::kUnauthenticated);
  other_key = key;
  other_key[0] ^= 0x01;  // authentication half
  EXPECT_EQ(code(other_key, kKatHeader, iv), absl::StatusCode::kUnauthenticated);
}

TEST(SecuredData, BoundsChecksEveryInput) {
  const std::string key = Hex(kKatFactoryKey);
  const std::string iv = Hex(kKatIv);
  const auto seal = [&](const std::string& k, DataFrameHeader h, const std::string& v) {
    return SealSecuredData(k, h, v, "plain").status().code();
  };
  const auto open = [&](const std::string& k, DataFrameHeader h, const std::string& v,
                        const std::string& data) {
    return OpenSecuredData(k, h, v, data).status().code();
  };
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(seal(key.substr(1), kKatHeader, iv), kInvalid);
  EXPECT_EQ(seal(key + "x", kKatHeader, iv), kInvalid);
  EXPECT_EQ(seal(key, kKatHeader, iv.substr(1)), kInvalid);
  EXPECT_EQ(seal(key, kKatHeader, iv + "x"), kInvalid);
  EXPECT_EQ(seal(key, {1, 2, kKeyIndexUnsecured, 3}, iv), kInvalid);
  const std::string data = *SealSecuredData(key, kKatHeader, iv, "plain");
  EXPECT_EQ(open(key.substr(16), kKatHeader, iv, data), kInvalid);
  EXPECT_EQ(open(key, kKatHeader, "", data), kInvalid);
  EXPECT_EQ(open(key, {1, 2, kKeyIndexUnsecured, 3}, iv, data), kInvalid);
  for (size_t size = 0; size < kMicSize; ++size) {
    EXPECT_EQ(open(key, kKatHeader, iv, data.substr(0, size)), kInvalid) << size;
  }
  // The MIC alone: an empty plaintext.
  const std::string empty = *SealSecuredData(key, kKatHeader, iv, "");
  ASSERT_EQ(empty.size(), kMicSize);
  EXPECT_EQ(*OpenSecuredData(key, kKatHeader, iv, empty), "");
}

TEST(SecuredData, ErrorsNeverContainKeyMaterial) {
  const std::string key(32, 'S');  // "SSSS..." would show up in a message that echoed it
  const std::string iv(16, 'V');
  const std::string data = *SealSecuredData(key, kKatHeader, iv, "secret-content");
  std::string tampered = data;
  tampered[0] ^= 1;
  for (const absl::Status& s : {SealSecuredData(key.substr(1), kKatHeader, iv, "p").status(),
                                OpenSecuredData(key, kKatHeader, iv, tampered).status(),
                                OpenSecuredData(key, kKatHeader, iv.substr(2), data).status()}) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message().find("SS"), absl::string_view::npos) << s;
    EXPECT_EQ(s.message().find("secret"), absl::string_view::npos) << s;
  }
}

}  // namespace
}  // namespace wm::provisioning
