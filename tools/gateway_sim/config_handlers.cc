#include "tools/gateway_sim/config_handlers.h"

#include <algorithm>

namespace wm::gateway_sim {
namespace {

constexpr uint32_t kMaxNodeAddress = 0xFFFFFFFD;   // 0xFFFFFFFE any sink, 0xFFFFFFFF broadcast
constexpr uint64_t kMaxNetworkAddress = 0xFFFFFE;  // 24-bit, all ones reserved

bool IsAllowedDiagInterval(uint32_t seconds) {
  return std::find(std::begin(kAllowedDiagIntervals), std::end(kAllowedDiagIntervals), seconds) !=
         std::end(kAllowedDiagIntervals);
}

bool AreValidKeys(const std::string& cipher, const std::string& authentication) {
  return cipher.size() == kKeySize && authentication.size() == kKeySize;
}

bool IsKnownBaseRole(const gwapi::NodeRole& role) {
  return role.has_role() && gwapi::NodeRole::BaseRole_IsValid(role.role());
}

// Whether `update` writes anything, which makes the gateway stop a running stack first.
bool WritesAnything(const gwapi::SinkNewConfig& update, const GatewayIdentity& identity) {
  const bool key_management = HasFeature(identity, gwapi::SINK_KEY_MANAGEMENT_V1);
  return update.has_node_address() || update.has_node_role() || update.has_network_address() ||
         update.has_network_channel() || update.has_channel_map() || update.has_keys() ||
         update.has_app_config() ||
         (key_management && (update.has_network_keys() || update.has_management_keys()));
}

// The error of writing `app_config` over `current`, or OK, in the order the checks happen: the
// mesh API library refuses data longer than the sink's app config as an invalid value, then the
// sink refuses the write when it is not a sink, then checks the diagnostic interval and the
// sequence.
gwapi::ErrorCode CheckAppConfig(const gwapi::AppConfigData& app_config,
                                const gwapi::SinkReadConfig& current) {
  if (current.has_app_config_max_size() &&
      app_config.app_config_data().size() > current.app_config_max_size()) {
    return gwapi::INVALID_PARAM;
  }
  if (current.node_role().role() != gwapi::NodeRole::SINK) return gwapi::INVALID_ROLE;
  if (!IsAllowedDiagInterval(app_config.diag_interval_s())) return gwapi::INVALID_DIAG_INTERVAL;
  if (!IsNextAppConfigSequence(current.app_config().seq(), app_config.seq())) {
    return gwapi::INVALID_SEQUENCE_NUMBER;
  }
  return gwapi::OK;
}

// What the sink holds after a write of `app_config`: the data followed by zeros up to its full
// app config size, which is what every read returns.
gwapi::AppConfigData StoredAppConfig(const gwapi::AppConfigData& app_config,
                                     const gwapi::SinkReadConfig& current) {
  gwapi::AppConfigData stored = app_config;
  if (current.has_app_config_max_size() &&
      stored.app_config_data().size() < current.app_config_max_size()) {
    stored.mutable_app_config_data()->resize(current.app_config_max_size(), '\0');
  }
  return stored;
}

// Applies `update` to `config` in the reference gateway's order; returns the last failure.
gwapi::ErrorCode ApplyNewConfig(const gwapi::SinkNewConfig& update, const GatewayIdentity& identity,
                                gwapi::SinkReadConfig& config) {
  gwapi::ErrorCode res = gwapi::OK;
  const gwapi::OnOffState previous_state = config.sink_state();
  const bool writes = WritesAnything(update, identity);
  if (writes) config.set_sink_state(gwapi::OFF);

  if (update.has_node_address()) {
    if (update.node_address() == 0 || update.node_address() > kMaxNodeAddress) {
      res = gwapi::INVALID_PARAM;
    } else {
      config.set_node_address(update.node_address());
    }
  }
  if (update.has_node_role()) {
    if (IsKnownBaseRole(update.node_role())) {
      *config.mutable_node_role() = update.node_role();
    } else {
      res = gwapi::INVALID_PARAM;
    }
  }
  if (update.has_network_address()) {
    if (update.network_address() == 0 || update.network_address() > kMaxNetworkAddress) {
      res = gwapi::INVALID_PARAM;
    } else {
      config.set_network_address(update.network_address());
    }
  }
  if (update.has_network_channel()) {
    const gwapi::ChannelRange& limits = config.channel_limits();
    if (update.network_channel() < limits.min_channel() ||
        update.network_channel() > limits.max_channel()) {
      res = gwapi::INVALID_PARAM;
    } else {
      config.set_network_channel(update.network_channel());
    }
  }
  // channel_map: stack 5 sinks have none, and the gateway skips it for them
  // (docs/reference-gateway.md, "get_configs and the status").
  if (update.has_keys()) {
    if (AreValidKeys(update.keys().cipher(), update.keys().authentication())) {
      config.set_are_keys_set(true);  // the keys themselves are never reported
    } else {
      // The sink service takes only 16-byte keys and answers anything else with an internal
      // error.
      res = gwapi::INTERNAL_ERROR;
    }
  }
  if (update.has_app_config()) {
    const gwapi::ErrorCode app_res = CheckAppConfig(update.app_config(), config);
    if (app_res == gwapi::OK) {
      *config.mutable_app_config() = StoredAppConfig(update.app_config(), config);
    } else {
      res = app_res;
    }
  }
  if (HasFeature(identity, gwapi::SINK_KEY_MANAGEMENT_V1)) {
    for (const gwapi::SecurityKeys* keys :
         {update.has_network_keys() ? &update.network_keys() : nullptr,
          update.has_management_keys() ? &update.management_keys() : nullptr}) {
      if (keys == nullptr) continue;
      if (AreValidKeys(keys->cipher(), keys->authentication())) {
        config.set_are_keys_set(true);
      } else {
        res = gwapi::INVALID_NETWORK_KEYS;
      }
    }
  }
  // current_ac_range: the reference gateway ignores it on set.

  if (update.has_sink_state()) {
    config.set_sink_state(update.sink_state());
  } else if (writes) {
    config.set_sink_state(previous_state);
  }
  return res;
}

}  // namespace

bool IsNextAppConfigSequence(uint32_t current, uint32_t next) {
  if (next < 1 || next > kMaxAppConfigSequence) return false;
  if (current < 1 || current > kMaxAppConfigSequence) return true;
  return next > current || (current == kMaxAppConfigSequence && next == 1);
}

Response HandleSetConfig(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                         GatewayState& state, absl::Time now) {
  const gwapi::SetConfigReq& set_config = request.wirepas().set_config_req();
  const std::string sink_id = RequestSinkId(topic, set_config.header());
  Response response;
  response.topic = wirepas::ResponseTopic(wirepas::Method::kSetConfig, state.gw_id, sink_id);
  gwapi::SetConfigResp* body = response.message.mutable_wirepas()->mutable_set_config_resp();
  SinkState* sink = state.FindSink(sink_id);
  if (sink == nullptr) {
    FillResponseHeader(set_config.header(), state, sink_id, gwapi::INVALID_SINK_ID, now,
                       body->mutable_header());
    body->mutable_config()->set_sink_id(sink_id);
    return response;
  }
  const std::string before = sink->config.SerializeAsString();
  const gwapi::ErrorCode res = ApplyNewConfig(set_config.config(), state.identity, sink->config);
  FillResponseHeader(set_config.header(), state, sink_id, res, now, body->mutable_header());
  *body->mutable_config() = sink->config;
  NoteConfigChange(before, *sink, response);
  return response;
}

Response HandleSetConfigurationDataItem(const wirepas::Topic& topic,
                                        const wirepas::GenericMessage& request, GatewayState& state,
                                        absl::Time now) {
  const gwapi::SetConfigurationDataItemReq& set_item =
      request.wirepas().set_configuration_data_item_req();
  const std::string sink_id = RequestSinkId(topic, set_item.header());
  Response response;
  response.topic =
      wirepas::ResponseTopic(wirepas::Method::kSetConfigurationDataItem, state.gw_id, sink_id);
  gwapi::ResponseHeader* header = response.message.mutable_wirepas()
                                      ->mutable_set_configuration_data_item_resp()
                                      ->mutable_header();
  const auto answer = [&](gwapi::ErrorCode res) {
    FillResponseHeader(set_item.header(), state, sink_id, res, now, header);
    return response;
  };
  SinkState* sink = state.FindSink(sink_id);
  if (sink == nullptr) return answer(gwapi::INVALID_SINK_ID);
  const gwapi::ConfigurationDataItem& item = set_item.configuration_data_item();
  if (item.endpoint() > kMaxConfigurationDataEndpoint) return answer(gwapi::INVALID_DEST_ENDPOINT);
  if (sink->config.node_role().role() != gwapi::NodeRole::SINK) return answer(gwapi::INVALID_ROLE);
  if (item.payload().size() > kMaxConfigurationDataPayload) {
    return answer(gwapi::SINK_OUT_OF_MEMORY);
  }

  const std::string before = sink->config.SerializeAsString();
  auto* items = sink->config.mutable_configuration_data_content();
  auto it = std::find_if(items->begin(), items->end(), [&](const gwapi::ConfigurationDataItem& i) {
    return i.endpoint() >= item.endpoint();
  });
  const bool exists = it != items->end() && it->endpoint() == item.endpoint();
  if (item.payload().empty()) {
    if (exists) items->erase(it);
  } else if (exists) {
    it->set_payload(item.payload());
  } else {
    if (static_cast<size_t>(items->size()) >= kMaxConfigurationDataItems) {
      return answer(gwapi::SINK_OUT_OF_MEMORY);
    }
    const int index = static_cast<int>(it - items->begin());
    *items->Add() = item;
    // Add appends; move the new item to its place in endpoint order.
    for (int i = items->size() - 1; i > index; --i) items->SwapElements(i, i - 1);
  }
  NoteConfigChange(before, *sink, response);
  return answer(gwapi::OK);
}

Response HandleGetConfigurationDataItem(const wirepas::Topic& topic,
                                        const wirepas::GenericMessage& request, GatewayState& state,
                                        absl::Time now) {
  const gwapi::GetConfigurationDataItemReq& get_item =
      request.wirepas().get_configuration_data_item_req();
  const std::string sink_id = RequestSinkId(topic, get_item.header());
  Response response;
  response.topic =
      wirepas::ResponseTopic(wirepas::Method::kGetConfigurationDataItem, state.gw_id, sink_id);
  gwapi::GetConfigurationDataItemResp* body =
      response.message.mutable_wirepas()->mutable_get_configuration_data_item_resp();
  const auto answer = [&](gwapi::ErrorCode res) {
    FillResponseHeader(get_item.header(), state, sink_id, res, now, body->mutable_header());
    return response;
  };
  const SinkState* sink = state.FindSink(sink_id);
  if (sink == nullptr) return answer(gwapi::INVALID_SINK_ID);
  if (get_item.endpoint() > kMaxConfigurationDataEndpoint) {
    return answer(gwapi::INVALID_DEST_ENDPOINT);
  }
  for (const gwapi::ConfigurationDataItem& item : sink->config.configuration_data_content()) {
    if (item.endpoint() == get_item.endpoint()) {
      *body->mutable_configuration_data_item() = item;
      return answer(gwapi::OK);
    }
  }
  return answer(gwapi::INVALID_PARAM);
}

ConfigChangeAnnouncement BuildConfigChangeAnnouncement(
    const GatewayState& state, const std::vector<std::string>& changed_sinks, uint64_t event_id,
    absl::Time now) {
  ConfigChangeAnnouncement announcement;
  announcement.status =
      BuildOnlineStatus(state.gw_id, state.Configs(), state.identity, event_id, now);
  // The unsolicited responses answer no request: req_id 0.
  const gwapi::RequestHeader no_request = [] {
    gwapi::RequestHeader header;
    header.set_req_id(0);
    return header;
  }();
  announcement.get_configs = GetConfigsResponse(no_request, state, now);
  for (const std::string& sink_id : changed_sinks) {
    const SinkState* sink = state.FindSink(sink_id);
    if (sink == nullptr) continue;
    Response set_config;
    set_config.topic = wirepas::ResponseTopic(wirepas::Method::kSetConfig, state.gw_id, sink_id);
    gwapi::SetConfigResp* body = set_config.message.mutable_wirepas()->mutable_set_config_resp();
    FillResponseHeader(no_request, state, sink_id, gwapi::OK, now, body->mutable_header());
    *body->mutable_config() = sink->config;
    announcement.set_configs.push_back(std::move(set_config));
  }
  return announcement;
}

}  // namespace wm::gateway_sim
