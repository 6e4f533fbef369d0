#include "services/registry/postgres_store.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "postgresql/libpq-fe.h"
#include "spdlog/spdlog.h"

namespace wm::registry {
namespace {

// Schema migrations: kMigrations[v] brings a database from version v to v + 1. The time
// columns beside the records are what upserts compare, so that no replica moves a row back.
constexpr const char* kMigrations[] = {
    // 0 -> 1: gateways and sinks as their wm.v1 records; nodes one column per value, so that
    // the database answers plain SQL (SELECT ... FROM registry_nodes).
    R"sql(
CREATE TABLE registry_gateways (
  gateway_id text NOT NULL PRIMARY KEY,
  last_seen_ms bigint NOT NULL,  -- the record's last_seen_ms_epoch
  record bytea NOT NULL          -- wm.v1.Gateway without id and sink_ids
);
CREATE TABLE registry_sinks (
  gateway_id text NOT NULL,
  sink_id text NOT NULL,
  reported_ms bigint NOT NULL,   -- the record's reported_ms_epoch
  record bytea NOT NULL,         -- wm.v1.Sink without ids and node_count
  PRIMARY KEY (gateway_id, sink_id)
);
CREATE TABLE registry_nodes (
  network_address bigint NOT NULL,  -- uint64 as its two's complement
  address bigint NOT NULL,
  gateway_id text NOT NULL,
  sink_id text NOT NULL,
  first_seen_ms bigint NOT NULL,
  last_seen_ms bigint NOT NULL,
  packets bigint NOT NULL,
  last_rx_ms bigint NOT NULL,
  travel_time_ms bigint NOT NULL,
  hop_count integer NOT NULL,
  stale boolean NOT NULL,
  role integer,                     -- NULL: not reported yet (likewise below)
  voltage_mv integer,
  firmware bigint,                  -- major << 24 | minor << 16 | maint << 8 | dev
  boot_count bigint,
  scratchpad_sequence bigint,
  role_rx_ms bigint NOT NULL,
  voltage_rx_ms bigint NOT NULL,
  boot_rx_ms bigint NOT NULL,
  PRIMARY KEY (network_address, address)
) WITH (fillfactor = 80);  -- room on each page for updates in place (HOT): rows change often
)sql",
    // 1 -> 2: when each gateway's state, info and sink list, and each sink's configuration,
    // were last set, on the gateway's clock and on ingest's (docs/ordering.md). Rows written
    // before have no times: the next message of their gateway is newer by reception.
    R"sql(
ALTER TABLE registry_gateways
  ADD COLUMN state_gateway_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN state_received_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN info_gateway_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN info_received_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN sinks_gateway_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN sinks_received_ms bigint NOT NULL DEFAULT 0;
-- the reception time is reported_ms
ALTER TABLE registry_sinks ADD COLUMN reported_gateway_ms bigint NOT NULL DEFAULT 0;
)sql",
    // 2 -> 3: the position in wm-ingest's stream of the last event applied to the rows, written
    // in the same transaction as they are (docs/event-stream.md "wm-registry resumes"). It only
    // moves forward, so a replica behind another does not move it back.
    R"sql(
CREATE TABLE registry_stream_position (
  singleton boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),
  stream_epoch bigint NOT NULL,  -- uint64 as its two's complement
  sequence bigint NOT NULL
);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == PostgresRegistryStore::kSchemaVersion,
              "one migration per schema version");

// Serializes migrations of replicas starting together (pg_advisory_xact_lock key).
constexpr char kMigrationLock[] = "SELECT pg_advisory_xact_lock(7736651873527914002)";

constexpr char kNodeColumns[] =
    "network_address, address, gateway_id, sink_id, first_seen_ms, last_seen_ms, packets, "
    "last_rx_ms, travel_time_ms, hop_count, stale, role, voltage_mv, firmware, boot_count, "
    "scratchpad_sequence, role_rx_ms, voltage_rx_ms, boot_rx_ms";
constexpr int kNodeColumnCount = 19;

// Every value column is replaced, but only by a record at least as new.
constexpr char kUpsertNodes[] = R"sql(
INSERT INTO registry_nodes AS stored (
  network_address, address, gateway_id, sink_id, first_seen_ms, last_seen_ms, packets,
  last_rx_ms, travel_time_ms, hop_count, stale, role, voltage_mv, firmware, boot_count,
  scratchpad_sequence, role_rx_ms, voltage_rx_ms, boot_rx_ms)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[],
                     $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::integer[],
                     $11::boolean[], $12::integer[], $13::integer[], $14::bigint[],
                     $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[])
ON CONFLICT (network_address, address) DO UPDATE SET
  gateway_id = excluded.gateway_id, sink_id = excluded.sink_id,
  first_seen_ms = excluded.first_seen_ms, last_seen_ms = excluded.last_seen_ms,
  packets = excluded.packets, last_rx_ms = excluded.last_rx_ms,
  travel_time_ms = excluded.travel_time_ms, hop_count = excluded.hop_count,
  stale = excluded.stale, role = excluded.role, voltage_mv = excluded.voltage_mv,
  firmware = excluded.firmware, boot_count = excluded.boot_count,
  scratchpad_sequence = excluded.scratchpad_sequence, role_rx_ms = excluded.role_rx_ms,
  voltage_rx_ms = excluded.voltage_rx_ms, boot_rx_ms = excluded.boot_rx_ms
WHERE stored.last_seen_ms <= excluded.last_seen_ms
)sql";

constexpr char kUpsertGateway[] = R"sql(
INSERT INTO registry_gateways AS stored (
  gateway_id, last_seen_ms, record, state_gateway_ms, state_received_ms, info_gateway_ms,
  info_received_ms, sinks_gateway_ms, sinks_received_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (gateway_id) DO UPDATE SET
  last_seen_ms = excluded.last_seen_ms, record = excluded.record,
  state_gateway_ms = excluded.state_gateway_ms, state_received_ms = excluded.state_received_ms,
  info_gateway_ms = excluded.info_gateway_ms, info_received_ms = excluded.info_received_ms,
  sinks_gateway_ms = excluded.sinks_gateway_ms, sinks_received_ms = excluded.sinks_received_ms
WHERE stored.last_seen_ms <= excluded.last_seen_ms
)sql";

constexpr char kUpsertSink[] = R"sql(
INSERT INTO registry_sinks AS stored (gateway_id, sink_id, reported_ms, record,
                                      reported_gateway_ms)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (gateway_id, sink_id) DO UPDATE SET reported_ms = excluded.reported_ms,
                                                record = excluded.record,
                                                reported_gateway_ms = excluded.reported_gateway_ms
WHERE stored.reported_ms <= excluded.reported_ms
)sql";

// Rows per FETCH when loading nodes, so that a million nodes never sit in one result.
constexpr int kNodesPerFetch = 10000;

// Defaults for the connection; the connection string, expanded after them, overrides each.
constexpr const char* kDefaultKeywords[] = {"connect_timeout", "keepalives_idle",
                                            "keepalives_interval", "keepalives_count",
                                            "application_name"};
constexpr const char* kDefaultValues[] = {"10", "30", "10", "3", "wm-registry"};

// Type OIDs (pg_type.oid, fixed for built-in types) of the array parameters' elements.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

// A one-dimensional array parameter in PostgreSQL's binary format (array_recv): the server
// reads it without parsing text, a third of the statement's time at 10,000 nodes.
class BinaryArray {
 public:
  // Elements of type `element` (kInt8Oid, kInt4Oid, kBoolOid or kTextOid).
  BinaryArray(Oid element, size_t capacity) : element_(element) {
    bytes_.reserve(kHeaderSize + capacity * 12);
    bytes_.resize(kHeaderSize);
  }
  void Add(int64_t value) {
    if (element_ == kInt4Oid) {
      AppendInt32(4);
      AppendInt32(static_cast<int32_t>(value));
    } else {
      AppendInt32(8);
      AppendInt32(static_cast<int32_t>(static_cast<uint64_t>(value) >> 32));
      AppendInt32(static_cast<int32_t>(value));
    }
    ++count_;
  }
  void AddBool(bool value) {
    AppendInt32(1);
    bytes_.push_back(value ? 1 : 0);
    ++count_;
  }
  void AddText(const std::string& value) {
    AppendInt32(static_cast<int32_t>(value.size()));
    bytes_ += value;
    ++count_;
  }
  void AddNull() {
    AppendInt32(-1);
    has_null_ = true;
    ++count_;
  }
  // Writes the header; the bytes are then the parameter's value.
  const std::string& Finish() {
    const int32_t header[] = {1, has_null_ ? 1 : 0, static_cast<int32_t>(element_),
                              static_cast<int32_t>(count_), 1};
    for (size_t i = 0; i < 5; ++i) {
      const uint32_t value = static_cast<uint32_t>(header[i]);
      for (int byte = 0; byte < 4; ++byte) {
        bytes_[i * 4 + byte] = static_cast<char>(value >> (24 - 8 * byte));
      }
    }
    return bytes_;
  }

 private:
  // Dimensions, has-null flag, element type, then the one dimension's size and lower bound.
  static constexpr size_t kHeaderSize = 20;

  void AppendInt32(int32_t value) {
    const uint32_t bits = static_cast<uint32_t>(value);
    const char big_endian[] = {static_cast<char>(bits >> 24), static_cast<char>(bits >> 16),
                               static_cast<char>(bits >> 8), static_cast<char>(bits)};
    bytes_.append(big_endian, 4);
  }

  const Oid element_;
  std::string bytes_;
  size_t count_ = 0;
  bool has_null_ = false;
};

absl::StatusCode CodeForSqlState(const char* sqlstate) {
  const absl::string_view state = sqlstate != nullptr ? sqlstate : "";
  if (state.size() != 5) return absl::StatusCode::kInternal;
  const absl::string_view category = state.substr(0, 2);
  // 08 connection exception, 57P0x shutdown / not yet accepting, 25006 read-only transaction
  // (a standby after a failover): trying again later can help.
  if (category == "08" || absl::StartsWith(state, "57P0") || state == "25006") {
    return absl::StatusCode::kUnavailable;
  }
  if (category == "53") return absl::StatusCode::kResourceExhausted;  // disk full, out of memory
  if (category == "40") return absl::StatusCode::kAborted;  // serialization failure, deadlock
  if (category == "28" || state == "42501") return absl::StatusCode::kPermissionDenied;
  if (category == "57") return absl::StatusCode::kCancelled;  // statement_timeout, cancel
  return absl::StatusCode::kInternal;
}

// The big-endian integer of any width in a binary-format result field.
int64_t BinaryInt(const PGresult* result, int row, int column) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(PQgetvalue(result, row, column));
  const int length = PQgetlength(result, row, column);
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = value << 8 | bytes[i];
  // Sign-extend 2- and 4-byte values.
  if (length > 0 && length < 8 && (bytes[0] & 0x80) != 0) value |= ~uint64_t{0} << (length * 8);
  return static_cast<int64_t>(value);
}

std::string BinaryBytes(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<size_t>(PQgetlength(result, row, column)));
}

// Reads an optional integer column into `*field`, setting `bit` in `*present` when not NULL.
template <typename T>
void BinaryOptional(const PGresult* result, int row, int column, NodeValueBit bit, T* field,
                    uint8_t* present) {
  if (PQgetisnull(result, row, column)) return;
  *field = static_cast<T>(BinaryInt(result, row, column));
  *present |= bit;
}

}  // namespace

// Owns a PGresult.
class PostgresRegistryStore::Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  ~Result() { PQclear(result_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  const PGresult* get() const { return result_; }
  bool ok() const {
    const ExecStatusType status = PQresultStatus(result_);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }

 private:
  PGresult* result_;
};

absl::StatusOr<std::unique_ptr<PostgresRegistryStore>> PostgresRegistryStore::Open(
    const std::string& conninfo) {
  // libpq's own parse errors may quote any part of the string, the password included.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    PQfreemem(parse_error);
    return absl::InvalidArgumentError(
        "registry_postgres: not a libpq connection string (key=value ...) nor a "
        "postgresql:// URL");
  }
  // What errors and logs name the database by, in this order; never the password.
  constexpr absl::string_view kNamed[] = {"host", "hostaddr", "port", "dbname", "user"};
  std::string named[std::size(kNamed)];
  std::string password;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    const absl::string_view keyword = option->keyword;
    if (keyword == "password") password = option->val;
    for (size_t i = 0; i < std::size(kNamed); ++i) {
      if (keyword == kNamed[i]) named[i] = option->val;
    }
  }
  std::string target;
  for (size_t i = 0; i < std::size(kNamed); ++i) {
    if (named[i].empty()) continue;
    absl::StrAppend(&target, target.empty() ? "" : " ", kNamed[i], "=", named[i]);
  }
  PQconninfoFree(options);

  std::unique_ptr<PostgresRegistryStore> store(
      new PostgresRegistryStore(conninfo, std::move(target), std::move(password)));
  absl::MutexLock lock(&store->mu_);
  if (absl::Status s = store->EnsureConnectedLocked(); !s.ok()) return s;
  if (absl::Status s = store->MigrateLocked(); !s.ok()) return s;
  return store;
}

PostgresRegistryStore::PostgresRegistryStore(std::string conninfo, std::string target,
                                             std::string password)
    : conninfo_(std::move(conninfo)), target_(std::move(target)), password_(std::move(password)) {}

PostgresRegistryStore::~PostgresRegistryStore() {
  absl::MutexLock lock(&mu_);
  PQfinish(conn_);
}

std::string PostgresRegistryStore::Clean(std::string message) const {
  if (!password_.empty()) absl::StrReplaceAll({{password_, "********"}}, &message);
  absl::StrReplaceAll({{"\n\t", " "}, {"\n", " "}, {"\t", " "}}, &message);
  absl::StripAsciiWhitespace(&message);
  return message;
}

absl::Status PostgresRegistryStore::EnsureConnectedLocked() {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
  PQfinish(conn_);
  std::vector<const char*> keywords(std::begin(kDefaultKeywords), std::end(kDefaultKeywords));
  std::vector<const char*> values(std::begin(kDefaultValues), std::end(kDefaultValues));
  keywords.push_back("dbname");
  values.push_back(conninfo_.c_str());
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = Clean(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    connection_lost_ = true;
    return absl::UnavailableError(
        absl::StrCat("registry_postgres ", target_, ": cannot connect: ", message));
  }
  if (connection_lost_) {
    spdlog::info("registry_postgres_reconnected target=\"{}\"", target_);
    connection_lost_ = false;
  }
  return absl::OkStatus();
}

absl::Status PostgresRegistryStore::ErrorLocked(const PGresult* result, const std::string& what) {
  std::string message = Clean(result != nullptr && PQresultErrorMessage(result)[0] != '\0'
                                  ? PQresultErrorMessage(result)
                                  : PQerrorMessage(conn_));
  absl::StatusCode code =
      CodeForSqlState(result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr);
  if (PQstatus(conn_) != CONNECTION_OK) {
    code = absl::StatusCode::kUnavailable;
    if (!connection_lost_) {
      spdlog::warn("registry_postgres_connection_lost target=\"{}\" error=\"{}\"", target_,
                   message);
      connection_lost_ = true;
    }
  }
  return absl::Status(code, absl::StrCat("registry_postgres ", target_, ": ", what, ": ", message));
}

absl::Status PostgresRegistryStore::ExecLocked(const char* sql, const std::string& what) {
  Result result(PQexec(conn_, sql));
  if (!result.ok()) return ErrorLocked(result.get(), what);
  return absl::OkStatus();
}

absl::Status PostgresRegistryStore::MigrateLocked() {
  if (absl::Status s = ExecLocked("BEGIN", "cannot begin a transaction"); !s.ok()) return s;
  absl::Status status = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    if (absl::Status s = ExecLocked(kMigrationLock, "cannot lock the schema"); !s.ok()) return s;
    if (absl::Status s =
            ExecLocked("CREATE TABLE IF NOT EXISTS registry_schema ("
                       "  singleton boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),"
                       "  version integer NOT NULL)",
                       "cannot create registry_schema");
        !s.ok()) {
      return s;
    }
    Result query(PQexec(conn_, "SELECT version FROM registry_schema"));
    if (!query.ok()) return ErrorLocked(query.get(), "cannot read the schema version");
    int version = 0;
    if (PQntuples(query.get()) > 0) version = std::atoi(PQgetvalue(query.get(), 0, 0));
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("registry_postgres ", target_, ": schema version ", version,
                       " is newer than this build's (", kSchemaVersion, ")"));
    }
    for (int from = version; from < kSchemaVersion; ++from) {
      const std::string what = absl::StrCat("cannot migrate the schema to version ", from + 1);
      if (absl::Status s = ExecLocked(kMigrations[from], what); !s.ok()) return s;
      const std::string record_version =
          absl::StrCat("INSERT INTO registry_schema (version) VALUES (", from + 1,
                       ") ON CONFLICT (singleton) DO UPDATE SET version = excluded.version");
      if (absl::Status s = ExecLocked(record_version.c_str(), what); !s.ok()) return s;
      spdlog::info("registry_postgres_migrated target=\"{}\" schema_version={}", target_, from + 1);
    }
    return ExecLocked("COMMIT", "cannot commit the schema");
  }();
  if (!status.ok() && PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
  return status;
}

absl::StatusOr<RegistrySnapshot> PostgresRegistryStore::Load() {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = EnsureConnectedLocked(); !s.ok()) return s;
  if (absl::Status s = ExecLocked("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                  "cannot begin a transaction");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<RegistrySnapshot> snapshot = LoadLocked();
  // Read-only: ending it either way is the same.
  if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
  return snapshot;
}

absl::StatusOr<RegistrySnapshot> PostgresRegistryStore::LoadLocked() {
  RegistrySnapshot snapshot;
  {
    Result rows(PQexecParams(conn_,
                             "SELECT gateway_id, record, state_gateway_ms, state_received_ms, "
                             "info_gateway_ms, info_received_ms, sinks_gateway_ms, "
                             "sinks_received_ms FROM registry_gateways ORDER BY gateway_id",
                             0, nullptr, nullptr, nullptr, nullptr, /*resultFormat=*/1));
    if (!rows.ok()) return ErrorLocked(rows.get(), "cannot read gateways");
    const PGresult* r = rows.get();
    for (int row = 0; row < PQntuples(r); ++row) {
      StoredGateway stored;
      const std::string id = BinaryBytes(r, row, 0);
      if (!stored.gateway.ParseFromString(BinaryBytes(r, row, 1))) {
        spdlog::warn("registry_postgres_bad_row target=\"{}\" table=registry_gateways gateway={}",
                     target_, id);
        continue;
      }
      stored.gateway.set_id(id);
      stored.state = {BinaryInt(r, row, 2), BinaryInt(r, row, 3)};
      stored.info = {BinaryInt(r, row, 4), BinaryInt(r, row, 5)};
      stored.sinks = {BinaryInt(r, row, 6), BinaryInt(r, row, 7)};
      snapshot.gateways.push_back(std::move(stored));
    }
  }
  {
    Result rows(
        PQexecParams(conn_,
                     "SELECT gateway_id, sink_id, record, reported_gateway_ms FROM registry_sinks "
                     "ORDER BY gateway_id, sink_id",
                     0, nullptr, nullptr, nullptr, nullptr, /*resultFormat=*/1));
    if (!rows.ok()) return ErrorLocked(rows.get(), "cannot read sinks");
    for (int row = 0; row < PQntuples(rows.get()); ++row) {
      StoredSink stored;
      wm::v1::Sink& sink = stored.sink;
      const std::string gateway_id = BinaryBytes(rows.get(), row, 0);
      const std::string sink_id = BinaryBytes(rows.get(), row, 1);
      if (!sink.ParseFromString(BinaryBytes(rows.get(), row, 2))) {
        spdlog::warn(
            "registry_postgres_bad_row target=\"{}\" table=registry_sinks gateway={} sink={}",
            target_, gateway_id, sink_id);
        continue;
      }
      sink.set_gateway_id(gateway_id);
      sink.set_sink_id(sink_id);
      stored.reported_gateway_ms = BinaryInt(rows.get(), row, 3);
      snapshot.sinks.push_back(std::move(stored));
    }
  }
  const std::string declare =
      absl::StrCat("DECLARE registry_load BINARY NO SCROLL CURSOR FOR SELECT ", kNodeColumns,
                   " FROM registry_nodes ORDER BY network_address, address");
  if (absl::Status s = ExecLocked(declare.c_str(), "cannot read nodes"); !s.ok()) return s;
  const std::string fetch = absl::StrCat("FETCH ", kNodesPerFetch, " FROM registry_load");
  while (true) {
    Result rows(PQexec(conn_, fetch.c_str()));
    if (!rows.ok()) return ErrorLocked(rows.get(), "cannot read nodes");
    const PGresult* r = rows.get();
    const int count = PQntuples(r);
    for (int row = 0; row < count; ++row) {
      StoredNode node;
      node.key.network = static_cast<uint64_t>(BinaryInt(r, row, 0));
      node.key.address = static_cast<uint32_t>(BinaryInt(r, row, 1));
      node.gateway_id = BinaryBytes(r, row, 2);
      node.sink_id = BinaryBytes(r, row, 3);
      NodeRecord& n = node.record;
      n.first_seen_ms = BinaryInt(r, row, 4);
      n.last_seen_ms = BinaryInt(r, row, 5);
      n.packets = static_cast<uint64_t>(BinaryInt(r, row, 6));
      n.last_rx_ms = BinaryInt(r, row, 7);
      n.travel_time_ms = static_cast<uint32_t>(BinaryInt(r, row, 8));
      n.hop_count = static_cast<uint8_t>(BinaryInt(r, row, 9));
      n.stale = BinaryInt(r, row, 10) != 0;
      BinaryOptional(r, row, 11, kHasRole, &n.role, &n.present);
      BinaryOptional(r, row, 12, kHasVoltage, &n.voltage_mv, &n.present);
      BinaryOptional(r, row, 13, kHasFirmware, &n.firmware, &n.present);
      BinaryOptional(r, row, 14, kHasBootCount, &n.boot_count, &n.present);
      BinaryOptional(r, row, 15, kHasScratchpadSequence, &n.scratchpad_sequence, &n.present);
      n.role_rx_ms = BinaryInt(r, row, 16);
      n.voltage_rx_ms = BinaryInt(r, row, 17);
      n.boot_rx_ms = BinaryInt(r, row, 18);
      snapshot.nodes.push_back(std::move(node));
    }
    if (count < kNodesPerFetch) break;
  }
  {
    Result rows(PQexecParams(conn_,
                             "SELECT stream_epoch, sequence FROM registry_stream_position", 0,
                             nullptr, nullptr, nullptr, nullptr, /*resultFormat=*/1));
    if (!rows.ok()) return ErrorLocked(rows.get(), "cannot read the stream position");
    if (PQntuples(rows.get()) > 0) {
      snapshot.position = StreamPoint{static_cast<uint64_t>(BinaryInt(rows.get(), 0, 0)),
                                      static_cast<uint64_t>(BinaryInt(rows.get(), 0, 1))};
    }
  }
  return snapshot;
}

absl::Status PostgresRegistryStore::Write(const StoreBatch& batch) {
  if (batch.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (absl::Status s = EnsureConnectedLocked(); !s.ok()) return s;
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) PQclear(PQexec(conn_, "ROLLBACK"));
  if (absl::Status s = ExecLocked("BEGIN", "cannot begin a transaction"); !s.ok()) return s;
  absl::Status status = WriteLocked(batch);
  if (status.ok()) status = ExecLocked("COMMIT", "cannot commit");
  if (!status.ok() && PQstatus(conn_) == CONNECTION_OK &&
      PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    PQclear(PQexec(conn_, "ROLLBACK"));
  }
  return status;
}

absl::Status PostgresRegistryStore::WriteLocked(const StoreBatch& batch) {
  for (const std::string& id : batch.removed_gateways) {
    const char* values[] = {id.c_str()};
    Result result(PQexecParams(conn_, "DELETE FROM registry_gateways WHERE gateway_id = $1", 1,
                               nullptr, values, nullptr, nullptr, 0));
    if (!result.ok()) return ErrorLocked(result.get(), "cannot delete gateway " + id);
  }
  for (const StoredGateway& entry : batch.gateways) {
    const wm::v1::Gateway& gateway = entry.gateway;
    wm::v1::Gateway stored = gateway;
    stored.clear_sink_ids();  // derived from the sinks table
    stored.clear_id();        // the key column holds it
    const std::string record = stored.SerializeAsString();
    const std::string times[] = {absl::StrCat(static_cast<int64_t>(gateway.last_seen_ms_epoch())),
                                 absl::StrCat(entry.state.gateway_ms),
                                 absl::StrCat(entry.state.received_ms),
                                 absl::StrCat(entry.info.gateway_ms),
                                 absl::StrCat(entry.info.received_ms),
                                 absl::StrCat(entry.sinks.gateway_ms),
                                 absl::StrCat(entry.sinks.received_ms)};
    const char* values[] = {gateway.id().c_str(), times[0].c_str(), record.data(),
                            times[1].c_str(),     times[2].c_str(), times[3].c_str(),
                            times[4].c_str(),     times[5].c_str(), times[6].c_str()};
    const int lengths[] = {0, 0, static_cast<int>(record.size()), 0, 0, 0, 0, 0, 0};
    const int formats[] = {0, 0, 1, 0, 0, 0, 0, 0, 0};
    Result result(PQexecParams(conn_, kUpsertGateway, 9, nullptr, values, lengths, formats, 0));
    if (!result.ok()) return ErrorLocked(result.get(), "cannot write gateway " + gateway.id());
  }
  for (const auto& [gateway_id, sink_id] : batch.removed_sinks) {
    const char* values[] = {gateway_id.c_str(), sink_id.c_str()};
    Result result(PQexecParams(conn_,
                               "DELETE FROM registry_sinks WHERE gateway_id = $1 AND sink_id = $2",
                               2, nullptr, values, nullptr, nullptr, 0));
    if (!result.ok()) {
      return ErrorLocked(result.get(), "cannot delete sink " + gateway_id + "/" + sink_id);
    }
  }
  for (const StoredSink& entry : batch.sinks) {
    const wm::v1::Sink& sink = entry.sink;
    wm::v1::Sink stored = sink;
    stored.clear_node_count();  // derived from the nodes
    stored.clear_gateway_id();
    stored.clear_sink_id();
    const std::string record = stored.SerializeAsString();
    const std::string reported = absl::StrCat(static_cast<int64_t>(sink.reported_ms_epoch()));
    const std::string reported_gateway = absl::StrCat(entry.reported_gateway_ms);
    const char* values[] = {sink.gateway_id().c_str(), sink.sink_id().c_str(), reported.c_str(),
                            record.data(), reported_gateway.c_str()};
    const int lengths[] = {0, 0, 0, static_cast<int>(record.size()), 0};
    const int formats[] = {0, 0, 0, 1, 0};
    Result result(PQexecParams(conn_, kUpsertSink, 5, nullptr, values, lengths, formats, 0));
    if (!result.ok()) {
      return ErrorLocked(result.get(),
                         "cannot write sink " + sink.gateway_id() + "/" + sink.sink_id());
    }
  }
  for (size_t begin = 0; begin < batch.nodes.size(); begin += kNodesPerStatement) {
    const size_t end = std::min(batch.nodes.size(), begin + kNodesPerStatement);
    if (absl::Status s = WriteNodesLocked(batch, begin, end); !s.ok()) return s;
  }
  if (batch.position.has_value()) {
    // Compared as bigint: epochs (ms since 1970) and sequences stay far below 2^63.
    const std::string epoch = absl::StrCat(static_cast<int64_t>(batch.position->stream_epoch));
    const std::string sequence = absl::StrCat(static_cast<int64_t>(batch.position->sequence));
    const char* values[] = {epoch.c_str(), sequence.c_str()};
    Result result(PQexecParams(
        conn_,
        "INSERT INTO registry_stream_position (singleton, stream_epoch, sequence) "
        "VALUES (true, $1, $2) ON CONFLICT (singleton) DO UPDATE SET "
        "stream_epoch = excluded.stream_epoch, sequence = excluded.sequence "
        "WHERE (registry_stream_position.stream_epoch, registry_stream_position.sequence) <= "
        "(excluded.stream_epoch, excluded.sequence)",
        2, nullptr, values, nullptr, nullptr, 0));
    if (!result.ok()) return ErrorLocked(result.get(), "cannot write the stream position");
  }
  return absl::OkStatus();
}

absl::Status PostgresRegistryStore::WriteNodesLocked(const StoreBatch& batch, size_t begin,
                                                     size_t end) {
  // The element type of each of kUpsertNodes' parameters, in kNodeColumns' order.
  constexpr Oid kElements[kNodeColumnCount] = {kInt8Oid, kInt8Oid, kTextOid, kTextOid, kInt8Oid,
                                               kInt8Oid, kInt8Oid, kInt8Oid, kInt8Oid, kInt4Oid,
                                               kBoolOid, kInt4Oid, kInt4Oid, kInt8Oid, kInt8Oid,
                                               kInt8Oid, kInt8Oid, kInt8Oid, kInt8Oid};
  std::vector<BinaryArray> columns;
  columns.reserve(kNodeColumnCount);
  for (Oid element : kElements) columns.emplace_back(element, end - begin);
  auto optional = [](BinaryArray& column, bool present, int64_t value) {
    if (present) {
      column.Add(value);
    } else {
      column.AddNull();
    }
  };
  for (size_t i = begin; i < end; ++i) {
    const StoredNode& node = batch.nodes[i];
    const NodeRecord& r = node.record;
    columns[0].Add(static_cast<int64_t>(node.key.network));
    columns[1].Add(node.key.address);
    columns[2].AddText(node.gateway_id);
    columns[3].AddText(node.sink_id);
    columns[4].Add(r.first_seen_ms);
    columns[5].Add(r.last_seen_ms);
    columns[6].Add(static_cast<int64_t>(r.packets));
    columns[7].Add(r.last_rx_ms);
    columns[8].Add(r.travel_time_ms);
    columns[9].Add(r.hop_count);
    columns[10].AddBool(r.stale);
    optional(columns[11], r.present & kHasRole, r.role);
    optional(columns[12], r.present & kHasVoltage, r.voltage_mv);
    optional(columns[13], r.present & kHasFirmware, r.firmware);
    optional(columns[14], r.present & kHasBootCount, r.boot_count);
    optional(columns[15], r.present & kHasScratchpadSequence, r.scratchpad_sequence);
    columns[16].Add(r.role_rx_ms);
    columns[17].Add(r.voltage_rx_ms);
    columns[18].Add(r.boot_rx_ms);
  }
  const char* values[kNodeColumnCount];
  int lengths[kNodeColumnCount];
  int formats[kNodeColumnCount];
  for (int c = 0; c < kNodeColumnCount; ++c) {
    const std::string& bytes = columns[c].Finish();
    values[c] = bytes.data();
    lengths[c] = static_cast<int>(bytes.size());
    formats[c] = 1;
  }
  Result result(
      PQexecParams(conn_, kUpsertNodes, kNodeColumnCount, nullptr, values, lengths, formats, 0));
  if (!result.ok()) {
    return ErrorLocked(result.get(), absl::StrCat("cannot write ", end - begin, " nodes"));
  }
  return absl::OkStatus();
}

}  // namespace wm::registry
