#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim {

namespace gwapi = ::wirepas::proto::gateway_api;

// What a simulated gateway says about itself in its status and in get_gw_info.
struct GatewayIdentity {
  std::string model = "wm-gateway-sim";
  std::string version = "1.6.0";
  // Largest scratchpad (or chunk of one) per request (docs/gateway-api.md "config_message.proto":
  // GatewayInfo field 5); 0 = not advertised, so a whole scratchpad may come in one request.
  uint32_t max_scratchpad_size = 1024;
  // What the reference transport 1.6 advertises (docs/gateway-api.md "get_configs, set_config,
  // get_gw_info").
  std::vector<gwapi::GatewayFeature> features = {
      gwapi::SCRATCHPAD_CHUNK_V1, gwapi::CONFIGURATION_DATA_V1, gwapi::SINK_KEY_MANAGEMENT_V1};
};

// The gateway API version a gateway implements; frozen at 2 (docs/gateway-api.md "get_configs,
// set_config, get_gw_info").
inline constexpr uint32_t kImplementedApiVersion = 2;
// StatusEvent.version: the message-definition version, always 1 (docs/gateway-api.md
// "config_message.proto").
inline constexpr uint32_t kStatusVersion = 1;

// The configuration a started sink reports: role sink, addresses, channel, app config, keys
// set, access cycle range and limits, MTU 102, channel limits, hw magic, stack profile,
// firmware version, stack started, stored and processed scratchpad, target and action.
gwapi::SinkReadConfig BuildSinkReadConfig(const SimSink& sink);

// The configurations of all sinks of `gateway`, in sink order.
std::vector<gwapi::SinkReadConfig> BuildSinkReadConfigs(const SimGateway& gateway);

// Whether `identity` advertises `feature`.
bool HasFeature(const GatewayIdentity& identity, gwapi::GatewayFeature feature);

// The retained ONLINE status a gateway publishes on every connect and after a configuration
// change: version 1, state ON, every sink's configuration, model, version, max_scratchpad_size
// (when advertised) and features.
wirepas::GenericMessage BuildOnlineStatus(const std::string& gw_id,
                                          const std::vector<gwapi::SinkReadConfig>& sinks,
                                          const GatewayIdentity& identity, uint64_t event_id,
                                          absl::Time now);

// The OFFLINE status: state OFF with model and version and no configs. It is the last will
// (built once at start, so its event id and time are stale when the broker sends it) and what
// the gateway publishes itself on a clean shutdown (docs/gateway-api.md "Status, last will and
// discovery").
wirepas::GenericMessage BuildOfflineStatus(const std::string& gw_id,
                                           const GatewayIdentity& identity, uint64_t event_id,
                                           absl::Time now);

// What get_gw_info returns: current time, model, version, API version 2, max_scratchpad_size
// (when advertised) and features.
gwapi::GatewayInfo BuildGatewayInfo(const GatewayIdentity& identity, absl::Time now);

}  // namespace wm::gateway_sim
