#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "tools/gateway_sim/simulator.h"

namespace wm::gateway_sim {

// Declares the simulator's settings (flags, YAML --settings file or WM_SERVICES_<KEY>):
//   topology: gateways (2), sinks_per_gateway (2), nodes_per_sink (20),
//     joining_nodes_per_sink (1), gateway_id_prefix ("sim-gw-"), network_address
//     (1193046 = 0x123456), network_per_gateway (false), seed (1);
//   provisioning: provisioning_method (secured, unsecured or mixed; secured),
//     provisioning_factory_key (secret; 64 hex digits, "" = FactoryKeyFromSeed(seed)),
//     provisioning_config_out ("" = none; see SimulatorOptions::provisioning_config_out);
//   traffic: rate (10 packets/s over all gateways, 0 = full speed), count (0 = forever),
//     exit_after_count (false), duplicate_ratio (0), garbage_ratio (0),
//     garbage_malformed_topic (false), payload_mix (PayloadMix's defaults, see
//     payload_mix.h), publish_window (1000), event_id_seed (0 = entropy);
//   requests: features (SCRATCHPAD_CHUNK_V1,CONFIGURATION_DATA_V1,SINK_KEY_MANAGEMENT_V1; names
//     of GatewayFeature, "none" for none), max_scratchpad_size (1024, 0 = not advertised),
//     drop_responses ("" = none; see ParseDropResponses), response_delay_ms (0),
//     scratchpad_file ("" = none; see SimulatorOptions::scratchpad_file);
//   shutdown: clear_status_on_exit (false).
// MQTT, logging and HTTP settings come from their own libraries; of those, mqtt_client_id and
// mqtt_max_inflight are set per gateway instead (its id, publish_window).
void AddGatewaySimSettings(config::Schema& schema);

// Parses the features setting: comma-separated GatewayFeature names (any case, e.g.
// "scratchpad_chunk_v1"), in the order given; "" or "none" for no feature. InvalidArgument
// naming an unknown name.
absl::StatusOr<std::vector<gwapi::GatewayFeature>> ParseGatewayFeatures(std::string_view text);

// Parses the provisioning_factory_key setting: 32 bytes as 64 hex digits, "0x" prefixes and
// spaces allowed. InvalidArgument naming the setting, never the text (a secret).
absl::StatusOr<std::string> ParseFactoryKey(std::string_view text);

// The simulator options the settings describe (the `mqtt` member is left at its defaults).
// InvalidArgument, naming the setting, when payload_mix, features, drop_responses,
// provisioning_method or provisioning_factory_key is not valid; Simulator::Create checks
// the combination (e.g. a gateway_id_prefix with '/').
absl::StatusOr<SimulatorOptions> SimulatorOptionsFromSettings(const config::Settings& settings);

// Loads settings like config::Settings::Load, with one difference for a developer's tool: when
// no mqtt_hostname is given anywhere (flag, file, environment), the simulator talks to a local
// broker, localhost:1883 without TLS, unless mqtt_port or mqtt_force_unsecure say otherwise.
// The schema must hold the keys of mqtt::AddMqttSettings.
absl::StatusOr<config::Settings> LoadSimulatorSettings(
    const config::Schema& schema, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env);

// As above with argv (without the program name) and the process environment.
absl::StatusOr<config::Settings> LoadSimulatorSettings(const config::Schema& schema, int argc,
                                                       char** argv);

}  // namespace wm::gateway_sim
