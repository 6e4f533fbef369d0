#include "services/registry/test_events.h"

namespace wm::registry::testing {

wm::v1::SinkConfig SinkConfigOf(const std::string& sink_id, uint64_t network, uint32_t node_address,
                                uint32_t channel) {
  wm::v1::SinkConfig config;
  config.set_sink_id(sink_id);
  config.set_network_address(network);
  config.set_node_address(node_address);
  config.set_network_channel(channel);
  config.set_started(true);
  config.mutable_node_role()->set_base(wm::v1::BASE_ROLE_SINK);
  config.mutable_node_role()->set_dual_mcu_role(1);
  return config;
}

wm::v1::Event StatusEvent(const std::string& gateway, wm::v1::GatewayState state,
                          const std::vector<wm::v1::SinkConfig>& configs, int64_t time_ms) {
  wm::v1::Event event;
  event.set_kind(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  event.set_gateway_id(gateway);
  event.set_ingest_time_ms_epoch(time_ms);
  wm::v1::GatewayStatus* status = event.mutable_status();
  status->set_state(state);
  if (state != wm::v1::GATEWAY_STATE_REMOVED) {
    status->set_version(1);
    status->set_model("model-x");
    status->set_firmware("1.6.0");
  }
  if (state == wm::v1::GATEWAY_STATE_ONLINE) {
    status->set_max_scratchpad_size(1024);
    status->add_features(wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1);
  }
  for (const wm::v1::SinkConfig& config : configs) *status->add_configs() = config;
  return event;
}

wm::v1::Event ConfigResponseEvent(const std::string& gateway, wm::v1::GatewayMethod method,
                                  const std::vector<wm::v1::SinkConfig>& configs,
                                  uint64_t request_id, int32_t result, int64_t time_ms) {
  wm::v1::Event event;
  event.set_kind(wm::v1::EVENT_KIND_RESPONSE);
  event.set_gateway_id(gateway);
  if (method == wm::v1::GATEWAY_METHOD_SET_CONFIG && !configs.empty()) {
    event.set_sink_id(configs.front().sink_id());
  }
  event.set_ingest_time_ms_epoch(time_ms);
  wm::v1::GatewayResponse* response = event.mutable_response();
  response->set_method(method);
  response->set_request_id(request_id);
  response->set_result(result);
  for (const wm::v1::SinkConfig& config : configs) *response->add_configs() = config;
  return event;
}

wm::v1::Event PacketEvent(const std::string& gateway, const std::string& sink, uint64_t network,
                          uint32_t source, int64_t time_ms, int64_t rx_ms, uint32_t hop_count,
                          uint32_t travel_time_ms) {
  wm::v1::Event event;
  event.set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  event.set_gateway_id(gateway);
  event.set_sink_id(sink);
  event.set_ingest_time_ms_epoch(time_ms);
  wm::v1::PacketReceived* packet = event.mutable_packet();
  packet->set_network_address(network);
  packet->set_source_address(source);
  packet->set_destination_address(1);
  packet->set_source_endpoint(10);
  packet->set_destination_endpoint(10);
  packet->set_rx_time_ms_epoch(rx_ms < 0 ? time_ms : rx_ms);
  packet->set_travel_time_ms(travel_time_ms);
  packet->set_hop_count(hop_count);
  packet->set_payload("app");
  return event;
}

void SetNodeDiagnostics(wm::v1::Event* event, uint32_t role, double volts) {
  wm::v1::PacketReceived* packet = event->mutable_packet();
  packet->set_source_endpoint(253);
  packet->set_destination_endpoint(255);
  wm::v1::NodeDiagnostics* node = packet->mutable_decoded()->mutable_node_diagnostics();
  node->set_role(role);
  node->set_voltage(volts);
}

void SetBootDiagnostics(wm::v1::Event* event, uint32_t boot_count, uint32_t role,
                        uint32_t firmware_packed, uint32_t scratchpad_sequence) {
  wm::v1::PacketReceived* packet = event->mutable_packet();
  packet->set_source_endpoint(254);
  packet->set_destination_endpoint(255);
  wm::v1::BootDiagnostics* boot = packet->mutable_decoded()->mutable_boot_diagnostics();
  boot->set_boot_count(boot_count);
  boot->set_node_role(role);
  boot->set_sw_major_version(firmware_packed >> 24 & 0xFF);
  boot->set_sw_minor_version(firmware_packed >> 16 & 0xFF);
  boot->set_sw_maint_version(firmware_packed >> 8 & 0xFF);
  boot->set_sw_dev_version(firmware_packed & 0xFF);
  boot->set_firmware_version(firmware_packed);
  boot->set_scratchpad_sequence(scratchpad_sequence);
}

void SetDiagnosticsV2(wm::v1::Event* event, uint32_t role, uint32_t voltage_mv, uint32_t boot_count,
                      uint32_t firmware_packed) {
  wm::v1::PacketReceived* packet = event->mutable_packet();
  packet->set_source_endpoint(247);
  packet->set_destination_endpoint(255);
  wm::v1::DiagnosticsV2* v2 = packet->mutable_decoded()->mutable_diagnostics_v2();
  v2->set_role(role);
  v2->set_voltage(voltage_mv);
  v2->set_boot_count(boot_count);
  v2->set_firmware_stack(firmware_packed);
}

}  // namespace wm::registry::testing
