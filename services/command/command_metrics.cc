#include "services/command/command_metrics.h"

#include <string>

namespace wm::command {
namespace {

prometheus::Counter& SimpleCounter(prometheus::Registry& registry, const std::string& name,
                                   const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

// Round trips on loopback take about a millisecond; scratchpad processing minutes.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
      0.5,    1,     2.5,    5,     10,   30,    60,   120, 300};
  return *buckets;
}

}  // namespace

CommandMetrics::CommandMetrics(prometheus::Registry& registry)
    : inflight(prometheus::BuildGauge()
                   .Name("wm_command_inflight")
                   .Help("Gateway requests published and not answered yet")
                   .Register(registry)
                   .Add({})),
      waiting(prometheus::BuildGauge()
                  .Name("wm_command_waiting")
                  .Help("Gateway requests waiting for an in-flight slot of their sink")
                  .Register(registry)
                  .Add({})),
      late_responses(SimpleCounter(registry, "wm_command_late_responses_total",
                                   "Gateway answers that came after their request timed out")),
      duplicate_responses(SimpleCounter(registry, "wm_command_duplicate_responses_total",
                                        "Second copies of gateway answers already delivered")),
      idempotent_replays(
          SimpleCounter(registry, "wm_command_idempotent_replays_total",
                        "Calls answered from an earlier call with the same client_request_id")),
      gateway_requests(SimpleCounter(registry, "wm_command_gateway_requests_total",
                                     "Gateway API requests published")),
      node_replies(SimpleCounter(registry, "wm_command_node_replies_total",
                                 "MSAP answers from nodes that answered a command")),
      bad_messages(SimpleCounter(registry, "wm_command_bad_messages_total",
                                 "MQTT messages that could not be parsed")),
      requests_(prometheus::BuildCounter()
                    .Name("wm_command_requests_total")
                    .Help("Commands gRPC calls finished, by method and result")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("wm_command_latency_seconds")
                   .Help("Time from a Commands call's arrival to its end, by method")
                   .Register(registry)) {}

void CommandMetrics::RecordCall(std::string_view method, std::string_view result,
                                absl::Duration latency) {
  const std::string method_label(method);
  requests_.Add({{"method", method_label}, {"result", std::string(result)}}).Increment();
  latency_.Add({{"method", method_label}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

std::string_view CommandMetrics::ResultLabel(const absl::Status& status, bool gateway_ok) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return gateway_ok ? "ok" : "gateway_error";
    case absl::StatusCode::kCancelled:
      return "cancelled";
    case absl::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    case absl::StatusCode::kInternal:
      return "internal";
    default:
      return "other";
  }
}

}  // namespace wm::command
