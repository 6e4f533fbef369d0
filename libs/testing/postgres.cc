#include "libs/testing/postgres.h"

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/testing/files.h"
#include "libs/testing/ports.h"
#include "postgresql/libpq-fe.h"

namespace wm::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr char kUnshare[] = "/usr/bin/unshare";
constexpr char kSetpriv[] = "/usr/bin/setpriv";
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr absl::Duration kStopTimeout = absl::Seconds(10);
// initdb writes ~40 MB; with -N it does not wait for the disk.
constexpr absl::Duration kInitDbTimeout = absl::Seconds(60);

// A value for a libpq "key=value" string: quoted when it holds anything but plain characters.
std::string ConninfoValue(std::string_view value) {
  if (!value.empty() && value.find_first_of(" '\\\t\n") == std::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "'";
}

std::string PercentEncode(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// Runs a command to completion; its exit code and output.
absl::StatusOr<std::pair<int, std::string>> RunToCompletion(const std::string& binary,
                                                            const std::vector<std::string>& args,
                                                            absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<Subprocess>> child =
      Subprocess::Start(binary, args, {{"LC_ALL", "C"}});
  if (!child.ok()) return child.status();
  absl::StatusOr<int> code = (*child)->Wait(timeout);
  if (!code.ok()) return code.status();
  return std::make_pair(*code, (*child)->Output());
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresProcess>> PostgresProcess::Start(PostgresOptions options) {
  std::unique_ptr<PostgresProcess> server(new PostgresProcess());
  server->options_ = std::move(options);
  if (geteuid() == 0) {
    server->as_root_ = true;
    passwd* user = getpwnam("postgres");
    if (user == nullptr) user = getpwnam("nobody");
    if (user == nullptr) {
      return absl::FailedPreconditionError(
          "PostgreSQL does not run as root and neither the postgres nor the nobody user exists");
    }
    server->server_uid_ = user->pw_uid;
    server->server_gid_ = user->pw_gid;
    switch (server->options_.root_mode) {
      case PostgresRootMode::kUserNamespace:
        server->user_namespace_ = true;
        break;
      case PostgresRootMode::kSwitchUser:
        server->user_namespace_ = false;
        break;
      case PostgresRootMode::kAuto: {
        server->user_namespace_ = true;
        auto [binary, args] = server->Command("/bin/true", {});
        absl::StatusOr<std::pair<int, std::string>> probe =
            RunToCompletion(binary, args, absl::Seconds(10));
        server->user_namespace_ = probe.ok() && probe->first == 0;
        break;
      }
    }
  }

  // Under /tmp rather than TestTmpDir(): a unix socket path has at most 107 bytes, and a
  // server switched to another user could not reach a directory under /root.
  char dir[] = "/tmp/wm-postgres-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", dir, ": ", std::strerror(errno)));
  }
  server->dir_ = dir;
  if (server->as_root_ && !server->user_namespace_ &&
      chown(dir, server->server_uid_, server->server_gid_) != 0) {
    return absl::InternalError(absl::StrCat("chown ", dir, ": ", std::strerror(errno)));
  }
  if (absl::Status s = server->InitDb(); !s.ok()) return s;

  // A picked port may be taken by someone else before the server binds it: pick again.
  constexpr int kAttempts = 3;
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    server->port_ = FreeLoopbackPort();
    status = server->StartAgain();
    if (status.ok() || server->Log().find("could not bind") == std::string::npos) break;
  }
  if (!status.ok()) return status;
  return server;
}

PostgresProcess::~PostgresProcess() {
  Stop().IgnoreError();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::pair<std::string, std::vector<std::string>> PostgresProcess::Command(
    const std::string& binary, std::vector<std::string> args) const {
  std::vector<std::string> command;
  std::string program = binary;
  if (as_root_ && user_namespace_) {
    program = kUnshare;
    command = {"--user", absl::StrCat("--map-user=", server_uid_),
               absl::StrCat("--map-group=", server_gid_), "--", binary};
  } else if (as_root_) {
    // setpriv clears the parent-death signal Subprocess set (credentials change): set it again
    // so that the server dies with the test.
    program = kSetpriv;
    command = {absl::StrCat("--reuid=", server_uid_),
               absl::StrCat("--regid=", server_gid_),
               "--clear-groups",
               "--pdeathsig=KILL",
               "--",
               binary};
  }
  command.insert(command.end(), args.begin(), args.end());
  return {program, command};
}

absl::Status PostgresProcess::InitDb() {
  std::vector<std::string> args = {"--pgdata=" + dir_ + "/data",
                                   absl::StrCat("--username=", kUser),
                                   "--encoding=UTF8",
                                   "--locale=C",
                                   "--no-sync",
                                   "--auth=trust"};
  const std::string password_file = dir_ + "/password";
  if (!options_.password.empty()) {
    if (absl::Status s = WriteFile(password_file, options_.password + "\n", 0600); !s.ok()) {
      return s;
    }
    if (as_root_ && !user_namespace_ &&
        chown(password_file.c_str(), server_uid_, server_gid_) != 0) {
      return absl::InternalError(absl::StrCat("chown ", password_file, ": ", std::strerror(errno)));
    }
    args.push_back("--auth-host=scram-sha-256");
    args.push_back("--pwfile=" + password_file);
  }
  auto [binary, command] = Command(absl::StrCat(kBinDir, "/initdb"), args);
  absl::StatusOr<std::pair<int, std::string>> result =
      RunToCompletion(binary, command, kInitDbTimeout);
  unlink(password_file.c_str());
  if (!result.ok()) return result.status();
  if (result->first != 0) {
    return absl::InternalError(
        absl::StrCat("initdb exited with ", result->first, ":\n", result->second));
  }
  return absl::OkStatus();
}

absl::Status PostgresProcess::StartAgain() {
  if (running()) return absl::FailedPreconditionError("postgres is already running");
  std::vector<std::string> args = {"-D", dir_ + "/data",
                                   "-p", std::to_string(port_),
                                   "-c", "listen_addresses=127.0.0.1",
                                   "-c", "unix_socket_directories=" + dir_};
  if (!options_.fsync) {
    args.insert(args.end(), {"-c", "fsync=off", "-c", "full_page_writes=off"});
  }
  for (const auto& [name, value] : options_.settings) {
    args.insert(args.end(), {"-c", absl::StrCat(name, "=", value)});
  }
  auto [binary, command] = Command(absl::StrCat(kBinDir, "/postgres"), args);
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(binary, command, {{"LC_ALL", "C"}});
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  return WaitUntilAccepting(kStartTimeout);
}

absl::Status PostgresProcess::WaitUntilAccepting(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string target = conninfo();
  while (true) {
    if (!process_->running()) {
      return absl::UnavailableError(
          absl::StrCat("postgres exited while starting on port ", port_, ":\n", Log()));
    }
    if (PQping(target.c_str()) == PQPING_OK) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("postgres not accepting connections on port ",
                                                      port_, " after ",
                                                      absl::FormatDuration(timeout), ":\n", Log()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::Status PostgresProcess::Stop() {
  if (!running()) return absl::OkStatus();
  if (absl::Status s = process_->Signal(SIGINT); !s.ok()) return s;
  absl::StatusOr<int> code = process_->Wait(kStopTimeout);
  if (!code.ok()) {
    process_->Stop(absl::ZeroDuration());  // SIGKILL to the group: backends too
    return absl::InternalError(absl::StrCat("postgres did not shut down within ",
                                            absl::FormatDuration(kStopTimeout), ":\n", Log()));
  }
  if (*code != 0) {
    return absl::InternalError(absl::StrCat("postgres exited with ", *code, ":\n", Log()));
  }
  return absl::OkStatus();
}

absl::Status PostgresProcess::Restart() {
  if (absl::Status s = Stop(); !s.ok()) return s;
  return StartAgain();
}

std::string PostgresProcess::conninfo(std::string_view dbname) const {
  std::string result = absl::StrCat("host=127.0.0.1 port=", port_,
                                    " dbname=", ConninfoValue(dbname), " user=", kUser);
  if (!options_.password.empty()) {
    absl::StrAppend(&result, " password=", ConninfoValue(options_.password));
  }
  return result;
}

std::string PostgresProcess::url(std::string_view dbname) const {
  std::string credentials = kUser;
  if (!options_.password.empty()) {
    absl::StrAppend(&credentials, ":", PercentEncode(options_.password));
  }
  return absl::StrCat("postgresql://", credentials, "@127.0.0.1:", port_, "/",
                      PercentEncode(dbname));
}

std::string PostgresProcess::Log() const {
  return process_ != nullptr ? process_->Output() : std::string();
}

absl::StatusOr<std::string> PostgresProcess::Query(const std::string& sql,
                                                   std::string_view dbname) const {
  PGconn* conn = PQconnectdb(conninfo(dbname).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to port ", port_, ": ", message));
  }
  PGresult* result = PQexec(conn, sql.c_str());
  absl::StatusOr<std::string> value;
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_TUPLES_OK) {
    value = PQntuples(result) > 0 && !PQgetisnull(result, 0, 0) ? PQgetvalue(result, 0, 0) : "";
  } else if (status == PGRES_COMMAND_OK) {
    value = "";
  } else {
    value = absl::InternalError(absl::StrCat(sql, ": ", PQresultErrorMessage(result)));
  }
  PQclear(result);
  PQfinish(conn);
  return value;
}

absl::StatusOr<std::string> PostgresProcess::CreateDatabase(const std::string& name) {
  absl::StatusOr<std::string> created = Query(absl::StrCat("CREATE DATABASE \"", name, "\""));
  if (!created.ok()) return created.status();
  return conninfo(name);
}

}  // namespace wm::testing
