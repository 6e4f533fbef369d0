#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace wm::config {

// What a setting holds. Values are parsed and checked when settings are loaded, so a wrong
// value is reported once, naming its key and where it came from.
enum class SettingType { kString, kInt, kBool, kDouble };

// Declares one setting a program accepts.
struct SettingSpec {
  std::string key;            // e.g. "mqtt_port"; also the flag name (--mqtt_port=1883)
  SettingType type = SettingType::kString;
  std::string default_value;  // textual; empty string means "unset" for strings
  std::string help;
  bool secret = false;        // never printed or logged (passwords, keys)
  // Environment variable, e.g. the backend-client name "WM_SERVICES_MQTT_CLIENT_CRT" for
  // mqtt_certfile. WM_SERVICES_<KEY upper-cased> is always accepted as well; when both are
  // set, this explicit name wins.
  std::string env;
  // Inclusive bounds for kInt / kDouble.
  std::optional<double> min;
  std::optional<double> max;
  // For kString: when not empty, the only values accepted (e.g. log levels). An empty value
  // is accepted too when it is the default.
  std::vector<std::string> choices;
};

// The set of settings a program accepts. Components contribute their groups, e.g.
//   Schema schema;
//   mqtt::AddMqttSettings(schema);
//   schema.Add({.key = "dedup_window", .type = SettingType::kInt, .default_value = "100000"});
class Schema {
 public:
  // Adds a setting. Adding the same key twice or a key also listed as ignored, a key that is
  // not [a-z0-9_]+ or is reserved ("settings", "help"), or a default that does not pass the
  // setting's own checks (ints, bools and doubles need one) is a programming error (aborts).
  Schema& Add(SettingSpec spec);
  // Keys of the backend-client settings.yml format this program does not use: accepted in a
  // YAML file or as flags so existing files and scripts keep working, and listed once in
  // Settings::ignored() (observability::SetUpLogging logs them).
  Schema& AcceptIgnored(std::vector<std::string> keys);

  const SettingSpec* Find(std::string_view key) const;
  const std::vector<SettingSpec>& specs() const { return specs_; }
  bool IsIgnored(std::string_view key) const;

 private:
  std::vector<SettingSpec> specs_;
  std::vector<std::string> ignored_;
};

// A legacy key that was given and ignored, and where it was first seen ("flag" or "file").
struct IgnoredSetting {
  std::string key;
  std::string source;
};

// Loaded, validated settings.
// Precedence: command-line flag > YAML file given by --settings > environment > default.
class Settings {
 public:
  // `args` are the command-line arguments without the program name.
  //
  // Flags are `--key=value` or `--key value`; a boolean is `--key` (true) or `--key=false`
  // and never takes the next argument. Booleans accept 1/0, true/false, yes/no, on/off in
  // any case, from every source. A later flag overrides an earlier one. Arguments that do not
  // start with `-` and every argument after `--` are positional.
  //
  // `--settings FILE` (or `--settings=FILE`; else the environment's WM_SERVICES_SETTINGS or
  // the backend-client's WM_BCLI_FILE_SETTINGS) names a YAML file of flat `key: value` pairs
  // (the backend-client settings.yml format). A key without a value (`key:`) is treated as
  // absent. An empty environment variable is treated as unset.
  //
  // `--help` or `-h` anywhere before `--` returns defaults with help_requested() set and
  // nothing else checked.
  //
  // Errors name the key and its source (flag, file and line, or environment variable) and
  // never echo a secret's value nor the value of an unknown key: InvalidArgument for an
  // unknown key, a value of the wrong type, out of range or not among the choices, a
  // malformed file; NotFound for a settings file that does not exist.
  static absl::StatusOr<Settings> Load(const Schema& schema, const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env);

  // Convenience for main(): reads argv and the process environment.
  static absl::StatusOr<Settings> FromCommandLine(const Schema& schema, int argc, char** argv);

  // Typed getters. Asking for an undeclared key or the wrong type is a programming error
  // (aborts with the key's name).
  std::string GetString(std::string_view key) const;
  int64_t GetInt(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  double GetDouble(std::string_view key) const;

  // True when the value came from a flag, the YAML file or the environment (not a default).
  bool IsSet(std::string_view key) const;
  // Where the value came from: "flag", "file", "env" or "default".
  std::string_view SourceOf(std::string_view key) const;

  const std::vector<std::string>& positional() const { return positional_; }
  // True when --help was given.
  bool help_requested() const { return help_requested_; }
  // The YAML file that was read, or "" when none was given.
  const std::string& settings_file() const { return settings_file_; }
  // Legacy keys that were given and ignored, each once.
  const std::vector<IgnoredSetting>& ignored() const { return ignored_; }

  // One "key: value  # source" line per setting; secret values are shown as "********"
  // when set and "" when not.
  std::string Render() const;
  // Usage text listing every key, its type, default, environment variable and help
  // (secrets' defaults are masked).
  static std::string Usage(const Schema& schema, std::string_view program);

 private:
  struct Value {
    std::string text;  // canonical for bools ("true"/"false") and ints
    std::string_view source;
  };
  const SettingSpec& SpecOrDie(std::string_view key, SettingType type) const;
  const Value& ValueOrDie(std::string_view key) const;

  std::vector<SettingSpec> specs_;
  std::map<std::string, Value, std::less<>> values_;
  std::vector<std::string> positional_;
  std::vector<IgnoredSetting> ignored_;
  std::string settings_file_;
  bool help_requested_ = false;
};

}  // namespace wm::config
