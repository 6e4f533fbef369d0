#include "tools/gateway_sim/broker_observer.h"

#include <set>

#include "libs/wirepas/topic.h"

namespace wm::gateway_sim {

namespace gwapi = ::wirepas::proto::gateway_api;

BrokerObserver::BrokerObserver(int port) {
  mqtt::MqttOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.force_unsecure = true;
  client_ = std::make_unique<mqtt::MqttClient>(options);
  client_->SetMessageHandler([this](const mqtt::MqttMessage& message) {
    absl::MutexLock lock(&mu_);
    messages_.push_back(message);
  });
  if (client_->AddSubscription("gw-event/#", 1).ok() &&
      client_->AddSubscription("gw-response/#", 1).ok() && client_->Start().ok()) {
    subscribed_ = client_->WaitUntilSubscribed(absl::Seconds(20));
  }
}

std::vector<mqtt::MqttMessage> BrokerObserver::Messages() {
  absl::MutexLock lock(&mu_);
  return messages_;
}

std::vector<std::optional<gwapi::StatusEvent>> BrokerObserver::Statuses(const std::string& gw_id,
                                                                        bool retained_only) {
  std::vector<std::optional<gwapi::StatusEvent>> statuses;
  const std::string topic = wirepas::StatusTopic(gw_id);
  for (const mqtt::MqttMessage& m : Messages()) {
    if (m.topic() != topic || (retained_only && !m.retained())) continue;
    absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(m.payload());
    if (m.payload().empty() || !parsed.ok() || !parsed->wirepas().has_status_event()) {
      statuses.push_back(std::nullopt);
    } else {
      statuses.push_back(parsed->wirepas().status_event());
    }
  }
  return statuses;
}

bool BrokerObserver::LatestStateIs(const std::string& gw_id, gwapi::OnOffState state) {
  auto statuses = Statuses(gw_id);
  return !statuses.empty() && statuses.back().has_value() && statuses.back()->state() == state;
}

BrokerObserver::DataCounts BrokerObserver::Data() {
  DataCounts counts;
  std::set<uint64_t> event_ids;
  for (const mqtt::MqttMessage& m : Messages()) {
    if (m.topic().rfind("gw-event/received_data/", 0) != 0) continue;
    absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(m.payload());
    if (!parsed.ok()) {
      ++counts.garbage;
      continue;
    }
    const gwapi::PacketReceivedEvent& event = parsed->wirepas().packet_received_event();
    if (!wirepas::CheckPacketReceivedEvent(event).ok()) ++counts.incomplete;
    if (event_ids.insert(event.header().event_id()).second) {
      ++counts.unique;
    } else {
      ++counts.duplicates;
    }
  }
  return counts;
}

std::vector<std::pair<std::string, wirepas::GenericMessage>> BrokerObserver::ParsedOn(
    std::string_view prefix) {
  std::vector<std::pair<std::string, wirepas::GenericMessage>> parsed_messages;
  for (const mqtt::MqttMessage& m : Messages()) {
    if (m.topic().substr(0, prefix.size()) != prefix) continue;
    absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(m.payload());
    if (parsed.ok()) parsed_messages.emplace_back(std::string(m.topic()), *std::move(parsed));
  }
  return parsed_messages;
}

std::optional<std::pair<std::string, wirepas::GenericMessage>> BrokerObserver::ResponseTo(
    uint64_t req_id) {
  for (auto& [topic, message] : ParsedOn("gw-response/")) {
    const gwapi::ResponseHeader* header = wirepas::ResponseHeaderOf(message);
    if (header != nullptr && header->req_id() == req_id) return std::make_pair(topic, message);
  }
  return std::nullopt;
}

std::optional<std::pair<std::string, gwapi::GetConfigsResp>> BrokerObserver::GetConfigsResponse(
    uint64_t req_id) {
  for (const mqtt::MqttMessage& m : Messages()) {
    absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(m.payload());
    if (!parsed.ok() || !parsed->wirepas().has_get_configs_resp()) continue;
    if (parsed->wirepas().get_configs_resp().header().req_id() == req_id) {
      return std::make_pair(std::string(m.topic()), parsed->wirepas().get_configs_resp());
    }
  }
  return std::nullopt;
}

}  // namespace wm::gateway_sim
