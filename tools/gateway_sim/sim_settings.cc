#include "tools/gateway_sim/sim_settings.h"

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/gateway_sim/payload_mix.h"
#include "tools/gateway_sim/response_policy.h"

namespace wm::gateway_sim {

using config::SettingType;

void AddGatewaySimSettings(config::Schema& schema) {
  schema.Add({.key = "gateways",
              .type = SettingType::kInt,
              .default_value = "2",
              .help = "Simulated gateways, each with its own MQTT connection.",
              .min = 1,
              .max = 1000});
  schema.Add({.key = "sinks_per_gateway",
              .type = SettingType::kInt,
              .default_value = "2",
              .help = "Sinks per gateway (sink0, sink1, ...).",
              .min = 1,
              .max = 100});
  schema.Add({.key = "nodes_per_sink",
              .type = SettingType::kInt,
              .default_value = "20",
              .help = "Nodes routing to each sink.",
              .min = 0,
              .max = 1000000});
  schema.Add({.key = "joining_nodes_per_sink",
              .type = SettingType::kInt,
              .default_value = "1",
              .help = "Nodes per sink asking to be provisioned (START frames, 246->255).",
              .min = 0,
              .max = 1000});
  schema.Add({.key = "provisioning_method",
              .default_value = "secured",
              .help = "Provisioning method of the joining nodes: secured (factory key), "
                      "unsecured, or mixed (about 70% secured).",
              .choices = {"secured", "unsecured", "mixed"}});
  schema.Add({.key = "provisioning_factory_key",
              .default_value = "",
              .help = "Factory key of the secured joining nodes, 32 bytes as 64 hex digits "
                      "(\"0x\" prefix and spaces allowed); empty = derived from the seed.",
              .secret = true});
  schema.Add({.key = "provisioning_config_out",
              .default_value = "",
              .help = "Write a provisioning_config.yml that authorises every joining node "
                      "(UID, method, factory key, fresh network keys, network address and "
                      "channel) to this path at start."});
  schema.Add({.key = "gateway_id_prefix",
              .default_value = "sim-gw-",
              .help = "Gateway ids are <prefix>1, <prefix>2, ... (also the MQTT client ids)."});
  schema.Add({.key = "network_address",
              .type = SettingType::kInt,
              .default_value = "1193046",
              .help = "Network address (24-bit) shared by every sink.",
              .min = 1,
              .max = 0xFFFFFF});
  schema.Add({.key = "network_per_gateway",
              .type = SettingType::kBool,
              .default_value = "false",
              .help = "Gateway i (from 0) runs its own network, network_address + i."});
  schema.Add({.key = "seed",
              .type = SettingType::kInt,
              .default_value = "1",
              .help = "Seed of addresses, routes, payloads and node choice: same seed, same run.",
              .min = 0});
  schema.Add({.key = "rate",
              .type = SettingType::kDouble,
              .default_value = "10",
              .help = "received_data messages per second over all gateways; 0 = as fast as the "
                      "broker acknowledges them.",
              .min = 0});
  schema.Add({.key = "count",
              .type = SettingType::kInt,
              .default_value = "0",
              .help = "Stop publishing after this many unique packets; 0 = never.",
              .min = 0});
  schema.Add({.key = "exit_after_count",
              .type = SettingType::kBool,
              .default_value = "false",
              .help = "Exit once `count` packets are out, instead of staying connected until "
                      "SIGTERM."});
  schema.Add({.key = "duplicate_ratio",
              .type = SettingType::kDouble,
              .default_value = "0",
              .help = "Duplicates per unique packet: a sent packet published again with the "
                      "same event_id.",
              .min = 0,
              .max = 1});
  schema.Add({.key = "garbage_ratio",
              .type = SettingType::kDouble,
              .default_value = "0",
              .help = "Undecodable received_data messages per unique packet.",
              .min = 0,
              .max = 1});
  schema.Add({.key = "garbage_malformed_topic",
              .type = SettingType::kBool,
              .default_value = "false",
              .help = "Send every second garbage message to a malformed received_data topic."});
  schema.Add({.key = "payload_mix",
              .default_value = FormatPayloadMix(PayloadMix{}),
              .help = "Relative weights of the payload kinds, kind=weight,...; a kind left out "
                      "is not sent. Kinds: app_data, traffic_diagnostics, neighbor_diagnostics, "
                      "node_diagnostics, diagnostics_v2, advertiser, positioning, ruuvi, "
                      "test_network, provisioning_start."});
  schema.Add({.key = "publish_window",
              .type = SettingType::kInt,
              .default_value = "1000",
              .help = "QoS 1 messages a gateway may have unacknowledged at once.",
              .min = 1,
              .max = 65535});
  schema.Add({.key = "event_id_seed",
              .type = SettingType::kInt,
              .default_value = "0",
              .help = "Seed of event ids; 0 = random each run.",
              .min = 0});
  schema.Add({.key = "features",
              .default_value = "SCRATCHPAD_CHUNK_V1,CONFIGURATION_DATA_V1,SINK_KEY_MANAGEMENT_V1",
              .help = "Gateway features advertised in status and get_gw_info, comma-separated "
                      "(SCRATCHPAD_CHUNK_V1, CONFIGURATION_DATA_V1, SINK_KEY_MANAGEMENT_V1, "
                      "VIRTUAL_NODE_V1) or none. Without CONFIGURATION_DATA_V1 the configuration "
                      "data item requests get no answer."});
  schema.Add({.key = "max_scratchpad_size",
              .type = SettingType::kInt,
              .default_value = "1024",
              .help = "Largest scratchpad or chunk per otap_load_scratchpad request, advertised "
                      "in status and get_gw_info; 0 = not advertised (whole scratchpads in one "
                      "request).",
              .min = 0,
              .max = 1 << 20});
  schema.Add({.key = "drop_responses",
              .default_value = "",
              .help = "Answers not published (the request still takes effect), comma-separated: "
                      "a ratio for every method (0.1), a method (set_config) or method=ratio "
                      "(send_data=0.5)."});
  schema.Add({.key = "response_delay_ms",
              .type = SettingType::kInt,
              .default_value = "0",
              .help = "Delay before every answer is published, in milliseconds.",
              .min = 0,
              .max = 600000});
  schema.Add({.key = "scratchpad_file",
              .default_value = "",
              .help = "Write each scratchpad a sink stores through otap_load_scratchpad to this "
                      "path; {gw_id} and {sink_id} are replaced by the ids."});
  schema.Add({.key = "clear_status_on_exit",
              .type = SettingType::kBool,
              .default_value = "false",
              .help = "On exit publish an empty retained status (gateway removed) instead of "
                      "OFFLINE."});
}

absl::StatusOr<std::vector<gwapi::GatewayFeature>> ParseGatewayFeatures(std::string_view text) {
  std::vector<gwapi::GatewayFeature> features;
  const absl::string_view trimmed =
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  if (trimmed.empty() || absl::AsciiStrToLower(trimmed) == "none") return features;
  for (absl::string_view name : absl::StrSplit(trimmed, ',')) {
    name = absl::StripAsciiWhitespace(name);
    gwapi::GatewayFeature feature = gwapi::UNKNOWN;
    if (!gwapi::GatewayFeature_Parse(absl::AsciiStrToUpper(name), &feature) ||
        feature == gwapi::UNKNOWN) {
      return absl::InvalidArgumentError(absl::StrCat("features: unknown feature \"", name, "\""));
    }
    features.push_back(feature);
  }
  return features;
}

absl::StatusOr<std::string> ParseFactoryKey(std::string_view text) {
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      ++i;
      continue;
    }
    if (text[i] == ' ') continue;
    digits.push_back(text[i]);
  }
  // The value is a secret: the error names the setting and the rule, never the text.
  const absl::Status bad =
      absl::InvalidArgumentError(absl::StrCat("provisioning_factory_key: must be ", kFactoryKeySize,
                                              " bytes as ", 2 * kFactoryKeySize, " hex digits"));
  if (digits.size() != 2 * kFactoryKeySize) return bad;
  for (char c : digits) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return bad;
  }
  return absl::HexStringToBytes(digits);
}

namespace {

// The provisioning_method setting (its choices are checked when settings load).
absl::StatusOr<JoiningMethod> ParseJoiningMethod(std::string_view text) {
  if (text == "secured") return JoiningMethod::kSecured;
  if (text == "unsecured") return JoiningMethod::kUnsecured;
  if (text == "mixed") return JoiningMethod::kMixed;
  return absl::InvalidArgumentError(absl::StrCat("provisioning_method: \"",
                                                 absl::string_view(text.data(), text.size()),
                                                 "\" is not secured, unsecured or mixed"));
}

}  // namespace

absl::StatusOr<SimulatorOptions> SimulatorOptionsFromSettings(const config::Settings& settings) {
  absl::StatusOr<PayloadMix> mix = ParsePayloadMix(settings.GetString("payload_mix"));
  if (!mix.ok()) return mix.status();
  absl::StatusOr<std::vector<gwapi::GatewayFeature>> features =
      ParseGatewayFeatures(settings.GetString("features"));
  if (!features.ok()) return features.status();
  absl::StatusOr<DropRatios> drop = ParseDropResponses(settings.GetString("drop_responses"));
  if (!drop.ok()) return drop.status();
  absl::StatusOr<JoiningMethod> method =
      ParseJoiningMethod(settings.GetString("provisioning_method"));
  if (!method.ok()) return method.status();
  std::string factory_key;
  if (const std::string text = settings.GetString("provisioning_factory_key"); !text.empty()) {
    absl::StatusOr<std::string> key = ParseFactoryKey(text);
    if (!key.ok()) return key.status();
    factory_key = *std::move(key);
  }
  SimulatorOptions options;
  options.topology.gateways = static_cast<int>(settings.GetInt("gateways"));
  options.topology.sinks_per_gateway = static_cast<int>(settings.GetInt("sinks_per_gateway"));
  options.topology.nodes_per_sink = static_cast<int>(settings.GetInt("nodes_per_sink"));
  options.topology.joining_nodes_per_sink =
      static_cast<int>(settings.GetInt("joining_nodes_per_sink"));
  options.topology.joining_method = *method;
  options.topology.factory_key = std::move(factory_key);
  options.topology.gateway_id_prefix = settings.GetString("gateway_id_prefix");
  options.topology.network_address = static_cast<uint64_t>(settings.GetInt("network_address"));
  options.topology.network_per_gateway = settings.GetBool("network_per_gateway");
  options.topology.seed = static_cast<uint64_t>(settings.GetInt("seed"));
  options.rate = settings.GetDouble("rate");
  options.traffic.count = settings.GetInt("count");
  options.traffic.duplicate_ratio = settings.GetDouble("duplicate_ratio");
  options.traffic.garbage_ratio = settings.GetDouble("garbage_ratio");
  options.traffic.garbage_on_malformed_topic = settings.GetBool("garbage_malformed_topic");
  options.traffic.payload_mix = *mix;
  options.publish_window = static_cast<int>(settings.GetInt("publish_window"));
  options.event_id_seed = static_cast<uint64_t>(settings.GetInt("event_id_seed"));
  options.clear_status_on_exit = settings.GetBool("clear_status_on_exit");
  options.identity.features = *std::move(features);
  options.identity.max_scratchpad_size =
      static_cast<uint32_t>(settings.GetInt("max_scratchpad_size"));
  options.responses.drop_ratio = *drop;
  options.responses.delay = absl::Milliseconds(settings.GetInt("response_delay_ms"));
  options.scratchpad_file = settings.GetString("scratchpad_file");
  options.provisioning_config_out = settings.GetString("provisioning_config_out");
  return options;
}

absl::StatusOr<config::Settings> LoadSimulatorSettings(
    const config::Schema& schema, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env) {
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, env);
  if (!settings.ok() || settings->help_requested() || settings->IsSet("mqtt_hostname")) {
    return settings;
  }
  // The defaults enter as environment, the lowest source, so that every value the user gave
  // still wins.
  std::map<std::string, std::string> local_env = env;
  local_env["WM_SERVICES_MQTT_HOSTNAME"] = "localhost";
  if (!settings->IsSet("mqtt_port")) local_env["WM_SERVICES_MQTT_PORT"] = "1883";
  if (!settings->IsSet("mqtt_force_unsecure")) {
    local_env["WM_SERVICES_MQTT_FORCE_UNSECURE"] = "true";
  }
  return config::Settings::Load(schema, args, local_env);
}

absl::StatusOr<config::Settings> LoadSimulatorSettings(const config::Schema& schema, int argc,
                                                       char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals != std::string_view::npos) {
      env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
  }
  return LoadSimulatorSettings(schema, args, env);
}

}  // namespace wm::gateway_sim
