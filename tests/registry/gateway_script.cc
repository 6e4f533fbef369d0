#include "tests/registry/gateway_script.h"

#include "libs/decoders/cbor.h"
#include "libs/decoders/payload_builder.h"
#include "libs/wirepas/topic.h"
#include "protos/wirepas/generic_message.pb.h"

namespace wm::testing {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;

void FillSinkConfig(const PlayedSink& sink, gwapi::SinkReadConfig* out) {
  out->set_sink_id(sink.sink_id);
  out->mutable_node_role()->set_role(gwapi::NodeRole::SINK);
  out->set_node_address(sink.node_address);
  out->set_network_address(sink.network_address);
  out->set_network_channel(sink.network_channel);
  out->set_max_mtu(102);
  out->set_sink_state(gwapi::ON);
}

void FillResponseHeader(const std::string& gateway_id, const std::string& sink_id,
                        uint64_t request_id, uint64_t gateway_time_ms, gwapi::ResponseHeader* out) {
  out->set_req_id(request_id);
  out->set_gw_id(gateway_id);
  if (!sink_id.empty()) out->set_sink_id(sink_id);
  out->set_res(gwapi::OK);
  if (gateway_time_ms != 0) out->set_time_ms_epoch(gateway_time_ms);
}

}  // namespace

std::string OnlineStatusBytes(const std::string& gateway_id, const std::vector<PlayedSink>& sinks,
                              uint64_t event_id, uint64_t gateway_time_ms) {
  gwapi::GenericMessage message;
  gwapi::StatusEvent* status = message.mutable_wirepas()->mutable_status_event();
  status->mutable_header()->set_gw_id(gateway_id);
  status->mutable_header()->set_event_id(event_id);
  if (gateway_time_ms != 0) status->mutable_header()->set_time_ms_epoch(gateway_time_ms);
  status->set_version(1);
  status->set_state(gwapi::ON);
  for (const PlayedSink& sink : sinks) FillSinkConfig(sink, status->add_configs());
  status->set_gw_model("played-gw");
  status->set_gw_version("1.6.0");
  status->set_max_scratchpad_size(1024);
  status->add_gw_features(gwapi::SCRATCHPAD_CHUNK_V1);
  return message.SerializeAsString();
}

std::string GetConfigsResponseTopic(const std::string& gateway_id) {
  return wirepas::ResponseTopic(wirepas::Method::kGetConfigs, gateway_id);
}

std::string GetConfigsResponseBytes(const std::string& gateway_id,
                                    const std::vector<PlayedSink>& sinks, uint64_t request_id,
                                    uint64_t gateway_time_ms) {
  gwapi::GenericMessage message;
  gwapi::GetConfigsResp* response = message.mutable_wirepas()->mutable_get_configs_resp();
  FillResponseHeader(gateway_id, "", request_id, gateway_time_ms, response->mutable_header());
  for (const PlayedSink& sink : sinks) FillSinkConfig(sink, response->add_configs());
  return message.SerializeAsString();
}

std::string SetConfigResponseTopic(const std::string& gateway_id, const std::string& sink_id) {
  return wirepas::ResponseTopic(wirepas::Method::kSetConfig, gateway_id, sink_id);
}

std::string SetConfigResponseBytes(const std::string& gateway_id, const PlayedSink& sink,
                                   uint64_t request_id, uint64_t gateway_time_ms) {
  gwapi::GenericMessage message;
  gwapi::SetConfigResp* response = message.mutable_wirepas()->mutable_set_config_resp();
  FillResponseHeader(gateway_id, sink.sink_id, request_id, gateway_time_ms,
                     response->mutable_header());
  FillSinkConfig(sink, response->mutable_config());
  return message.SerializeAsString();
}

std::string NodeDiagnosticsPayload(uint8_t role, uint8_t voltage_raw) {
  decoders::PayloadBuilder payload;
  payload.U16(2000).U8(role).U8(voltage_raw);
  payload.Fill(67 - payload.size(), 0);  // the stack 4.2 layout; counters left at zero
  return payload.str();
}

std::string BootDiagnosticsPayload(uint8_t boot_count, uint8_t role, uint8_t major, uint8_t minor,
                                   uint8_t maint, uint8_t dev, uint16_t scratchpad_sequence) {
  return decoders::PayloadBuilder()
      .U8(boot_count)
      .U8(role)
      .U8(dev)
      .U8(maint)
      .U8(minor)
      .U8(major)
      .U16(scratchpad_sequence)
      .U16(0x1234)  // hw_magic
      .U16(1)       // stack_profile
      .U8(1)        // otap_enabled
      .U16(0)       // boot_line_number
      .U16(0)       // file_hash
      .U32(0)
      .U32(0)
      .U32(0)  // stack traces
      .U16(scratchpad_sequence)
      .str();
}

std::string DiagnosticsV2Payload(uint8_t role, uint32_t voltage_mv, uint32_t boot_count,
                                 uint32_t firmware_packed) {
  decoders::CborWriter cbor;
  cbor.MapHeader(4);
  cbor.Unsigned(1).Unsigned(role);
  cbor.Unsigned(2).Unsigned(voltage_mv);
  cbor.Unsigned(29).Unsigned(boot_count);
  cbor.Unsigned(30).Unsigned(firmware_packed);
  return cbor.Release();
}

}  // namespace wm::testing
