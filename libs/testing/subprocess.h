#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace wm::testing {

// A child process started by a test: a service binary, a broker, a command-line tool.
//
//   auto child = Subprocess::Start(RunfilePath("services/ingest/wm-ingest"),
//                                  {"--grpc_port=0"}, {{"WM_SERVICES_MQTT_PORT", "1883"}});
//   ASSERT_TRUE(child.ok()) << child.status();
//   ASSERT_TRUE((*child)->WaitForOutput("ready", absl::Seconds(10)).ok());
//   (*child)->Signal(SIGTERM);
//   EXPECT_EQ((*child)->Wait(absl::Seconds(5)).value_or(-1), 0);
//
// stdout and stderr go, interleaved, to one file under TestTmpDir() (kept after the test for
// reading in the test's outputs). The child runs in its own process group and is killed
// (SIGKILL) by the kernel if the test process dies first, so no process outlives a crashed
// or timed-out test; the destructor stops it when the test merely fails.
// Not thread-safe: use one Subprocess from one thread (the test's).
class Subprocess {
 public:
  // Starts `binary` (a path, not searched in PATH) with `args` as argv[1..], the test's
  // environment plus `env` (entries there override). Fails if the binary cannot be executed.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::map<std::string, std::string>& env = {});

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  // Stops the process (see Stop) if it is still running.
  ~Subprocess();

  pid_t pid() const { return pid_; }
  // The file receiving the process's stdout and stderr.
  const std::string& output_path() const { return output_path_; }
  // Everything the process has written so far.
  std::string Output() const;

  // Polls the output until it contains `text`. DeadlineExceeded after `timeout`;
  // FailedPrecondition if the process exits without writing it. Errors quote the output's end.
  absl::Status WaitForOutput(std::string_view text, absl::Duration timeout);

  // Sends `signal` to the process (not its group). FailedPrecondition once it has exited.
  absl::Status Signal(int signal);

  // Waits for the process to exit and returns its exit code, or 128 + N when signal N killed
  // it (the shell's convention). DeadlineExceeded if it is still running after `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // True until the process has exited (reaps it if it has).
  bool running();

  // Sends SIGTERM to the process group, waits up to `grace`, then SIGKILL. Returns the exit
  // code as Wait does. Does nothing more once the process has exited.
  int Stop(absl::Duration grace = absl::Seconds(5));

 private:
  Subprocess(pid_t pid, std::string output_path)
      : pid_(pid), output_path_(std::move(output_path)) {}
  // Reaps the process if it has exited; returns true when it has.
  bool Reap(bool block);
  std::string OutputTail() const;

  pid_t pid_;
  std::string output_path_;
  std::optional<int> exit_code_;
};

}  // namespace wm::testing
