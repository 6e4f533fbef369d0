#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/request_router.h"

namespace wm::gateway_sim {

// Request handlers for a sink's configuration, as the reference gateway answers them
// (docs/reference-gateway.md, "set_config" and "Configuration data items"). Each takes its
// sink from the request header (RequestSinkId), answers INVALID_SINK_ID for a sink the gateway
// does not have, and lists the sink in Response::changed_sinks when what the sink reports
// changed.

// Diagnostic intervals a sink accepts in its app config, in seconds (0 = off).
inline constexpr uint32_t kAllowedDiagIntervals[] = {0, 30, 60, 120, 300, 600, 1800};
// App config sequence numbers run 1..254; 254 is followed by 1.
inline constexpr uint32_t kMaxAppConfigSequence = 254;
// Legacy, network and management keys: 16-byte cipher and authentication keys.
inline constexpr size_t kKeySize = 16;
// Configuration data items: at most 80 payload bytes each (c-mesh-api
// MAXIMUM_CDC_ITEM_PAYLOAD_SIZE) and 16 items per sink (the 32-byte item list of 2-byte
// endpoints, MAXIMUM_CDC_ITEM_LIST_BYTE_COUNT).
inline constexpr size_t kMaxConfigurationDataPayload = 80;
inline constexpr size_t kMaxConfigurationDataItems = 16;
inline constexpr uint32_t kMaxConfigurationDataEndpoint = 0xFFFF;

// Whether app config sequence `next` may follow `current`: `next` is in 1..254 and either
// above `current` or the wrap from 254 to 1. Any `next` in 1..254 may follow a `current`
// outside that range.
bool IsNextAppConfigSequence(uint32_t current, uint32_t next);

// set_config: applies the fields present, in the reference order: node_address, node_role,
// network_address, network_channel, channel_map (ignored: stack 5 sinks have none), legacy
// keys, app_config (all three parts), network_keys and management_keys (only with the
// SINK_KEY_MANAGEMENT_V1 feature), with the stack stopped while any of them is written; then
// the stack goes to sink_state when given (ON or OFF, alone or with other fields), else back
// to its previous state. current_ac_range is ignored. A field that fails does not stop the
// others; the response carries the last failure (docs/reference-gateway.md, "set_config").
// The sink refuses an invalid value and the gateway maps that to INVALID_PARAM: node address 0
// or above 0xFFFFFFFD, no known base role, network address 0 or above 0xFFFFFE, channel
// outside channel_limits, app config data longer than app_config_max_size. Legacy keys that
// are not 16 + 16 bytes get INTERNAL_ERROR; network or management keys INVALID_NETWORK_KEYS.
// An app config gets INVALID_ROLE when the node (after a role in the same request) is not a
// sink, INVALID_DIAG_INTERVAL (not in kAllowedDiagIntervals), INVALID_SEQUENCE_NUMBER (see
// IsNextAppConfigSequence). An app config shorter than app_config_max_size is stored, and read
// back, followed by zeros up to that size. The response holds the sink's full configuration
// afterwards; for INVALID_SINK_ID only the requested sink id.
Response HandleSetConfig(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                         GatewayState& state, absl::Time now);

// set_configuration_data_item: stores the item of an endpoint (kept in endpoint order in the
// sink's configuration_data_content), or clears it for a 0-length payload. Errors:
// INVALID_DEST_ENDPOINT (endpoint above 0xFFFF), INVALID_ROLE (the node is no longer a sink),
// SINK_OUT_OF_MEMORY (payload above 80 bytes, or a 17th item).
Response HandleSetConfigurationDataItem(const wirepas::Topic& topic,
                                        const wirepas::GenericMessage& request, GatewayState& state,
                                        absl::Time now);

// get_configuration_data_item: the item of the endpoint. Errors: INVALID_DEST_ENDPOINT
// (endpoint above 0xFFFF), INVALID_PARAM (no item for the endpoint).
Response HandleGetConfigurationDataItem(const wirepas::Topic& topic,
                                        const wirepas::GenericMessage& request, GatewayState& state,
                                        absl::Time now);

// What a gateway publishes after a request changed the configuration of some of its sinks,
// right after the response (docs/gateway-api.md "Correlation").
struct ConfigChangeAnnouncement {
  // The new ONLINE status with every sink's configuration; retained, QoS 1, on the status
  // topic.
  wirepas::GenericMessage status;
  // get_configs response with req_id 0 and every sink, for older backends.
  Response get_configs;
  // set_config responses with req_id 0, res OK and the sink's configuration, one per changed
  // sink.
  std::vector<Response> set_configs;
};

// The announcement of a change of `changed_sinks` (ids of `state`'s sinks).
ConfigChangeAnnouncement BuildConfigChangeAnnouncement(
    const GatewayState& state, const std::vector<std::string>& changed_sinks, uint64_t event_id,
    absl::Time now);

}  // namespace wm::gateway_sim
