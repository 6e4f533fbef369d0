#include "tools/gateway_sim/response_policy.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace wm::gateway_sim {
namespace {

std::optional<double> ParseRatio(absl::string_view text) {
  double ratio = 0;
  if (!absl::SimpleAtod(text, &ratio) || !(ratio >= 0 && ratio <= 1)) return std::nullopt;
  return ratio;
}

}  // namespace

bool ResponsePolicy::ShouldDrop(wirepas::Method method, SimRandom& random) const {
  const double ratio = drop_ratio[static_cast<size_t>(method)];
  if (ratio <= 0) return false;
  if (ratio >= 1) return true;
  return random.Chance(ratio);
}

absl::StatusOr<DropRatios> ParseDropResponses(std::string_view text) {
  DropRatios ratios{};
  for (absl::string_view entry : absl::StrSplit(absl::string_view(text.data(), text.size()), ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    if (entry.empty()) continue;
    const auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("drop_responses entry \"", entry, "\": ", std::string(why),
                       " (expected a ratio 0..1, a method, or method=ratio)"));
    };
    const size_t equals = entry.find('=');
    if (equals == absl::string_view::npos) {
      if (std::optional<double> ratio = ParseRatio(entry)) {
        ratios.fill(*ratio);
        continue;
      }
    }
    const absl::string_view name = absl::StripAsciiWhitespace(entry.substr(0, equals));
    const std::optional<wirepas::Method> method =
        wirepas::MethodFromName(std::string_view(name.data(), name.size()));
    if (!method.has_value()) return bad("unknown method");
    double ratio = 1;
    if (equals != absl::string_view::npos) {
      const std::optional<double> parsed =
          ParseRatio(absl::StripAsciiWhitespace(entry.substr(equals + 1)));
      if (!parsed.has_value()) return bad("ratio must be a number in 0..1");
      ratio = *parsed;
    }
    ratios[static_cast<size_t>(*method)] = ratio;
  }
  return ratios;
}

}  // namespace wm::gateway_sim
