#include "tests/ingest/gateway_messages.h"

#include "libs/wirepas/topic.h"
#include "protos/wirepas/generic_message.pb.h"

namespace wm::testing {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;

}  // namespace

std::string GatewayPacket::Topic() const {
  return wirepas::ReceivedDataTopic(gateway_id, sink_id, network_address,
                                    static_cast<uint8_t>(source_endpoint),
                                    static_cast<uint8_t>(destination_endpoint));
}

std::string GatewayPacket::Bytes() const {
  gwapi::GenericMessage message;
  auto* packet = message.mutable_wirepas()->mutable_packet_received_event();
  packet->mutable_header()->set_gw_id(gateway_id);
  packet->mutable_header()->set_sink_id(sink_id);
  packet->mutable_header()->set_event_id(event_id);
  packet->set_source_address(source_address);
  packet->set_destination_address(1);
  packet->set_source_endpoint(source_endpoint);
  packet->set_destination_endpoint(destination_endpoint);
  packet->set_travel_time_ms(25);
  packet->set_rx_time_ms_epoch(1'800'000'000'000 + event_id);
  packet->set_qos(0);
  packet->set_payload(payload);
  packet->set_hop_count(1);
  packet->set_network_address(network_address);
  return message.SerializeAsString();
}

std::string GatewayStatusTopic(const std::string& gateway_id) {
  return wirepas::StatusTopic(gateway_id);
}

std::string GatewayStatusBytes(const std::string& gateway_id, bool online, uint64_t event_id) {
  gwapi::GenericMessage message;
  auto* status = message.mutable_wirepas()->mutable_status_event();
  status->mutable_header()->set_gw_id(gateway_id);
  status->mutable_header()->set_event_id(event_id);
  status->set_version(1);
  status->set_state(online ? gwapi::ON : gwapi::OFF);
  return message.SerializeAsString();
}

std::string TrafficDiagnosticsPayload(uint16_t rx_amount) {
  // Little-endian: access_cycles u16, cluster_channel, channel_reliability, rx_amount u16,
  // tx_amount u16, then ten one-byte ratios and slot usages.
  std::string payload = {'\x10', '\x02', '\x05', '\x63'};
  payload += static_cast<char>(rx_amount & 0xFF);
  payload += static_cast<char>(rx_amount >> 8);
  payload += {'\x07', '\x00'};
  for (char ratio = 1; ratio <= 10; ++ratio) payload += ratio;
  return payload;
}

}  // namespace wm::testing
