#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/observability/logging.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/request_id.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.pb.h"
#include "services/command/command_metrics.h"
#include "services/command/gateway_directory.h"
#include "services/command/inflight_limiter.h"
#include "services/command/req_id_correlator.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// Publishes an MQTT message without waiting (MqttClient::Publish in production).
using Publisher =
    std::function<absl::Status(std::string topic, std::string payload, int qos, bool retained)>;

// One gateway API request to send.
struct GatewayRequest {
  wirepas::Method method = wirepas::Method::kGetConfigs;
  std::string gateway_id;
  // Ignored for the gateway-wide methods (get_configs, get_gw_info).
  std::string sink_id;
  // From NewGatewayRequest(method), with the method's fields set; the header is filled in by
  // the requester (req_id, sink_id, time).
  wirepas::GenericMessage message;
  // When to stop waiting for a slot and for the answer.
  absl::Time deadline;
};

// How a gateway request ended.
struct GatewayReply {
  // OK: the gateway answered (whatever its result code). Otherwise FailedPrecondition (gateway
  // offline or removed: nothing published), DeadlineExceeded (no slot or no answer in time),
  // Unavailable (not connected, publish refused, gateway went offline while waiting, or
  // shutdown), Internal (a message that could not be built, or an answer of the wrong kind).
  absl::Status status;
  // The request reached the MQTT client, so the gateway may have acted on it.
  bool published = false;
  uint64_t req_id = 0;
  // When it was handed to MQTT.
  absl::Time published_at;
  // The answer and its result, when status is OK.
  wirepas::GenericMessage answer;
  wm::v1::GatewayResult result;
};

// Sends gateway API requests and completes each with its answer: fails fast for a gateway
// whose status says it is offline, waits for one of the sink's in-flight slots, gives the
// request a random req_id, waits for the answer by req_id, publishes at MQTT QoS 2, and
// counts late and duplicate answers. It also takes the MQTT status and response messages
// (HandleStatus, HandleResponse), keeping the directory up to date.
//
//   requester.Send(std::move(request), [](GatewayReply reply) { ... });
//
// `done` runs exactly once, in whichever thread completes the request (the caller's when it
// fails at once, the MQTT thread for answers, the timer thread for timeouts), with no lock of
// the requester held; it may send further requests.
class GatewayRequester {
 public:
  using Done = std::function<void(GatewayReply)>;

  // Every reference must outlive the requester. `metrics` may be null. `connected` (optional)
  // tells whether the MQTT connection is up: while it is down, requests fail at once with
  // Unavailable, before the gateway states known from the broker (stale until it is back) are
  // looked at.
  GatewayRequester(Publisher publish, GatewayDirectory& directory, InflightLimiter& limiter,
                   ReqIdCorrelator& correlator, wirepas::RequestIdGenerator& request_ids,
                   TimerQueue& timers, CommandMetrics* metrics,
                   std::function<bool()> connected = nullptr);
  GatewayRequester(const GatewayRequester&) = delete;
  GatewayRequester& operator=(const GatewayRequester&) = delete;

  void Send(GatewayRequest request, Done done);

  // A message from gw-event/status/<gateway_id> (empty: the status was cleared). Waiters for
  // a gateway that went offline or was removed fail with Unavailable: no answer will come.
  void HandleStatus(std::string_view gateway_id, std::string_view payload);
  // A message from gw-response/<method>/<gateway_id>[/<sink_id>].
  void HandleResponse(const wirepas::Topic& topic, std::string_view payload);

  // The in-flight slot key of a request: "<gateway>/<sink>", "<gateway>/" for gateway-wide.
  static std::string SlotKey(wirepas::Method method, std::string_view gateway_id,
                             std::string_view sink_id);

 private:
  void Publish(GatewayRequest request, std::string slot, Done done);

  Publisher publish_;
  std::function<bool()> connected_;
  GatewayDirectory& directory_;
  InflightLimiter& limiter_;
  ReqIdCorrelator& correlator_;
  wirepas::RequestIdGenerator& request_ids_;
  TimerQueue& timers_;
  CommandMetrics* metrics_;
  observability::RateLimitedLog log_;
};

}  // namespace wm::command
