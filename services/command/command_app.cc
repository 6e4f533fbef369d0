#include "services/command/command_app.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "libs/config/backend_client.h"
#include "libs/decoders/msap_frames.h"
#include "libs/mqtt/settings.h"
#include "libs/observability/metrics.h"
#include "libs/wirepas/topic.h"
#include "spdlog/spdlog.h"

namespace wm::command {
namespace {

constexpr char kService[] = "wm-command";
constexpr char kMqttReady[] = "mqtt_subscribed";
constexpr int kDefaultGrpcPort = 7003;
constexpr int kDefaultHttpPort = 9103;
// Subscriptions, at QoS 1 (a second copy of an answer is recognised and counted).
constexpr int kSubscribeQos = 1;

}  // namespace

void AddCommandSettings(config::Schema& schema) {
  mqtt::AddMqttSettings(schema);
  observability::AddLoggingSettings(schema);
  observability::AddHttpSettings(schema, kDefaultHttpPort);
  grpcutil::AddGrpcServerSettings(schema, kDefaultGrpcPort);
  schema.Add({.key = "max_inflight_per_sink",
              .type = config::SettingType::kInt,
              .default_value = "16",
              .help = "Gateway requests in flight per sink (and per gateway for gateway-wide "
                      "requests); later ones wait for their turn within their timeout",
              .min = 1,
              .max = 10000});
  schema.Add({.key = "idempotency_window_s",
              .type = config::SettingType::kInt,
              .default_value = "600",
              .help = "Seconds a call's outcome is kept for retries with the same "
                      "client_request_id",
              .min = 1,
              .max = 86400});
  schema.Add({.key = "idempotency_max_entries",
              .type = config::SettingType::kInt,
              .default_value = "100000",
              .help = "Outcomes kept for retries at most (the oldest are forgotten first)",
              .min = 1,
              .max = 10'000'000});
  schema.Add({.key = "request_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "2",
              .help = "Default wait for a gateway's answer",
              .min = 0.001,
              .max = 600});
  schema.Add({.key = "upload_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "60",
              .help = "Default wait for the answer to each scratchpad upload request",
              .min = 0.001,
              .max = 600});
  schema.Add({.key = "process_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "120",
              .help = "Default wait for the answer to otap_process_scratchpad",
              .min = 0.001,
              .max = 600});
  schema.Add({.key = "node_collect_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "60",
              .help = "Default time Ping and GetNodesScratchpadStatus collect node answers",
              .min = 0.001,
              .max = 600});
  schema.Add({.key = "node_quiet_period_s",
              .type = config::SettingType::kDouble,
              .default_value = "10",
              .help = "Default quiet period that ends a node answer stream",
              .min = 0.001,
              .max = 600});
  schema.Add({.key = "max_upload_bytes",
              .type = config::SettingType::kInt,
              .default_value = "8388608",
              .help = "Largest scratchpad image UploadScratchpad accepts",
              .min = 1,
              .max = 1'000'000'000});
  schema.Add({.key = "drain_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "3",
              .help = "On SIGTERM, seconds calls in progress get to finish",
              .min = 0,
              .max = 600});
  config::AcceptBackendClientKeys(schema);
}

CommandApp::CommandApp()
    : timers_(absl::Now), replies_(absl::Now), bad_topics_log_(absl::Minutes(1)) {}

absl::StatusOr<std::unique_ptr<CommandApp>> CommandApp::Create(const config::Settings& settings) {
  absl::StatusOr<mqtt::MqttOptions> mqtt_options = mqtt::MqttOptionsFromSettings(settings);
  if (!mqtt_options.ok()) return mqtt_options.status();
  absl::StatusOr<grpcutil::GrpcServerOptions> grpc_options =
      grpcutil::GrpcServerOptionsFromSettings(settings);
  if (!grpc_options.ok()) return grpc_options.status();

  std::unique_ptr<CommandApp> app(new CommandApp());
  app->grpc_options_ = *std::move(grpc_options);
  app->http_host_ = settings.GetString("http_host");
  app->http_port_setting_ = static_cast<int>(settings.GetInt("http_port"));
  app->drain_timeout_ = absl::Seconds(settings.GetDouble("drain_timeout_s"));

  CommandDefaults defaults;
  defaults.request_timeout = absl::Seconds(settings.GetDouble("request_timeout_s"));
  defaults.upload_timeout = absl::Seconds(settings.GetDouble("upload_timeout_s"));
  defaults.process_timeout = absl::Seconds(settings.GetDouble("process_timeout_s"));
  defaults.node_collect_timeout = absl::Seconds(settings.GetDouble("node_collect_timeout_s"));
  defaults.node_quiet_period = absl::Seconds(settings.GetDouble("node_quiet_period_s"));
  defaults.max_upload_bytes = static_cast<size_t>(settings.GetInt("max_upload_bytes"));

  app->registry_ = observability::NewMetricsRegistry(kService);
  app->readiness_.Declare(kMqttReady, "connecting to the MQTT broker");
  app->metrics_ = std::make_unique<CommandMetrics>(*app->registry_);
  app->limiter_ = std::make_unique<InflightLimiter>(
      static_cast<int>(settings.GetInt("max_inflight_per_sink")), app->timers_,
      &app->metrics_->waiting);
  app->correlator_ = std::make_unique<ReqIdCorrelator>(app->timers_);
  app->idempotency_ = std::make_unique<IdempotencyCache>(
      app->timers_,
      IdempotencyCache::Options{
          .window = absl::Seconds(settings.GetInt("idempotency_window_s")),
          .max_entries = static_cast<size_t>(settings.GetInt("idempotency_max_entries"))});
  app->mqtt_ = std::make_unique<mqtt::MqttClient>(*std::move(mqtt_options), app->registry_.get());
  mqtt::MqttClient* mqtt = app->mqtt_.get();
  app->requester_ = std::make_unique<GatewayRequester>(
      [mqtt](std::string topic, std::string payload, int qos, bool retained) {
        return mqtt->Publish(std::move(topic), std::move(payload), qos, retained);
      },
      app->directory_, *app->limiter_, *app->correlator_, app->request_ids_, app->timers_,
      app->metrics_.get(), [mqtt] { return mqtt->IsConnected(); });
  app->env_.reset(new CommandEnv{*app->requester_, app->directory_, app->replies_, app->timers_,
                                 *app->idempotency_, *app->metrics_, app->calls_, app->request_ids_,
                                 [mqtt](std::string topic, std::string payload, int qos,
                                        bool retained, absl::Duration timeout) {
                                   return mqtt->PublishAndWait(std::move(topic), std::move(payload),
                                                               qos, retained, timeout);
                                 },
                                 defaults});
  app->service_ = std::make_unique<CommandsService>(*app->env_);
  app->grpc_server_ =
      std::make_unique<grpcutil::GrpcServer>(&app->readiness_, app->registry_.get());
  app->grpc_server_->AddService(app->service_.get());
  app->http_server_ = std::make_unique<observability::HttpServer>(app->registry_, app->readiness_);
  return app;
}

CommandApp::~CommandApp() { Stop(); }

absl::Status CommandApp::Start() {
  if (started_) return absl::FailedPreconditionError("wm-command is already started");
  started_ = true;
  timers_.Start();
  absl::StatusOr<int> grpc_port = grpc_server_->Start(grpc_options_);
  if (!grpc_port.ok()) return grpc_port.status();
  grpc_port_ = *grpc_port;
  absl::StatusOr<int> http_port = http_server_->Start(http_host_, http_port_setting_);
  if (!http_port.ok()) return http_port.status();
  http_port_ = *http_port;

  mqtt_->SetMessageHandler([this](const mqtt::MqttMessage& message) {
    HandleMessage(message.topic(), message.payload());
  });
  mqtt_->SetConnectionHandler([this](bool subscribed) {
    readiness_.Set(kMqttReady, subscribed, subscribed ? "" : "MQTT broker connection lost");
  });
  const std::string node_answers = wirepas::ReceivedDataFilter(
      std::nullopt, std::nullopt, std::nullopt, decoders::kMsapResponseSourceEndpoint,
      decoders::kMsapResponseDestinationEndpoint);
  for (const std::string& filter :
       {std::string(wirepas::kStatusFilter), std::string(wirepas::kResponseFilter), node_answers}) {
    if (absl::Status s = mqtt_->AddSubscription(filter, kSubscribeQos); !s.ok()) return s;
  }
  if (absl::Status s = mqtt_->Start(); !s.ok()) return s;
  spdlog::info("started service={} grpc_port={} http_port={}", kService, grpc_port_, http_port_);
  return absl::OkStatus();
}

void CommandApp::HandleMessage(std::string_view topic, std::string_view payload) {
  absl::StatusOr<wirepas::Topic> parsed = wirepas::ParseTopic(topic);
  if (!parsed.ok()) {
    metrics_->bad_messages.Increment();
    bad_topics_log_.Warn("bad_topic", "message on an unknown topic dropped");
    return;
  }
  switch (parsed->kind) {
    case wirepas::TopicKind::kStatus:
      requester_->HandleStatus(parsed->gw_id, payload);
      break;
    case wirepas::TopicKind::kResponse:
      requester_->HandleResponse(*parsed, payload);
      break;
    case wirepas::TopicKind::kReceivedData:
      if (!replies_.HandleReceivedData(*parsed, payload)) {
        metrics_->bad_messages.Increment();
        bad_topics_log_.Warn("bad_node_answer", "node answer that does not parse dropped");
      }
      break;
    case wirepas::TopicKind::kRequest:
      break;
  }
}

void CommandApp::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  readiness_.SetDraining();
  calls_.StopAccepting();
  const absl::Time drain_end = absl::Now() + drain_timeout_;
  if (!calls_.WaitIdle(drain_timeout_)) {
    spdlog::warn("drain_timeout calls_left={}", calls_.active());
  }
  // No answer arrives after this; whatever still waits fails now.
  mqtt_->Stop();
  const absl::Status stopping = absl::UnavailableError("wm-command is stopping");
  correlator_->FailAll(stopping);
  limiter_->FailWaiters(stopping);
  idempotency_->FailWaiters(stopping);
  // Quiet periods and deadlines still pending end their calls at once.
  timers_.Stop();
  timers_.RunAllNow();
  calls_.WaitIdle(absl::Seconds(1));
  // What is left are calls outside the Commands service (health, reflection): they get the
  // rest of the drain, and the calls just failed at least a second to send their status. With
  // no call left the server stops at once (docs/architecture.md).
  grpc_server_->Shutdown(std::max(drain_end - absl::Now(), absl::Seconds(1)));
  http_server_->Stop();
  spdlog::info("stopped service={}", kService);
}

}  // namespace wm::command
