#include "tests/harness/metrics_text.h"

#include <cstdlib>
#include <string>

namespace wm::testing {

std::optional<double> MetricValue(std::string_view text, std::string_view name,
                                  std::string_view labels) {
  const std::string prefix =
      labels.empty() ? std::string(name) + " " : std::string(name) + "{" + std::string(labels) + "} ";
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.substr(0, prefix.size()) == prefix) {
      return std::strtod(std::string(line.substr(prefix.size())).c_str(), nullptr);
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace wm::testing
