#include "services/ingest/ingest_app.h"

#include "libs/config/backend_client.h"
#include "libs/decoders/registry.h"
#include "libs/decoders/settings.h"
#include "libs/mqtt/settings.h"
#include "libs/observability/logging.h"
#include "libs/observability/metrics.h"
#include "libs/wirepas/topic.h"
#include "services/ingest/replay_log_settings.h"
#include "spdlog/spdlog.h"

namespace wm::ingest {
namespace {

constexpr char kService[] = "wm-ingest";
constexpr char kMqttReady[] = "mqtt_subscribed";
constexpr char kDiskLogReady[] = "replay_log_written";
constexpr int kDefaultGrpcPort = 7001;
constexpr int kDefaultHttpPort = 9101;

}  // namespace

void AddIngestSettings(config::Schema& schema) {
  mqtt::AddMqttSettings(schema);
  decoders::AddDecoderSettings(schema);
  observability::AddLoggingSettings(schema);
  observability::AddHttpSettings(schema, kDefaultHttpPort);
  grpcutil::AddGrpcServerSettings(schema, kDefaultGrpcPort);
  schema.Add({.key = "mqtt_shared_group",
              .help = "Share gw-event/received_data between ingest replicas through the MQTT "
                      "shared subscription $share/<group>/...; empty: every replica gets all"});
  schema.Add({.key = "dedup_window_size",
              .type = config::SettingType::kInt,
              .default_value = "200000",
              .help = "Received-packet event ids remembered to drop duplicates",
              .min = 1,
              .max = 100'000'000});
  schema.Add({.key = "dedup_window_s",
              .type = config::SettingType::kInt,
              .default_value = "300",
              .help = "Seconds an event id is remembered to drop duplicates",
              .min = 1,
              .max = 86400});
  schema.Add({.key = "subscriber_queue_size",
              .type = config::SettingType::kInt,
              .default_value = "20000",
              .help = "Events queued per Subscribe stream before that stream loses events",
              .min = 1,
              .max = 10'000'000});
  schema.Add({.key = "stream_gather_ms",
              .type = config::SettingType::kDouble,
              .default_value = "2",
              .help = "Milliseconds events gather for an idle Subscribe stream before it writes "
                      "them in one burst (0: write each at once; more CPU per event)",
              .min = 0,
              .max = 1000});
  schema.Add({.key = "removed_gateway_retention_s",
              .type = config::SettingType::kInt,
              .default_value = "86400",
              .help = "Seconds a gateway's removal (empty retained status) stays in the snapshot "
                      "new Subscribe streams start with, so a consumer that was away learns of it",
              .min = 0,
              .max = 30 * 86400});
  schema.Add({.key = "drain_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "3",
              .help = "On SIGTERM, seconds open streams get to send what they queued",
              .min = 0,
              .max = 60});
  AddReplayLogSettings(schema);
  config::AcceptBackendClientKeys(schema);
}

absl::StatusOr<std::unique_ptr<IngestApp>> IngestApp::Create(const config::Settings& settings) {
  absl::StatusOr<mqtt::MqttOptions> mqtt_options = mqtt::MqttOptionsFromSettings(settings);
  if (!mqtt_options.ok()) return mqtt_options.status();
  absl::StatusOr<grpcutil::GrpcServerOptions> grpc_options =
      grpcutil::GrpcServerOptionsFromSettings(settings);
  if (!grpc_options.ok()) return grpc_options.status();

  absl::StatusOr<std::optional<SegmentLog::Options>> disk_log = DiskLogOptionsFromSettings(settings);
  if (!disk_log.ok()) return disk_log.status();

  decoders::DecoderRegistry decoders = decoders::DecoderRegistry::WithBuiltins();
  if (absl::Status s = decoders::ApplyDecoderSettings(settings, &decoders); !s.ok()) return s;

  std::unique_ptr<IngestApp> app(new IngestApp());
  app->grpc_options_ = *std::move(grpc_options);
  app->http_host_ = settings.GetString("http_host");
  app->http_port_setting_ = static_cast<int>(settings.GetInt("http_port"));
  app->shared_group_ = settings.GetString("mqtt_shared_group");
  app->drain_timeout_ = absl::Seconds(settings.GetDouble("drain_timeout_s"));
  app->disk_log_options_ = *std::move(disk_log);

  app->registry_ = observability::NewMetricsRegistry(kService);
  app->readiness_.Declare(kMqttReady, "connecting to the MQTT broker");
  app->metrics_ = std::make_unique<IngestMetrics>(*app->registry_);
  app->hub_ = std::make_unique<EventHub>(
      settings.GetInt("subscriber_queue_size"), *app->metrics_,
      absl::Milliseconds(settings.GetDouble("stream_gather_ms")),
      RemovedGatewayRetention{.max_age =
                                  absl::Seconds(settings.GetInt("removed_gateway_retention_s"))},
      ReplayLogOptionsFromSettings(settings));
  app->processor_ = std::make_unique<IngestProcessor>(
      *app->hub_,
      EventDeduplicator::Options{
          .capacity = static_cast<size_t>(settings.GetInt("dedup_window_size")),
          .max_age = absl::Seconds(settings.GetInt("dedup_window_s"))},
      std::move(decoders), *app->metrics_);
  app->events_service_ = std::make_unique<EventsService>(*app->hub_);
  app->grpc_server_ =
      std::make_unique<grpcutil::GrpcServer>(&app->readiness_, app->registry_.get());
  app->grpc_server_->AddService(app->events_service_.get());
  app->http_server_ =
      std::make_unique<observability::HttpServer>(app->registry_, app->readiness_);
  app->mqtt_ = std::make_unique<mqtt::MqttClient>(*std::move(mqtt_options), app->registry_.get());
  return app;
}

IngestApp::~IngestApp() { Stop(); }

absl::Status IngestApp::LoadDiskLog() {
  SegmentLog::Options options = *disk_log_options_;
  options.metrics = metrics_.get();
  SegmentLog::LoadReport report;
  const absl::Time started = absl::Now();
  absl::StatusOr<std::unique_ptr<SegmentLog>> log = hub_->OpenDiskLog(
      options, [this](const wm::v1::Event& event) { processor_->RememberLoaded(event); }, &report);
  if (!log.ok()) return log.status();
  disk_log_ = *std::move(log);
  readiness_.Declare(kDiskLogReady, "");
  readiness_.Set(kDiskLogReady, true);
  spdlog::info(
      "replay log loaded dir={} segments={} records={} events={} corrupt={} truncated_bytes={} "
      "discontinuities={} stream_epoch={} fsync={} took_ms={}",
      options.directory, report.segments, report.records, hub_->restored_events(), report.corrupt,
      report.truncated_bytes, hub_->restore_discontinuities(), hub_->stream_epoch(),
      options.fsync, absl::ToInt64Milliseconds(absl::Now() - started));
  return absl::OkStatus();
}

absl::Status IngestApp::FlushDiskLog() {
  absl::Status written = hub_->FlushDiskLog();
  if (!written.ok()) {
    if (!disk_log_failing_) {
      spdlog::error("replay log write failed, MQTT messages are not acknowledged until it "
                    "works again error=\"{}\"", std::string(written.message()));
      readiness_.Set(kDiskLogReady, false, "replay log write failed");
    }
    disk_log_failing_ = true;
    return written;
  }
  if (disk_log_failing_) {
    spdlog::info("replay log writes again");
    readiness_.Set(kDiskLogReady, true);
    disk_log_failing_ = false;
  }
  return absl::OkStatus();
}

absl::Status IngestApp::Start() {
  if (disk_log_options_.has_value()) {
    // Before the gRPC server: no stream may see the hub before it continues the last run.
    if (absl::Status s = LoadDiskLog(); !s.ok()) return s;
  }
  absl::StatusOr<int> grpc_port = grpc_server_->Start(grpc_options_);
  if (!grpc_port.ok()) return grpc_port.status();
  grpc_port_ = *grpc_port;
  absl::StatusOr<int> http_port = http_server_->Start(http_host_, http_port_setting_);
  if (!http_port.ok()) return http_port.status();
  http_port_ = *http_port;

  mqtt_->SetMessageHandler([this](const mqtt::MqttMessage& message) {
    processor_->Handle(message.topic(), message.payload(), message.retained());
  });
  if (disk_log_ != nullptr) mqtt_->SetHandOffHandler([this] { return FlushDiskLog(); });
  mqtt_->SetConnectionHandler([this](bool subscribed) {
    readiness_.Set(kMqttReady, subscribed, subscribed ? "" : "MQTT broker connection lost");
  });
  const std::string received_data =
      shared_group_.empty()
          ? std::string(wirepas::kReceivedDataAllFilter)
          : mqtt::MqttClient::SharedFilter(shared_group_, wirepas::kReceivedDataAllFilter);
  for (const std::string& filter :
       {std::string(wirepas::kStatusFilter), received_data, std::string(wirepas::kResponseFilter),
        std::string(wirepas::kSendDataAllFilter)}) {
    if (absl::Status s = mqtt_->AddSubscription(filter, 1); !s.ok()) return s;
  }
  if (absl::Status s = mqtt_->Start(); !s.ok()) return s;
  spdlog::info("started service={} grpc_port={} http_port={} received_data_filter={}", kService,
               grpc_port_, http_port_, received_data);
  return absl::OkStatus();
}

void IngestApp::Stop() {
  if (mqtt_ == nullptr) return;
  readiness_.SetDraining();
  mqtt_->Stop();  // no handler runs after this: the hub sees no new events
  hub_->Close();  // streams send what they queued, then end with OK
  grpc_server_->Shutdown(drain_timeout_);
  http_server_->Stop();
  mqtt_.reset();
  if (disk_log_ != nullptr) {
    // The MQTT client is stopped: nothing appends any more.
    if (absl::Status s = disk_log_->Flush(); !s.ok()) {
      spdlog::error("replay log: last flush failed error=\"{}\"", std::string(s.message()));
    }
    disk_log_.reset();  // unlocks the directory
  }
  spdlog::info("stopped service={}", kService);
}

}  // namespace wm::ingest
