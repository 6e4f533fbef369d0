#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mqtt/client.h"
#include "libs/wirepas/message.h"

namespace wm::gateway_sim {

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns its last value.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return condition();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// For tests: a backend's view of a broker, subscribed to gw-event/# and gw-response/# at QoS 1
// on 127.0.0.1:<port>. Keeps every message it receives.
class BrokerObserver {
 public:
  // Connects and returns once subscribed (or after 20 s; see subscribed()).
  explicit BrokerObserver(int port);

  bool subscribed() const { return subscribed_; }
  mqtt::MqttClient& client() { return *client_; }
  std::vector<mqtt::MqttMessage> Messages();

  // The statuses seen on gw-event/status/<gw_id>, in order; nullopt for an empty payload (the
  // gateway was removed) or one that does not parse. `retained_only`: only those the broker
  // sent from its retained store.
  std::vector<std::optional<::wirepas::proto::gateway_api::StatusEvent>> Statuses(
      const std::string& gw_id, bool retained_only = false);

  // Whether the latest status of `gw_id` is a StatusEvent in `state`.
  bool LatestStateIs(const std::string& gw_id, ::wirepas::proto::gateway_api::OnOffState state);

  // received_data seen so far: distinct event ids, repeated event ids, undecodable payloads.
  struct DataCounts {
    size_t unique = 0;
    size_t duplicates = 0;
    size_t garbage = 0;
    size_t incomplete = 0;  // parsed, but CheckPacketReceivedEvent failed
  };
  DataCounts Data();

  // Every message on a topic that starts with `prefix` and parses as a GenericMessage, with its
  // topic, in arrival order.
  std::vector<std::pair<std::string, wirepas::GenericMessage>> ParsedOn(std::string_view prefix);

  // The first response of any method carrying `req_id`, and its topic.
  std::optional<std::pair<std::string, wirepas::GenericMessage>> ResponseTo(uint64_t req_id);

  // The first get_configs response carrying `req_id`, and its topic.
  std::optional<std::pair<std::string, ::wirepas::proto::gateway_api::GetConfigsResp>>
  GetConfigsResponse(uint64_t req_id);

 private:
  std::unique_ptr<mqtt::MqttClient> client_;
  bool subscribed_ = false;
  absl::Mutex mu_;
  std::vector<mqtt::MqttMessage> messages_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::gateway_sim
