#pragma once

#include <cstdint>
#include <string>

namespace wm::testing {

// One packet_received_event as a gateway publishes it on gw-event/received_data/..., for
// integration tests that play gateways over MQTT.
//
//   GatewayPacket packet{.gateway_id = "gw-1", .event_id = 7, .source_endpoint = 251,
//                        .destination_endpoint = 255, .payload = std::string(18, '\1')};
//   publisher.PublishAndWait(packet.Topic(), packet.Bytes(), 1, false, timeout);
struct GatewayPacket {
  std::string gateway_id = "gw";
  std::string sink_id = "sink0";
  uint64_t network_address = 77;
  uint64_t event_id = 1;
  uint32_t source_address = 1001;
  uint32_t source_endpoint = 10;
  uint32_t destination_endpoint = 10;
  std::string payload = "app";

  // gw-event/received_data/<gateway>/<sink>/<network>/<src_ep>/<dst_ep>
  std::string Topic() const;
  // The serialized GenericMessage (destination 1, travel time 25 ms, one hop, QoS 0).
  std::string Bytes() const;
};

// The status topic of `gateway_id`: gw-event/status/<gateway_id>.
std::string GatewayStatusTopic(const std::string& gateway_id);

// A serialized status_event of `gateway_id` (version 1, ON or OFF), as gateways publish it
// retained on their status topic.
std::string GatewayStatusBytes(const std::string& gateway_id, bool online, uint64_t event_id = 1);

// An 18-byte traffic diagnostics payload (251 -> 255) with rx_amount = `rx_amount` and every
// other field non-zero.
std::string TrafficDiagnosticsPayload(uint16_t rx_amount);

}  // namespace wm::testing
