#include "services/registry/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"

namespace wm::registry {
namespace {

using ::testing::HasSubstr;

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

StoreBatch SampleBatch() {
  StoreBatch batch;
  wm::v1::Gateway gateway;
  gateway.set_id("gw-1");
  gateway.set_state(wm::v1::GATEWAY_STATE_ONLINE);
  gateway.set_model("model-x");
  gateway.set_max_scratchpad_size(1024);
  gateway.add_features(wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  gateway.set_last_seen_ms_epoch(5000);
  gateway.add_sink_ids("sink0");  // derived: not stored
  batch.gateways.push_back(gateway);
  wm::v1::Sink sink;
  sink.set_gateway_id("gw-1");
  sink.set_sink_id("sink0");
  sink.mutable_config()->set_sink_id("sink0");
  sink.mutable_config()->set_network_address(0x123456);
  sink.mutable_config()->mutable_app_config()->set_data(std::string("\0\1\2", 3));
  sink.set_reported_ms_epoch(5000);
  sink.set_node_count(9);  // derived: not stored
  batch.sinks.push_back(sink);

  StoredNode full{{0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFE}, {}, "gw-1", "sink0"};
  full.record.first_seen_ms = 100;
  full.record.last_seen_ms = 200;
  full.record.packets = 1'000'000'000'000ull;
  full.record.last_rx_ms = 190;
  full.record.role_rx_ms = 150;
  full.record.voltage_rx_ms = 160;
  full.record.boot_rx_ms = 170;
  full.record.travel_time_ms = 45;
  full.record.hop_count = 3;
  full.record.stale = true;
  full.record.role = 0x82;
  full.record.voltage_mv = 2950;
  full.record.firmware = 0x05010014;
  full.record.boot_count = 0;
  full.record.scratchpad_sequence = 12;
  full.record.present =
      kHasRole | kHasVoltage | kHasFirmware | kHasBootCount | kHasScratchpadSequence;
  StoredNode bare{{7, 1}, {}, "gw-2", "sink1"};
  bare.record.packets = 1;
  batch.nodes = {full, bare};
  return batch;
}

void ExpectSameNode(const StoredNode& a, const StoredNode& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.gateway_id, b.gateway_id);
  EXPECT_EQ(a.sink_id, b.sink_id);
  const NodeRecord& x = a.record;
  const NodeRecord& y = b.record;
  EXPECT_EQ(x.first_seen_ms, y.first_seen_ms);
  EXPECT_EQ(x.last_seen_ms, y.last_seen_ms);
  EXPECT_EQ(x.packets, y.packets);
  EXPECT_EQ(x.last_rx_ms, y.last_rx_ms);
  EXPECT_EQ(x.role_rx_ms, y.role_rx_ms);
  EXPECT_EQ(x.voltage_rx_ms, y.voltage_rx_ms);
  EXPECT_EQ(x.boot_rx_ms, y.boot_rx_ms);
  EXPECT_EQ(x.travel_time_ms, y.travel_time_ms);
  EXPECT_EQ(x.hop_count, y.hop_count);
  EXPECT_EQ(x.stale, y.stale);
  EXPECT_EQ(x.present, y.present);
  EXPECT_EQ(x.role, y.role);
  EXPECT_EQ(x.voltage_mv, y.voltage_mv);
  EXPECT_EQ(x.firmware, y.firmware);
  EXPECT_EQ(x.boot_count, y.boot_count);
  EXPECT_EQ(x.scratchpad_sequence, y.scratchpad_sequence);
}

TEST(SqliteRegistryStoreTest, WhatIsWrittenIsLoadedByTheNextProcess) {
  const std::string path = NewDbPath();
  const StoreBatch batch = SampleBatch();
  {
    auto store = SqliteRegistryStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  auto store = SqliteRegistryStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<RegistrySnapshot> snapshot = (*store)->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  wm::v1::Gateway expected_gateway = batch.gateways[0];
  expected_gateway.clear_sink_ids();
  EXPECT_EQ(snapshot->gateways[0].DebugString(), expected_gateway.DebugString());
  ASSERT_EQ(snapshot->sinks.size(), 1u);
  wm::v1::Sink expected_sink = batch.sinks[0];
  expected_sink.clear_node_count();
  EXPECT_EQ(snapshot->sinks[0].DebugString(), expected_sink.DebugString());
  ASSERT_EQ(snapshot->nodes.size(), 2u);
  std::sort(snapshot->nodes.begin(), snapshot->nodes.end(),
            [](const StoredNode& a, const StoredNode& b) { return a.key < b.key; });
  ExpectSameNode(snapshot->nodes[0], batch.nodes[1]);
  // The all-ones network survives SQLite's signed integers.
  ExpectSameNode(snapshot->nodes[1], batch.nodes[0]);
}

TEST(SqliteRegistryStoreTest, WritesReplaceAndDelete) {
  const std::string path = NewDbPath();
  auto store = SqliteRegistryStore::Open(path);
  ASSERT_TRUE(store.ok());
  StoreBatch batch = SampleBatch();
  ASSERT_TRUE((*store)->Write(batch).ok());

  StoreBatch update;
  update.gateways.push_back(batch.gateways[0]);
  update.gateways[0].set_state(wm::v1::GATEWAY_STATE_OFFLINE);
  update.nodes.push_back(batch.nodes[1]);
  update.nodes[0].record.packets = 2;
  update.removed_sinks.emplace_back("gw-1", "sink0");
  ASSERT_TRUE((*store)->Write(update).ok());
  absl::StatusOr<RegistrySnapshot> snapshot = (*store)->Load();
  ASSERT_TRUE(snapshot.ok());
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->gateways[0].state(), wm::v1::GATEWAY_STATE_OFFLINE);
  EXPECT_TRUE(snapshot->sinks.empty());
  ASSERT_EQ(snapshot->nodes.size(), 2u);
  for (const StoredNode& node : snapshot->nodes) {
    if (node.key.network == 7) EXPECT_EQ(node.record.packets, 2u);
  }

  StoreBatch removal;
  removal.removed_gateways.push_back("gw-1");
  ASSERT_TRUE((*store)->Write(removal).ok());
  EXPECT_TRUE((*store)->Load()->gateways.empty());
  EXPECT_TRUE((*store)->Write(StoreBatch()).ok());
}

TEST(SqliteRegistryStoreTest, TheFileIsInWalModeWithAVersionedSchema) {
  const std::string path = NewDbPath();
  ASSERT_TRUE(SqliteRegistryStore::Open(path).ok());
  EXPECT_EQ(Sql(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Sql(path, "PRAGMA user_version"), std::to_string(SqliteRegistryStore::kSchemaVersion));
  // Opening again migrates nothing and keeps the data.
  {
    auto store = SqliteRegistryStore::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write(SampleBatch()).ok());
  }
  ASSERT_TRUE(SqliteRegistryStore::Open(path).ok());
  EXPECT_EQ(Sql(path, "SELECT count(*) FROM nodes"), "2");
}

TEST(SqliteRegistryStoreTest, AFileFromANewerBuildIsRefused) {
  const std::string path = NewDbPath();
  ASSERT_TRUE(SqliteRegistryStore::Open(path).ok());
  Sql(path, "PRAGMA user_version = 99");
  auto store = SqliteRegistryStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(store.status().message(), HasSubstr(path));
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

TEST(SqliteRegistryStoreTest, ADamagedRecordIsSkippedNotFatal) {
  const std::string path = NewDbPath();
  {
    auto store = SqliteRegistryStore::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write(SampleBatch()).ok());
  }
  Sql(path, "INSERT INTO gateways VALUES ('gw-bad', x'ffffffff')");
  auto store = SqliteRegistryStore::Open(path);
  ASSERT_TRUE(store.ok());
  absl::StatusOr<RegistrySnapshot> snapshot = (*store)->Load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(snapshot->gateways.size(), 1u);
  EXPECT_EQ(snapshot->gateways[0].id(), "gw-1");
  EXPECT_EQ(snapshot->nodes.size(), 2u);
}

}  // namespace
}  // namespace wm::registry
