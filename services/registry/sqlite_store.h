#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/registry/registry_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace wm::registry {

// The registry's inventory in one SQLite file.
//
// The file is in WAL mode with synchronous=NORMAL: a committed batch survives the process
// being killed (kill -9) at any point, and a commit costs no fsync of its own (the WAL is
// synced at checkpoints), so the registry writes a batch every few hundred milliseconds
// rather than a transaction per packet. A power loss can lose the last batches, never
// corrupt the file.
//
// The schema carries its version in PRAGMA user_version and is migrated forward on open; a
// file from a newer build is refused rather than misread.
//
//   auto store = SqliteRegistryStore::Open("/var/lib/wm/registry.db");
//   absl::StatusOr<RegistrySnapshot> snapshot = (*store)->Load();
//   (*store)->Write(batch);
class SqliteRegistryStore final : public RegistryStore {
 public:
  // The schema version this build writes.
  static constexpr int kSchemaVersion = 3;

  // Opens or creates the file and brings its schema up to date. Errors name the path:
  // Unavailable when the file cannot be opened or created (missing directory, permissions),
  // FailedPrecondition when it is not a SQLite database or its schema is newer than this
  // build's.
  static absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> Open(const std::string& path);

  ~SqliteRegistryStore() override;
  SqliteRegistryStore(const SqliteRegistryStore&) = delete;
  SqliteRegistryStore& operator=(const SqliteRegistryStore&) = delete;

  // Rows that do not parse (a damaged gateway or sink record) are skipped with a log line.
  absl::StatusOr<RegistrySnapshot> Load() override;
  absl::Status Write(const StoreBatch& batch) override;

  const std::string& path() const { return path_; }

 private:
  struct Statements;

  SqliteRegistryStore(std::string path, sqlite3* db);
  absl::Status Migrate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Prepare() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteLocked(const StoreBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An error for the current state of the connection, naming `what` and the file.
  absl::Status Error(int code, const std::string& what) const;

  const std::string path_;
  absl::Mutex mu_;
  sqlite3* const db_;
  std::unique_ptr<Statements> statements_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::registry
