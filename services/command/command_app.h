#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/server.h"
#include "libs/mqtt/client.h"
#include "libs/observability/http_server.h"
#include "libs/observability/logging.h"
#include "libs/observability/readiness.h"
#include "libs/wirepas/request_id.h"
#include "prometheus/registry.h"
#include "services/command/command_call.h"
#include "services/command/command_metrics.h"
#include "services/command/commands_service.h"
#include "services/command/gateway_directory.h"
#include "services/command/gateway_requester.h"
#include "services/command/idempotency_cache.h"
#include "services/command/inflight_limiter.h"
#include "services/command/node_reply_router.h"
#include "services/command/req_id_correlator.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// Declares every setting wm-command accepts (MQTT, gRPC, HTTP, logging and its own).
void AddCommandSettings(config::Schema& schema);

// wm-command assembled from its settings: the MQTT client (gateway statuses, responses and
// node answers in; requests out), the Commands gRPC service, and the HTTP metrics/health
// endpoints. Ready when MQTT is connected and subscribed.
//
//   auto app = CommandApp::Create(settings);
//   (*app)->Start();
//   termination->Wait();
//   (*app)->Stop();   // not ready, refuse new calls, drain, fail what is left, exit
class CommandApp {
 public:
  static absl::StatusOr<std::unique_ptr<CommandApp>> Create(const config::Settings& settings);
  ~CommandApp();

  // Starts the gRPC and HTTP servers, the timers and the MQTT client (which connects in the
  // background).
  absl::Status Start();
  // Graceful stop: readiness goes false and new calls are refused; calls in progress get
  // `drain_timeout` to finish; then what is still waiting fails with UNAVAILABLE, MQTT
  // disconnects and the servers stop.
  void Stop();

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  // For tests: the metrics and what is known about gateways.
  prometheus::Registry& registry() const { return *registry_; }
  const GatewayDirectory& directory() const { return directory_; }
  // Commands calls in progress.
  int calls_in_progress() const { return calls_.active(); }

 private:
  CommandApp();
  // Routes one MQTT message by its topic (MQTT thread).
  void HandleMessage(std::string_view topic, std::string_view payload);

  std::shared_ptr<prometheus::Registry> registry_;
  observability::Readiness readiness_;
  std::unique_ptr<CommandMetrics> metrics_;
  TimerQueue timers_;
  GatewayDirectory directory_;
  std::unique_ptr<InflightLimiter> limiter_;
  std::unique_ptr<ReqIdCorrelator> correlator_;
  wirepas::RequestIdGenerator request_ids_;
  std::unique_ptr<IdempotencyCache> idempotency_;
  NodeReplyRouter replies_;
  CallTracker calls_;
  std::unique_ptr<mqtt::MqttClient> mqtt_;
  std::unique_ptr<GatewayRequester> requester_;
  std::unique_ptr<CommandEnv> env_;
  std::unique_ptr<CommandsService> service_;
  std::unique_ptr<grpcutil::GrpcServer> grpc_server_;
  std::unique_ptr<observability::HttpServer> http_server_;
  observability::RateLimitedLog bad_topics_log_;

  grpcutil::GrpcServerOptions grpc_options_;
  std::string http_host_;
  int http_port_setting_ = 0;
  absl::Duration drain_timeout_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace wm::command
