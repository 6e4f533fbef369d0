#include "libs/mqtt/topic.h"

#include "absl/strings/str_cat.h"
#include "third_party/system/string_view_compat.h"

namespace wm::mqtt {

absl::Status ValidateTopicName(std::string_view topic) {
  if (topic.empty()) return absl::InvalidArgumentError("empty MQTT topic");
  if (topic.size() > kMaxTopicBytes) {
    return absl::InvalidArgumentError(absl::StrCat("MQTT topic longer than 65535 bytes"));
  }
  if (topic.find_first_of(std::string_view("+#\0", 3)) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("MQTT topic to publish contains a wildcard or NUL: ", ToAbsl(topic)));
  }
  return absl::OkStatus();
}

absl::Status ValidateTopicFilter(std::string_view filter) {
  auto invalid = [filter](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid MQTT topic filter \"", ToAbsl(filter), "\": ", ToAbsl(why)));
  };
  if (filter.empty()) return invalid("empty");
  if (filter.size() > kMaxTopicBytes) return invalid("longer than 65535 bytes");
  if (filter.find('\0') != std::string_view::npos) return invalid("contains NUL");
  std::string_view rest = filter;
  constexpr std::string_view kShare = "$share/";
  if (rest.substr(0, kShare.size()) == kShare) {
    rest.remove_prefix(kShare.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) {
      return invalid("a shared subscription is $share/<group>/<filter>");
    }
    if (rest.substr(0, slash).find_first_of("+#") != std::string_view::npos) {
      return invalid("wildcard in the share group");
    }
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return invalid("empty filter after the share group");
  }
  while (true) {
    size_t slash = rest.find('/');
    std::string_view level = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (level.find('#') != std::string_view::npos && (level != "#" || !last)) {
      return invalid("'#' must be the whole last level");
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return invalid("'+' must be a whole level");
    }
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  return absl::OkStatus();
}

}  // namespace wm::mqtt
