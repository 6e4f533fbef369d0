#include "services/registry/sqlite_store.h"

#include <sqlite3.h>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "services/registry/registry_store_contract.h"

namespace wm::registry {
namespace {

using ::testing::HasSubstr;

// SQLite-only behaviour: the file itself. What every store does is in
// registry_store_contract.h, instantiated below.

std::string NewDbPath() {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("registry-db");
  EXPECT_TRUE(dir.ok()) << dir.status();
  return *dir + "/registry.db";
}

// Runs SQL on the file through a connection of its own; returns the first column of the first
// row as text ("" when none).
std::string Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string result;
  char* error = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int columns, char** values, char**) {
        auto* text = static_cast<std::string*>(out);
        if (text->empty() && columns > 0 && values[0] != nullptr) *text = values[0];
        return 0;
      },
      &result, &error);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return result;
}

// Fresh SQLite files for the shared RegistryStore tests.
class SqliteStoreEnvironment {
 public:
  absl::Status SetUp() {
    absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("registry-db");
    if (!dir.ok()) return dir.status();
    path_ = *dir + "/registry.db";
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<RegistryStore>> Open() {
    absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> store = SqliteRegistryStore::Open(path_);
    if (!store.ok()) return store.status();
    return std::unique_ptr<RegistryStore>(*std::move(store));
  }
  absl::Status DamageGateway(const std::string& id) {
    Sql(path_, "INSERT INTO gateways (gateway_id, record) VALUES ('" + id + "', x'ffffffff')");
    return absl::OkStatus();
  }
  absl::Status SetSchemaVersion(int version) {
    Sql(path_, "PRAGMA user_version = " + std::to_string(version));
    return absl::OkStatus();
  }
  std::string Name() const { return path_; }

 private:
  std::string path_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, RegistryStoreContractTest, SqliteStoreEnvironment);

TEST(SqliteRegistryStoreTest, TheFileIsInWalModeWithAVersionedSchema) {
  const std::string path = NewDbPath();
  ASSERT_TRUE(SqliteRegistryStore::Open(path).ok());
  EXPECT_EQ(Sql(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), std::to_string(SqliteRegistryStore::kSchemaVersion));
  // Opening again migrates nothing and keeps the data.
  {
    auto store = SqliteRegistryStore::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write(SampleStoreBatch()).ok());
  }
  ASSERT_TRUE(SqliteRegistryStore::Open(path).ok());
  EXPECT_EQ(Sql(path, "SELECT count(*) FROM nodes"), "2");
}

// The gateways and sinks tables as schema version 1 made them (nodes left out: unchanged).
constexpr char kSchemaVersion1[] = R"sql(
CREATE TABLE gateways (gateway_id TEXT NOT NULL PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE sinks (gateway_id TEXT NOT NULL, sink_id TEXT NOT NULL, record BLOB NOT NULL,
                    PRIMARY KEY (gateway_id, sink_id)) WITHOUT ROWID;
CREATE TABLE nodes (
  network_address INTEGER NOT NULL, address INTEGER NOT NULL, gateway_id TEXT NOT NULL,
  sink_id TEXT NOT NULL, first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
  packets INTEGER NOT NULL, last_rx_ms INTEGER NOT NULL, travel_time_ms INTEGER NOT NULL,
  hop_count INTEGER NOT NULL, stale INTEGER NOT NULL, role INTEGER, voltage_mv INTEGER,
  firmware INTEGER, boot_count INTEGER, scratchpad_sequence INTEGER,
  role_rx_ms INTEGER NOT NULL, voltage_rx_ms INTEGER NOT NULL, boot_rx_ms INTEGER NOT NULL,
  PRIMARY KEY (network_address, address)) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

TEST(SqliteRegistryStoreTest, AFileOfSchemaVersion1GainsTheFactTimesAndKeepsItsRows) {
  const std::string path = NewDbPath();
  Sql(path, kSchemaVersion1);
  const StoreBatch sample = SampleStoreBatch();
  wm::v1::Gateway gateway = sample.gateways[0].gateway;
  gateway.clear_id();
  gateway.clear_sink_ids();
  wm::v1::Sink sink = sample.sinks[0].sink;
  sink.clear_gateway_id();
  sink.clear_sink_id();
  sink.clear_node_count();
  Sql(path, "INSERT INTO gateways VALUES ('gw-1', x'" +
                absl::BytesToHexString(gateway.SerializeAsString()) + "')");
  Sql(path, "INSERT INTO sinks VALUES ('gw-1', 'sink0', x'" +
                absl::BytesToHexString(sink.SerializeAsString()) + "')");

  auto store = SqliteRegistryStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), std::to_string(SqliteRegistryStore::kSchemaVersion));
  absl::StatusOr<RegistrySnapshot> snapshot = (*store)->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->gateways[0].gateway.model(), "model-x");
  EXPECT_EQ(snapshot->gateways[0].state, FactTime{}) << "no time: the next message is newer";
  EXPECT_EQ(snapshot->gateways[0].sinks, FactTime{});
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  EXPECT_EQ(snapshot->sinks[0].sink.reported_ms_epoch(), 5000u);
  EXPECT_EQ(snapshot->sinks[0].reported_gateway_ms, 0);
  EXPECT_FALSE(snapshot->position.has_value()) << "no position: subscribe without one";

  // The migrated file takes the times from now on.
  ASSERT_TRUE((*store)->Write(sample).ok());
  snapshot = (*store)->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  ExpectSameGateway(snapshot->gateways[0], sample.gateways[0]);
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  ExpectSameSink(snapshot->sinks[0], sample.sinks[0]);
}

TEST(SqliteRegistryStoreTest, AFileThatIsNotADatabaseIsRefused) {
  const std::string path = NewDbPath();
  ASSERT_TRUE(wm::testing::WriteFile(path, std::string(8192, 'x')).ok());
  auto store = SqliteRegistryStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr(path));
}

TEST(SqliteRegistryStoreTest, AMissingDirectoryIsUnavailable) {
  auto store = SqliteRegistryStore::Open(wm::testing::TestTmpDir() + "/no/such/dir/registry.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable) << store.status();
}

}  // namespace
}  // namespace wm::registry
