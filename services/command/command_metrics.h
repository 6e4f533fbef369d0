#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace wm::command {

// Every metric wm-command exports, declared in one place. Label values come from fixed sets:
// gRPC method names and the results below, never ids or addresses.
class CommandMetrics {
 public:
  explicit CommandMetrics(prometheus::Registry& registry);

  // wm_command_requests_total{method,result} and wm_command_latency_seconds{method}, for one
  // finished gRPC call. `result` is one of the Result* names below.
  void RecordCall(std::string_view method, std::string_view result, absl::Duration latency);

  // The `result` label of a finished call: "ok" (gateway answered OK), "gateway_error" (it
  // answered with another code), or the gRPC status name in lower case ("invalid_argument",
  // "failed_precondition", "deadline_exceeded", "unavailable", ...).
  static std::string_view ResultLabel(const absl::Status& status, bool gateway_ok);

  // wm_command_inflight: gateway requests published and not answered yet.
  prometheus::Gauge& inflight;
  // wm_command_waiting: gateway requests waiting for one of their sink's in-flight slots.
  prometheus::Gauge& waiting;
  // wm_command_late_responses_total: answers that came after their request timed out.
  prometheus::Counter& late_responses;
  // wm_command_duplicate_responses_total: second copies of answers already delivered.
  prometheus::Counter& duplicate_responses;
  // wm_command_idempotent_replays_total: calls answered from an earlier call with the same
  // client_request_id, without publishing.
  prometheus::Counter& idempotent_replays;
  // wm_command_gateway_requests_total: gateway API requests published (chunks each count).
  prometheus::Counter& gateway_requests;
  // wm_command_node_replies_total: MSAP answers (240 -> 255) that answered a node command.
  prometheus::Counter& node_replies;
  // wm_command_bad_messages_total: MQTT messages that could not be parsed, dropped.
  prometheus::Counter& bad_messages;

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
};

}  // namespace wm::command
