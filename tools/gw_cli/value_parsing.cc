#include "tools/gw_cli/value_parsing.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/wirepas/address.h"
#include "third_party/system/string_view_compat.h"

namespace wm::gw_cli {
namespace {

absl::Status Invalid(std::string_view key, std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(key), ": ", ToAbsl(reason)));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lower case, '-' as '_', surrounding spaces removed: "Non-Router " -> "non_router".
std::string Normalized(std::string_view text) {
  std::string out = absl::AsciiStrToLower(absl::StripAsciiWhitespace(ToAbsl(text)));
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

wm::v1::NodeRole RoleFromByte(uint32_t byte) {
  wm::v1::NodeRole role;
  role.set_base(static_cast<wm::v1::BaseRole>(byte & kRoleBaseMask));
  role.set_low_latency((byte & kRoleLowLatency) != 0);
  role.set_autorole((byte & kRoleAutorole) != 0);
  role.set_dual_mcu_role(byte);
  return role;
}

}  // namespace

absl::StatusOr<std::string> ParseHexBytes(std::string_view key, std::string_view text) {
  absl::string_view digits = absl::StripAsciiWhitespace(ToAbsl(text));
  if (absl::StartsWithIgnoreCase(digits, "0x")) digits.remove_prefix(2);
  std::string bytes;
  int high = -1;
  for (size_t i = 0; i < digits.size(); ++i) {
    const char c = digits[i];
    if (c == ':' || c == ' ') {
      if (high >= 0) return Invalid(key, "hex needs two digits per byte");
      continue;
    }
    const int value = HexDigit(c);
    if (value < 0) {
      return Invalid(key, absl::StrCat("'", std::string(1, c), "' at position ", i + 1,
                                       " is not a hex digit (bytes are written as hex, e.g. "
                                       "0a1b2c)"));
    }
    if (high < 0) {
      high = value;
    } else {
      bytes.push_back(static_cast<char>(high << 4 | value));
      high = -1;
    }
  }
  if (high >= 0) return Invalid(key, "hex needs two digits per byte (an odd number was given)");
  return bytes;
}

absl::StatusOr<uint64_t> ParseUnsigned(std::string_view key, std::string_view text, uint64_t min,
                                       uint64_t max) {
  absl::string_view digits = absl::StripAsciiWhitespace(ToAbsl(text));
  const bool hex = absl::StartsWithIgnoreCase(digits, "0x");
  if (hex) digits.remove_prefix(2);
  // Digits only: absl's parsers also take signs, spaces and a second "0x".
  const bool all_digits =
      !digits.empty() && std::all_of(digits.begin(), digits.end(), [hex](char c) {
        const auto u = static_cast<unsigned char>(c);
        return hex ? std::isxdigit(u) != 0 : std::isdigit(u) != 0;
      });
  uint64_t value = 0;
  const bool ok =
      all_digits && (hex ? absl::SimpleHexAtoi(digits, &value) : absl::SimpleAtoi(digits, &value));
  if (!ok) {
    return Invalid(key, absl::StrCat("'", ToAbsl(text), "' is not a number (decimal or 0x hex)"));
  }
  if (value < min || value > max) {
    return Invalid(key, absl::StrCat(value, " is out of range ", min, "..", max));
  }
  return value;
}

absl::StatusOr<uint32_t> ParseNodeAddress(std::string_view key, std::string_view text) {
  absl::StatusOr<uint64_t> value = ParseUnsigned(key, text, 0, wirepas::kBroadcastAddress);
  if (!value.ok()) {
    return Invalid(key,
                   absl::StrCat("'", ToAbsl(text), "' is not a node address (decimal or 0x hex)"));
  }
  if (!wirepas::IsNodeAddress(static_cast<uint32_t>(*value))) {
    return Invalid(key,
                   absl::StrCat(absl::StripAsciiWhitespace(ToAbsl(text)),
                                " is not a node address (0 is any sink, 0xFFFFFFFF broadcast)"));
  }
  return static_cast<uint32_t>(*value);
}

absl::StatusOr<uint32_t> ParseDestinationAddress(std::string_view key, std::string_view text) {
  if (Normalized(text) == "broadcast") return wirepas::kBroadcastAddress;
  absl::StatusOr<uint64_t> value = ParseUnsigned(key, text, 0, wirepas::kBroadcastAddress);
  if (!value.ok()) {
    return Invalid(key, absl::StrCat("'", ToAbsl(text),
                                     "' is not a node address (decimal, 0x hex or broadcast)"));
  }
  return static_cast<uint32_t>(*value);
}

std::string_view BaseRoleName(uint32_t base) {
  switch (base) {
    case wm::v1::BASE_ROLE_SINK:
      return "sink";
    case wm::v1::BASE_ROLE_ROUTER:
      return "router";
    case wm::v1::BASE_ROLE_NON_ROUTER:
      return "non_router";
    default:
      return {};
  }
}

absl::StatusOr<wm::v1::NodeRole> ParseNodeRole(std::string_view key, std::string_view text) {
  const std::string normalized = Normalized(text);
  uint32_t byte = 0;
  if (!normalized.empty() && std::isdigit(static_cast<unsigned char>(normalized[0]))) {
    absl::StatusOr<uint64_t> number = ParseUnsigned(key, normalized, 0, 0xFF);
    if (!number.ok()) return number.status();
    byte = static_cast<uint32_t>(*number);
    if ((byte & ~(kRoleBaseMask | kRoleLowLatency | kRoleAutorole)) != 0) {
      return Invalid(key, absl::StrCat("role byte 0x", absl::Hex(byte),
                                       " has bits besides the base, 0x10 (low latency) and "
                                       "0x80 (autorole)"));
    }
  } else {
    std::vector<std::string> parts = absl::StrSplit(normalized, '+');
    const std::string& base = parts[0];
    if (base == BaseRoleName(wm::v1::BASE_ROLE_SINK)) {
      byte = wm::v1::BASE_ROLE_SINK;
    } else if (base == BaseRoleName(wm::v1::BASE_ROLE_ROUTER) || base == "headnode") {
      byte = wm::v1::BASE_ROLE_ROUTER;
    } else if (base == BaseRoleName(wm::v1::BASE_ROLE_NON_ROUTER) || base == "nonrouter" ||
               base == "subnode") {
      byte = wm::v1::BASE_ROLE_NON_ROUTER;
    } else {
      return Invalid(key, absl::StrCat("'", ToAbsl(text),
                                       "' is not a role: sink, router or non_router, with "
                                       "+ll and +autorole, or the role byte (e.g. 0x83)"));
    }
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i] == "ll" || parts[i] == "low_latency") {
        byte |= kRoleLowLatency;
      } else if (parts[i] == "autorole" || parts[i] == "ar") {
        byte |= kRoleAutorole;
      } else {
        return Invalid(
            key, absl::StrCat("unknown role flag '+", parts[i], "' (flags are +ll and +autorole)"));
      }
    }
  }
  const uint32_t base = byte & kRoleBaseMask;
  if (base < wm::v1::BASE_ROLE_SINK || base > wm::v1::BASE_ROLE_NON_ROUTER) {
    return Invalid(key, absl::StrCat("the base role must be sink (1), router (2) or non_router "
                                     "(3), got ",
                                     base));
  }
  return RoleFromByte(byte);
}

absl::StatusOr<wm::v1::ScratchpadAction> ParseScratchpadAction(std::string_view key,
                                                               std::string_view text) {
  std::string name = Normalized(text);
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    absl::StatusOr<uint64_t> number = ParseUnsigned(key, name, wm::v1::SCRATCHPAD_ACTION_NO_OTAP,
                                                    wm::v1::SCRATCHPAD_ACTION_LEGACY_OTAP);
    if (!number.ok()) return number.status();
    return static_cast<wm::v1::ScratchpadAction>(*number);
  }
  if (!absl::StartsWith(name, "scratchpad_action_")) name = "scratchpad_action_" + name;
  wm::v1::ScratchpadAction action = wm::v1::SCRATCHPAD_ACTION_UNKNOWN;
  if (!wm::v1::ScratchpadAction_Parse(absl::AsciiStrToUpper(name), &action) ||
      action == wm::v1::SCRATCHPAD_ACTION_UNKNOWN) {
    return Invalid(key, absl::StrCat("'", ToAbsl(text),
                                     "' is not an action: no_otap, propagate_only, "
                                     "propagate_and_process, propagate_and_process_with_delay, "
                                     "legacy_otap"));
  }
  return action;
}

absl::Status ParseScratchpadParam(std::string_view key, std::string_view text,
                                  wm::v1::TargetScratchpadAndAction& target) {
  std::string name = Normalized(text);
  struct Delay {
    const char* short_name;
    wm::v1::ProcessingDelay delay;
  };
  static constexpr Delay kDelays[] = {
      {"10m", wm::v1::PROCESSING_DELAY_TEN_MINUTES},
      {"30m", wm::v1::PROCESSING_DELAY_THIRTY_MINUTES},
      {"1h", wm::v1::PROCESSING_DELAY_ONE_HOUR},
      {"6h", wm::v1::PROCESSING_DELAY_SIX_HOURS},
      {"1d", wm::v1::PROCESSING_DELAY_ONE_DAY},
      {"2d", wm::v1::PROCESSING_DELAY_TWO_DAYS},
      {"5d", wm::v1::PROCESSING_DELAY_FIVE_DAYS},
  };
  for (const Delay& d : kDelays) {
    if (name == d.short_name) {
      target.set_delay(d.delay);
      return absl::OkStatus();
    }
  }
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    absl::StatusOr<uint64_t> raw = ParseUnsigned(key, name, 0, 0xFF);
    if (!raw.ok()) {
      return Invalid(key, absl::StrCat("'", ToAbsl(text),
                                       "' is not a delay (10m, 30m, 1h, 6h, 1d, 2d, 5d) nor a "
                                       "raw param 0..255"));
    }
    target.set_raw(static_cast<uint32_t>(*raw));
    return absl::OkStatus();
  }
  if (!absl::StartsWith(name, "processing_delay_")) name = "processing_delay_" + name;
  wm::v1::ProcessingDelay delay = wm::v1::PROCESSING_DELAY_UNKNOWN;
  if (!wm::v1::ProcessingDelay_Parse(absl::AsciiStrToUpper(name), &delay) ||
      delay == wm::v1::PROCESSING_DELAY_UNKNOWN) {
    return Invalid(key, absl::StrCat("'", ToAbsl(text),
                                     "' is not a delay (10m, 30m, 1h, 6h, 1d, 2d, 5d) nor a raw "
                                     "param 0..255"));
  }
  target.set_delay(delay);
  return absl::OkStatus();
}

std::optional<std::string> Given(const config::Settings& settings, std::string_view key) {
  if (!settings.IsSet(key)) return std::nullopt;
  return settings.GetString(key);
}

absl::Status Required(std::string_view key, std::string_view example) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(key), ": required (--", ToAbsl(key), "=", ToAbsl(example), ")"));
}

absl::StatusOr<std::optional<uint64_t>> OptionalUnsigned(const config::Settings& settings,
                                                         std::string_view key, uint64_t min,
                                                         uint64_t max) {
  std::optional<std::string> text = Given(settings, key);
  if (!text) return std::optional<uint64_t>();
  absl::StatusOr<uint64_t> value = ParseUnsigned(key, *text, min, max);
  if (!value.ok()) return value.status();
  return std::optional<uint64_t>(*value);
}

absl::StatusOr<uint64_t> RequiredUnsigned(const config::Settings& settings, std::string_view key,
                                          uint64_t min, uint64_t max) {
  absl::StatusOr<std::optional<uint64_t>> value = OptionalUnsigned(settings, key, min, max);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return Required(key, absl::StrCat(min, "..", max));
  return **value;
}

}  // namespace wm::gw_cli
