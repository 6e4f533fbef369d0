#include "tools/gateway_sim/sim_settings.h"

#include "gtest/gtest.h"
#include "libs/mqtt/settings.h"
#include "tools/gateway_sim/payload_mix.h"

namespace wm::gateway_sim {
namespace {

absl::StatusOr<config::Settings> Load(const std::vector<std::string>& args,
                                      const std::map<std::string, std::string>& env = {}) {
  config::Schema schema;
  AddGatewaySimSettings(schema);
  return config::Settings::Load(schema, args, env);
}

TEST(SimSettingsTest, DefaultsMatchTheBareRun) {
  absl::StatusOr<config::Settings> settings = Load({});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<SimulatorOptions> parsed = SimulatorOptionsFromSettings(*settings);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const SimulatorOptions& options = *parsed;
  EXPECT_EQ(options.topology.gateways, 2);
  EXPECT_EQ(options.topology.sinks_per_gateway, 2);
  EXPECT_EQ(options.topology.nodes_per_sink, 20);
  EXPECT_EQ(options.topology.gateway_id_prefix, "sim-gw-");
  EXPECT_EQ(options.topology.network_address, 0x123456u);
  EXPECT_FALSE(options.topology.network_per_gateway);
  EXPECT_EQ(options.rate, 10);
  EXPECT_EQ(options.traffic.count, 0);
  EXPECT_FALSE(options.clear_status_on_exit);
  EXPECT_EQ(options.topology.joining_nodes_per_sink, 1);
  EXPECT_EQ(options.traffic.payload_mix.weights, PayloadMix{}.weights);
}

TEST(SimSettingsTest, FlagsAndEnvironmentFillTheOptions) {
  absl::StatusOr<config::Settings> settings = Load(
      {"--gateways=3", "--nodes_per_sink", "5", "--rate=0", "--count=100", "--duplicate_ratio=0.25",
       "--garbage_ratio=0.1", "--garbage_malformed_topic", "--network_per_gateway",
       "--clear_status_on_exit", "--publish_window=50", "--gateway_id_prefix=lab-"},
      {{"WM_SERVICES_SEED", "99"}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<SimulatorOptions> parsed = SimulatorOptionsFromSettings(*settings);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const SimulatorOptions& options = *parsed;
  EXPECT_EQ(options.topology.gateways, 3);
  EXPECT_EQ(options.topology.nodes_per_sink, 5);
  EXPECT_EQ(options.topology.seed, 99u);
  EXPECT_EQ(options.topology.gateway_id_prefix, "lab-");
  EXPECT_TRUE(options.topology.network_per_gateway);
  EXPECT_EQ(options.rate, 0);
  EXPECT_EQ(options.traffic.count, 100);
  EXPECT_DOUBLE_EQ(options.traffic.duplicate_ratio, 0.25);
  EXPECT_DOUBLE_EQ(options.traffic.garbage_ratio, 0.1);
  EXPECT_TRUE(options.traffic.garbage_on_malformed_topic);
  EXPECT_TRUE(options.clear_status_on_exit);
  EXPECT_EQ(options.publish_window, 50);
}

TEST(SimSettingsTest, PayloadMixAndJoiningNodesComeFromTheirKeys) {
  absl::StatusOr<config::Settings> settings =
      Load({"--payload_mix=app_data=2,provisioning_start=1", "--joining_nodes_per_sink=3"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->traffic.payload_mix.weight(PayloadKind::kAppData), 2);
  EXPECT_EQ(options->traffic.payload_mix.weight(PayloadKind::kProvisioningStart), 1);
  EXPECT_EQ(options->traffic.payload_mix.weight(PayloadKind::kRuuvi), 0);
  EXPECT_EQ(options->topology.joining_nodes_per_sink, 3);
}

TEST(SimSettingsTest, ProvisioningDefaultsToSecuredWithTheSeedsKeyAndNoConfigFile) {
  absl::StatusOr<config::Settings> settings = Load({});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->topology.joining_method, JoiningMethod::kSecured);
  EXPECT_EQ(options->topology.factory_key, "") << "derived from the seed by BuildTopology";
  EXPECT_EQ(options->provisioning_config_out, "");
}

TEST(SimSettingsTest, ProvisioningSettingsComeFromTheirKeys) {
  const std::string hex = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  const std::string spaced =
      "0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a 0x0b 0x0c 0x0d 0x0e 0x0f "
      "0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f";
  for (const std::string& written : {hex, "0x" + hex, spaced}) {
    absl::StatusOr<config::Settings> settings =
        Load({"--provisioning_method=mixed", "--provisioning_config_out=/tmp/p.yml"},
             {{"WM_SERVICES_PROVISIONING_FACTORY_KEY", written}});
    ASSERT_TRUE(settings.ok()) << settings.status();
    absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
    ASSERT_TRUE(options.ok()) << options.status();
    EXPECT_EQ(options->topology.joining_method, JoiningMethod::kMixed);
    EXPECT_EQ(options->topology.factory_key, key) << written;
    EXPECT_EQ(options->provisioning_config_out, "/tmp/p.yml");
  }
  absl::StatusOr<config::Settings> settings = Load({"--provisioning_method=unsecured"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(SimulatorOptionsFromSettings(*settings)->topology.joining_method,
            JoiningMethod::kUnsecured);
  EXPECT_FALSE(Load({"--provisioning_method=maybe"}).ok());
}

TEST(SimSettingsTest, TheFactoryKeyIsASecretNeverEchoed) {
  config::Schema schema;
  AddGatewaySimSettings(schema);
  ASSERT_NE(schema.Find("provisioning_factory_key"), nullptr);
  EXPECT_TRUE(schema.Find("provisioning_factory_key")->secret);
  for (const std::string& bad : {std::string(62, 'a'), std::string(66, 'a'),
                                std::string(63, 'a') + "g", std::string("not-a-key")}) {
    absl::StatusOr<config::Settings> settings = Load({"--provisioning_factory_key=" + bad});
    ASSERT_TRUE(settings.ok()) << settings.status();
    absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
    ASSERT_FALSE(options.ok()) << bad;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(options.status().message());
    EXPECT_NE(message.find("provisioning_factory_key"), std::string::npos) << message;
    EXPECT_EQ(message.find(bad), std::string::npos) << "the key leaked: " << message;
    EXPECT_EQ(message.find("aaaa"), std::string::npos) << "the key leaked: " << message;
  }
}

TEST(SimSettingsTest, ABadPayloadMixIsAnErrorNamingTheKey) {
  absl::StatusOr<config::Settings> settings = Load({}, {{"WM_SERVICES_PAYLOAD_MIX", "ruuvi=x"}});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(options.status().message().find("payload_mix"), std::string_view::npos)
      << options.status();
}

TEST(SimSettingsTest, OutOfRangeValuesAreRejected) {
  EXPECT_FALSE(Load({"--duplicate_ratio=1.5"}).ok());
  EXPECT_FALSE(Load({"--gateways=0"}).ok());
  EXPECT_FALSE(Load({"--rate=-1"}).ok());
  EXPECT_FALSE(Load({"--network_address=16777216"}).ok());
  EXPECT_FALSE(Load({"--joining_nodes_per_sink=-1"}).ok());
}

TEST(SimSettingsTest, RequestAnsweringDefaults) {
  absl::StatusOr<config::Settings> settings = Load({});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(
      options->identity.features,
      (std::vector<gwapi::GatewayFeature>{gwapi::SCRATCHPAD_CHUNK_V1, gwapi::CONFIGURATION_DATA_V1,
                                          gwapi::SINK_KEY_MANAGEMENT_V1}));
  EXPECT_EQ(options->identity.max_scratchpad_size, 1024u);
  for (double ratio : options->responses.drop_ratio) EXPECT_EQ(ratio, 0);
  EXPECT_EQ(options->responses.delay, absl::ZeroDuration());
  EXPECT_EQ(options->scratchpad_file, "");
}

TEST(SimSettingsTest, FeaturesScratchpadSizeAndResponsePolicyComeFromTheirKeys) {
  absl::StatusOr<config::Settings> settings =
      Load({"--features=configuration_data_v1", "--max_scratchpad_size=0",
            "--drop_responses=set_config,send_data=0.5", "--response_delay_ms=250",
            "--scratchpad_file=/tmp/{gw_id}-{sink_id}.bin"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->identity.features,
            std::vector<gwapi::GatewayFeature>{gwapi::CONFIGURATION_DATA_V1});
  EXPECT_EQ(options->identity.max_scratchpad_size, 0u);
  EXPECT_EQ(options->responses.drop_ratio[static_cast<size_t>(wirepas::Method::kSetConfig)], 1);
  EXPECT_EQ(options->responses.drop_ratio[static_cast<size_t>(wirepas::Method::kSendData)], 0.5);
  EXPECT_EQ(options->responses.drop_ratio[static_cast<size_t>(wirepas::Method::kGetConfigs)], 0);
  EXPECT_EQ(options->responses.delay, absl::Milliseconds(250));
  EXPECT_EQ(options->scratchpad_file, "/tmp/{gw_id}-{sink_id}.bin");

  settings = Load({"--features=none"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  options = SimulatorOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->identity.features.empty());
}

TEST(SimSettingsTest, BadFeaturesAndDropEntriesAreErrorsNamingTheKey) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"features", "SCRATCHPAD_CHUNK_V2"},
                                                        {"features", "UNKNOWN"},
                                                        {"drop_responses", "sendData"},
                                                        {"drop_responses", "set_config=2"}}) {
    absl::StatusOr<config::Settings> settings = Load({"--" + key + "=" + value});
    ASSERT_TRUE(settings.ok()) << settings.status();
    absl::StatusOr<SimulatorOptions> options = SimulatorOptionsFromSettings(*settings);
    ASSERT_FALSE(options.ok()) << value;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(options.status().message().find(key), std::string_view::npos) << options.status();
  }
  EXPECT_FALSE(Load({"--response_delay_ms=-1"}).ok());
  EXPECT_FALSE(Load({"--max_scratchpad_size=-1"}).ok());
}

absl::StatusOr<mqtt::MqttOptions> MqttOptionsFor(const std::vector<std::string>& args,
                                                 const std::map<std::string, std::string>& env) {
  config::Schema schema;
  mqtt::AddMqttSettings(schema);
  AddGatewaySimSettings(schema);
  absl::StatusOr<config::Settings> settings = LoadSimulatorSettings(schema, args, env);
  if (!settings.ok()) return settings.status();
  return mqtt::MqttOptionsFromSettings(*settings);
}

TEST(SimSettingsTest, WithoutABrokerGivenTheLocalOneIsUsed) {
  absl::StatusOr<mqtt::MqttOptions> options = MqttOptionsFor({}, {});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "localhost");
  EXPECT_EQ(options->port, 1883);
  EXPECT_TRUE(options->force_unsecure);
}

TEST(SimSettingsTest, TheLocalBrokerDefaultsYieldToWhatTheUserGave) {
  absl::StatusOr<mqtt::MqttOptions> options =
      MqttOptionsFor({"--mqtt_port=2883"}, {{"WM_SERVICES_MQTT_FORCE_UNSECURE", "false"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "localhost");
  EXPECT_EQ(options->port, 2883);
  EXPECT_FALSE(options->force_unsecure);
}

TEST(SimSettingsTest, AGivenBrokerIsTakenAsIs) {
  absl::StatusOr<mqtt::MqttOptions> options =
      MqttOptionsFor({}, {{"WM_SERVICES_MQTT_HOSTNAME", "broker.example"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "broker.example");
  EXPECT_EQ(options->port, 8883);  // backend-client's default: TLS
  EXPECT_FALSE(options->force_unsecure);
}

}  // namespace
}  // namespace wm::gateway_sim
