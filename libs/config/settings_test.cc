#include "libs/config/settings.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

using Env = std::map<std::string, std::string>;
using Args = std::vector<std::string>;

constexpr char kPassword[] = "s3cr3t-hunter2";

// A slice of the real services' schema: the backend-client MQTT keys plus a few of our own.
Schema TestSchema() {
  Schema schema;
  schema.Add({.key = "mqtt_hostname", .help = "broker host"});
  schema.Add({.key = "mqtt_port",
              .type = SettingType::kInt,
              .default_value = "8883",
              .help = "broker port",
              .min = 1,
              .max = 65535});
  schema.Add({.key = "mqtt_username"});
  schema.Add({.key = "mqtt_password", .help = "broker password", .secret = true});
  schema.Add({.key = "mqtt_force_unsecure", .type = SettingType::kBool, .default_value = "false"});
  schema.Add({.key = "mqtt_persist_session", .type = SettingType::kBool, .default_value = "no"});
  schema.Add({.key = "mqtt_certfile", .env = "WM_SERVICES_MQTT_CLIENT_CRT"});
  schema.Add({.key = "wnt_pin",
              .type = SettingType::kInt,
              .default_value = "0",
              .secret = true,
              .min = 0,
              .max = 9999});
  schema.Add({.key = "ratio", .type = SettingType::kDouble, .default_value = "0.5", .min = 0, .max = 1});
  schema.Add({.key = "log_level",
              .default_value = "info",
              .choices = {"debug", "info", "warn"}});
  schema.AcceptIgnored({"debug_level", "heartbeat", "mqtt_topic"});
  return schema;
}

std::string WriteFile(const std::string& name, const std::string& content) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << content;
  return path;
}

Settings LoadOk(const Args& args, const Env& env = {}) {
  absl::StatusOr<Settings> settings = Settings::Load(TestSchema(), args, env);
  EXPECT_TRUE(settings.ok()) << settings.status();
  if (!settings.ok()) std::abort();
  return *std::move(settings);
}

absl::Status LoadError(const Args& args, const Env& env = {}) {
  absl::StatusOr<Settings> settings = Settings::Load(TestSchema(), args, env);
  EXPECT_FALSE(settings.ok());
  return settings.status();
}

TEST(SettingsTest, DefaultsWhenNothingIsGiven) {
  Settings s = LoadOk({});
  EXPECT_EQ(s.GetInt("mqtt_port"), 8883);
  EXPECT_EQ(s.GetString("mqtt_hostname"), "");
  EXPECT_FALSE(s.GetBool("mqtt_force_unsecure"));
  EXPECT_FALSE(s.GetBool("mqtt_persist_session"));
  EXPECT_DOUBLE_EQ(s.GetDouble("ratio"), 0.5);
  EXPECT_FALSE(s.IsSet("mqtt_port"));
  EXPECT_EQ(s.SourceOf("mqtt_port"), "default");
  EXPECT_FALSE(s.help_requested());
  EXPECT_EQ(s.settings_file(), "");
}

TEST(SettingsTest, FlagBeatsFileBeatsEnvBeatsDefault) {
  std::string file = WriteFile("precedence.yml",
                               "mqtt_port: 1884\n"
                               "mqtt_hostname: from-file\n");
  Env env = {{"WM_SERVICES_MQTT_PORT", "1885"},
             {"WM_SERVICES_MQTT_HOSTNAME", "from-env"},
             {"WM_SERVICES_MQTT_USERNAME", "env-user"}};
  Settings s = LoadOk({"--settings", file, "--mqtt_port=1886"}, env);
  EXPECT_EQ(s.GetInt("mqtt_port"), 1886);
  EXPECT_EQ(s.SourceOf("mqtt_port"), "flag");
  EXPECT_EQ(s.GetString("mqtt_hostname"), "from-file");
  EXPECT_EQ(s.SourceOf("mqtt_hostname"), "file");
  EXPECT_EQ(s.GetString("mqtt_username"), "env-user");
  EXPECT_EQ(s.SourceOf("mqtt_username"), "env");
  EXPECT_TRUE(s.IsSet("mqtt_username"));
  EXPECT_EQ(s.SourceOf("mqtt_certfile"), "default");
  EXPECT_EQ(s.settings_file(), file);
}

TEST(SettingsTest, FlagBeatsFileEvenWhenFileComesLaterOnTheCommandLine) {
  std::string file = WriteFile("order.yml", "mqtt_port: 1884\n");
  Settings s = LoadOk({"--mqtt_port", "1886", "--settings=" + file});
  EXPECT_EQ(s.GetInt("mqtt_port"), 1886);
}

TEST(SettingsTest, LaterFlagWins) {
  Settings s = LoadOk({"--mqtt_port=1", "--mqtt_port=2"});
  EXPECT_EQ(s.GetInt("mqtt_port"), 2);
}

TEST(SettingsTest, BackendClientSettingsFileIsAcceptedAsIs) {
  // The shape of a real backend-client settings.yml: strings, ints, YAML booleans and legacy
  // keys this program does not use.
  std::string file = WriteFile("settings.yml",
                               "# backend-client settings\n"
                               "mqtt_hostname: broker.example.com\n"
                               "mqtt_port: 8883\n"
                               "mqtt_username: mqttuser\n"
                               "mqtt_password: \"s3cr3t-hunter2\"\n"
                               "mqtt_force_unsecure: yes\n"
                               "mqtt_persist_session: True\n"
                               "debug_level: info\n"
                               "heartbeat: 10\n");
  Settings s = LoadOk({"--settings", file});
  EXPECT_EQ(s.GetString("mqtt_hostname"), "broker.example.com");
  EXPECT_EQ(s.GetInt("mqtt_port"), 8883);
  EXPECT_EQ(s.GetString("mqtt_password"), kPassword);
  EXPECT_TRUE(s.GetBool("mqtt_force_unsecure"));
  EXPECT_TRUE(s.GetBool("mqtt_persist_session"));
}

TEST(SettingsTest, YamlFalseSwitchesOffAFlagTheEnvironmentSwitchedOn) {
  // backend-client skipped `false` in YAML, so the environment's true stuck.
  std::string file = WriteFile("false.yml",
                               "mqtt_force_unsecure: false\n"
                               "mqtt_persist_session: no\n");
  Settings s = LoadOk({"--settings", file}, {{"WM_SERVICES_MQTT_FORCE_UNSECURE", "true"},
                                             {"WM_SERVICES_MQTT_PERSIST_SESSION", "1"}});
  EXPECT_FALSE(s.GetBool("mqtt_force_unsecure"));
  EXPECT_EQ(s.SourceOf("mqtt_force_unsecure"), "file");
  EXPECT_FALSE(s.GetBool("mqtt_persist_session"));
}

TEST(SettingsTest, BoolFlagForms) {
  Settings bare = LoadOk({"--mqtt_force_unsecure"});
  EXPECT_TRUE(bare.GetBool("mqtt_force_unsecure"));
  Settings off = LoadOk({"--mqtt_force_unsecure=false"},
                        {{"WM_SERVICES_MQTT_FORCE_UNSECURE", "yes"}});
  EXPECT_FALSE(off.GetBool("mqtt_force_unsecure"));
  // A boolean never takes the next argument: it stays positional.
  Settings next = LoadOk({"--mqtt_force_unsecure", "false"});
  EXPECT_TRUE(next.GetBool("mqtt_force_unsecure"));
  EXPECT_THAT(next.positional(), ::testing::ElementsAre("false"));
}

TEST(SettingsTest, BoolEnvironmentValues) {
  for (const char* yes : {"1", "true", "TRUE", "yes", "Yes", "on"}) {
    Settings s = LoadOk({}, {{"WM_SERVICES_MQTT_FORCE_UNSECURE", yes}});
    EXPECT_TRUE(s.GetBool("mqtt_force_unsecure")) << yes;
  }
  for (const char* no : {"0", "false", "False", "no", "NO", "off"}) {
    Settings s = LoadOk({}, {{"WM_SERVICES_MQTT_PERSIST_SESSION", no}});
    EXPECT_FALSE(s.GetBool("mqtt_persist_session")) << no;
    EXPECT_EQ(s.SourceOf("mqtt_persist_session"), "env");
  }
  absl::Status bad = LoadError({}, {{"WM_SERVICES_MQTT_FORCE_UNSECURE", "maybe"}});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), AllOf(HasSubstr("mqtt_force_unsecure"),
                                   HasSubstr("WM_SERVICES_MQTT_FORCE_UNSECURE"),
                                   HasSubstr("maybe")));
}

TEST(SettingsTest, EmptyEnvironmentVariableIsUnset) {
  Settings s = LoadOk({}, {{"WM_SERVICES_MQTT_PORT", ""}});
  EXPECT_EQ(s.GetInt("mqtt_port"), 8883);
  EXPECT_FALSE(s.IsSet("mqtt_port"));
}

TEST(SettingsTest, ExplicitEnvironmentNameAndDerivedName) {
  Settings legacy = LoadOk({}, {{"WM_SERVICES_MQTT_CLIENT_CRT", "/legacy.crt"}});
  EXPECT_EQ(legacy.GetString("mqtt_certfile"), "/legacy.crt");
  Settings derived = LoadOk({}, {{"WM_SERVICES_MQTT_CERTFILE", "/derived.crt"}});
  EXPECT_EQ(derived.GetString("mqtt_certfile"), "/derived.crt");
  Settings both = LoadOk({}, {{"WM_SERVICES_MQTT_CLIENT_CRT", "/legacy.crt"},
                              {"WM_SERVICES_MQTT_CERTFILE", "/derived.crt"}});
  EXPECT_EQ(both.GetString("mqtt_certfile"), "/legacy.crt");
}

TEST(SettingsTest, SettingsFileFormsAndEnvironment) {
  std::string file = WriteFile("forms.yml", "mqtt_port: 1999\n");
  EXPECT_EQ(LoadOk({"--settings=" + file}).GetInt("mqtt_port"), 1999);
  EXPECT_EQ(LoadOk({"--settings", file}).GetInt("mqtt_port"), 1999);
  EXPECT_EQ(LoadOk({}, {{"WM_SERVICES_SETTINGS", file}}).GetInt("mqtt_port"), 1999);
  EXPECT_EQ(LoadOk({}, {{"WM_BCLI_FILE_SETTINGS", file}}).GetInt("mqtt_port"), 1999);
  // The flag names the file even when the environment names another.
  std::string other = WriteFile("other.yml", "mqtt_port: 2999\n");
  EXPECT_EQ(LoadOk({"--settings", file}, {{"WM_SERVICES_SETTINGS", other}}).GetInt("mqtt_port"),
            1999);
  EXPECT_EQ(LoadError({"--settings"}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SettingsTest, MissingSettingsFileIsAnError) {
  absl::Status status = LoadError({"--settings", "/nonexistent/settings.yml"});
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/settings.yml"));
  absl::Status from_env = LoadError({}, {{"WM_BCLI_FILE_SETTINGS", "/nonexistent/b.yml"}});
  EXPECT_EQ(from_env.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(from_env.message(), HasSubstr("WM_BCLI_FILE_SETTINGS"));
}

TEST(SettingsTest, EmptyFileAndKeyWithoutValueSetNothing) {
  EXPECT_FALSE(LoadOk({"--settings", WriteFile("empty.yml", "")}).IsSet("mqtt_port"));
  Settings s = LoadOk({"--settings", WriteFile("null.yml", "mqtt_port:\n")},
                      {{"WM_SERVICES_MQTT_PORT", "1234"}});
  EXPECT_EQ(s.GetInt("mqtt_port"), 1234);
}

TEST(SettingsTest, MalformedFilesAreErrors) {
  absl::Status nested = LoadError({"--settings", WriteFile("nested.yml", "mqtt_port:\n  a: 1\n")});
  EXPECT_EQ(nested.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nested.message(), HasSubstr("mqtt_port"));

  absl::Status list = LoadError({"--settings", WriteFile("list.yml", "- a\n- b\n")});
  EXPECT_EQ(list.code(), absl::StatusCode::kInvalidArgument);

  absl::Status twice =
      LoadError({"--settings", WriteFile("twice.yml", "mqtt_port: 1\nmqtt_port: 2\n")});
  EXPECT_THAT(twice.message(), AllOf(HasSubstr("mqtt_port"), HasSubstr("twice")));

  absl::Status syntax = LoadError({"--settings", WriteFile("syntax.yml", "a: [1, 2\n")});
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(syntax.message(), HasSubstr("syntax.yml"));
}

TEST(SettingsTest, UnknownKeysAreErrorsNamingKeyAndSource) {
  absl::Status flag = LoadError({"--mqtt_hostnme=broker"});
  EXPECT_EQ(flag.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(flag.message(), AllOf(HasSubstr("mqtt_hostnme"), HasSubstr("flag"),
                                    HasSubstr("did you mean mqtt_hostname")));

  std::string file = WriteFile("unknown.yml", "mqtt_port: 1\nmqtt_bogus: 2\n");
  absl::Status in_file = LoadError({"--settings", file});
  EXPECT_EQ(in_file.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(in_file.message(), AllOf(HasSubstr("mqtt_bogus"), HasSubstr(file + ":2")));

  EXPECT_THAT(LoadError({"-p", "1883"}).message(), HasSubstr("-p"));
}

TEST(SettingsTest, UnknownKeyDoesNotEchoItsValue) {
  // A misspelt password key must not leak the password.
  std::string file = WriteFile("misspelt.yml", std::string("mqtt_pasword: ") + kPassword + "\n");
  absl::Status in_file = LoadError({"--settings", file});
  EXPECT_THAT(in_file.message(), AllOf(HasSubstr("mqtt_pasword"), Not(HasSubstr(kPassword))));
  absl::Status flag = LoadError({std::string("--mqtt_pasword=") + kPassword});
  EXPECT_THAT(flag.message(), AllOf(HasSubstr("mqtt_pasword"), Not(HasSubstr(kPassword))));
}

TEST(SettingsTest, WrongValuesAreErrorsNamingKeyAndSource) {
  absl::Status flag = LoadError({"--mqtt_port=abc"});
  EXPECT_EQ(flag.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(flag.message(), AllOf(HasSubstr("mqtt_port"), HasSubstr("flag"), HasSubstr("abc")));

  std::string file = WriteFile("wrong.yml", "mqtt_hostname: h\nmqtt_force_unsecure: perhaps\n");
  absl::Status in_file = LoadError({"--settings", file});
  EXPECT_THAT(in_file.message(),
              AllOf(HasSubstr("mqtt_force_unsecure"), HasSubstr(file + ":2"), HasSubstr("perhaps")));

  absl::Status env = LoadError({}, {{"WM_SERVICES_MQTT_PORT", "80x"}});
  EXPECT_THAT(env.message(), AllOf(HasSubstr("mqtt_port"), HasSubstr("WM_SERVICES_MQTT_PORT")));

  absl::Status choice = LoadError({"--log_level=verbose"});
  EXPECT_THAT(choice.message(),
              AllOf(HasSubstr("log_level"), HasSubstr("verbose"), HasSubstr("debug|info|warn")));
  EXPECT_EQ(LoadOk({"--log_level=warn"}).GetString("log_level"), "warn");

  EXPECT_THAT(LoadError({"--ratio=x"}).message(), HasSubstr("ratio"));
  EXPECT_DOUBLE_EQ(LoadOk({"--ratio=0.25"}).GetDouble("ratio"), 0.25);
}

TEST(SettingsTest, IntsAreRangeChecked) {
  EXPECT_EQ(LoadOk({"--mqtt_port=1"}).GetInt("mqtt_port"), 1);
  EXPECT_EQ(LoadOk({"--mqtt_port=65535"}).GetInt("mqtt_port"), 65535);
  absl::Status high = LoadError({"--mqtt_port=65536"});
  EXPECT_EQ(high.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(high.message(), AllOf(HasSubstr("mqtt_port"), HasSubstr("1..65535")));
  EXPECT_THAT(LoadError({"--mqtt_port=0"}).message(), HasSubstr("out of range"));
  EXPECT_THAT(LoadError({"--mqtt_port=99999999999999999999999"}).message(), HasSubstr("mqtt_port"));
  EXPECT_THAT(LoadError({"--ratio=1.5"}).message(), HasSubstr("out of range"));
}

TEST(SettingsTest, FlagWithoutValueIsAnError) {
  absl::Status last = LoadError({"--mqtt_port"});
  EXPECT_THAT(last.message(), AllOf(HasSubstr("mqtt_port"), HasSubstr("needs a value")));
  // The next flag is not swallowed as the value.
  absl::Status before_flag = LoadError({"--mqtt_hostname", "--mqtt_port=1"});
  EXPECT_THAT(before_flag.message(), HasSubstr("mqtt_hostname"));
  // An explicitly empty string is a value.
  EXPECT_TRUE(LoadOk({"--mqtt_hostname="}).IsSet("mqtt_hostname"));
}

TEST(SettingsTest, IgnoredLegacyKeysAreAcceptedAndListedOnce) {
  std::string file = WriteFile("legacy.yml",
                               "mqtt_hostname: h\n"
                               "debug_level: info\n"
                               "heartbeat: 10\n");
  Settings s = LoadOk({"--settings", file, "--debug_level", "debug", "--mqtt_topic=#", "pos"});
  ASSERT_EQ(s.ignored().size(), 3u);
  std::map<std::string, std::string> by_key;
  for (const IgnoredSetting& i : s.ignored()) by_key[i.key] = i.source;
  // debug_level was seen twice but is listed once.
  EXPECT_EQ(by_key.size(), 3u);
  EXPECT_EQ(by_key.count("debug_level"), 1u);
  EXPECT_EQ(by_key["heartbeat"], "file");
  EXPECT_EQ(by_key["mqtt_topic"], "flag");
  EXPECT_THAT(s.positional(), ::testing::ElementsAre("pos"));
}

TEST(SettingsTest, PositionalArguments) {
  Settings s = LoadOk({"scan", "--mqtt_port=1", "-", "--", "--not-a-flag", "-x"});
  EXPECT_THAT(s.positional(), ::testing::ElementsAre("scan", "-", "--not-a-flag", "-x"));
  EXPECT_EQ(s.GetInt("mqtt_port"), 1);
}

TEST(SettingsTest, HelpIsReportedEvenWithABrokenCommandLine) {
  EXPECT_TRUE(LoadOk({"--help"}).help_requested());
  EXPECT_TRUE(LoadOk({"--mqtt_bogus=1", "-h"}).help_requested());
  EXPECT_FALSE(LoadOk({"--", "--help"}).help_requested());

  std::string usage = Settings::Usage(TestSchema(), "wm-test");
  EXPECT_THAT(usage, AllOf(HasSubstr("wm-test"), HasSubstr("--mqtt_port=INT"),
                           HasSubstr("broker port"), HasSubstr("default 8883"),
                           HasSubstr("WM_SERVICES_MQTT_PORT"), HasSubstr("1..65535"),
                           HasSubstr("WM_SERVICES_MQTT_CLIENT_CRT"), HasSubstr("--settings"),
                           HasSubstr("{debug|info|warn}")));
}

TEST(SettingsTest, UsageMasksSecretDefaults) {
  Schema schema;
  schema.Add({.key = "api_token", .default_value = "default-token-value", .secret = true});
  std::string usage = Settings::Usage(schema, "wm-test");
  EXPECT_THAT(usage, AllOf(HasSubstr("api_token"), HasSubstr("********"),
                           Not(HasSubstr("default-token-value"))));
}

TEST(SettingsTest, RenderShowsSourcesAndMasksSecrets) {
  Settings s = LoadOk({std::string("--mqtt_password=") + kPassword, "--mqtt_port=1883",
                       "--wnt_pin=1234"});
  std::string rendered = s.Render();
  EXPECT_THAT(rendered, AllOf(HasSubstr("mqtt_port: 1883  # flag"),
                              HasSubstr("mqtt_password: ********  # flag"),
                              HasSubstr("wnt_pin: ********  # flag"),
                              HasSubstr("mqtt_hostname: \"\"  # default"),
                              Not(HasSubstr(kPassword)), Not(HasSubstr("1234"))));
  Settings unset = LoadOk({});
  EXPECT_THAT(unset.Render(), HasSubstr("mqtt_password: \"\"  # default"));
}

TEST(SettingsTest, RenderKeepsOneLinePerSetting) {
  Settings s = LoadOk({"--mqtt_hostname=a\nmqtt_port: 1"});
  EXPECT_THAT(s.Render(), HasSubstr("mqtt_hostname: a\\x0amqtt_port: 1  # flag"));
}

TEST(SettingsTest, BadSecretValueIsNotEchoed) {
  const std::string secret_text = "12ab-secret-pin";
  absl::Status flag = LoadError({"--wnt_pin=" + secret_text});
  EXPECT_EQ(flag.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(flag.message(), AllOf(HasSubstr("wnt_pin"), Not(HasSubstr(secret_text))));

  absl::Status env = LoadError({}, {{"WM_SERVICES_WNT_PIN", secret_text}});
  EXPECT_THAT(env.message(), AllOf(HasSubstr("WM_SERVICES_WNT_PIN"), Not(HasSubstr(secret_text))));

  std::string file = WriteFile("pin.yml", "wnt_pin: " + secret_text + "\n");
  absl::Status in_file = LoadError({"--settings", file});
  EXPECT_THAT(in_file.message(), AllOf(HasSubstr("wnt_pin"), Not(HasSubstr(secret_text))));

  absl::Status range = LoadError({"--wnt_pin=123456"});
  EXPECT_THAT(range.message(), AllOf(HasSubstr("out of range"), Not(HasSubstr("123456"))));
}

TEST(SchemaDeathTest, ProgrammingErrorsAbort) {
  EXPECT_DEATH(
      {
        Schema schema;
        schema.Add({.key = "a"});
        schema.Add({.key = "a"});
      },
      "declared twice");
  EXPECT_DEATH(Schema().Add({.key = "p", .type = SettingType::kInt, .default_value = "x"}),
               "bad default");
  EXPECT_DEATH(Schema().Add({.key = "Bad-Key"}), "invalid setting key");
  EXPECT_DEATH(Schema().Add({.key = "settings"}), "reserved");
  EXPECT_DEATH(Schema().AcceptIgnored({"debug_level"}).Add({.key = "debug_level"}),
               "both used and ignored");
  EXPECT_DEATH(Schema().Add({.key = "debug_level"}).AcceptIgnored({"debug_level"}),
               "both used and ignored");
  Settings s = LoadOk({});
  EXPECT_DEATH(s.GetInt("nope"), "nope");
  EXPECT_DEATH(s.GetString("mqtt_port"), "mqtt_port has type integer");
}

}  // namespace
}  // namespace wm::config
