#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protos/wm/v1/events.pb.h"

namespace wm::registry::testing {

// A sink configuration with the fields the registry's tests look at.
wm::v1::SinkConfig SinkConfigOf(const std::string& sink_id, uint64_t network, uint32_t node_address,
                                uint32_t channel = 5);

// A gateway status event as wm-ingest emits it, at ingest time `time_ms`.
wm::v1::Event StatusEvent(const std::string& gateway, wm::v1::GatewayState state,
                          const std::vector<wm::v1::SinkConfig>& configs = {},
                          int64_t time_ms = 1'000'000);

// A gateway response carrying sink configurations (get_configs or set_config).
wm::v1::Event ConfigResponseEvent(const std::string& gateway, wm::v1::GatewayMethod method,
                                  const std::vector<wm::v1::SinkConfig>& configs,
                                  uint64_t request_id = 0, int32_t result = 0,
                                  int64_t time_ms = 1'000'000);

// A packet from `source` in `network`, received through gateway/sink, at ingest time `time_ms`
// and gateway time `rx_ms` (default: time_ms).
wm::v1::Event PacketEvent(const std::string& gateway, const std::string& sink, uint64_t network,
                          uint32_t source, int64_t time_ms = 1'000'000, int64_t rx_ms = -1,
                          uint32_t hop_count = 1, uint32_t travel_time_ms = 20);

// Decoded payloads, as wm-ingest attaches them to a packet.
void SetNodeDiagnostics(wm::v1::Event* event, uint32_t role, double volts);
void SetBootDiagnostics(wm::v1::Event* event, uint32_t boot_count, uint32_t role,
                        uint32_t firmware_packed, uint32_t scratchpad_sequence);
void SetDiagnosticsV2(wm::v1::Event* event, uint32_t role, uint32_t voltage_mv, uint32_t boot_count,
                      uint32_t firmware_packed);

}  // namespace wm::registry::testing
