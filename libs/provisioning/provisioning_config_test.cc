#include "libs/provisioning/provisioning_config.h"

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"

namespace wm::provisioning {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Range(int first, int count) {
  std::string bytes;
  for (int i = 0; i < count; ++i) bytes.push_back(static_cast<char>(first + i));
  return bytes;
}

// The secrets of kSecured as they are written, and a byte sequence of each: no error message
// may contain any of them.
const std::vector<std::string> kSecretTexts = {
    "e0e1e2", "E0E1E2", "Auth-key", "0x1c 0x1d", "0x00 0x01", "\xe0\xe1\xe2", "\x1c\x1d\x1e"};

// Its DATA frame is 102 bytes, the most a node accepts.
constexpr char kSecured[] = R"(# nodes allowed to join
node-secured:
  method: 1
  factory_key: 0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a 0x0b 0x0c 0x0d 0x0e 0x0f 0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f
  encryption_key: 0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef
  authentication_key: Auth-key-16bytes
  network_address: 0x123456
  network_channel: 5
  node_id: "0x00A1B2C3"
  node_role: 0x41
  user_specific:
    128: "txt"
    129: 42
    130: !!binary AQI=
    131: -5
    132: "0x01"
    133: 0x10
    255: a b
)";

// kSecured with `from` replaced by `to` (a field line, or a part of one).
std::string SecuredWith(std::string_view from, std::string_view to) {
  const std::string yaml = kSecured;
  EXPECT_THAT(yaml, HasSubstr(std::string(from)));
  return absl::StrReplaceAll(yaml, {{absl::string_view(from.data(), from.size()),
                                     absl::string_view(to.data(), to.size())}});
}

// A minimal unsecured UID `uid` with extra field lines.
std::string Unsecured(std::string_view extra = "", std::string_view uid = "node-open") {
  return absl::StrCat(absl::string_view(uid.data(), uid.size()),
                      ":\n  method: 0\n"
                      "  encryption_key: 0x000102030405060708090a0b0c0d0e0f\n"
                      "  authentication_key: 0x101112131415161718191a1b1c1d1e1f\n",
                      absl::string_view(extra.data(), extra.size()));
}

ProvisioningEntry Entry(const std::string& yaml, const std::string& uid) {
  absl::StatusOr<ProvisioningConfig> config = ProvisioningConfig::Parse(yaml);
  EXPECT_TRUE(config.ok()) << config.status() << "\n" << yaml;
  if (!config.ok()) return {};
  const ProvisioningEntry* entry = config->Find(uid);
  EXPECT_NE(entry, nullptr) << uid;
  return entry ? *entry : ProvisioningEntry{};
}

// The error for `yaml`, checked to be InvalidArgument and free of every secret.
std::string Error(const std::string& yaml) {
  absl::StatusOr<ProvisioningConfig> config = ProvisioningConfig::Parse(yaml, "test.yml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
  const std::string message(config.status().message());
  for (const std::string& secret : kSecretTexts) {
    EXPECT_THAT(message, Not(HasSubstr(secret))) << "a secret leaked";
  }
  return message;
}

TEST(ProvisioningConfig, ReadsEveryField) {
  const ProvisioningEntry e = Entry(kSecured, "node-secured");
  EXPECT_EQ(e.uid, "node-secured");
  EXPECT_EQ(e.uid_text, "node-secured");
  EXPECT_EQ(e.method, ProvisioningMethod::kSecured);
  EXPECT_EQ(e.factory_key, Range(0, 32));
  EXPECT_EQ(e.content.encryption_key, Range(0xe0, 16));
  EXPECT_EQ(e.content.authentication_key, "Auth-key-16bytes");
  EXPECT_EQ(e.content.network_address, 0x123456u);
  EXPECT_EQ(e.content.network_channel, 5u);
  EXPECT_EQ(e.content.node_id, 0x00A1B2C3u);
  EXPECT_EQ(e.content.node_role, 0x41);
  const auto& user = e.content.user_specific;
  ASSERT_EQ(user.size(), 7u);
  EXPECT_EQ(user.at(128), UserSpecificValue::Text("txt"));
  EXPECT_EQ(user.at(129), UserSpecificValue::Int(42));
  EXPECT_EQ(user.at(130), UserSpecificValue::Bytes("\x01\x02"));
  EXPECT_EQ(user.at(131), UserSpecificValue::Int(-5));
  // As in wm-wps, user values are not converted: "0x01" stays text, a bare 0x10 is 16.
  EXPECT_EQ(user.at(132), UserSpecificValue::Text("0x01"));
  EXPECT_EQ(user.at(133), UserSpecificValue::Int(16));
  EXPECT_EQ(user.at(255), UserSpecificValue::Text("a b"));
}

TEST(ProvisioningConfig, OptionalFieldsStayUnset) {
  const ProvisioningEntry e = Entry(Unsecured("  network_address:\n"), "node-open");
  EXPECT_EQ(e.method, ProvisioningMethod::kUnsecured);
  EXPECT_TRUE(e.factory_key.empty());
  EXPECT_FALSE(e.content.network_address.has_value());
  EXPECT_FALSE(e.content.network_channel.has_value());
  EXPECT_FALSE(e.content.node_id.has_value());
  EXPECT_FALSE(e.content.node_role.has_value());
  EXPECT_TRUE(e.content.user_specific.empty());
}

TEST(ProvisioningConfig, UidsAsTextOrHex) {
  const std::string yaml = Unsecured("", "0x0102030405") + Unsecured("", "\"0X0a 0B\"") +
                           Unsecured("", "12345") + Unsecured("", "\"node with spaces\"");
  absl::StatusOr<ProvisioningConfig> config = ProvisioningConfig::Parse(yaml);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->size(), 4u);
  const ProvisioningEntry* hex = config->Find("\x01\x02\x03\x04\x05");
  ASSERT_NE(hex, nullptr);
  EXPECT_EQ(hex->uid_text, "0x0102030405");
  EXPECT_NE(config->Find("\x0a\x0b"), nullptr);
  // An integer-looking UID is its text (wm-wps kept the int, which no START could match).
  EXPECT_NE(config->Find("12345"), nullptr);
  EXPECT_NE(config->Find("node with spaces"), nullptr);
  EXPECT_EQ(config->Find("0x0102030405"), nullptr);
  EXPECT_EQ(config->Find("unknown"), nullptr);
  EXPECT_EQ(config->Find(""), nullptr);
}

TEST(ProvisioningConfig, HexForms) {
  const std::string expected = Range(0, 16);
  for (const char* form : {
           "0x000102030405060708090a0b0c0d0e0f",
           "\"0x000102030405060708090A0B0C0D0E0F\"",
           "0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a 0x0b 0x0c 0x0d 0x0e 0x0f",
           "0X00 01 02 03 0405 0607 08090A0B0C0D0E0F",
           "'0x00  0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a 0x0b 0x0c 0x0d 0x0e 0x0f'",
           "!!binary AAECAwQFBgcICQoLDA0ODw==",
       }) {
    const ProvisioningEntry e =
        Entry(SecuredWith("0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef", form), "node-secured");
    EXPECT_EQ(e.content.encryption_key, expected) << form;
  }
}

TEST(ProvisioningConfig, IntegerForms) {
  for (const char* form : {"0x123456", "\"0x123456\"", "1193046", "\"1193046\"", "0o4432126",
                           "04432126", "1_193_046", "\" 1193046 \"", "!!int 1193046"}) {
    const ProvisioningEntry e =
        Entry(SecuredWith("network_address: 0x123456", absl::StrCat("network_address: ", form)),
              "node-secured");
    EXPECT_EQ(e.content.network_address, 0x123456u) << form;
  }
  EXPECT_EQ(Entry(SecuredWith("network_channel: 5", "network_channel: \"0b101\""), "node-secured")
                .content.network_channel,
            5u);
  // Python's int("04432126", 0) refuses a leading zero in a string.
  EXPECT_THAT(Error(SecuredWith("network_address: 0x123456", "network_address: \"04432126\"")),
              HasSubstr("field \"network_address\" must be an integer"));
}

TEST(ProvisioningConfig, NodeRoleIsOneByte) {
  for (const char* form : {"0x41", "\"0x41\"", "A", "'A'", "65", "!!binary QQ=="}) {
    const ProvisioningEntry e =
        Entry(SecuredWith("node_role: 0x41", absl::StrCat("node_role: ", form)), "node-secured");
    EXPECT_EQ(e.content.node_role, 0x41) << form;
  }
  for (const char* form : {"\"0x4142\"", "256", "AB", "-1", "\"\""}) {
    EXPECT_THAT(Error(SecuredWith("node_role: 0x41", absl::StrCat("node_role: ", form))),
                HasSubstr("UID \"node-secured\" (line 2): field \"node_role\""))
        << form;
  }
}

TEST(ProvisioningConfig, UserSpecificErrors) {
  struct Case {
    const char* line;
    const char* expected;
  };
  for (const Case& c : {
           Case{"127: 1", "field \"user_specific.127\" id must be within 128..255, got 127"},
           Case{"256: 1", "field \"user_specific.256\" id must be within 128..255"},
           Case{"abc: 1", "field \"user_specific.abc\" id must be an integer"},
           Case{"200: 1.5", "field \"user_specific.200\" must be an integer, text or !!binary"},
           Case{"200: true", "field \"user_specific.200\" must be an integer, text or !!binary"},
           Case{"200: [1]", "field \"user_specific.200\" must be an integer, text or !!binary"},
           Case{"200:", "field \"user_specific.200\" has no value"},
           Case{"200: 9223372036854775808", "field \"user_specific.200\" is out of range"},
           Case{"200: 99999999999999999999999", "field \"user_specific.200\" is out of range"},
           Case{"200: !!binary '#'", "field \"user_specific.200\" is not valid base64"},
           Case{"129: 7", "field \"user_specific.129\" is given twice"},
       }) {
    EXPECT_THAT(Error(SecuredWith("    255: a b", absl::StrCat("    ", c.line))),
                HasSubstr(c.expected))
        << c.line;
  }
  EXPECT_THAT(Error(Unsecured("  user_specific: 5\n")),
              HasSubstr("field \"user_specific\" must be a map"));
  // The extremes of int64 are fine.
  const ProvisioningEntry e = Entry(
      Unsecured("  user_specific:\n    128: -9223372036854775808\n    129: 9223372036854775807\n"),
      "node-open");
  EXPECT_EQ(e.content.user_specific.at(128).integer, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(e.content.user_specific.at(129).integer, std::numeric_limits<int64_t>::max());
}

TEST(ProvisioningConfig, ErrorsNameSourceUidAndField) {
  struct Case {
    std::string yaml;
    const char* expected;
  };
  const Case cases[] = {
      {SecuredWith("  method: 1\n", ""),
       "UID \"node-secured\" (line 2): field \"method\" is missing"},
      {SecuredWith("method: 1", "method: 2"), "field \"method\" must be within 0..1, got 2"},
      {SecuredWith("method: 1", "method: secured"), "field \"method\" must be an integer"},
      {SecuredWith("method: 1", "method: 1.0"), "field \"method\" must be an integer"},
      {SecuredWith("method: 1", "method: -1"), "field \"method\" must be within 0..1, got -1"},
      {SecuredWith("method: 1", "method: [1]"), "field \"method\" must be an integer"},
      {SecuredWith("  encryption_key: 0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef\n", ""),
       "field \"encryption_key\" is missing"},
      {SecuredWith("  authentication_key: Auth-key-16bytes\n", "  authentication_key:\n"),
       "field \"authentication_key\" is missing"},
      {SecuredWith("0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef", "0xe0e1e2e3e4e5e6e7e8e9eaebecedee"),
       "field \"encryption_key\" must be 16 bytes, got 15"},
      {SecuredWith("0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef", "0xe0e1e2e3e4e5e6e7e8e9eaebecedeeefe0"),
       "field \"encryption_key\" must be 16 bytes, got 17"},
      {SecuredWith("0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef", "0xe0e1e2e3e4e5e6e7e8e9eaebecedeeeg"),
       "field \"encryption_key\" is not hex"},
      {SecuredWith("0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef", "0xe0e1e2e3e4e5e6e7e8e9eaebecedeee"),
       "field \"encryption_key\" is not hex"},
      {SecuredWith("0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef", "0xe 0e1e2e3e4e5e6e7e8e9eaebecedeeef"),
       "field \"encryption_key\" is not hex"},
      {SecuredWith("0xe0e1e2e3e4e5e6e7e8e9eaebecedeeef", "0x"),
       "field \"encryption_key\" is not hex"},
      {SecuredWith("Auth-key-16bytes", "Auth-key-15byte"),
       "field \"authentication_key\" must be 16 bytes, got 15"},
      {SecuredWith("Auth-key-16bytes", "[Auth-key-16bytes]"),
       "field \"authentication_key\" must be a byte string"},
      {SecuredWith(" 0x1e 0x1f\n", "\n"), "field \"factory_key\" must be 32 bytes, got 30"},
      {SecuredWith("  factory_key:", "  unused:"), "field \"unused\" is not a field of a UID"},
      {SecuredWith("  network_channel: 5\n", "  network_adress: 5\n"),
       "field \"network_adress\" is not a field of a UID"},
      {SecuredWith("  network_channel: 5\n", "  network_channel: 5\n  network_channel: 6\n"),
       "field \"network_channel\" is given twice"},
      {SecuredWith("network_address: 0x123456", "network_address: 0"),
       "field \"network_address\" must be within 1..16777215, got 0"},
      {SecuredWith("network_address: 0x123456", "network_address: 0x1000000"),
       "field \"network_address\" must be within 1..16777215, got 16777216"},
      {SecuredWith("network_channel: 5", "network_channel: 256"),
       "field \"network_channel\" must be within 1..255"},
      {SecuredWith("node_id: \"0x00A1B2C3\"", "node_id: 0xFFFFFFFF"),
       "field \"node_id\" must be within 1..4294967294"},
      {SecuredWith("node_id: \"0x00A1B2C3\"", "node_id: \"ten\""),
       "field \"node_id\" must be an integer"},
  };
  for (const Case& c : cases) {
    const std::string message = Error(c.yaml);
    EXPECT_THAT(message, HasSubstr(c.expected));
    EXPECT_THAT(message, HasSubstr("test.yml: UID \"node-secured\" (line 2): "));
  }
}

TEST(ProvisioningConfig, SecuredNeedsAFactoryKey) {
  const std::string yaml = Unsecured("").replace(Unsecured("").find("method: 0"), 9, "method: 1");
  EXPECT_THAT(Error(yaml),
              HasSubstr("UID \"node-open\" (line 1): field \"factory_key\" is missing"));
  // Unsecured nodes may have one (it is checked, and unused).
  const ProvisioningEntry e = Entry(
      Unsecured(absl::StrCat("  factory_key: \"", std::string(32, 'f'), "\"\n")), "node-open");
  EXPECT_EQ(e.factory_key, std::string(32, 'f'));
  EXPECT_THAT(Error(Unsecured("  factory_key: short\n")),
              HasSubstr("field \"factory_key\" must be 32 bytes, got 5"));
}

TEST(ProvisioningConfig, DataFrameMustFitANode) {
  // Two keys (37 content bytes) and a text of n bytes under id 128 (4 + n): the frame is
  // 9 + 41 + n bytes, plus 5 when secured; 102 at most.
  const auto with_text = [](size_t n, bool secured) {
    std::string yaml = Unsecured(
        absl::StrCat("  user_specific:\n    128: ", std::string(n, 't'), "\n",
                     secured ? absl::StrCat("  factory_key: ", std::string(32, 'k'), "\n") : ""));
    if (secured) yaml.replace(yaml.find("method: 0"), 9, "method: 1");
    return yaml;
  };
  EXPECT_TRUE(ProvisioningConfig::Parse(with_text(52, false)).ok());
  EXPECT_THAT(Error(with_text(53, false)),
              HasSubstr("UID \"node-open\" (line 1): field \"user_specific\" makes the DATA frame "
                        "103 bytes, more than the 102 a node accepts"));
  EXPECT_TRUE(ProvisioningConfig::Parse(with_text(47, true)).ok());
  EXPECT_THAT(Error(with_text(48, true)), HasSubstr("DATA frame 103 bytes"));
}

TEST(ProvisioningConfig, FileLevelErrors) {
  EXPECT_THAT(Error(""), HasSubstr("test.yml: is empty"));
  EXPECT_THAT(Error("# only a comment\n"), HasSubstr("test.yml: is empty"));
  EXPECT_THAT(Error("- node-1\n- node-2\n"), HasSubstr("test.yml: must be a map of UIDs"));
  EXPECT_THAT(Error("node-1: 5\n"), HasSubstr("UID \"node-1\" (line 1): must be a map of fields"));
  EXPECT_THAT(Error("? [a, b]\n: {method: 0}\n"), HasSubstr("is not a scalar"));
  EXPECT_THAT(Error(Unsecured("", "0x01zz")), HasSubstr("UID \"0x01zz\" (line 1): is not hex"));
  // The same UID twice, once as text and once as its hex bytes ("node" is 6e 6f 64 65).
  EXPECT_THAT(Error(Unsecured("", "node") + Unsecured("", "0x6e6f6465")),
              HasSubstr("UID \"0x6e6f6465\" (line 5): is the same UID as line 1"));
  // yaml-cpp's own message can quote the text at fault (here a key): only the position is given.
  const std::string broken = SecuredWith("Auth-key-16bytes", "\"Auth-key-16bytes\\q\"");
  EXPECT_THAT(Error(broken), HasSubstr("test.yml: is not valid YAML (line 6, column"));
  EXPECT_THAT(Error(broken), Not(HasSubstr("\\q")));
  // A UID that is not printable is escaped in messages.
  EXPECT_THAT(Error("\"\\x01node\": 5\n"), HasSubstr("UID \"\\x01node\""));
}

TEST(ProvisioningConfig, LoadFile) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("provisioning-config");
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string path = *dir + "/provisioning_config.yml";
  ASSERT_TRUE(wm::testing::WriteFile(path, kSecured, 0600).ok());
  absl::StatusOr<ProvisioningConfig> config = ProvisioningConfig::LoadFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_NE(config->Find("node-secured"), nullptr);

  EXPECT_EQ(ProvisioningConfig::LoadFile(*dir + "/missing.yml").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ProvisioningConfig::LoadFile(*dir).status().code(), absl::StatusCode::kInvalidArgument);
  // Errors in a file name the file.
  const std::string bad = *dir + "/bad.yml";
  ASSERT_TRUE(wm::testing::WriteFile(bad, "node-1:\n  method: 3\n").ok());
  EXPECT_THAT(std::string(ProvisioningConfig::LoadFile(bad).status().message()),
              HasSubstr(bad + ": UID \"node-1\" (line 1): field \"method\""));
}

}  // namespace
}  // namespace wm::provisioning
