#include "services/registry/sqlite_store.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace wm::registry {
namespace {

// Schema migrations: kMigrations[v] brings a file from version v to v + 1.
constexpr const char* kMigrations[] = {
    // 0 -> 1: gateways and sinks as their wm.v1 records; nodes one column per value, so
    // that the file answers plain SQL (sqlite3 registry.db "SELECT ... FROM nodes").
    R"sql(
CREATE TABLE gateways (
  gateway_id TEXT NOT NULL PRIMARY KEY,
  record BLOB NOT NULL  -- wm.v1.Gateway without sink_ids
) WITHOUT ROWID;
CREATE TABLE sinks (
  gateway_id TEXT NOT NULL,
  sink_id TEXT NOT NULL,
  record BLOB NOT NULL,  -- wm.v1.Sink without node_count
  PRIMARY KEY (gateway_id, sink_id)
) WITHOUT ROWID;
CREATE TABLE nodes (
  network_address INTEGER NOT NULL,
  address INTEGER NOT NULL,
  gateway_id TEXT NOT NULL,
  sink_id TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  packets INTEGER NOT NULL,
  last_rx_ms INTEGER NOT NULL,
  travel_time_ms INTEGER NOT NULL,
  hop_count INTEGER NOT NULL,
  stale INTEGER NOT NULL,
  role INTEGER,                 -- NULL: not reported yet (likewise below)
  voltage_mv INTEGER,
  firmware INTEGER,             -- major << 24 | minor << 16 | maint << 8 | dev
  boot_count INTEGER,
  scratchpad_sequence INTEGER,
  role_rx_ms INTEGER NOT NULL,
  voltage_rx_ms INTEGER NOT NULL,
  boot_rx_ms INTEGER NOT NULL,
  PRIMARY KEY (network_address, address)
) WITHOUT ROWID;
)sql",
    // 1 -> 2: when each gateway's state, info and sink list, and each sink's configuration,
    // were last set, on the gateway's clock and on ingest's (docs/ordering.md). Rows written
    // before have no times: the next message of their gateway is newer by reception.
    R"sql(
ALTER TABLE gateways ADD COLUMN state_gateway_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gateways ADD COLUMN state_received_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gateways ADD COLUMN info_gateway_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gateways ADD COLUMN info_received_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gateways ADD COLUMN sinks_gateway_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gateways ADD COLUMN sinks_received_ms INTEGER NOT NULL DEFAULT 0;
-- the reception time is the record's reported_ms_epoch
ALTER TABLE sinks ADD COLUMN reported_gateway_ms INTEGER NOT NULL DEFAULT 0;
)sql",
    // 2 -> 3: the position in wm-ingest's stream of the last event applied to the rows, written
    // in the same transaction as they are (docs/event-stream.md "wm-registry resumes"). A file
    // of version 2 has none: the registry then subscribes without one, as before.
    R"sql(
CREATE TABLE stream_position (
  singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
  stream_epoch INTEGER NOT NULL,  -- uint64 as its two's complement
  sequence INTEGER NOT NULL
);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == SqliteRegistryStore::kSchemaVersion,
              "one migration per schema version");

constexpr char kGatewayColumns[] =
    "gateway_id, record, state_gateway_ms, state_received_ms, info_gateway_ms, "
    "info_received_ms, sinks_gateway_ms, sinks_received_ms";

constexpr char kNodeColumns[] =
    "network_address, address, gateway_id, sink_id, first_seen_ms, last_seen_ms, packets, "
    "last_rx_ms, travel_time_ms, hop_count, stale, role, voltage_mv, firmware, boot_count, "
    "scratchpad_sequence, role_rx_ms, voltage_rx_ms, boot_rx_ms";

// A prepared statement, finalized on destruction.
class Statement {
 public:
  Statement() = default;
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  int Prepare(sqlite3* db, const std::string& sql) {
    return sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  }
  sqlite3_stmt* get() const { return stmt_; }

  void BindText(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void BindBlob(int index, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }
  void BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void BindOptional(int index, bool present, int64_t value) {
    if (present) {
      sqlite3_bind_int64(stmt_, index, value);
    } else {
      sqlite3_bind_null(stmt_, index);
    }
  }
  // Runs a statement that returns no rows; then resets it for the next use.
  int Run() {
    const int code = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return code == SQLITE_DONE ? SQLITE_OK : code;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string ColumnText(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

std::string ColumnBlob(sqlite3_stmt* stmt, int column) {
  const void* blob = sqlite3_column_blob(stmt, column);
  return blob == nullptr ? std::string()
                         : std::string(static_cast<const char*>(blob),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

// Reads an optional value column into `*field`, setting `bit` in `*present` when not NULL.
template <typename T>
void ColumnOptional(sqlite3_stmt* stmt, int column, NodeValueBit bit, T* field, uint8_t* present) {
  if (sqlite3_column_type(stmt, column) == SQLITE_NULL) return;
  *field = static_cast<T>(sqlite3_column_int64(stmt, column));
  *present |= bit;
}

absl::StatusCode CodeFor(int sqlite_code) {
  switch (sqlite_code & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::StatusCode::kUnavailable;
    case SQLITE_FULL:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_CORRUPT:
      return absl::StatusCode::kDataLoss;
    case SQLITE_NOTADB:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

struct SqliteRegistryStore::Statements {
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement upsert_gateway;
  Statement delete_gateway;
  Statement upsert_sink;
  Statement delete_sink;
  Statement upsert_node;
  Statement upsert_position;
};

SqliteRegistryStore::SqliteRegistryStore(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db) {}

SqliteRegistryStore::~SqliteRegistryStore() {
  {
    absl::MutexLock lock(&mu_);
    statements_.reset();  // statements before the connection
  }
  sqlite3_close(db_);
}

absl::Status SqliteRegistryStore::Error(int code, const std::string& what) const {
  return absl::Status(CodeFor(code),
                      absl::StrCat("registry_db ", path_, ": ", what, ": ", sqlite3_errmsg(db_)));
}

absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> SqliteRegistryStore::Open(
    const std::string& path) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("registry_db ", path, ": cannot open: ", message));
  }
  std::unique_ptr<SqliteRegistryStore> store(new SqliteRegistryStore(path, db));
  sqlite3_busy_timeout(db, 5000);
  absl::MutexLock lock(&store->mu_);
  // WAL: readers never block the writer, and a commit appends to the log without an fsync
  // of its own under synchronous=NORMAL.
  char* error = nullptr;
  if (int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr,
                            nullptr, &error);
      rc != SQLITE_OK) {
    sqlite3_free(error);
    absl::Status status = store->Error(rc, "cannot set WAL mode");
    if (status.code() == absl::StatusCode::kFailedPrecondition ||
        status.code() == absl::StatusCode::kDataLoss) {
      return absl::FailedPreconditionError(
          absl::StrCat("registry_db ", path, ": not a SQLite database (", status.message(), ")"));
    }
    return status;
  }
  if (absl::Status s = store->Migrate(); !s.ok()) return s;
  if (absl::Status s = store->Prepare(); !s.ok()) return s;
  return store;
}

absl::Status SqliteRegistryStore::Migrate() {
  int version = 0;
  {
    Statement query;
    if (int rc = query.Prepare(db_, "PRAGMA user_version"); rc != SQLITE_OK) {
      return Error(rc, "cannot read the schema version");
    }
    if (int rc = sqlite3_step(query.get()); rc != SQLITE_ROW) {
      return Error(rc, "cannot read the schema version");
    }
    version = sqlite3_column_int(query.get(), 0);
  }
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat("registry_db ", path_, ": schema version ",
                                                      version, " is newer than this build's (",
                                                      kSchemaVersion, ")"));
  }
  for (int from = version; from < kSchemaVersion; ++from) {
    const std::string sql =
        absl::StrCat("BEGIN;", kMigrations[from], "PRAGMA user_version = ", from + 1, "; COMMIT;");
    char* error = nullptr;
    if (int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error); rc != SQLITE_OK) {
      sqlite3_free(error);
      absl::Status status =
          Error(rc, absl::StrCat("cannot migrate the schema to version ", from + 1));
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return status;
    }
    spdlog::info("registry_db_migrated path={} schema_version={}", path_, from + 1);
  }
  return absl::OkStatus();
}

absl::Status SqliteRegistryStore::Prepare() {
  auto statements = std::make_unique<Statements>();
  const std::pair<Statement*, std::string> all[] = {
      {&statements->begin, "BEGIN"},
      {&statements->commit, "COMMIT"},
      {&statements->rollback, "ROLLBACK"},
      {&statements->upsert_gateway,
       absl::StrCat("INSERT OR REPLACE INTO gateways (", kGatewayColumns,
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")},
      {&statements->delete_gateway, "DELETE FROM gateways WHERE gateway_id = ?1"},
      {&statements->upsert_sink,
       "INSERT OR REPLACE INTO sinks (gateway_id, sink_id, record, reported_gateway_ms) "
       "VALUES (?1, ?2, ?3, ?4)"},
      {&statements->delete_sink, "DELETE FROM sinks WHERE gateway_id = ?1 AND sink_id = ?2"},
      {&statements->upsert_node,
       absl::StrCat("INSERT OR REPLACE INTO nodes (", kNodeColumns,
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                    "?15, ?16, ?17, ?18, ?19)")},
      {&statements->upsert_position,
       "INSERT OR REPLACE INTO stream_position (singleton, stream_epoch, sequence) "
       "VALUES (1, ?1, ?2)"},
  };
  for (const auto& [statement, sql] : all) {
    if (int rc = statement->Prepare(db_, sql); rc != SQLITE_OK) {
      return Error(rc, "cannot prepare \"" + sql + "\"");
    }
  }
  statements_ = std::move(statements);
  return absl::OkStatus();
}

absl::StatusOr<RegistrySnapshot> SqliteRegistryStore::Load() {
  absl::MutexLock lock(&mu_);
  RegistrySnapshot snapshot;
  {
    Statement query;
    if (int rc = query.Prepare(
            db_, absl::StrCat("SELECT ", kGatewayColumns, " FROM gateways ORDER BY gateway_id"));
        rc != SQLITE_OK) {
      return Error(rc, "cannot read gateways");
    }
    int rc;
    sqlite3_stmt* row = query.get();
    while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
      StoredGateway stored;
      if (!stored.gateway.ParseFromString(ColumnBlob(row, 1))) {
        spdlog::warn("registry_db_bad_row path={} table=gateways gateway={}", path_,
                     ColumnText(row, 0));
        continue;
      }
      stored.gateway.set_id(ColumnText(row, 0));
      stored.state = {sqlite3_column_int64(row, 2), sqlite3_column_int64(row, 3)};
      stored.info = {sqlite3_column_int64(row, 4), sqlite3_column_int64(row, 5)};
      stored.sinks = {sqlite3_column_int64(row, 6), sqlite3_column_int64(row, 7)};
      snapshot.gateways.push_back(std::move(stored));
    }
    if (rc != SQLITE_DONE) return Error(rc, "cannot read gateways");
  }
  {
    Statement query;
    if (int rc = query.Prepare(db_,
                               "SELECT gateway_id, sink_id, record, reported_gateway_ms FROM sinks "
                               "ORDER BY gateway_id, sink_id");
        rc != SQLITE_OK) {
      return Error(rc, "cannot read sinks");
    }
    int rc;
    sqlite3_stmt* row = query.get();
    while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
      StoredSink stored;
      if (!stored.sink.ParseFromString(ColumnBlob(row, 2))) {
        spdlog::warn("registry_db_bad_row path={} table=sinks gateway={} sink={}", path_,
                     ColumnText(row, 0), ColumnText(row, 1));
        continue;
      }
      stored.sink.set_gateway_id(ColumnText(row, 0));
      stored.sink.set_sink_id(ColumnText(row, 1));
      stored.reported_gateway_ms = sqlite3_column_int64(row, 3);
      snapshot.sinks.push_back(std::move(stored));
    }
    if (rc != SQLITE_DONE) return Error(rc, "cannot read sinks");
  }
  {
    Statement query;
    if (int rc = query.Prepare(db_, absl::StrCat("SELECT ", kNodeColumns,
                                                 " FROM nodes ORDER BY network_address, address"));
        rc != SQLITE_OK) {
      return Error(rc, "cannot read nodes");
    }
    int rc;
    sqlite3_stmt* row = query.get();
    while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
      StoredNode node;
      node.key.network = static_cast<uint64_t>(sqlite3_column_int64(row, 0));
      node.key.address = static_cast<uint32_t>(sqlite3_column_int64(row, 1));
      node.gateway_id = ColumnText(row, 2);
      node.sink_id = ColumnText(row, 3);
      NodeRecord& r = node.record;
      r.first_seen_ms = sqlite3_column_int64(row, 4);
      r.last_seen_ms = sqlite3_column_int64(row, 5);
      r.packets = static_cast<uint64_t>(sqlite3_column_int64(row, 6));
      r.last_rx_ms = sqlite3_column_int64(row, 7);
      r.travel_time_ms = static_cast<uint32_t>(sqlite3_column_int64(row, 8));
      r.hop_count = static_cast<uint8_t>(sqlite3_column_int64(row, 9));
      r.stale = sqlite3_column_int64(row, 10) != 0;
      ColumnOptional(row, 11, kHasRole, &r.role, &r.present);
      ColumnOptional(row, 12, kHasVoltage, &r.voltage_mv, &r.present);
      ColumnOptional(row, 13, kHasFirmware, &r.firmware, &r.present);
      ColumnOptional(row, 14, kHasBootCount, &r.boot_count, &r.present);
      ColumnOptional(row, 15, kHasScratchpadSequence, &r.scratchpad_sequence, &r.present);
      r.role_rx_ms = sqlite3_column_int64(row, 16);
      r.voltage_rx_ms = sqlite3_column_int64(row, 17);
      r.boot_rx_ms = sqlite3_column_int64(row, 18);
      snapshot.nodes.push_back(std::move(node));
    }
    if (rc != SQLITE_DONE) return Error(rc, "cannot read nodes");
  }
  {
    Statement query;
    if (int rc = query.Prepare(db_, "SELECT stream_epoch, sequence FROM stream_position");
        rc != SQLITE_OK) {
      return Error(rc, "cannot read the stream position");
    }
    const int rc = sqlite3_step(query.get());
    if (rc == SQLITE_ROW) {
      snapshot.position =
          StreamPoint{static_cast<uint64_t>(sqlite3_column_int64(query.get(), 0)),
                      static_cast<uint64_t>(sqlite3_column_int64(query.get(), 1))};
    } else if (rc != SQLITE_DONE) {
      return Error(rc, "cannot read the stream position");
    }
  }
  return snapshot;
}

absl::Status SqliteRegistryStore::Write(const StoreBatch& batch) {
  if (batch.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (int rc = statements_->begin.Run(); rc != SQLITE_OK) {
    return Error(rc, "cannot begin a transaction");
  }
  absl::Status status = WriteLocked(batch);
  if (status.ok()) {
    if (int rc = statements_->commit.Run(); rc != SQLITE_OK) {
      status = Error(rc, "cannot commit");
    }
  }
  if (!status.ok() && !sqlite3_get_autocommit(db_)) statements_->rollback.Run();
  return status;
}

absl::Status SqliteRegistryStore::WriteLocked(const StoreBatch& batch) {
  Statements& s = *statements_;
  std::string record;
  for (const std::string& id : batch.removed_gateways) {
    s.delete_gateway.BindText(1, id);
    if (int rc = s.delete_gateway.Run(); rc != SQLITE_OK) {
      return Error(rc, "cannot delete gateway " + id);
    }
  }
  for (const StoredGateway& entry : batch.gateways) {
    const wm::v1::Gateway& gateway = entry.gateway;
    wm::v1::Gateway stored = gateway;
    stored.clear_sink_ids();  // derived from the sinks table
    stored.clear_id();        // the key column holds it
    record = stored.SerializeAsString();
    s.upsert_gateway.BindText(1, gateway.id());
    s.upsert_gateway.BindBlob(2, record);
    s.upsert_gateway.BindInt(3, entry.state.gateway_ms);
    s.upsert_gateway.BindInt(4, entry.state.received_ms);
    s.upsert_gateway.BindInt(5, entry.info.gateway_ms);
    s.upsert_gateway.BindInt(6, entry.info.received_ms);
    s.upsert_gateway.BindInt(7, entry.sinks.gateway_ms);
    s.upsert_gateway.BindInt(8, entry.sinks.received_ms);
    if (int rc = s.upsert_gateway.Run(); rc != SQLITE_OK) {
      return Error(rc, "cannot write gateway " + gateway.id());
    }
  }
  for (const auto& [gateway_id, sink_id] : batch.removed_sinks) {
    s.delete_sink.BindText(1, gateway_id);
    s.delete_sink.BindText(2, sink_id);
    if (int rc = s.delete_sink.Run(); rc != SQLITE_OK) {
      return Error(rc, "cannot delete sink " + gateway_id + "/" + sink_id);
    }
  }
  for (const StoredSink& entry : batch.sinks) {
    const wm::v1::Sink& sink = entry.sink;
    wm::v1::Sink stored = sink;
    stored.clear_node_count();  // derived from the nodes
    stored.clear_gateway_id();
    stored.clear_sink_id();
    record = stored.SerializeAsString();
    s.upsert_sink.BindText(1, sink.gateway_id());
    s.upsert_sink.BindText(2, sink.sink_id());
    s.upsert_sink.BindBlob(3, record);
    s.upsert_sink.BindInt(4, entry.reported_gateway_ms);
    if (int rc = s.upsert_sink.Run(); rc != SQLITE_OK) {
      return Error(rc, "cannot write sink " + sink.gateway_id() + "/" + sink.sink_id());
    }
  }
  Statement& n = s.upsert_node;
  for (const StoredNode& node : batch.nodes) {
    const NodeRecord& r = node.record;
    n.BindInt(1, static_cast<int64_t>(node.key.network));
    n.BindInt(2, node.key.address);
    n.BindText(3, node.gateway_id);
    n.BindText(4, node.sink_id);
    n.BindInt(5, r.first_seen_ms);
    n.BindInt(6, r.last_seen_ms);
    n.BindInt(7, static_cast<int64_t>(r.packets));
    n.BindInt(8, r.last_rx_ms);
    n.BindInt(9, r.travel_time_ms);
    n.BindInt(10, r.hop_count);
    n.BindInt(11, r.stale ? 1 : 0);
    n.BindOptional(12, r.present & kHasRole, r.role);
    n.BindOptional(13, r.present & kHasVoltage, r.voltage_mv);
    n.BindOptional(14, r.present & kHasFirmware, r.firmware);
    n.BindOptional(15, r.present & kHasBootCount, r.boot_count);
    n.BindOptional(16, r.present & kHasScratchpadSequence, r.scratchpad_sequence);
    n.BindInt(17, r.role_rx_ms);
    n.BindInt(18, r.voltage_rx_ms);
    n.BindInt(19, r.boot_rx_ms);
    if (int rc = n.Run(); rc != SQLITE_OK) {
      return Error(rc, absl::StrCat("cannot write node ", node.key.network, "/", node.key.address));
    }
  }
  if (batch.position.has_value()) {
    s.upsert_position.BindInt(1, static_cast<int64_t>(batch.position->stream_epoch));
    s.upsert_position.BindInt(2, static_cast<int64_t>(batch.position->sequence));
    if (int rc = s.upsert_position.Run(); rc != SQLITE_OK) {
      return Error(rc, "cannot write the stream position");
    }
  }
  return absl::OkStatus();
}

}  // namespace wm::registry
