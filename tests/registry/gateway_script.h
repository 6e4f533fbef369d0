#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wm::testing {

// What a played gateway says about one of its sinks.
struct PlayedSink {
  std::string sink_id = "sink0";
  uint64_t network_address = 0x123456;
  uint32_t node_address = 1;
  uint32_t network_channel = 5;
};

// Every message below carries `gateway_time_ms` (the gateway's clock when it made the message)
// in its header's time_ms_epoch; 0 leaves the field out, as gateways from before 2022 do.

// A gateway's retained ONLINE status (docs/gateway-api.md "Status, last will and discovery"): every
// sink's configuration, model "played-gw", version "1.6.0", max scratchpad size 1024 and the
// SCRATCHPAD_CHUNK_V1 feature.
std::string OnlineStatusBytes(const std::string& gateway_id, const std::vector<PlayedSink>& sinks,
                              uint64_t event_id = 1, uint64_t gateway_time_ms = 0);

// A get_configs response listing `sinks` (request id 0: unsolicited, after a change), on
// gw-response/get_configs/<gateway>.
std::string GetConfigsResponseTopic(const std::string& gateway_id);
std::string GetConfigsResponseBytes(const std::string& gateway_id,
                                    const std::vector<PlayedSink>& sinks, uint64_t request_id = 0,
                                    uint64_t gateway_time_ms = 0);

// A set_config response carrying the sink's new full configuration, on
// gw-response/set_config/<gateway>/<sink>.
std::string SetConfigResponseTopic(const std::string& gateway_id, const std::string& sink_id);
std::string SetConfigResponseBytes(const std::string& gateway_id, const PlayedSink& sink,
                                   uint64_t request_id = 0, uint64_t gateway_time_ms = 0);

// Node diagnostics (253 -> 255, 67 bytes) with this role byte and voltage byte
// (volts = raw / 100 + 2.0).
std::string NodeDiagnosticsPayload(uint8_t role, uint8_t voltage_raw);

// Boot diagnostics (254 -> 255, 31 bytes).
std::string BootDiagnosticsPayload(uint8_t boot_count, uint8_t role, uint8_t major, uint8_t minor,
                                   uint8_t maint, uint8_t dev, uint16_t scratchpad_sequence);

// Diagnostics v2 (247 -> 255, CBOR): role, voltage in millivolts, boot count and the stack
// firmware packed major << 24 | minor << 16 | maint << 8 | dev.
std::string DiagnosticsV2Payload(uint8_t role, uint32_t voltage_mv, uint32_t boot_count,
                                 uint32_t firmware_packed);

}  // namespace wm::testing
