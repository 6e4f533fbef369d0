#include "tools/gateway_sim/payload_mix.h"

#include <cmath>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace wm::gateway_sim {
namespace {

constexpr std::array<std::string_view, kPayloadKindCount> kNames = {
    "app_data",       "traffic_diagnostics", "neighbor_diagnostics", "node_diagnostics",
    "diagnostics_v2", "advertiser",          "positioning",          "ruuvi",
    "test_network",   "provisioning_start",
};

std::string KnownNames() {
  std::string names;
  for (std::string_view name : kNames) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

// Debian's abseil has its own absl::string_view, distinct from std::string_view: the text is
// handled as std::string_view and passed to abseil as std::string.
std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view PayloadKindName(PayloadKind kind) { return kNames[static_cast<size_t>(kind)]; }

absl::StatusOr<PayloadMix> ParsePayloadMix(std::string_view text) {
  PayloadMix mix;
  mix.weights.fill(0);
  std::array<bool, kPayloadKindCount> listed{};
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("payload_mix item '", std::string(item), "' is not kind=weight"));
    }
    const std::string name(Trim(item.substr(0, equals)));
    const std::string value(Trim(item.substr(equals + 1)));
    size_t index = 0;
    while (index < kPayloadKindCount && kNames[index] != name) ++index;
    if (index == kPayloadKindCount) {
      return absl::InvalidArgumentError(absl::StrCat("payload_mix has an unknown kind '", name,
                                                     "'; known kinds: ", KnownNames()));
    }
    if (listed[index]) {
      return absl::InvalidArgumentError(absl::StrCat("payload_mix lists ", name, " twice"));
    }
    listed[index] = true;
    double weight = 0;
    if (!absl::SimpleAtod(value, &weight) || !std::isfinite(weight) || weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("payload_mix weight of ", name, " is '", value, "', not a number >= 0"));
    }
    mix.weights[index] = weight;
  }
  if (absl::Status status = CheckPayloadMix(mix); !status.ok()) return status;
  return mix;
}

std::string FormatPayloadMix(const PayloadMix& mix) {
  std::vector<std::string> items;
  items.reserve(kPayloadKindCount);
  for (size_t i = 0; i < kPayloadKindCount; ++i) {
    items.push_back(absl::StrCat(std::string(kNames[i]), "=", mix.weights[i]));
  }
  return absl::StrJoin(items, ",");
}

absl::Status CheckPayloadMix(const PayloadMix& mix) {
  bool any = false;
  for (size_t i = 0; i < kPayloadKindCount; ++i) {
    const double weight = mix.weights[i];
    if (!std::isfinite(weight) || weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("payload_mix weight of ", std::string(kNames[i]), " must be a number >= 0"));
    }
    any = any || weight > 0;
  }
  if (!any) {
    return absl::InvalidArgumentError(absl::StrCat(
        "payload_mix needs at least one kind with a weight above 0 (kinds: ", KnownNames(), ")"));
  }
  return absl::OkStatus();
}

}  // namespace wm::gateway_sim
