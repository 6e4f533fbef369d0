#include "libs/provisioning/data_content.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace wm::provisioning {
namespace {

std::string ToHex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

// Byte ranges a0..af and b0..bf as 16-byte keys.
std::string Key(uint8_t first) {
  std::string key;
  for (int i = 0; i < 16; ++i) key.push_back(static_cast<char>(first + i));
  return key;
}

DataContent Full() {
  DataContent c;
  c.encryption_key = Key(0xa0);
  c.authentication_key = Key(0xb0);
  c.network_address = 0x123456;
  c.network_channel = 5;
  c.node_id = 0x00A1B2C3;
  c.node_role = 0x01;
  c.user_specific[128] = UserSpecificValue::Int(-2);
  c.user_specific[129] = UserSpecificValue::Bytes("\x01\x02");
  c.user_specific[255] = UserSpecificValue::Text("hi");
  return c;
}

// Expected bytes from Python (Debian's python3-cbor2 5.4.6, the library wm-wps used):
//   cbor2.dumps({0: bytes(range(0xa0, 0xb0)), 1: bytes(range(0xb0, 0xc0)), 2: 0x123456, 3: 5,
//                4: 0x00A1B2C3, 5: b'\x01', 128: -2, 129: b'\x01\x02', 255: 'hi'}).hex()
TEST(DataContent, EncodesLikeCbor2) {
  absl::StatusOr<std::string> encoded = EncodeDataContent(Full());
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(ToHex(*encoded),
            "a90050a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0150b0b1b2b3b4b5b6b7b8b9babbbcbdbebf021a0012"
            "34560305041a00a1b2c3054101188021188142010218ff626869");
}

TEST(DataContent, OptionalFieldsOnlyWhenSet) {
  DataContent c;
  c.encryption_key = Key(0xa0);
  c.authentication_key = Key(0xb0);
  // {0: a0..af, 1: b0..bf}: a map of two pairs.
  EXPECT_EQ(ToHex(*EncodeDataContent(c)),
            "a20050a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0150b0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
  c.network_channel = 11;
  EXPECT_EQ(ToHex(EncodeDataContent(c)->substr(0, 1)), "a3");
  EXPECT_EQ(ToHex(EncodeDataContent(c)->substr(37)), "030b");
}

// cbor2.dumps({0: bytes(16), 1: bytes(16), 200: -2**63, 201: 2**63 - 1, 202: 'é'}).hex()
TEST(DataContent, UserSpecificExtremes) {
  DataContent c;
  c.encryption_key = std::string(16, '\0');
  c.authentication_key = std::string(16, '\0');
  c.user_specific[200] = UserSpecificValue::Int(std::numeric_limits<int64_t>::min());
  c.user_specific[201] = UserSpecificValue::Int(std::numeric_limits<int64_t>::max());
  c.user_specific[202] = UserSpecificValue::Text("\xc3\xa9");
  const std::string encoded = *EncodeDataContent(c);
  EXPECT_EQ(ToHex(encoded),
            "a5005000000000000000000000000000000000015000000000000000000000000000000000"
            "18c83b7fffffffffffffff18c91b7fffffffffffffff18ca62c3a9");
  absl::StatusOr<DataContent> parsed = ParseDataContent(encoded);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, c);
}

TEST(DataContent, RoundTrip) {
  const DataContent full = Full();
  absl::StatusOr<DataContent> parsed = ParseDataContent(*EncodeDataContent(full));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, full);
  EXPECT_EQ(parsed->node_role, 0x01);
  EXPECT_EQ(parsed->user_specific.at(129).kind, UserSpecificValue::Kind::kBytes);
  EXPECT_EQ(parsed->user_specific.at(255).kind, UserSpecificValue::Kind::kText);
}

TEST(DataContent, ValidateNamesTheFieldAndNeverTheKey) {
  const auto message = [](const DataContent& c) {
    const absl::Status s = ValidateDataContent(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(EncodeDataContent(c).ok());
    return std::string(s.message());
  };
  DataContent c = Full();
  c.encryption_key = "SECRETSECRETSEC";  // 15 bytes
  std::string m = message(c);
  EXPECT_NE(m.find("encryption_key: must be 16 bytes, got 15"), std::string::npos) << m;
  EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
  c = Full();
  c.authentication_key += "SECRET";
  m = message(c);
  EXPECT_NE(m.find("authentication_key"), std::string::npos) << m;
  EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;

  for (uint32_t bad : {0u, 0x1000000u}) {
    c = Full();
    c.network_address = bad;
    EXPECT_NE(message(c).find("network_address"), std::string::npos);
  }
  for (uint32_t bad : {0u, 256u}) {
    c = Full();
    c.network_channel = bad;
    EXPECT_NE(message(c).find("network_channel"), std::string::npos);
  }
  for (uint32_t bad : {0u, 0xFFFFFFFFu}) {
    c = Full();
    c.node_id = bad;
    EXPECT_NE(message(c).find("node_id"), std::string::npos);
  }
  for (uint32_t bad : {6u, 127u, 256u}) {
    c = Full();
    c.user_specific[bad] = UserSpecificValue::Int(1);
    EXPECT_NE(message(c).find("user_specific " + std::to_string(bad)), std::string::npos);
  }
  c = Full();
  c.user_specific[130] = UserSpecificValue::Text("\xff");
  EXPECT_NE(message(c).find("not UTF-8"), std::string::npos);
  // The largest values are fine.
  c = Full();
  c.network_address = kMaxNetworkAddress;
  c.network_channel = kMaxNetworkChannel;
  c.node_id = kMaxNodeId;
  EXPECT_TRUE(ValidateDataContent(c).ok());
}

std::string Keys() {
  // 0: a0..af, 1: b0..bf (the pairs that every valid content has).
  return "0050a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0150b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
}

absl::Status ParseHex(const std::string& hex) {
  return ParseDataContent(absl::HexStringToBytes(hex)).status();
}

TEST(DataContent, ParseRejectsMalformedContent) {
  struct Case {
    std::string hex;
    const char* expected;
  };
  const Case cases[] = {
      {"", "past the end"},
      {"80", "must be a map"},                                  // an empty array
      {"a2" + Keys() + "00", "1 bytes follow the map"},         // trailing byte
      {"a3" + Keys(), "past the end"},                          // a pair missing
      {"bf" + Keys(), "past the end"},                          // no break
      {"bf" + Keys() + "02ff", "break where an item must be"},  // a break as a value
      {"a2" + Keys() + "ff", "1 bytes follow the map"},         // a break after the map
      {"a3" + Keys() + "18805f6161ff", "string chunk"},         // text chunk in bytes
      {"a3" + Keys() + "05" + "5f4101" + "4102ff", "node_role: must be 1 byte, got 2"},
      {"a3" + Keys() + "0601", "id: 6 is neither"},           // id 6
      {"a3" + Keys() + "187f01", "id: 127 is neither"},       // id 127
      {"a3" + Keys() + "19010001", "id: 256 is neither"},     // id 256
      {"a3" + Keys() + "2001", "id: must be an unsigned"},    // id -1
      {"a3" + Keys() + "613001", "id: must be an unsigned"},  // id "0"
      {"a3" + Keys() + "0050" + std::string(32, 'c'), "id: 0 is given twice"},
      {"a2" + std::string("0070") + std::string(32, '6') + "0150" + std::string(32, 'b'),
       "encryption_key: must be a byte string"},
      {"a2" + std::string("004f") + std::string(30, 'a') + "0150" + std::string(32, 'b'),
       "encryption_key: must be 16 bytes, got 15"},
      {"a1" + std::string("0050") + std::string(32, 'a'), "authentication_key: is missing"},
      {"a1" + std::string("0150") + std::string(32, 'a'), "encryption_key: is missing"},
      {"a0", "encryption_key: is missing"},
      // The node reads the role as a one-byte byte string; wm-wps wrote a bare 0x41 as an int.
      {"a3" + Keys() + "051841", "node_role: must be a one-byte byte string"},
      {"a3" + Keys() + "05424142", "node_role: must be 1 byte, got 2"},
      {"a3" + Keys() + "0243123456", "network_address: must be an unsigned integer"},
      {"a3" + Keys() + "0200", "network_address: 0 is outside"},
      {"a3" + Keys() + "021a01000000", "network_address: 16777216 is outside"},
      {"a3" + Keys() + "03190100", "network_channel: 256 is outside"},
      {"a3" + Keys() + "041affffffff", "node_id: 4294967295 is outside"},
      {"a3" + Keys() + "18808101", "user_specific 128: must be an integer"},
      {"a3" + Keys() + "1880f5", "user_specific 128: must be an integer"},  // true
      {"a3" + Keys() + "18801b8000000000000000", "does not fit int64"},
      {"a3" + Keys() + "18803b8000000000000000", "does not fit int64"},
      {"a3" + Keys() + "188061ff", "UTF-8"},
      // A count far beyond the bytes: stops at the end, allocates nothing.
      {"bb00000000ffffffff" + Keys(), "past the end"},
  };
  for (const Case& c : cases) {
    const absl::Status s = ParseHex(c.hex);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.hex;
    EXPECT_NE(s.message().find(c.expected), absl::string_view::npos)
        << c.hex << " -> " << s.message() << " (expected \"" << c.expected << "\")";
  }
}

TEST(DataContent, ParseAcceptsAnyOrderAndExtremes) {
  // User ids first, then the keys in reverse order: a map's order carries no meaning.
  absl::StatusOr<DataContent> c = ParseDataContent(absl::HexStringToBytes(
      "a518ff3b7fffffffffffffff0150b0b1b2b3b4b5b6b7b8b9babbbcbdbebf0050a0a1a2a3a4a5a6a7a8a9aaab"
      "acadaeaf021a00ffffff041afffffffe"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->user_specific.at(255).integer, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(c->network_address, 0xFFFFFFu);
  EXPECT_EQ(c->node_id, 0xFFFFFFFEu);
  EXPECT_FALSE(c->network_channel.has_value());
  EXPECT_EQ(c->encryption_key, Key(0xa0));
}

// Any encoder may write the indefinite-length forms; they parse as the definite ones do.
// Changed: an indefinite-length map was rejected ("indefinite length is not supported").
TEST(DataContent, ParseAcceptsIndefiniteLengths) {
  const std::string definite = *EncodeDataContent(Full());
  absl::StatusOr<DataContent> expected = ParseDataContent(definite);
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(*expected, Full());

  // Full() again: {_ 0: (_ a0..a7, a8..af), 1: b0..bf, 2: .., 3: 5, 4: .., 5: (_ h'', h'01'),
  // 128: -2, 129: (_ h'01', h'02'), 255: (_ "h", "i")}, as an indefinite-length map.
  std::string hex = "bf";
  hex += "005f48a0a1a2a3a4a5a6a748a8a9aaabacadaeafff";  // 0: (_ a0..a7, a8..af)
  hex += "0150b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";        // 1: b0..bf
  hex += "021a00123456";                                // 2: 0x123456
  hex += "0305";                                        // 3: 5
  hex += "041a00a1b2c3";                                // 4: 0xa1b2c3
  hex += "055f404101ff";                                // 5: (_ h'', h'01')
  hex += "188021";                                      // 128: -2
  hex += "18815f41014102ff";                            // 129: (_ h'01', h'02')
  hex += "18ff7f61686169ff";                            // 255: (_ "h", "i")
  hex += "ff";
  const std::string bytes = absl::HexStringToBytes(hex);
  ASSERT_NE(bytes, definite);
  absl::StatusOr<DataContent> c = ParseDataContent(bytes);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, *expected);
  EXPECT_EQ(c->encryption_key, Key(0xa0));
  EXPECT_EQ(c->node_role, 1);
  EXPECT_EQ(c->user_specific.at(129), UserSpecificValue::Bytes("\x01\x02"));
  EXPECT_EQ(c->user_specific.at(255), UserSpecificValue::Text("hi"));
  // A chunked key of the wrong total size is refused like a definite one.
  const absl::Status s = ParseHex("bf005f4801020304050607084101ffff");
  EXPECT_NE(s.message().find("encryption_key: must be 16 bytes, got 9"), absl::string_view::npos)
      << s;
}

TEST(DataContent, ParseErrorsNeverContainKeyBytes) {
  // Keys made of 'Z' bytes, then a bad id: no message may show them.
  const std::string hex =
      "a3" + std::string("0050") + std::string(32, '5') + "0150" + std::string(32, '5') + "0601";
  // 0x55 is 'U'.
  const absl::Status s = ParseHex(hex);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("UUU"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace wm::provisioning
