#include "libs/provisioning/provisioning_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/decoders/cbor.h"
#include "libs/provisioning/secure_data.h"
#include "third_party/system/string_view_compat.h"

namespace wm::provisioning {
namespace {

constexpr std::string_view kPlainTag = "?";  // a plain (unquoted) scalar, resolved by YAML
constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kBinaryTag = "tag:yaml.org,2002:binary";

// Where an error is: the UID (as written) and its line.
struct UidContext {
  std::string_view source;
  std::string uid_text;
  int line = 0;
};

absl::Status UidError(const UidContext& ctx, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(ctx.source), ": UID \"",
                                                 absl::CHexEscape(ctx.uid_text), "\" (line ",
                                                 ctx.line, "): ", ToAbsl(problem)));
}

absl::Status FieldError(const UidContext& ctx, std::string_view field, std::string_view problem) {
  return UidError(ctx, absl::StrCat("field \"", ToAbsl(field), "\" ", ToAbsl(problem)));
}

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

// "0x01 0x02" -> "\x01\x02". The text may be a key: problems never quote it.
absl::StatusOr<std::string> ParseHex(std::string_view text) {
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      ++i;
      continue;
    }
    digits.push_back(text[i]);
  }
  std::string bytes;
  size_t i = 0;
  while (i < digits.size()) {
    if (digits[i] == ' ' || digits[i] == '\t' || digits[i] == '\n') {
      ++i;
      continue;
    }
    if (i + 1 >= digits.size() || !absl::ascii_isxdigit(digits[i]) ||
        !absl::ascii_isxdigit(digits[i + 1])) {
      return absl::InvalidArgumentError(
          "is not hex: after \"0x\" it needs pairs of hex digits, spaces only between pairs");
    }
    const auto nibble = [](char c) {
      return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
    };
    bytes.push_back(static_cast<char>(nibble(digits[i]) << 4 | nibble(digits[i + 1])));
    i += 2;
  }
  if (bytes.empty()) return absl::InvalidArgumentError("is not hex: it has no hex digits");
  return bytes;
}

bool StartsWithHexPrefix(std::string_view text) {
  return text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

// A byte string field: `!!binary` base64, "0x.." hex, or the UTF-8 bytes of the text.
absl::StatusOr<std::string> ReadBytes(const YAML::Node& node) {
  if (!node.IsScalar())
    return absl::InvalidArgumentError("must be a byte string, not a list or map");
  if (node.Tag() == kBinaryTag) {
    std::string bytes;
    // yaml-cpp's base64 decoder accepts garbage silently; absl's does not.
    if (!absl::Base64Unescape(node.Scalar(), &bytes)) {
      return absl::InvalidArgumentError("is not valid base64");
    }
    return bytes;
  }
  const std::string& text = node.Scalar();
  if (StartsWithHexPrefix(text)) return ParseHex(text);
  if (text.empty()) return absl::InvalidArgumentError("is empty");
  return text;
}

// A signed integer read from text, as |value| and sign.
struct ParsedInteger {
  bool negative = false;
  uint64_t magnitude = 0;
};

// Integer text: YAML 1.1 integers for plain scalars (decimal, 0x, 0o, 0b, leading-0 octal,
// underscores between digits), Python's int(text, 0) for strings (no leading-0 octal).
absl::StatusOr<ParsedInteger> ParseIntegerText(std::string_view text, bool plain) {
  const absl::Status not_integer = absl::InvalidArgumentError("must be an integer");
  text = ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
  ParsedInteger result;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    result.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0') {
    const char p = absl::ascii_tolower(text[1]);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      text.remove_prefix(2);
    }
  }
  if (base == 10 && text.size() > 1 && text[0] == '0') {
    if (!plain) return not_integer;  // int("017", 0) is an error in Python
    base = 8;
  }
  if (text.empty() || text.front() == '_' || text.back() == '_') return not_integer;
  uint64_t value = 0;
  char previous = 0;
  for (const char c : text) {
    if (c == '_') {
      if (previous == '_') return not_integer;
      previous = c;
      continue;
    }
    previous = c;
    int digit = -1;
    if (absl::ascii_isdigit(c)) {
      digit = c - '0';
    } else if (absl::ascii_isalpha(c)) {
      digit = absl::ascii_tolower(c) - 'a' + 10;
    }
    if (digit < 0 || digit >= base) return not_integer;
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / base) {
      return absl::OutOfRangeError("is out of range");
    }
    value = value * base + digit;
  }
  result.magnitude = value;
  return result;
}

// A YAML scalar that is an integer: plain, !!int, quoted or !!str digits.
absl::StatusOr<ParsedInteger> ReadInteger(const YAML::Node& node) {
  if (!node.IsScalar()) return absl::InvalidArgumentError("must be an integer, not a list or map");
  const std::string& tag = node.Tag();
  if (tag == kBinaryTag) return absl::InvalidArgumentError("must be an integer, not binary");
  return ParseIntegerText(node.Scalar(), tag == kPlainTag || tag == kIntTag);
}

// An unsigned integer field within min..max.
absl::StatusOr<uint64_t> ReadUnsigned(const YAML::Node& node, uint64_t min, uint64_t max) {
  absl::StatusOr<ParsedInteger> value = ReadInteger(node);
  if (!value.ok()) return value.status();
  if ((value->negative && value->magnitude != 0) || value->magnitude < min ||
      value->magnitude > max) {
    return absl::InvalidArgumentError(absl::StrCat("must be within ", min, "..", max, ", got ",
                                                   value->negative ? "-" : "", value->magnitude));
  }
  return value->magnitude;
}

// node_role: a YAML integer 0..255, or a byte string of exactly one byte.
absl::StatusOr<uint8_t> ReadNodeRole(const YAML::Node& node) {
  if (node.IsScalar() && (node.Tag() == kPlainTag || node.Tag() == kIntTag)) {
    absl::StatusOr<ParsedInteger> value = ParseIntegerText(node.Scalar(), /*plain=*/true);
    if (value.ok()) {
      if (value->negative || value->magnitude > 0xFF) {
        return absl::InvalidArgumentError("must be one byte (0..255)");
      }
      return static_cast<uint8_t>(value->magnitude);
    }
    if (node.Tag() == kIntTag) return value.status();
  }
  absl::StatusOr<std::string> bytes = ReadBytes(node);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("must be one byte, got ", bytes->size()));
  }
  return static_cast<uint8_t>((*bytes)[0]);
}

// The plain scalars PyYAML (YAML 1.1) reads as booleans or null.
bool IsYamlBoolOrNull(std::string_view text) {
  static constexpr std::string_view kWords[] = {
      "yes",   "Yes", "YES", "no", "No",  "NO",  "true", "True", "TRUE", "false", "False",
      "FALSE", "on",  "On",  "ON", "off", "Off", "OFF",  "~",    "null", "Null",  "NULL"};
  return std::find(std::begin(kWords), std::end(kWords), text) != std::end(kWords);
}

// A plain scalar that YAML would read as a float (digits with a '.', an exponent, .inf, .nan).
bool LooksLikeFloat(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  const std::string lower = absl::AsciiStrToLower(ToAbsl(text));
  if (lower == ".inf" || lower == ".nan") return true;
  if (text.empty() || !(absl::ascii_isdigit(text[0]) || text[0] == '.')) return false;
  bool digit = false;
  for (const char c : text) {
    if (absl::ascii_isdigit(c)) {
      digit = true;
    } else if (c != '.' && c != '_' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return false;
    }
  }
  return digit;
}

// A user_specific value: an integer (int64), text, or !!binary bytes.
absl::StatusOr<UserSpecificValue> ReadUserValue(const YAML::Node& node) {
  if (!node.IsScalar()) {
    return absl::InvalidArgumentError("must be an integer, text or !!binary, not a list or map");
  }
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == kBinaryTag) {
    absl::StatusOr<std::string> bytes = ReadBytes(node);
    if (!bytes.ok()) return bytes.status();
    return UserSpecificValue::Bytes(*std::move(bytes));
  }
  if (tag == kPlainTag || tag == kIntTag) {
    absl::StatusOr<ParsedInteger> value = ParseIntegerText(text, /*plain=*/true);
    if (value.ok()) {
      constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
      if (value->magnitude > kMax + (value->negative ? 1 : 0)) {
        return absl::InvalidArgumentError("is out of range of a 64-bit signed integer");
      }
      // Negation in unsigned arithmetic, so that INT64_MIN does not overflow.
      const uint64_t bits = value->negative ? ~value->magnitude + 1 : value->magnitude;
      return UserSpecificValue::Int(static_cast<int64_t>(bits));
    }
    if (tag == kIntTag || absl::IsOutOfRange(value.status())) return value.status();
    if (IsYamlBoolOrNull(text) || LooksLikeFloat(text)) {
      return absl::InvalidArgumentError(
          "must be an integer, text or !!binary (quote it to send it as text)");
    }
  } else if (tag != "!" && tag != kStrTag) {
    return absl::InvalidArgumentError(absl::StrCat("has an unsupported tag ", tag));
  }
  if (!wm::decoders::IsValidUtf8(text)) return absl::InvalidArgumentError("is not UTF-8");
  return UserSpecificValue::Text(text);
}

std::string FieldName(const YAML::Node& key) {
  return key.IsScalar() ? key.Scalar() : std::string("<not a scalar>");
}

// The fields of one UID.
absl::StatusOr<ProvisioningEntry> ParseEntry(const UidContext& ctx, const YAML::Node& fields) {
  if (!fields.IsMap()) return UidError(ctx, "must be a map of fields");
  ProvisioningEntry entry;
  entry.uid_text = ctx.uid_text;
  std::optional<uint64_t> method;
  bool has_encryption_key = false;
  bool has_authentication_key = false;
  std::set<std::string> seen;
  for (const auto& field : fields) {
    const std::string name = FieldName(field.first);
    const YAML::Node& value = field.second;
    if (!seen.insert(name).second) return FieldError(ctx, name, "is given twice");
    // A field without a value is absent (a mandatory one is then reported missing).
    if (value.IsNull()) continue;
    auto fail = [&](const absl::Status& s) { return FieldError(ctx, name, ToStd(s.message())); };
    if (name == "method") {
      absl::StatusOr<uint64_t> v = ReadUnsigned(value, 0, 1);
      if (!v.ok()) return fail(v.status());
      method = *v;
    } else if (name == "factory_key") {
      absl::StatusOr<std::string> v = ReadBytes(value);
      if (!v.ok()) return fail(v.status());
      if (v->size() != kFactoryKeySize) {
        return FieldError(ctx, name,
                          absl::StrCat("must be ", kFactoryKeySize, " bytes, got ", v->size()));
      }
      entry.factory_key = *std::move(v);
    } else if (name == "encryption_key" || name == "authentication_key") {
      absl::StatusOr<std::string> v = ReadBytes(value);
      if (!v.ok()) return fail(v.status());
      if (v->size() != kNetworkKeySize) {
        return FieldError(ctx, name,
                          absl::StrCat("must be ", kNetworkKeySize, " bytes, got ", v->size()));
      }
      if (name == "encryption_key") {
        entry.content.encryption_key = *std::move(v);
        has_encryption_key = true;
      } else {
        entry.content.authentication_key = *std::move(v);
        has_authentication_key = true;
      }
    } else if (name == "network_address") {
      absl::StatusOr<uint64_t> v = ReadUnsigned(value, 1, kMaxNetworkAddress);
      if (!v.ok()) return fail(v.status());
      entry.content.network_address = static_cast<uint32_t>(*v);
    } else if (name == "network_channel") {
      absl::StatusOr<uint64_t> v = ReadUnsigned(value, 1, kMaxNetworkChannel);
      if (!v.ok()) return fail(v.status());
      entry.content.network_channel = static_cast<uint32_t>(*v);
    } else if (name == "node_id") {
      absl::StatusOr<uint64_t> v = ReadUnsigned(value, 1, kMaxNodeId);
      if (!v.ok()) return fail(v.status());
      entry.content.node_id = static_cast<uint32_t>(*v);
    } else if (name == "node_role") {
      absl::StatusOr<uint8_t> v = ReadNodeRole(value);
      if (!v.ok()) return fail(v.status());
      entry.content.node_role = *v;
    } else if (name == "user_specific") {
      if (!value.IsMap()) return FieldError(ctx, name, "must be a map of ids 128..255 to values");
      for (const auto& user : value) {
        const std::string user_field = absl::StrCat(name, ".", FieldName(user.first));
        absl::StatusOr<uint64_t> id =
            ReadUnsigned(user.first, kMinUserSpecificId, kMaxUserSpecificId);
        if (!id.ok())
          return FieldError(ctx, user_field, absl::StrCat("id ", id.status().message()));
        if (user.second.IsNull()) return FieldError(ctx, user_field, "has no value");
        absl::StatusOr<UserSpecificValue> v = ReadUserValue(user.second);
        if (!v.ok()) return FieldError(ctx, user_field, ToStd(v.status().message()));
        if (!entry.content.user_specific.emplace(static_cast<uint32_t>(*id), *std::move(v))
                 .second) {
          return FieldError(ctx, user_field, "is given twice");
        }
      }
    } else {
      return FieldError(ctx, name, "is not a field of a UID");
    }
  }
  if (!method.has_value()) return FieldError(ctx, "method", "is missing");
  if (!has_encryption_key) return FieldError(ctx, "encryption_key", "is missing");
  if (!has_authentication_key) return FieldError(ctx, "authentication_key", "is missing");
  entry.method = static_cast<ProvisioningMethod>(*method);
  if (entry.method == ProvisioningMethod::kSecured && entry.factory_key.empty()) {
    return FieldError(ctx, "factory_key", "is missing (method 1, secured, needs it)");
  }
  absl::StatusOr<std::string> encoded = EncodeDataContent(entry.content);
  if (!encoded.ok()) return UidError(ctx, ToStd(encoded.status().message()));
  const size_t frame_size = kDataHeaderSize + encoded->size() +
                            (entry.method == ProvisioningMethod::kSecured ? kMicSize : 0);
  if (frame_size > kMaxFrameSize) {
    return FieldError(ctx, "user_specific",
                      absl::StrCat("makes the DATA frame ", frame_size, " bytes, more than the ",
                                   kMaxFrameSize, " a node accepts"));
  }
  return entry;
}

}  // namespace

absl::StatusOr<ProvisioningConfig> ProvisioningConfig::Parse(std::string_view yaml,
                                                             std::string_view source) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(source), ": is empty; expected a map of UIDs"));
    }
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(ToAbsl(source), ": must be a map of UIDs"));
    }
    ProvisioningConfig config;
    std::map<std::string, int> lines;  // UID bytes -> line, to report duplicates
    for (const auto& pair : root) {
      UidContext ctx{source, FieldName(pair.first), LineOf(pair.first)};
      if (!pair.first.IsScalar()) return UidError(ctx, "is not a scalar");
      absl::StatusOr<std::string> uid = ReadBytes(pair.first);
      if (!uid.ok()) return UidError(ctx, ToStd(uid.status().message()));
      absl::StatusOr<ProvisioningEntry> entry = ParseEntry(ctx, pair.second);
      if (!entry.ok()) return entry.status();
      entry->uid = *uid;
      const auto [it, inserted] = lines.emplace(*uid, ctx.line);
      if (!inserted) {
        return UidError(ctx, absl::StrCat("is the same UID as line ", it->second));
      }
      config.entries_.emplace(*std::move(uid), *std::move(entry));
    }
    return config;
  } catch (const YAML::Exception& e) {
    // Only the position: yaml-cpp's message can quote text from the file, such as a key.
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(source), ": is not valid YAML (line ",
                                                   e.mark.line + 1, ", column ", e.mark.column + 1,
                                                   ")"));
  }
}

absl::StatusOr<ProvisioningConfig> ProvisioningConfig::LoadFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int error = errno;
    const std::string message =
        absl::StrCat("provisioning config ", path, ": ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
    return absl::UnavailableError(message);
  }
  std::string content;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) content.append(buffer, n);
  const int read_error = std::ferror(file) != 0 ? errno : 0;
  std::fclose(file);
  if (read_error != 0) {
    const std::string message =
        absl::StrCat("provisioning config ", path, ": ", std::strerror(read_error));
    if (read_error == EISDIR) return absl::InvalidArgumentError(message);
    return absl::UnavailableError(message);
  }
  return Parse(content, path);
}

const ProvisioningEntry* ProvisioningConfig::Find(std::string_view uid) const {
  const auto it = entries_.find(uid);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace wm::provisioning
