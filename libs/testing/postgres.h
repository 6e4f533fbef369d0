#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/testing/subprocess.h"

namespace wm::testing {

// How a PostgresProcess started by root runs its server, which PostgreSQL refuses to run as
// root. Without root the server runs as the test's own user and this does not matter.
enum class PostgresRootMode {
  // A user namespace when the kernel allows one, else kSwitchUser.
  kAuto,
  // `unshare --user`: the server sees itself as the `postgres` system user (or `nobody`) in a
  // user namespace of its own, mapped onto the test's root. This is what works inside Bazel's
  // linux-sandbox, whose own user namespace maps root alone (setuid to any other user fails
  // there with EINVAL).
  kUserNamespace,
  // `setpriv`: setgid/setuid to the `postgres` system user (or `nobody`) in the child, the
  // directory chowned to it. Needs a user namespace that maps that user: the machine's own,
  // i.e. not inside linux-sandbox (tag such tests "no-sandbox").
  kSwitchUser,
};

// How to run the server.
struct PostgresOptions {
  // The superuser's password. When set, TCP connections must give it (scram-sha-256) and
  // conninfo() carries it; when empty, TCP connections are trusted.
  std::string password;
  // fsync off (the default) makes commits and initdb fast; a benchmark that wants a server
  // as it would run in production turns it on.
  bool fsync = false;
  PostgresRootMode root_mode = PostgresRootMode::kAuto;
  // Server settings given as -c name=value, e.g. {"max_connections", "20"}.
  std::vector<std::pair<std::string, std::string>> settings;
};

// A private PostgreSQL 15 server (/usr/lib/postgresql/15/bin) on 127.0.0.1 for one test: a
// fresh cluster made by initdb in a new directory under /tmp (short enough for the unix
// socket, which lives there too, and reachable by the server's user), removed by the
// destructor. The server's log is its Subprocess output under TestTmpDir().
//
//   auto postgres = PostgresProcess::Start();
//   ASSERT_TRUE(postgres.ok()) << postgres.status();
//   store = PostgresRegistryStore::Open((*postgres)->conninfo());
//   ASSERT_TRUE((*postgres)->Stop().ok());        // database outage
//   ASSERT_TRUE((*postgres)->StartAgain().ok());  // back on the same port, same data
//
// Start() returns once the server accepts connections. A test killed outright (SIGKILL, a
// timeout) takes the server with it but leaves its directory in /tmp.
class PostgresProcess {
 public:
  // The superuser's name.
  static constexpr char kUser[] = "postgres";

  static absl::StatusOr<std::unique_ptr<PostgresProcess>> Start(PostgresOptions options = {});

  PostgresProcess(const PostgresProcess&) = delete;
  PostgresProcess& operator=(const PostgresProcess&) = delete;
  // Stops the server and removes its directory.
  ~PostgresProcess();

  // Fast shutdown by PID (SIGINT: open sessions are disconnected, their transactions rolled
  // back); SIGKILL to the server's process group if it has not exited within 10 s.
  absl::Status Stop();
  // Starts the server again after Stop(), on the same port with the same data.
  absl::Status StartAgain();
  // Stop() then StartAgain().
  absl::Status Restart();

  bool running() const { return process_ != nullptr && process_->running(); }
  // The server's (postmaster's) PID, of the current or last run.
  pid_t pid() const { return process_ != nullptr ? process_->pid() : 0; }
  int port() const { return port_; }
  // libpq connection string for `dbname`, e.g.
  // "host=127.0.0.1 port=54321 dbname=postgres user=postgres password=...".
  std::string conninfo(std::string_view dbname = "postgres") const;
  // The same as a postgresql:// URL.
  std::string url(std::string_view dbname = "postgres") const;
  // The cluster's directory (data/ and the unix socket are in it).
  const std::string& dir() const { return dir_; }
  // The server's log of the current or last run.
  std::string Log() const;

  // Runs `sql` (one or more statements) as the superuser on `dbname`, through a connection of
  // its own; returns the first column of the first row of the last statement's result, ""
  // when it has none. Errors quote the server's message.
  absl::StatusOr<std::string> Query(const std::string& sql,
                                    std::string_view dbname = "postgres") const;
  // Creates a database and returns its conninfo().
  absl::StatusOr<std::string> CreateDatabase(const std::string& name);

 private:
  PostgresProcess() = default;
  // The command line that runs `binary` as the server's user (unshare/setpriv when root).
  std::pair<std::string, std::vector<std::string>> Command(const std::string& binary,
                                                           std::vector<std::string> args) const;
  absl::Status InitDb();
  absl::Status WaitUntilAccepting(absl::Duration timeout);

  PostgresOptions options_;
  // Resolved from options_.root_mode when root; false when not root.
  bool as_root_ = false;
  bool user_namespace_ = false;
  unsigned server_uid_ = 0;
  unsigned server_gid_ = 0;
  int port_ = 0;
  std::string dir_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace wm::testing
