#include "tools/gateway_sim/gateway_status.h"

#include <algorithm>

#include "tools/gateway_sim/payloads.h"

namespace wm::gateway_sim {
namespace {

constexpr uint32_t kDiagIntervalS = 60;
constexpr uint32_t kAppConfigMaxSize = 80;

uint64_t ToMs(absl::Time t) { return static_cast<uint64_t>(absl::ToUnixMillis(t)); }

void SetEventHeader(const std::string& gw_id, uint64_t event_id, absl::Time now,
                    gwapi::EventHeader* header) {
  header->set_gw_id(gw_id);
  header->set_event_id(event_id);
  header->set_time_ms_epoch(ToMs(now));
}

void SetScratchpad(gwapi::ScratchpadInfo* info) {
  info->set_len(kNetworkScratchpadLength);
  info->set_crc(kNetworkScratchpadCrc);
  info->set_seq(kNetworkScratchpadSequence);
}

}  // namespace

gwapi::SinkReadConfig BuildSinkReadConfig(const SimSink& sink) {
  gwapi::SinkReadConfig config;
  config.set_sink_id(sink.id);
  config.mutable_node_role()->set_role(gwapi::NodeRole::SINK);
  config.set_node_address(sink.node_address);
  config.set_network_address(sink.network_address);
  config.set_network_channel(sink.network_channel);
  gwapi::AppConfigData* app_config = config.mutable_app_config();
  app_config->set_diag_interval_s(kDiagIntervalS);
  // An empty Wirepas TLV app config (header F6 7E, no entries), zero-padded to the maximum
  // size as WNT and backend-client write it.
  std::string data(kAppConfigMaxSize, '\0');
  data[0] = '\xF6';
  data[1] = '\x7E';
  app_config->set_app_config_data(data);
  app_config->set_seq(1);
  // No channel_map: stacks 4.0 and later have none, and the gateway then leaves it out.
  config.set_are_keys_set(true);
  config.mutable_current_ac_range()->set_min_ms(kAccessCycleMs);
  config.mutable_current_ac_range()->set_max_ms(kAccessCycleMs);
  config.mutable_ac_limits()->set_min_ms(2000);
  config.mutable_ac_limits()->set_max_ms(8000);
  config.set_max_mtu(kMaxPayloadSize);
  config.mutable_channel_limits()->set_min_channel(1);
  config.mutable_channel_limits()->set_max_channel(40);
  config.set_hw_magic(kHwMagic);
  config.set_stack_profile(kStackProfile);
  config.set_app_config_max_size(kAppConfigMaxSize);
  gwapi::FirmwareVersion* firmware = config.mutable_firmware_version();
  firmware->set_major(sink.firmware.major);
  firmware->set_minor(sink.firmware.minor);
  firmware->set_maint(sink.firmware.maint);
  firmware->set_dev(sink.firmware.dev);
  config.set_sink_state(gwapi::ON);
  SetScratchpad(config.mutable_stored_scratchpad());
  config.set_stored_status(gwapi::SUCCESS);
  config.set_stored_type(gwapi::PRESENT);
  SetScratchpad(config.mutable_processed_scratchpad());
  config.set_firmware_area_id(kFirmwareAreaId);
  // NO_OTAP: sequence, CRC and parameter 0, the parameter read back as raw
  // (docs/reference-gateway.md, "otap_set_target_scratchpad").
  gwapi::TargetScratchpadAndAction* target = config.mutable_target_and_action();
  target->set_action(gwapi::NO_OTAP);
  target->set_target_sequence(0);
  target->set_target_crc(0);
  target->set_raw(0);
  return config;
}

std::vector<gwapi::SinkReadConfig> BuildSinkReadConfigs(const SimGateway& gateway) {
  std::vector<gwapi::SinkReadConfig> configs;
  configs.reserve(gateway.sinks.size());
  for (const SimSink& sink : gateway.sinks) configs.push_back(BuildSinkReadConfig(sink));
  return configs;
}

wirepas::GenericMessage BuildOnlineStatus(const std::string& gw_id,
                                          const std::vector<gwapi::SinkReadConfig>& sinks,
                                          const GatewayIdentity& identity, uint64_t event_id,
                                          absl::Time now) {
  wirepas::GenericMessage message = BuildOfflineStatus(gw_id, identity, event_id, now);
  gwapi::StatusEvent* status = message.mutable_wirepas()->mutable_status_event();
  status->set_state(gwapi::ON);
  for (const gwapi::SinkReadConfig& sink : sinks) *status->add_configs() = sink;
  if (identity.max_scratchpad_size > 0) {
    status->set_max_scratchpad_size(identity.max_scratchpad_size);
  }
  for (gwapi::GatewayFeature feature : identity.features) status->add_gw_features(feature);
  return message;
}

wirepas::GenericMessage BuildOfflineStatus(const std::string& gw_id,
                                           const GatewayIdentity& identity, uint64_t event_id,
                                           absl::Time now) {
  wirepas::GenericMessage message;
  gwapi::StatusEvent* status = message.mutable_wirepas()->mutable_status_event();
  SetEventHeader(gw_id, event_id, now, status->mutable_header());
  status->set_version(kStatusVersion);
  status->set_state(gwapi::OFF);
  status->set_gw_model(identity.model);
  status->set_gw_version(identity.version);
  return message;
}

bool HasFeature(const GatewayIdentity& identity, gwapi::GatewayFeature feature) {
  return std::find(identity.features.begin(), identity.features.end(), feature) !=
         identity.features.end();
}

gwapi::GatewayInfo BuildGatewayInfo(const GatewayIdentity& identity, absl::Time now) {
  gwapi::GatewayInfo info;
  info.set_current_time_s_epoch(static_cast<uint64_t>(absl::ToUnixSeconds(now)));
  info.set_gw_model(identity.model);
  info.set_gw_version(identity.version);
  info.set_implemented_api_version(kImplementedApiVersion);
  if (identity.max_scratchpad_size > 0) info.set_max_scratchpad_size(identity.max_scratchpad_size);
  for (gwapi::GatewayFeature feature : identity.features) info.add_gw_features(feature);
  return info;
}

}  // namespace wm::gateway_sim
