#include "libs/provisioning/data_content.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "libs/decoders/cbor.h"
#include "third_party/system/string_view_compat.h"

namespace wm::provisioning {
namespace {

using wm::decoders::AppendCborString;
using wm::decoders::CborElements;
using wm::decoders::CborItem;
using wm::decoders::CborMajorType;
using wm::decoders::CborReader;
using wm::decoders::CborWriter;

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("provisioning data ", ToAbsl(field), ": ", ToAbsl(problem)));
}

absl::Status CheckKey(std::string_view field, const std::string& key) {
  if (key.size() != kNetworkKeySize) {
    return Invalid(field, absl::StrCat("must be ", kNetworkKeySize, " bytes, got ", key.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(std::string_view field, uint64_t value, uint64_t max) {
  if (value == 0 || value > max) {
    return Invalid(field, absl::StrCat(value, " is outside 1..", max));
  }
  return absl::OkStatus();
}

std::string UserField(uint32_t id) { return absl::StrCat("user_specific ", id); }

absl::Status CheckUserSpecific(uint32_t id, const UserSpecificValue& value) {
  if (id < kMinUserSpecificId || id > kMaxUserSpecificId) {
    return Invalid(UserField(id),
                   absl::StrCat("id is outside ", kMinUserSpecificId, "..", kMaxUserSpecificId));
  }
  if (value.kind == UserSpecificValue::Kind::kText && !wm::decoders::IsValidUtf8(value.string)) {
    return Invalid(UserField(id), "text is not UTF-8");
  }
  return absl::OkStatus();
}

absl::Status WrongType(std::string_view field, std::string_view expected, const CborItem& item) {
  return Invalid(field, absl::StrCat("must be ", ToAbsl(expected), ", got ",
                                     ToAbsl(CborMajorTypeName(item.major))));
}

absl::Status ReadError(const CborReader& reader, std::string_view what) {
  return Invalid(what, absl::StrCat(ToAbsl(wm::decoders::CborErrorDescription(reader.error().kind)),
                                    " at offset ", reader.error().offset));
}

absl::Status ParseKey(std::string_view field, const CborItem& item, std::string* out) {
  if (item.major != CborMajorType::kBytes) return WrongType(field, "a byte string", item);
  if (item.argument != kNetworkKeySize) {
    return Invalid(field, absl::StrCat("must be ", kNetworkKeySize, " bytes, got ", item.argument));
  }
  out->clear();
  AppendCborString(item, out);  // either length form
  return absl::OkStatus();
}

absl::Status ParseUnsigned(std::string_view field, const CborItem& item, uint64_t max,
                           std::optional<uint32_t>* out) {
  if (item.major != CborMajorType::kUnsigned) return WrongType(field, "an unsigned integer", item);
  if (absl::Status s = CheckRange(field, item.argument, max); !s.ok()) return s;
  *out = static_cast<uint32_t>(item.argument);
  return absl::OkStatus();
}

absl::Status ParseUserValue(uint32_t id, const CborItem& item, UserSpecificValue* out) {
  constexpr uint64_t kInt64Max = std::numeric_limits<int64_t>::max();
  switch (item.major) {
    case CborMajorType::kUnsigned:
      if (item.argument > kInt64Max) return Invalid(UserField(id), "integer does not fit int64");
      *out = UserSpecificValue::Int(static_cast<int64_t>(item.argument));
      return absl::OkStatus();
    case CborMajorType::kNegative:
      // The value is -1 - argument.
      if (item.argument > kInt64Max) return Invalid(UserField(id), "integer does not fit int64");
      *out = UserSpecificValue::Int(-1 - static_cast<int64_t>(item.argument));
      return absl::OkStatus();
    case CborMajorType::kBytes:
    case CborMajorType::kText: {
      std::string content;
      AppendCborString(item, &content);  // either length form
      *out = item.major == CborMajorType::kBytes ? UserSpecificValue::Bytes(std::move(content))
                                                 : UserSpecificValue::Text(std::move(content));
      return absl::OkStatus();
    }
    default:
      return WrongType(UserField(id), "an integer, a byte string or a text string", item);
  }
}

}  // namespace

absl::Status ValidateDataContent(const DataContent& content) {
  if (absl::Status s = CheckKey("encryption_key", content.encryption_key); !s.ok()) return s;
  if (absl::Status s = CheckKey("authentication_key", content.authentication_key); !s.ok()) {
    return s;
  }
  if (content.network_address.has_value()) {
    if (absl::Status s =
            CheckRange("network_address", *content.network_address, kMaxNetworkAddress);
        !s.ok()) {
      return s;
    }
  }
  if (content.network_channel.has_value()) {
    if (absl::Status s =
            CheckRange("network_channel", *content.network_channel, kMaxNetworkChannel);
        !s.ok()) {
      return s;
    }
  }
  if (content.node_id.has_value()) {
    if (absl::Status s = CheckRange("node_id", *content.node_id, kMaxNodeId); !s.ok()) return s;
  }
  for (const auto& [id, value] : content.user_specific) {
    if (absl::Status s = CheckUserSpecific(id, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeDataContent(const DataContent& content) {
  if (absl::Status s = ValidateDataContent(content); !s.ok()) return s;
  const uint64_t pairs = 2 + content.network_address.has_value() +
                         content.network_channel.has_value() + content.node_id.has_value() +
                         content.node_role.has_value() + content.user_specific.size();
  CborWriter w;
  w.MapHeader(pairs);
  w.Unsigned(kContentEncryptionKey).Bytes(content.encryption_key);
  w.Unsigned(kContentAuthenticationKey).Bytes(content.authentication_key);
  if (content.network_address)
    w.Unsigned(kContentNetworkAddress).Unsigned(*content.network_address);
  if (content.network_channel)
    w.Unsigned(kContentNetworkChannel).Unsigned(*content.network_channel);
  if (content.node_id) w.Unsigned(kContentNodeId).Unsigned(*content.node_id);
  if (content.node_role) {
    const char role = static_cast<char>(*content.node_role);
    w.Unsigned(kContentNodeRole).Bytes(std::string_view(&role, 1));
  }
  for (const auto& [id, value] : content.user_specific) {
    w.Unsigned(id);
    switch (value.kind) {
      case UserSpecificValue::Kind::kInt:
        w.Int(value.integer);
        break;
      case UserSpecificValue::Kind::kBytes:
        w.Bytes(value.string);
        break;
      case UserSpecificValue::Kind::kText:
        w.Text(value.string);
        break;
    }
  }
  return w.Release();
}

absl::StatusOr<DataContent> ParseDataContent(std::string_view cbor) {
  CborReader reader(cbor);
  CborItem map;
  if (!reader.Next(&map)) return ReadError(reader, "map");
  if (map.major != CborMajorType::kMap) return WrongType("content", "a map", map);
  DataContent content;
  bool has_encryption_key = false;
  bool has_authentication_key = false;
  // Ids 0..255 seen so far (any other id is an error before it is recorded).
  bool seen[kMaxUserSpecificId + 1] = {};
  // Each pair takes at least two bytes, so a huge count runs into the end of the bytes. The
  // map may come in the indefinite-length form (0xbf ... 0xff), as any CBOR encoder may write
  // it; the SDK's joining node reads both.
  for (CborElements pairs(map); reader.HasNext(&pairs);) {
    CborItem key;
    if (!reader.Next(&key)) return ReadError(reader, "id");
    if (key.major != CborMajorType::kUnsigned) return WrongType("id", "an unsigned integer", key);
    const uint64_t id = key.argument;
    if (id > kContentNodeRole && (id < kMinUserSpecificId || id > kMaxUserSpecificId)) {
      return Invalid("id", absl::StrCat(id, " is neither 0..5 nor ", kMinUserSpecificId, "..",
                                        kMaxUserSpecificId));
    }
    if (seen[id]) return Invalid("id", absl::StrCat(id, " is given twice"));
    seen[id] = true;
    CborItem value;
    if (!reader.Next(&value)) return ReadError(reader, absl::StrCat("value of id ", id));
    absl::Status s;
    switch (id) {
      case kContentEncryptionKey:
        s = ParseKey("encryption_key", value, &content.encryption_key);
        has_encryption_key = s.ok();
        break;
      case kContentAuthenticationKey:
        s = ParseKey("authentication_key", value, &content.authentication_key);
        has_authentication_key = s.ok();
        break;
      case kContentNetworkAddress:
        s = ParseUnsigned("network_address", value, kMaxNetworkAddress, &content.network_address);
        break;
      case kContentNetworkChannel:
        s = ParseUnsigned("network_channel", value, kMaxNetworkChannel, &content.network_channel);
        break;
      case kContentNodeId:
        s = ParseUnsigned("node_id", value, kMaxNodeId, &content.node_id);
        break;
      case kContentNodeRole:
        if (value.major != CborMajorType::kBytes) {
          s = WrongType("node_role", "a one-byte byte string", value);
        } else if (value.argument != 1) {
          s = Invalid("node_role", absl::StrCat("must be 1 byte, got ", value.argument));
        } else {
          std::string role;
          AppendCborString(value, &role);
          content.node_role = static_cast<uint8_t>(role[0]);
        }
        break;
      default: {
        const auto user_id = static_cast<uint32_t>(id);
        UserSpecificValue user;
        s = ParseUserValue(user_id, value, &user);
        if (s.ok()) content.user_specific.emplace(user_id, std::move(user));
        break;
      }
    }
    if (!s.ok()) return s;
  }
  if (!reader.AtEnd()) {
    return Invalid("content", absl::StrCat(reader.remaining(), " bytes follow the map"));
  }
  if (!has_encryption_key) return Invalid("encryption_key", "is missing");
  if (!has_authentication_key) return Invalid("authentication_key", "is missing");
  return content;
}

}  // namespace wm::provisioning
