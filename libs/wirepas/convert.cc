#include "libs/wirepas/convert.h"

#include "absl/strings/str_cat.h"

namespace wm::wirepas {
namespace {

// Dual-MCU role byte flags (docs/gateway-api.md "Enums").
constexpr uint32_t kLowLatencyBit = 0x10;
constexpr uint32_t kAutoroleBit = 0x80;

// The wire enums and the public ones share their numbers (see protos/wm/v1/gateway.proto), so
// a value the proto2 parser accepted converts by number.
template <typename To, typename From>
To SameNumber(From value) {
  return static_cast<To>(static_cast<int>(value));
}

void ToNodeRole(const gwapi::NodeRole& in, wm::v1::NodeRole* out) {
  uint32_t dual_mcu_role = 0;
  if (in.has_role()) {
    out->set_base(SameNumber<wm::v1::BaseRole>(in.role()));
    dual_mcu_role = static_cast<uint32_t>(in.role());
  }
  for (const int flag : in.flags()) {
    if (flag == gwapi::NodeRole::LOW_LATENCY) {
      out->set_low_latency(true);
      dual_mcu_role |= kLowLatencyBit;
    } else if (flag == gwapi::NodeRole::AUTOROLE) {
      out->set_autorole(true);
      dual_mcu_role |= kAutoroleBit;
    }
  }
  out->set_dual_mcu_role(dual_mcu_role);
}

void ToAccessCycleRange(const gwapi::AccessCycleRange& in, wm::v1::AccessCycleRange* out) {
  out->set_min_ms(in.min_ms());
  out->set_max_ms(in.max_ms());
}

void ToScratchpadInfo(const gwapi::ScratchpadInfo& in, wm::v1::ScratchpadInfo* out) {
  out->set_len(in.len());
  out->set_crc(in.crc());
  out->set_seq(in.seq());
}

void ToTargetAndAction(const gwapi::TargetScratchpadAndAction& in,
                       wm::v1::TargetScratchpadAndAction* out) {
  out->set_action(SameNumber<wm::v1::ScratchpadAction>(in.action()));
  if (in.has_target_sequence()) out->set_target_sequence(in.target_sequence());
  if (in.has_target_crc()) out->set_target_crc(in.target_crc());
  switch (in.param_case()) {
    case gwapi::TargetScratchpadAndAction::kDelay:
      out->set_delay(SameNumber<wm::v1::ProcessingDelay>(in.delay()));
      break;
    case gwapi::TargetScratchpadAndAction::kRaw:
      out->set_raw(in.raw());
      break;
    case gwapi::TargetScratchpadAndAction::PARAM_NOT_SET:
      break;
  }
}

template <typename Features, typename Out>
void ToFeatures(const Features& in, Out* out) {
  out->Clear();
  out->Reserve(in.size());
  for (const int feature : in) out->Add(feature);
}

}  // namespace

void ToSinkConfig(const gwapi::SinkReadConfig& in, wm::v1::SinkConfig* out) {
  out->Clear();
  out->set_sink_id(in.sink_id());
  if (in.has_node_role()) ToNodeRole(in.node_role(), out->mutable_node_role());
  if (in.has_node_address()) out->set_node_address(in.node_address());
  if (in.has_network_address()) out->set_network_address(in.network_address());
  if (in.has_network_channel()) out->set_network_channel(in.network_channel());
  if (in.has_app_config()) {
    wm::v1::AppConfig* app_config = out->mutable_app_config();
    app_config->set_diag_interval_s(in.app_config().diag_interval_s());
    app_config->set_data(in.app_config().app_config_data());
    app_config->set_seq(in.app_config().seq());
  }
  if (in.has_channel_map()) out->set_channel_map(in.channel_map());
  if (in.has_are_keys_set()) out->set_are_keys_set(in.are_keys_set());
  if (in.has_current_ac_range()) {
    ToAccessCycleRange(in.current_ac_range(), out->mutable_current_ac_range());
  }
  if (in.has_ac_limits()) ToAccessCycleRange(in.ac_limits(), out->mutable_ac_limits());
  if (in.has_max_mtu()) out->set_max_mtu(in.max_mtu());
  if (in.has_channel_limits()) {
    out->mutable_channel_limits()->set_min_channel(in.channel_limits().min_channel());
    out->mutable_channel_limits()->set_max_channel(in.channel_limits().max_channel());
  }
  if (in.has_hw_magic()) out->set_hw_magic(in.hw_magic());
  if (in.has_stack_profile()) out->set_stack_profile(in.stack_profile());
  if (in.has_app_config_max_size()) out->set_app_config_max_size(in.app_config_max_size());
  if (in.has_firmware_version()) {
    wm::v1::FirmwareVersion* version = out->mutable_firmware_version();
    version->set_major(in.firmware_version().major());
    version->set_minor(in.firmware_version().minor());
    version->set_maint(in.firmware_version().maint());
    version->set_dev(in.firmware_version().dev());
  }
  if (in.has_sink_state()) out->set_started(in.sink_state() == gwapi::ON);
  if (in.has_stored_scratchpad()) {
    ToScratchpadInfo(in.stored_scratchpad(), out->mutable_stored_scratchpad());
  }
  if (in.has_stored_status()) {
    out->set_stored_status(SameNumber<wm::v1::ScratchpadStatus>(in.stored_status()));
  }
  if (in.has_stored_type()) {
    out->set_stored_type(SameNumber<wm::v1::ScratchpadType>(in.stored_type()));
  }
  if (in.has_processed_scratchpad()) {
    ToScratchpadInfo(in.processed_scratchpad(), out->mutable_processed_scratchpad());
  }
  if (in.has_firmware_area_id()) out->set_firmware_area_id(in.firmware_area_id());
  if (in.has_target_and_action()) {
    ToTargetAndAction(in.target_and_action(), out->mutable_target_and_action());
  }
  for (const gwapi::ConfigurationDataItem& item : in.configuration_data_content()) {
    wm::v1::ConfigurationDataItem* out_item = out->add_configuration_data_content();
    out_item->set_endpoint(item.endpoint());
    out_item->set_payload(item.payload());
  }
}

void ToGatewayInfo(const gwapi::GatewayInfo& in, wm::v1::GatewayInfo* out) {
  out->set_current_time_s_epoch(in.current_time_s_epoch());
  out->set_model(in.gw_model());
  out->set_version(in.gw_version());
  out->set_implemented_api_version(in.implemented_api_version());
  if (in.has_max_scratchpad_size()) {
    out->set_max_scratchpad_size(in.max_scratchpad_size());
  } else {
    out->clear_max_scratchpad_size();
  }
  ToFeatures(in.gw_features(), out->mutable_features());
}

void ToGatewayStatus(const gwapi::StatusEvent& in, wm::v1::GatewayStatus* out) {
  wm::v1::GatewayState state = wm::v1::GATEWAY_STATE_UNSPECIFIED;
  if (in.has_state()) {
    state = in.state() == gwapi::ON ? wm::v1::GATEWAY_STATE_ONLINE : wm::v1::GATEWAY_STATE_OFFLINE;
  }
  out->set_state(state);
  out->set_version(in.version());
  out->clear_configs();
  for (const gwapi::SinkReadConfig& config : in.configs()) {
    ToSinkConfig(config, out->add_configs());
  }
  out->set_model(in.gw_model());
  out->set_firmware(in.gw_version());
  if (in.has_max_scratchpad_size()) {
    out->set_max_scratchpad_size(in.max_scratchpad_size());
  } else {
    out->clear_max_scratchpad_size();
  }
  ToFeatures(in.gw_features(), out->mutable_features());
}

void ToPacketReceived(const gwapi::PacketReceivedEvent& in,
                      std::optional<uint64_t> topic_network_address, wm::v1::PacketReceived* out) {
  out->set_network_address(in.has_network_address() ? in.network_address()
                                                    : topic_network_address.value_or(0));
  out->set_source_address(in.source_address());
  out->set_destination_address(in.destination_address());
  out->set_source_endpoint(in.source_endpoint());
  out->set_destination_endpoint(in.destination_endpoint());
  out->set_travel_time_ms(in.travel_time_ms());
  out->set_rx_time_ms_epoch(in.rx_time_ms_epoch());
  const uint64_t travel = in.travel_time_ms();
  out->set_tx_time_ms_epoch(in.rx_time_ms_epoch() >= travel ? in.rx_time_ms_epoch() - travel : 0);
  out->set_qos(in.qos());
  out->set_hop_count(in.hop_count());
  if (in.has_payload()) {
    out->set_payload(in.payload());
    out->set_payload_size(static_cast<uint32_t>(in.payload().size()));
  } else {
    out->clear_payload();
    out->set_payload_size(in.payload_size());
  }
}

void ToDownlink(const gwapi::SendPacketReq& in, wm::v1::Downlink* out) {
  out->set_request_id(in.header().req_id());
  out->set_destination_address(in.destination_address());
  out->set_source_endpoint(in.source_endpoint());
  out->set_destination_endpoint(in.destination_endpoint());
  out->set_qos(in.qos());
  out->set_payload(in.payload());
  out->set_initial_delay_ms(in.initial_delay_ms());
  out->set_unack_csma_ca(in.is_unack_csma_ca());
  out->set_hop_limit(in.hop_limit());
}

void ToEventEnvelope(const gwapi::EventHeader& in, wm::v1::Event* out) {
  out->set_gateway_id(in.gw_id());
  if (in.has_sink_id()) {
    out->set_sink_id(in.sink_id());
  } else {
    out->clear_sink_id();
  }
  out->set_event_id(in.event_id());
  out->set_gateway_time_ms_epoch(in.time_ms_epoch());
}

absl::Status ToGatewayResponse(const GenericMessage& message, wm::v1::GatewayResponse* out) {
  const PayloadKind kind = PayloadKindOf(message);
  const std::optional<Method> method = MethodOf(kind);
  if (!IsResponse(kind) || !method) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a gateway response, got ", std::string(PayloadKindName(kind))));
  }
  const gwapi::ResponseHeader* header = ResponseHeaderOf(message);
  if (header == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(PayloadKindName(kind)), " has no header"));
  }
  out->set_method(ToGatewayMethod(*method));
  out->set_request_id(header->req_id());
  const int32_t result = ResultCode(*header);
  out->set_result(result);
  out->set_result_name(ResultCodeName(result));
  out->clear_configs();
  out->clear_gateway_info();
  const gwapi::WirepasMessage& wirepas = message.wirepas();
  if (kind == PayloadKind::kGetConfigsResp) {
    for (const gwapi::SinkReadConfig& config : wirepas.get_configs_resp().configs()) {
      ToSinkConfig(config, out->add_configs());
    }
  } else if (kind == PayloadKind::kSetConfigResp && wirepas.set_config_resp().has_config()) {
    ToSinkConfig(wirepas.set_config_resp().config(), out->add_configs());
  } else if (kind == PayloadKind::kGetGatewayInfoResp &&
             wirepas.get_gateway_info_resp().has_info()) {
    ToGatewayInfo(wirepas.get_gateway_info_resp().info(), out->mutable_gateway_info());
  }
  return absl::OkStatus();
}

wm::v1::GatewayMethod ToGatewayMethod(Method method) {
  switch (method) {
    case Method::kGetConfigs:
      return wm::v1::GATEWAY_METHOD_GET_CONFIGS;
    case Method::kGetGwInfo:
      return wm::v1::GATEWAY_METHOD_GET_GW_INFO;
    case Method::kSetConfig:
      return wm::v1::GATEWAY_METHOD_SET_CONFIG;
    case Method::kSendData:
      return wm::v1::GATEWAY_METHOD_SEND_DATA;
    case Method::kOtapStatus:
      return wm::v1::GATEWAY_METHOD_OTAP_STATUS;
    case Method::kOtapLoadScratchpad:
      return wm::v1::GATEWAY_METHOD_OTAP_LOAD_SCRATCHPAD;
    case Method::kOtapProcessScratchpad:
      return wm::v1::GATEWAY_METHOD_OTAP_PROCESS_SCRATCHPAD;
    case Method::kOtapSetTargetScratchpad:
      return wm::v1::GATEWAY_METHOD_OTAP_SET_TARGET_SCRATCHPAD;
    case Method::kSetConfigurationDataItem:
      return wm::v1::GATEWAY_METHOD_SET_CONFIGURATION_DATA_ITEM;
    case Method::kGetConfigurationDataItem:
      return wm::v1::GATEWAY_METHOD_GET_CONFIGURATION_DATA_ITEM;
  }
  return wm::v1::GATEWAY_METHOD_UNSPECIFIED;
}

}  // namespace wm::wirepas
