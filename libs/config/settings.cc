#include "libs/config/settings.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "third_party/system/string_view_compat.h"
#include "yaml-cpp/yaml.h"

extern char** environ;

namespace wm::config {
namespace {

constexpr std::string_view kSourceFlag = "flag";
constexpr std::string_view kSourceFile = "file";
constexpr std::string_view kSourceEnv = "env";
constexpr std::string_view kSourceDefault = "default";
constexpr char kMasked[] = "********";

// Environment variables that name the settings file: ours, then backend-client's.
constexpr const char* kSettingsFileEnv[] = {"WM_SERVICES_SETTINGS", "WM_BCLI_FILE_SETTINGS"};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "wm::config: %s\n", message.c_str());
  std::abort();
}

const char* TypeName(SettingType type) {
  switch (type) {
    case SettingType::kString:
      return "string";
    case SettingType::kInt:
      return "integer";
    case SettingType::kBool:
      return "boolean";
    case SettingType::kDouble:
      return "number";
  }
  return "?";
}

std::string DefaultEnvName(absl::string_view key) {
  return absl::StrCat("WM_SERVICES_", absl::AsciiStrToUpper(key));
}

bool IsValidKey(absl::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<bool> ParseBool(absl::string_view text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::string FormatBound(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  return absl::StrCat(v);
}

// The value as the user gave it, quoted, unless it is a secret.
std::string Shown(const SettingSpec& spec, absl::string_view text) {
  if (spec.secret) return "(value hidden)";
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

// Keeps a rendered value on one line.
std::string EscapeControl(absl::string_view text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(u, absl::kZeroPad2));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Checks `text` against `spec` and returns its canonical form, or a reason without the key.
absl::StatusOr<std::string> Canonicalize(const SettingSpec& spec, absl::string_view text) {
  auto out_of_range = [&](const char* what) {
    std::string range;
    if (spec.min && spec.max) {
      range = absl::StrCat(FormatBound(*spec.min), "..", FormatBound(*spec.max));
    } else if (spec.min) {
      range = absl::StrCat(">= ", FormatBound(*spec.min));
    } else {
      range = absl::StrCat("<= ", FormatBound(*spec.max));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", Shown(spec, text), " is out of range (", range, ")"));
  };
  switch (spec.type) {
    case SettingType::kString:
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end() &&
          !(text.empty() && spec.default_value.empty())) {
        return absl::InvalidArgumentError(absl::StrCat(
            Shown(spec, text), " is not one of ", absl::StrJoin(spec.choices, "|")));
      }
      return std::string(text);
    case SettingType::kBool: {
      std::optional<bool> b = ParseBool(text);
      if (!b) {
        return absl::InvalidArgumentError(absl::StrCat(
            Shown(spec, text), " is not a boolean (true/false, yes/no, on/off, 1/0)"));
      }
      return std::string(*b ? "true" : "false");
    }
    case SettingType::kInt: {
      int64_t v = 0;
      if (!absl::SimpleAtoi(text, &v)) {
        return absl::InvalidArgumentError(
            absl::StrCat(Shown(spec, text), " is not an integer"));
      }
      if ((spec.min && static_cast<double>(v) < *spec.min) ||
          (spec.max && static_cast<double>(v) > *spec.max)) {
        return out_of_range("integer");
      }
      return absl::StrCat(v);
    }
    case SettingType::kDouble: {
      double v = 0;
      if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
        return absl::InvalidArgumentError(absl::StrCat(Shown(spec, text), " is not a number"));
      }
      if ((spec.min && v < *spec.min) || (spec.max && v > *spec.max)) {
        return out_of_range("number");
      }
      return std::string(absl::StripAsciiWhitespace(text));
    }
  }
  return absl::InternalError("unknown setting type");
}

// Classic edit distance, for "did you mean" hints on misspelt keys.
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string UnknownKeyError(const Schema& schema, absl::string_view key, absl::string_view where) {
  std::string message = absl::StrCat("unknown setting \"", absl::CEscape(key), "\" (", where, ")");
  const SettingSpec* best = nullptr;
  size_t best_distance = 3;  // suggest only close matches
  for (const SettingSpec& spec : schema.specs()) {
    size_t d = EditDistance(key, spec.key);
    if (d < best_distance) {
      best_distance = d;
      best = &spec;
    }
  }
  if (best != nullptr) absl::StrAppend(&message, "; did you mean ", best->key, "?");
  return message;
}

struct FlagArg {
  const SettingSpec* spec;
  std::string value;
  std::string where;
};

struct FileEntry {
  std::string key;
  std::string value;
  std::string where;
};

absl::StatusOr<std::vector<FileEntry>> ReadSettingsFile(const std::string& path,
                                                        absl::string_view named_by) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("settings file ", path, " (", named_by, ") does not exist"));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("settings file ", path, " (", named_by, ") is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("settings file ", path, " (", named_by, ") cannot be read"));
  }
  std::stringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("settings file ", path, " (", named_by, ") cannot be read"));
  }

  std::vector<FileEntry> entries;
  try {
    YAML::Node root = YAML::Load(content.str());
    if (root.IsNull()) return entries;  // an empty file sets nothing
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "settings file ", path, " must be a mapping of `key: value` lines"));
    }
    std::set<std::string> seen;
    for (const auto& pair : root) {
      const YAML::Node& k = pair.first;
      const YAML::Node& v = pair.second;
      std::string where = absl::StrCat("file ", path, ":", k.Mark().line + 1);
      if (!k.IsScalar()) {
        return absl::InvalidArgumentError(absl::StrCat("a key must be a plain name (", where, ")"));
      }
      std::string key = k.Scalar();
      if (!seen.insert(key).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("setting \"", absl::CEscape(key), "\" is given twice (", where, ")"));
      }
      if (v.IsNull()) continue;  // `key:` without a value: as if absent
      if (!v.IsScalar()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "setting \"", absl::CEscape(key), "\" must be a single value (", where, ")"));
      }
      entries.push_back({std::move(key), v.Scalar(), std::move(where)});
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp's messages carry the position and the kind of error, not the file's content.
    return absl::InvalidArgumentError(absl::StrCat("settings file ", path, " is not valid YAML (line ",
                                                   e.mark.line + 1, "): ", e.msg));
  }
  return entries;
}

}  // namespace

Schema& Schema::Add(SettingSpec spec) {
  if (!IsValidKey(spec.key)) Die(absl::StrCat("invalid setting key \"", spec.key, "\""));
  if (spec.key == "settings" || spec.key == "help") {
    Die(absl::StrCat("setting key \"", spec.key, "\" is reserved"));
  }
  if (Find(spec.key) != nullptr) Die(absl::StrCat("setting ", spec.key, " declared twice"));
  if (IsIgnored(spec.key)) Die(absl::StrCat("setting ", spec.key, " is both used and ignored"));
  if (!spec.choices.empty() && spec.type != SettingType::kString) {
    Die(absl::StrCat("setting ", spec.key, ": choices are only for strings"));
  }
  if (!(spec.type == SettingType::kString && spec.default_value.empty())) {
    absl::StatusOr<std::string> canonical = Canonicalize(spec, spec.default_value);
    if (!canonical.ok()) {
      Die(absl::StrCat("setting ", spec.key, ": bad default: ", canonical.status().message()));
    }
    spec.default_value = *std::move(canonical);
  }
  specs_.push_back(std::move(spec));
  return *this;
}

Schema& Schema::AcceptIgnored(std::vector<std::string> keys) {
  for (std::string& key : keys) {
    if (Find(key) != nullptr) Die(absl::StrCat("setting ", key, " is both used and ignored"));
    if (!IsIgnored(key)) ignored_.push_back(std::move(key));
  }
  return *this;
}

const SettingSpec* Schema::Find(std::string_view key) const {
  for (const SettingSpec& spec : specs_) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

bool Schema::IsIgnored(std::string_view key) const {
  return std::find(ignored_.begin(), ignored_.end(), key) != ignored_.end();
}

absl::StatusOr<Settings> Settings::Load(const Schema& schema, const std::vector<std::string>& args,
                                        const std::map<std::string, std::string>& env) {
  Settings settings;
  settings.specs_ = schema.specs();
  for (const SettingSpec& spec : settings.specs_) {
    settings.values_[spec.key] = Value{spec.default_value, kSourceDefault};
  }

  // --help wins over everything else, so a user with a broken command line still gets help.
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h") {
      settings.help_requested_ = true;
      return settings;
    }
  }

  auto note_ignored = [&settings](const std::string& key, std::string_view source) {
    for (const IgnoredSetting& seen : settings.ignored_) {
      if (seen.key == key) return;
    }
    settings.ignored_.push_back({key, std::string(source)});
  };

  // Command line: collected first (they win), applied last.
  std::vector<FlagArg> flags;
  std::string settings_path;
  std::string settings_named_by;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional) {
      settings.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      if (arg.size() > 1 && arg[0] == '-' && std::isalpha(static_cast<unsigned char>(arg[1]))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown flag \"", absl::CEscape(arg.substr(0, arg.find('='))),
            "\"; flags are written --key=value"));
      }
      settings.positional_.push_back(arg);
      continue;
    }
    std::string_view body = std::string_view(arg).substr(2);
    size_t eq = body.find('=');
    std::string key(body.substr(0, eq));
    std::optional<std::string> inline_value;
    if (eq != std::string_view::npos) inline_value = std::string(body.substr(eq + 1));
    std::string where = absl::StrCat("flag --", key);

    // The value of `--key value`; a following flag is not taken as a value.
    auto next_value = [&]() -> std::optional<std::string> {
      if (i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--")) return args[++i];
      return std::nullopt;
    };

    if (key == "settings") {
      std::optional<std::string> path = inline_value ? inline_value : next_value();
      if (!path || path->empty()) {
        return absl::InvalidArgumentError("flag --settings needs a file name");
      }
      settings_path = *path;
      settings_named_by = "flag --settings";
      continue;
    }
    const SettingSpec* spec = schema.Find(key);
    if (spec == nullptr) {
      if (!IsValidKey(key) || !schema.IsIgnored(key)) {
        return absl::InvalidArgumentError(UnknownKeyError(schema, key, "flag"));
      }
      // A legacy key has no known type: it takes `=value` or a following non-flag argument.
      if (!inline_value) next_value();
      note_ignored(key, kSourceFlag);
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (spec->type == SettingType::kBool) {
      value = "true";
    } else if (std::optional<std::string> next = next_value()) {
      value = *next;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("setting ", key, " (", where,
                                                     ") needs a value: --", key, "=VALUE"));
    }
    flags.push_back({spec, std::move(value), std::move(where)});
  }

  auto apply = [&settings](const SettingSpec& spec, absl::string_view text,
                           std::string_view source, absl::string_view where) -> absl::Status {
    absl::StatusOr<std::string> canonical = Canonicalize(spec, text);
    if (!canonical.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting ", spec.key, " (", where, "): ", canonical.status().message()));
    }
    settings.values_[spec.key] = Value{*std::move(canonical), source};
    return absl::OkStatus();
  };

  // Environment.
  for (const SettingSpec& spec : settings.specs_) {
    std::vector<std::string> names;
    if (!spec.env.empty()) names.push_back(spec.env);
    names.push_back(DefaultEnvName(spec.key));
    for (const std::string& name : names) {
      auto it = env.find(name);
      if (it == env.end() || it->second.empty()) continue;
      absl::Status status = apply(spec, it->second, kSourceEnv, absl::StrCat("environment ", name));
      if (!status.ok()) return status;
      break;
    }
  }

  // YAML file.
  if (settings_path.empty()) {
    for (const char* name : kSettingsFileEnv) {
      auto it = env.find(name);
      if (it != env.end() && !it->second.empty()) {
        settings_path = it->second;
        settings_named_by = absl::StrCat("environment ", name);
        break;
      }
    }
  }
  if (!settings_path.empty()) {
    absl::StatusOr<std::vector<FileEntry>> entries =
        ReadSettingsFile(settings_path, settings_named_by);
    if (!entries.ok()) return entries.status();
    for (const FileEntry& entry : *entries) {
      const SettingSpec* spec = schema.Find(entry.key);
      if (spec == nullptr) {
        if (!schema.IsIgnored(entry.key)) {
          return absl::InvalidArgumentError(UnknownKeyError(schema, entry.key, entry.where));
        }
        note_ignored(entry.key, kSourceFile);
        continue;
      }
      absl::Status status = apply(*spec, entry.value, kSourceFile, entry.where);
      if (!status.ok()) return status;
    }
    settings.settings_file_ = settings_path;
  }

  // Flags last: they win.
  for (const FlagArg& flag : flags) {
    absl::Status status = apply(*flag.spec, flag.value, kSourceFlag, flag.where);
    if (!status.ok()) return status;
  }
  return settings;
}

absl::StatusOr<Settings> Settings::FromCommandLine(const Schema& schema, int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return Load(schema, args, env);
}

const SettingSpec& Settings::SpecOrDie(std::string_view key, SettingType type) const {
  for (const SettingSpec& spec : specs_) {
    if (spec.key != key) continue;
    if (spec.type != type) {
      Die(absl::StrCat("setting ", ToAbsl(key), " has type ", TypeName(spec.type), ", read as ",
                       TypeName(type)));
    }
    return spec;
  }
  Die(absl::StrCat("setting ", ToAbsl(key), " was never declared"));
}

const Settings::Value& Settings::ValueOrDie(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) Die(absl::StrCat("setting ", ToAbsl(key), " was never declared"));
  return it->second;
}

std::string Settings::GetString(std::string_view key) const {
  SpecOrDie(key, SettingType::kString);
  return ValueOrDie(key).text;
}

int64_t Settings::GetInt(std::string_view key) const {
  SpecOrDie(key, SettingType::kInt);
  int64_t v = 0;
  if (!absl::SimpleAtoi(ValueOrDie(key).text, &v)) Die(absl::StrCat("setting ", ToAbsl(key), " corrupt"));
  return v;
}

bool Settings::GetBool(std::string_view key) const {
  SpecOrDie(key, SettingType::kBool);
  return ValueOrDie(key).text == "true";
}

double Settings::GetDouble(std::string_view key) const {
  SpecOrDie(key, SettingType::kDouble);
  double v = 0;
  if (!absl::SimpleAtod(ValueOrDie(key).text, &v)) Die(absl::StrCat("setting ", ToAbsl(key), " corrupt"));
  return v;
}

bool Settings::IsSet(std::string_view key) const { return SourceOf(key) != kSourceDefault; }

std::string_view Settings::SourceOf(std::string_view key) const { return ValueOrDie(key).source; }

std::string Settings::Render() const {
  std::string out;
  for (const SettingSpec& spec : specs_) {
    const Value& value = ValueOrDie(spec.key);
    std::string shown;
    if (spec.secret) {
      shown = value.text.empty() ? "\"\"" : std::string(kMasked);
    } else if (value.text.empty()) {
      shown = "\"\"";
    } else {
      shown = EscapeControl(value.text);
    }
    absl::StrAppend(&out, spec.key, ": ", shown, "  # ", ToAbsl(value.source), "\n");
  }
  return out;
}

std::string Settings::Usage(const Schema& schema, std::string_view program) {
  std::string out = absl::StrCat("Usage: ", ToAbsl(program),
                                 " [--key=value ...] [--settings FILE] [--help]\n\n"
                                 "Precedence: flag > settings file > environment > default.\n\n");
  absl::StrAppend(&out, "  --settings=FILE\n      YAML file of `key: value` lines (env ",
                  kSettingsFileEnv[0], " or ", kSettingsFileEnv[1], ")\n");
  absl::StrAppend(&out, "  --help\n      Print this text and exit.\n");
  for (const SettingSpec& spec : schema.specs()) {
    std::string value_name;
    switch (spec.type) {
      case SettingType::kString:
        value_name = spec.choices.empty() ? "=STRING" : absl::StrCat("={", absl::StrJoin(spec.choices, "|"), "}");
        break;
      case SettingType::kInt:
        value_name = "=INT";
        break;
      case SettingType::kBool:
        value_name = "[=BOOL]";
        break;
      case SettingType::kDouble:
        value_name = "=NUMBER";
        break;
    }
    absl::StrAppend(&out, "  --", spec.key, value_name, "\n      ", spec.help);
    std::string shown_default;
    if (spec.default_value.empty()) {
      shown_default = "unset";
    } else if (spec.secret) {
      shown_default = std::string(kMasked);
    } else {
      shown_default = spec.default_value;
    }
    absl::StrAppend(&out, spec.help.empty() ? "" : " ", "(default ", shown_default, "; env ");
    if (!spec.env.empty()) absl::StrAppend(&out, spec.env, " or ");
    absl::StrAppend(&out, DefaultEnvName(spec.key));
    if (spec.min || spec.max) {
      absl::StrAppend(&out, "; range ", spec.min ? FormatBound(*spec.min) : "",
                      "..", spec.max ? FormatBound(*spec.max) : "");
    }
    if (spec.secret) absl::StrAppend(&out, "; secret");
    absl::StrAppend(&out, ")\n");
  }
  if (!schema.specs().empty()) absl::StrAppend(&out, "\n");
  return out;
}

}  // namespace wm::config
