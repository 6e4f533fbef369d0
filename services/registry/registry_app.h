#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/scheduler.h"
#include "libs/config/settings.h"
#include "libs/eventstream/ingest_consumer.h"
#include "libs/eventstream/ingest_follower.h"
#include "libs/eventstream/ingest_follower_metrics.h"
#include "libs/grpcutil/server.h"
#include "libs/observability/http_server.h"
#include "libs/observability/readiness.h"
#include "services/registry/change_feed.h"
#include "services/registry/periodic_task.h"
#include "services/registry/registry_metrics.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_state.h"
#include "services/registry/registry_store.h"
#include "services/registry/store_flusher.h"

namespace wm::registry {

// Declares every setting wm-registry accepts (gRPC server, HTTP, logging, following wm-ingest:
// wm_ingest and the gRPC client's, and its own: registry_db or registry_postgres,
// node_stale_after_s, ...).
void AddRegistrySettings(config::Schema& schema);

// wm-registry assembled from its settings: the store, the in-memory inventory restored from
// it, the follower of wm-ingest's stream feeding it, the Registry gRPC service, periodic store
// flushes and stale sweeps, and the HTTP metrics/health endpoints.
//
//   auto app = RegistryApp::Create(settings);
//   (*app)->Start();
//   termination->Wait();
//   (*app)->Stop();   // not ready, stop following, flush, drain watchers, exit
class RegistryApp {
 public:
  // Checks the settings; opens nothing yet.
  static absl::StatusOr<std::unique_ptr<RegistryApp>> Create(const config::Settings& settings);
  ~RegistryApp();

  // Opens the store and loads the inventory, starts the gRPC and HTTP servers, then follows
  // wm-ingest (connecting in the background). Errors name what failed (the database file or
  // server, never its password; a port).
  absl::Status Start();
  // Graceful stop: readiness goes false, the ingest stream is cancelled, the last changes are
  // written, WatchChanges streams send what they queued and end, servers close. Idempotent.
  void Stop();

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }

 private:
  RegistryApp() = default;

  // Settings.
  grpcutil::GrpcServerOptions grpc_options_;
  eventstream::IngestFollowerOptions follower_options_;
  std::string http_host_;
  int http_port_setting_ = 0;
  std::string db_path_;
  std::string postgres_;  // secret: may hold a password
  absl::Duration flush_interval_;
  absl::Duration sweep_interval_;
  absl::Duration drain_timeout_;

  std::shared_ptr<prometheus::Registry> registry_;
  observability::Readiness readiness_;
  std::unique_ptr<RegistryMetrics> metrics_;
  std::unique_ptr<eventstream::IngestFollowerMetrics> follower_metrics_;
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<RegistryState> state_;
  std::unique_ptr<RegistryService> service_;
  std::unique_ptr<grpcutil::GrpcServer> grpc_server_;
  std::unique_ptr<observability::HttpServer> http_server_;
  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<StoreFlusher> flusher_;
  // Applies the stream to state_ (defined in registry_app.cc).
  std::unique_ptr<eventstream::IngestConsumer> consumer_;
  std::unique_ptr<eventstream::IngestFollower> follower_;
  // The one thread that runs the periodic tasks below; on the steady clock, so that setting the
  // system time moves no flush or sweep. Declared before them: they cancel on it when destroyed.
  base::Scheduler scheduler_{base::SteadyClock()};
  std::unique_ptr<PeriodicTask> flush_task_;
  std::unique_ptr<PeriodicTask> sweep_task_;
  std::unique_ptr<PeriodicTask> gauges_task_;

  int grpc_port_ = 0;
  int http_port_ = 0;
  bool stopped_ = false;
};

}  // namespace wm::registry
