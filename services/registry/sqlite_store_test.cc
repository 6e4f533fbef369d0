#include "services/registry/sqlite_store.h"

#include <sqlite3.h>

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
    Sql(path_, "INSERT INTO gateways VALUES ('" + id + "', x'ffffffff')");
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
