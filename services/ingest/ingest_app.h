#pragma once

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/server.h"
#include "libs/mqtt/client.h"
#include "libs/observability/http_server.h"
#include "libs/observability/readiness.h"
#include "services/ingest/event_hub.h"
#include "services/ingest/events_service.h"
#include "services/ingest/ingest_metrics.h"
#include "services/ingest/processor.h"
#include "services/ingest/segment_log.h"

namespace wm::ingest {

// Declares every setting wm-ingest accepts (MQTT, gRPC, HTTP, logging and its own).
void AddIngestSettings(config::Schema& schema);

// wm-ingest assembled from its settings: MQTT subscriptions feeding the processor, the
// Events gRPC service, and the HTTP metrics/health endpoints.
//
//   auto app = IngestApp::Create(settings);
//   (*app)->Start();
//   termination->Wait();
//   (*app)->Stop();   // not ready, stop taking messages, drain streams, exit
class IngestApp {
 public:
  static absl::StatusOr<std::unique_ptr<IngestApp>> Create(const config::Settings& settings);
  ~IngestApp();

  // With replay_log_dir: locks and loads the disk log first (the stream of the run before
  // continues; FailedPrecondition when another ingest holds the directory). Then starts the
  // gRPC and HTTP servers and the MQTT client (which connects in the background).
  absl::Status Start();
  // Graceful stop: readiness goes false, MQTT disconnects so no new events arrive, open
  // streams get up to `drain_timeout` to send what they queued, then everything closes.
  void Stop();

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }

 private:
  IngestApp() = default;
  // Opens the disk log into the hub and the processor's deduplicator.
  absl::Status LoadDiskLog();
  // The MQTT hand-off: writes (and with replay_log_fsync syncs) what the messages of one
  // read added to the disk log, before they are acknowledged. A failure is logged once per
  // outage and makes ingest not ready until a write succeeds again.
  absl::Status FlushDiskLog();

  std::shared_ptr<prometheus::Registry> registry_;
  observability::Readiness readiness_;
  std::unique_ptr<IngestMetrics> metrics_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<IngestProcessor> processor_;
  std::unique_ptr<EventsService> events_service_;
  std::unique_ptr<grpcutil::GrpcServer> grpc_server_;
  std::unique_ptr<observability::HttpServer> http_server_;
  std::unique_ptr<mqtt::MqttClient> mqtt_;
  std::optional<SegmentLog::Options> disk_log_options_;
  std::unique_ptr<SegmentLog> disk_log_;  // with replay_log_dir; closed by Stop after mqtt_
  bool disk_log_failing_ = false;          // network thread only

  grpcutil::GrpcServerOptions grpc_options_;
  std::string http_host_;
  int http_port_setting_ = 0;
  std::string shared_group_;
  absl::Duration drain_timeout_;
  int grpc_port_ = 0;
  int http_port_ = 0;
};

}  // namespace wm::ingest
