#include "libs/mqtt/settings.h"

#include "gtest/gtest.h"
#include "libs/testing/files.h"

namespace wm::mqtt {
namespace {

using ::wm::testing::TestTmpDir;
using ::wm::testing::WriteFile;

absl::StatusOr<MqttOptions> Load(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env = {}) {
  config::Schema schema;
  AddMqttSettings(schema);
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, env);
  if (!settings.ok()) return settings.status();
  return MqttOptionsFromSettings(*settings);
}

std::string ExistingFile(const std::string& name) {
  std::string path = TestTmpDir() + "/" + name;
  EXPECT_TRUE(WriteFile(path, "-----BEGIN CERTIFICATE-----\n").ok());
  return path;
}

TEST(MqttSettingsTest, DefaultsMatchTheGateways) {
  absl::StatusOr<MqttOptions> options = Load({"--mqtt_hostname=broker"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "broker");
  EXPECT_EQ(options->port, 8883);
  EXPECT_FALSE(options->force_unsecure);
  EXPECT_FALSE(options->allow_untrusted);
  EXPECT_FALSE(options->persist_session);
  EXPECT_EQ(options->keepalive, absl::Seconds(20));
  EXPECT_EQ(options->reconnect_min_delay, absl::Milliseconds(500));
  EXPECT_EQ(options->reconnect_max_delay, absl::Seconds(30));
  EXPECT_TRUE(options->client_id.empty());
  EXPECT_TRUE(options->username.empty());
}

TEST(MqttSettingsTest, BackendClientEnvironmentVariablesAreRead) {
  std::string ca = ExistingFile("ca.pem");
  std::string cert = ExistingFile("client.crt");
  std::string key = ExistingFile("client.key");
  absl::StatusOr<MqttOptions> options = Load({}, {{"WM_SERVICES_MQTT_HOSTNAME", "mqtt.example"},
                                                  {"WM_SERVICES_MQTT_PORT", "1883"},
                                                  {"WM_SERVICES_MQTT_USERNAME", "user"},
                                                  {"WM_SERVICES_MQTT_PASSWORD", "pass"},
                                                  {"WM_SERVICES_MQTT_CA_CERTS", ca},
                                                  {"WM_SERVICES_MQTT_CLIENT_CRT", cert},
                                                  {"WM_SERVICES_MQTT_CLIENT_KEY", key},
                                                  {"WM_SERVICES_MQTT_PERSIST_SESSION", "true"},
                                                  {"WM_SERVICES_MQTT_ALLOW_UNTRUSTED", "true"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "mqtt.example");
  EXPECT_EQ(options->port, 1883);
  EXPECT_EQ(options->username, "user");
  EXPECT_EQ(options->password, "pass");
  EXPECT_EQ(options->ca_certs, ca);
  EXPECT_EQ(options->certfile, cert);
  EXPECT_EQ(options->keyfile, key);
  EXPECT_TRUE(options->persist_session);
  EXPECT_TRUE(options->allow_untrusted);
}

TEST(MqttSettingsTest, OurOwnKeysAreRead) {
  absl::StatusOr<MqttOptions> options =
      Load({"--mqtt_hostname=h", "--mqtt_force_unsecure", "--mqtt_client_id=ingest-1",
            "--mqtt_keepalive_s=60", "--mqtt_reconnect_min_s=0.25", "--mqtt_reconnect_max_s=5",
            "--mqtt_max_inflight=20"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->force_unsecure);
  EXPECT_EQ(options->client_id, "ingest-1");
  EXPECT_EQ(options->keepalive, absl::Seconds(60));
  EXPECT_EQ(options->reconnect_min_delay, absl::Milliseconds(250));
  EXPECT_EQ(options->reconnect_max_delay, absl::Seconds(5));
  EXPECT_EQ(options->max_inflight, 20);
}

TEST(MqttSettingsTest, BackendClientSettingsFileLoadsWithItsUnusedKeys) {
  std::string file = TestTmpDir() + "/settings.yml";
  ASSERT_TRUE(WriteFile(file,
                        "mqtt_hostname: localhost\n"
                        "mqtt_port: 1883\n"
                        "mqtt_username: mqttuser\n"
                        "mqtt_password: mqttpassword\n"
                        "mqtt_force_unsecure: true\n"
                        "mqtt_cert_reqs: CERT_REQUIRED\n"
                        "mqtt_tls_version: PROTOCOL_TLSv1_2\n"
                        "mqtt_ciphers: ALL\n"
                        "mqtt_topic: '#'\n"
                        "mqtt_subscribe_network_id: '+'\n"
                        "heartbeat: 10\n"
                        "debug_level: info\n"
                        "fluentd_hostname: fluent\n"
                        "fluentd_port: 24224\n")
                  .ok());
  absl::StatusOr<MqttOptions> options = Load({"--settings", file});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "localhost");
  EXPECT_EQ(options->port, 1883);
  EXPECT_EQ(options->password, "mqttpassword");
  EXPECT_TRUE(options->force_unsecure);
}

TEST(MqttSettingsTest, HostnameIsRequired) {
  absl::StatusOr<MqttOptions> options = Load({});
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(options.status().message().find("mqtt_hostname"), absl::string_view::npos);
}

TEST(MqttSettingsTest, PortOutOfRangeIsRejected) {
  EXPECT_EQ(Load({"--mqtt_hostname=h", "--mqtt_port=70000"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MqttSettingsTest, CertificateAndKeyComeTogether) {
  std::string cert = ExistingFile("only.crt");
  absl::StatusOr<MqttOptions> options = Load({"--mqtt_hostname=h", "--mqtt_certfile", cert});
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(options.status().message().find("mqtt_keyfile"), absl::string_view::npos)
      << options.status();
}

TEST(MqttSettingsTest, MissingCaFileIsNamed) {
  absl::StatusOr<MqttOptions> options =
      Load({"--mqtt_hostname=h"}, {{"WM_SERVICES_MQTT_CA_CERTS", "/nonexistent/ca.pem"}});
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(options.status().message().find("mqtt_ca_certs"), absl::string_view::npos);
  EXPECT_NE(options.status().message().find("/nonexistent/ca.pem"), absl::string_view::npos);
}

TEST(MqttSettingsTest, TlsFilesAreNotCheckedWithoutTls) {
  // A compose file may set the CA for every service; plain-TCP ones do not need it.
  absl::StatusOr<MqttOptions> options =
      Load({"--mqtt_hostname=h", "--mqtt_force_unsecure", "--mqtt_ca_certs=/nonexistent"});
  EXPECT_TRUE(options.ok()) << options.status();
}

TEST(MqttSettingsTest, PasswordWithoutUsernameIsRejectedWithoutEchoingIt) {
  absl::StatusOr<MqttOptions> options = Load({"--mqtt_hostname=h", "--mqtt_password=hunter2"});
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(options.status().message().find("hunter2"), absl::string_view::npos);
}

TEST(MqttSettingsTest, ReconnectWindowMustNotShrink) {
  absl::StatusOr<MqttOptions> options =
      Load({"--mqtt_hostname=h", "--mqtt_reconnect_min_s=10", "--mqtt_reconnect_max_s=1"});
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MqttSettingsTest, PasswordIsSecret) {
  config::Schema schema;
  AddMqttSettings(schema);
  ASSERT_NE(schema.Find("mqtt_password"), nullptr);
  EXPECT_TRUE(schema.Find("mqtt_password")->secret);
  absl::StatusOr<config::Settings> settings =
      config::Settings::Load(schema, {"--mqtt_hostname=h", "--mqtt_password=hunter2"}, {});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->Render().find("hunter2"), std::string::npos);
}

TEST(MqttSettingsTest, OptionsFromSettingsStartAClient) {
  absl::StatusOr<MqttOptions> options =
      Load({"--mqtt_hostname=127.0.0.1", "--mqtt_port=1", "--mqtt_force_unsecure"});
  ASSERT_TRUE(options.ok()) << options.status();
  MqttClient client(*options);
  EXPECT_TRUE(client.Start().ok());
}

}  // namespace
}  // namespace wm::mqtt
