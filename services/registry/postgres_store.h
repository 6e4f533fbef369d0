#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/registry/registry_store.h"

struct pg_conn;
struct pg_result;

namespace wm::registry {

// The registry's inventory in a PostgreSQL database, for several replicas sharing one
// inventory (or a managed database instead of a file on a volume).
//
// Tables registry_gateways, registry_sinks and registry_nodes (in the connection's
// search_path), created when missing; registry_schema holds their version, migrated forward on
// open under an advisory lock (replicas may start together); a database from a newer build is
// refused rather than misread.
//
// Every Write is one transaction. Replicas following the same stream write the same rows:
// an upsert never moves a row backwards, i.e. a node is replaced only by a record at least as
// new by last_seen_ms, a sink by reported_ms_epoch, a gateway by last_seen_ms_epoch (the
// fields RegistryState only moves forward). Removals are unconditional; replicas following
// the same stream converge on them. Nodes go in one INSERT ... SELECT FROM unnest(...) per
// 10,000, its arrays sent in binary format, not a statement each.
//
// The connection string may hold a password: no error or log line carries it (they name
// host, port, dbname and user). A connection that breaks makes that call Unavailable; the
// next call connects again.
//
//   auto store = PostgresRegistryStore::Open("host=db.example port=5432 dbname=wm user=wm");
//   absl::StatusOr<RegistrySnapshot> snapshot = (*store)->Load();
//   (*store)->Write(batch);
class PostgresRegistryStore final : public RegistryStore {
 public:
  // The schema version this build writes.
  static constexpr int kSchemaVersion = 3;
  // Nodes per INSERT statement.
  static constexpr size_t kNodesPerStatement = 10000;

  // Connects (a libpq "key=value" string or a postgresql:// URL; connect_timeout defaults to
  // 10 s and TCP keepalives find a dead peer within about a minute unless it says otherwise)
  // and brings the schema up to date. InvalidArgument when libpq cannot parse `conninfo`,
  // Unavailable when the server cannot be reached or refuses the login (with the server's
  // message), FailedPrecondition when the schema is newer than this build's.
  static absl::StatusOr<std::unique_ptr<PostgresRegistryStore>> Open(const std::string& conninfo);

  ~PostgresRegistryStore() override;
  PostgresRegistryStore(const PostgresRegistryStore&) = delete;
  PostgresRegistryStore& operator=(const PostgresRegistryStore&) = delete;

  // One consistent snapshot (a repeatable-read transaction). Rows that do not parse (a
  // damaged gateway or sink record) are skipped with a log line.
  absl::StatusOr<RegistrySnapshot> Load() override;
  absl::Status Write(const StoreBatch& batch) override;

  // The database as errors and logs name it: "host=... port=... dbname=... user=...".
  const std::string& target() const { return target_; }

 private:
  class Result;

  PostgresRegistryStore(std::string conninfo, std::string target, std::string password);
  // Connects when there is no usable connection (first use, or the last one broke).
  absl::Status EnsureConnectedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MigrateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteLocked(const StoreBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteNodesLocked(const StoreBatch& batch, size_t begin, size_t end)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<RegistrySnapshot> LoadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs a statement without parameters; an error names `what`.
  absl::Status ExecLocked(const char* sql, const std::string& what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The error for a failed statement (null `result`: a connection-level failure): its code
  // from the SQLSTATE, Unavailable once the connection is gone. Logs a lost connection once.
  absl::Status ErrorLocked(const pg_result* result, const std::string& what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `message` on one line, without the password.
  std::string Clean(std::string message) const;

  const std::string conninfo_;  // secret: may hold the password
  const std::string target_;
  const std::string password_;  // only to keep it out of messages
  absl::Mutex mu_;
  pg_conn* conn_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The previous connection broke (logged once; its return is logged too).
  bool connection_lost_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace wm::registry
