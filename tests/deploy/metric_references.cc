#include "tests/deploy/metric_references.h"

#include <cctype>
#include <exception>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "third_party/system/string_view_compat.h"
#include "yaml-cpp/yaml.h"

namespace wm::testing {
namespace {

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}

bool IsLabelChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

void SkipSpaces(std::string_view text, size_t& i) {
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
}

// Reads the string literal starting at text[i] (", ' or `), leaving i after it. Backslash
// escapes are resolved except in raw (`) strings.
std::string ReadString(std::string_view text, size_t& i) {
  const char quote = text[i++];
  std::string value;
  while (i < text.size() && text[i] != quote) {
    if (text[i] == '\\' && quote != '`' && i + 1 < text.size()) {
      ++i;
      value.push_back(text[i] == 'n' ? '\n' : text[i]);
    } else {
      value.push_back(text[i]);
    }
    ++i;
  }
  if (i < text.size()) ++i;  // the closing quote
  return value;
}

// Reads the label matchers of a selector, text[i] being '{', leaving i after the '}'.
// Keeps the equality matchers, target labels aside.
std::vector<std::pair<std::string, std::string>> ReadEqualMatchers(std::string_view text,
                                                                   size_t& i) {
  std::vector<std::pair<std::string, std::string>> equal;
  ++i;  // '{'
  while (i < text.size()) {
    SkipSpaces(text, i);
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (i >= text.size() || text[i] == '}') break;
    const size_t start = i;
    while (i < text.size() && IsLabelChar(text[i])) ++i;
    const std::string label(text.substr(start, i - start));
    SkipSpaces(text, i);
    std::string op;
    while (i < text.size() && (text[i] == '=' || text[i] == '!' || text[i] == '~')) {
      op.push_back(text[i++]);
    }
    SkipSpaces(text, i);
    if (label.empty() || op.empty() || i >= text.size() ||
        (text[i] != '"' && text[i] != '\'' && text[i] != '`')) {
      break;  // not a matcher list this scanner understands; the caller goes on
    }
    std::string value = ReadString(text, i);
    if (op == "=" && label != "job" && label != "instance") {
      equal.emplace_back(label, std::move(value));
    }
  }
  if (i < text.size() && text[i] == '}') ++i;
  return equal;
}

void CollectExpressions(const YAML::Node& node, std::vector<std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && entry.first.Scalar() == "expr" && entry.second.IsScalar()) {
        out.push_back(entry.second.Scalar());
      } else {
        CollectExpressions(entry.second, out);
      }
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) CollectExpressions(item, out);
  }
}

}  // namespace

ExpressionNames NamesInExpression(std::string_view expr) {
  ExpressionNames names;
  size_t i = 0;
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      ReadString(expr, i);
    } else if (c == '$') {
      // A Grafana variable: $name or ${name}.
      ++i;
      if (i < expr.size() && expr[i] == '{') {
        while (i < expr.size() && expr[i] != '}') ++i;
      } else {
        while (i < expr.size() && IsNameChar(expr[i])) ++i;
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.') {
      // A number or a duration (5m, 1h30m, 5m:1m in a subquery).
      while (i < expr.size() && (IsNameChar(expr[i]) || expr[i] == '.')) ++i;
    } else if (IsNameStart(c)) {
      const size_t start = i;
      while (i < expr.size() && IsNameChar(expr[i])) ++i;
      std::string name(expr.substr(start, i - start));
      if (absl::StrContains(name, ':')) {
        names.recorded.insert(std::move(name));
      } else if (absl::StartsWith(name, "wm_")) {
        MetricReference reference{std::move(name), {}};
        size_t after = i;
        SkipSpaces(expr, after);
        if (after < expr.size() && expr[after] == '{') {
          i = after;
          reference.equal_labels = ReadEqualMatchers(expr, i);
        }
        names.metrics.push_back(std::move(reference));
      }
    } else {
      ++i;
    }
  }
  return names;
}

absl::StatusOr<RuleFile> ParseRuleFile(const std::string& yaml_text) {
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap() || !root["groups"] || !root["groups"].IsSequence()) {
      return absl::InvalidArgumentError("no `groups` list");
    }
    RuleFile file;
    for (const YAML::Node& group : root["groups"]) {
      if (!group["rules"] || !group["rules"].IsSequence()) {
        return absl::InvalidArgumentError("a group without a `rules` list");
      }
      for (const YAML::Node& rule : group["rules"]) {
        if (!rule["expr"]) return absl::InvalidArgumentError("a rule without `expr`");
        file.expressions.push_back(rule["expr"].as<std::string>());
        if (rule["record"]) file.records.insert(rule["record"].as<std::string>());
      }
    }
    return file;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("rules file: ", e.what()));
  }
}

absl::StatusOr<std::vector<std::string>> DashboardExpressions(const std::string& json_text) {
  try {
    // JSON is YAML (flow style); yaml-cpp reads it as such.
    const YAML::Node root = YAML::Load(json_text);
    if (!root.IsMap()) return absl::InvalidArgumentError("dashboard: not a JSON object");
    std::vector<std::string> expressions;
    CollectExpressions(root, expressions);
    return expressions;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("dashboard: ", e.what()));
  }
}

ExposedSamples ParseExposition(std::string_view text) {
  ExposedSamples samples;
  for (absl::string_view absl_line : absl::StrSplit(ToAbsl(text), '\n')) {
    const std::string_view line = ToStd(absl_line);
    if (line.empty() || line[0] == '#') continue;
    size_t i = 0;
    while (i < line.size() && IsNameChar(line[i])) ++i;
    if (i == 0) continue;
    const std::string name(line.substr(0, i));
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        if (line[i] == ',' || line[i] == ' ') {
          ++i;
          continue;
        }
        const size_t start = i;
        while (i < line.size() && IsLabelChar(line[i])) ++i;
        const std::string label(line.substr(start, i - start));
        if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') break;
        ++i;  // '='
        labels[label] = ReadString(line, i);
      }
    }
    samples[name].push_back(std::move(labels));
  }
  return samples;
}

}  // namespace wm::testing
