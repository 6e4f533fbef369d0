#include "services/registry/registry_app.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "libs/config/backend_client.h"
#include "libs/eventstream/ingest_follower_settings.h"
#include "libs/observability/logging.h"
#include "libs/observability/metrics.h"
#include "services/registry/postgres_store.h"
#include "services/registry/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace wm::registry {
namespace {

constexpr char kService[] = "wm-registry";
constexpr char kStateLoaded[] = "state_loaded";
constexpr char kIngestStream[] = "ingest_stream";
constexpr int kDefaultGrpcPort = 7002;
constexpr int kDefaultHttpPort = 9102;
// How often the inventory gauges (wm_registry_gateways, _sinks, _nodes) are brought up to date.
constexpr absl::Duration kGaugesInterval = absl::Milliseconds(500);

// Stale sweeps run a few times per stale period, so a node is marked within a quarter of
// node_stale_after_s of crossing it; at most every minute, at least every 250 ms.
absl::Duration SweepInterval(absl::Duration stale_after) {
  return std::clamp(stale_after / 4, absl::Milliseconds(250), absl::Minutes(1));
}

// wm-ingest's stream into the inventory. The state remembers the position of what it applied
// and hands it to the store with the rows it changed (docs/event-stream.md "wm-registry
// resumes").
class StateConsumer final : public eventstream::IngestConsumer {
 public:
  StateConsumer(RegistryState& state, observability::Readiness& readiness)
      : state_(state), readiness_(readiness) {}

  // The stored position at start (Start restores it before the follower starts), the latest
  // in memory on every reconnect.
  std::optional<wm::v1::StreamPosition> ResumePosition() override {
    const std::optional<StreamPoint> applied = state_.applied_position();
    if (!applied.has_value()) return std::nullopt;
    wm::v1::StreamPosition position;
    position.set_stream_epoch(applied->stream_epoch);
    position.set_sequence(applied->sequence);
    return position;
  }

  Outcome Apply(const wm::v1::Event& event) override {
    return state_.Apply(event) ? Outcome::kApplied : Outcome::kDuplicate;
  }

  void OnConnectionChange(bool connected, std::string_view why) override {
    readiness_.Set(kIngestStream, connected, why);
  }

 private:
  RegistryState& state_;
  observability::Readiness& readiness_;
};

}  // namespace

void AddRegistrySettings(config::Schema& schema) {
  observability::AddLoggingSettings(schema);
  observability::AddHttpSettings(schema, kDefaultHttpPort);
  grpcutil::AddGrpcServerSettings(schema, kDefaultGrpcPort);
  eventstream::AddIngestFollowerSettings(schema, "the registry");
  schema.Add({.key = "registry_db",
              .default_value = "wm-registry.db",
              .help = "SQLite file holding the inventory across restarts (created if missing); "
                      "not used when registry_postgres is set"});
  schema.Add({.key = "registry_postgres",
              .help = "PostgreSQL database holding the inventory instead of registry_db, which "
                      "several registry replicas can share: a libpq connection string "
                      "(\"host=db port=5432 dbname=wm user=wm password=...\") or a "
                      "postgresql:// URL. The registry_* tables are created if missing. The "
                      "password may also come from libpq's PGPASSWORD or PGPASSFILE. Empty: "
                      "SQLite",
              .secret = true});
  schema.Add({.key = "node_stale_after_s",
              .type = config::SettingType::kInt,
              .default_value = "3600",
              .help = "Seconds of silence after which a node is marked stale (never deleted)",
              .min = 1,
              .max = 365 * 86400});
  schema.Add({.key = "registry_flush_ms",
              .type = config::SettingType::kInt,
              .default_value = "200",
              .help = "Milliseconds between writes of the changes to registry_db or "
                      "registry_postgres (one transaction each); at most this much is lost if "
                      "the process dies",
              .min = 10,
              .max = 60000});
  schema.Add({.key = "watch_queue_size",
              .type = config::SettingType::kInt,
              .default_value = "10000",
              .help = "Changes queued per WatchChanges stream before that stream loses changes",
              .min = 1,
              .max = 10'000'000});
  schema.Add({.key = "change_log_size",
              .type = config::SettingType::kInt,
              .default_value = "100000",
              .help = "Recent changes kept in memory so that a WatchChanges client can resume "
                      "after the last change it applied (docs/registry-changes.md); 0 turns "
                      "the log off",
              .min = 0,
              .max = 10'000'000});
  schema.Add({.key = "change_log_max_age_s",
              .type = config::SettingType::kInt,
              .default_value = "600",
              .help = "Seconds a change stays in the change log",
              .min = 1,
              .max = 7 * 86400});
  schema.Add({.key = "drain_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "3",
              .help = "On SIGTERM, seconds open streams get to send what they queued",
              .min = 0,
              .max = 60});
  config::AcceptBackendClientKeys(schema);
}

absl::StatusOr<std::unique_ptr<RegistryApp>> RegistryApp::Create(const config::Settings& settings) {
  absl::StatusOr<grpcutil::GrpcServerOptions> grpc_options =
      grpcutil::GrpcServerOptionsFromSettings(settings);
  if (!grpc_options.ok()) return grpc_options.status();
  absl::StatusOr<eventstream::IngestFollowerOptions> follower_options =
      eventstream::IngestFollowerOptionsFromSettings(settings);
  if (!follower_options.ok()) return follower_options.status();
  const std::string db_path = settings.GetString("registry_db");
  const std::string postgres = settings.GetString("registry_postgres");
  if (db_path.empty() && postgres.empty()) {
    return absl::InvalidArgumentError("setting registry_db is empty");
  }

  std::unique_ptr<RegistryApp> app(new RegistryApp());
  app->grpc_options_ = *std::move(grpc_options);
  app->follower_options_ = *std::move(follower_options);
  // Everything that shapes the inventory; downlinks do not.
  app->follower_options_.request.add_kinds(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  app->follower_options_.request.add_kinds(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  app->follower_options_.request.add_kinds(wm::v1::EVENT_KIND_RESPONSE);
  app->follower_options_.consumer_name = "this registry";
  app->http_host_ = settings.GetString("http_host");
  app->http_port_setting_ = static_cast<int>(settings.GetInt("http_port"));
  app->db_path_ = db_path;
  app->postgres_ = postgres;
  app->flush_interval_ = absl::Milliseconds(settings.GetInt("registry_flush_ms"));
  const absl::Duration stale_after = absl::Seconds(settings.GetInt("node_stale_after_s"));
  app->sweep_interval_ = SweepInterval(stale_after);
  app->drain_timeout_ = absl::Seconds(settings.GetDouble("drain_timeout_s"));

  app->registry_ = observability::NewMetricsRegistry(kService);
  app->readiness_.Declare(kStateLoaded, postgres.empty()
                                            ? "loading the inventory from registry_db"
                                            : "loading the inventory from registry_postgres");
  app->readiness_.Declare(kIngestStream, "connecting to wm-ingest");
  app->metrics_ = std::make_unique<RegistryMetrics>(*app->registry_);
  app->follower_metrics_ = std::make_unique<eventstream::IngestFollowerMetrics>(
      *app->registry_, "wm_registry_ingest", "wm_registry_events_total");
  app->feed_ = std::make_unique<ChangeFeed>(
      settings.GetInt("watch_queue_size"),
      ChangeLog::Options{.max_changes = static_cast<size_t>(settings.GetInt("change_log_size")),
                         .max_age = absl::Seconds(settings.GetInt("change_log_max_age_s"))},
      app->metrics_->feed_metrics());
  app->state_ = std::make_unique<RegistryState>(
      RegistryStateOptions{.node_stale_after = stale_after}, app->feed_.get());
  app->service_ = std::make_unique<RegistryService>(*app->state_, *app->feed_);
  app->grpc_server_ =
      std::make_unique<grpcutil::GrpcServer>(&app->readiness_, app->registry_.get());
  app->grpc_server_->AddService(app->service_.get());
  app->http_server_ = std::make_unique<observability::HttpServer>(app->registry_, app->readiness_);
  app->consumer_ = std::make_unique<StateConsumer>(*app->state_, app->readiness_);
  app->follower_ = std::make_unique<eventstream::IngestFollower>(
      app->follower_options_, *app->consumer_, *app->follower_metrics_);
  return app;
}

RegistryApp::~RegistryApp() { Stop(); }

absl::Status RegistryApp::Start() {
  const absl::Time load_start = absl::Now();
  // What logs name the store by: never the connection string, which may hold a password.
  std::string store_name;
  if (!postgres_.empty()) {
    absl::StatusOr<std::unique_ptr<PostgresRegistryStore>> store =
        PostgresRegistryStore::Open(postgres_);
    if (!store.ok()) return store.status();
    store_name = absl::StrCat("registry_postgres=\"", (*store)->target(), "\"");
    store_ = *std::move(store);
  } else {
    absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> store =
        SqliteRegistryStore::Open(db_path_);
    if (!store.ok()) return store.status();
    store_name = "registry_db=" + db_path_;
    store_ = *std::move(store);
  }
  absl::StatusOr<RegistrySnapshot> snapshot = store_->Load();
  if (!snapshot.ok()) return snapshot.status();
  state_->Restore(*snapshot);
  state_->SweepStale();  // nodes that fell silent while the registry was not running
  const RegistryCounts counts = state_->Counts();
  metrics_->SetCounts(counts);
  spdlog::info("registry_loaded {} gateways={} sinks={} nodes={} stale_nodes={} load_ms={}",
               store_name, snapshot->gateways.size(), counts.sinks, snapshot->nodes.size(),
               counts.nodes_stale, absl::ToInt64Milliseconds(absl::Now() - load_start));
  snapshot = RegistrySnapshot();  // the state holds it now
  readiness_.Set(kStateLoaded, true);
  flusher_ = std::make_unique<StoreFlusher>(*state_, *store_, *metrics_);

  absl::StatusOr<int> grpc_port = grpc_server_->Start(grpc_options_);
  if (!grpc_port.ok()) return grpc_port.status();
  grpc_port_ = *grpc_port;
  absl::StatusOr<int> http_port = http_server_->Start(http_host_, http_port_setting_);
  if (!http_port.ok()) return http_port.status();
  http_port_ = *http_port;

  follower_->Start();
  scheduler_.Start();
  flush_task_ = std::make_unique<PeriodicTask>(&scheduler_, flush_interval_, [this] {
    flusher_->Flush().IgnoreError();  // logged and counted; the batch stays pending
  });
  gauges_task_ = std::make_unique<PeriodicTask>(&scheduler_, kGaugesInterval, [this] {
    metrics_->SetCounts(state_->Counts());
    feed_->UpdateLogGauges();
  });
  sweep_task_ = std::make_unique<PeriodicTask>(&scheduler_, sweep_interval_, [this] {
    if (size_t marked = state_->SweepStale(); marked > 0) {
      spdlog::info("nodes_marked_stale count={}", marked);
    }
  });
  spdlog::info("started service={} grpc_port={} http_port={} wm_ingest={} {}", kService, grpc_port_,
               http_port_, follower_options_.address, store_name);
  return absl::OkStatus();
}

void RegistryApp::Stop() {
  if (stopped_) return;
  stopped_ = true;
  readiness_.SetDraining();
  follower_->Stop();  // no event is applied after this
  gauges_task_.reset();
  sweep_task_.reset();
  flush_task_.reset();
  scheduler_.Stop();
  if (flusher_ != nullptr) {
    if (absl::Status s = flusher_->Flush(); !s.ok()) {
      spdlog::error("final_flush_failed error=\"{}\"", std::string(s.message()));
    }
  }
  feed_->Close();  // watchers send what they queued, then end with OK
  grpc_server_->Shutdown(drain_timeout_);
  http_server_->Stop();
  flusher_.reset();
  store_.reset();
  spdlog::info("stopped service={}", kService);
}

}  // namespace wm::registry
