#include "libs/testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/testing/files.h"

extern char** environ;

namespace wm::testing {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(5);

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// NUL-terminated string arrays for execve, built before fork (the child may only call
// async-signal-safe functions).
class CStringArray {
 public:
  explicit CStringArray(std::vector<std::string> strings) : strings_(std::move(strings)) {
    for (std::string& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view item(*entry);
    std::string_view name = item.substr(0, item.find('='));
    if (extra.find(std::string(name)) == extra.end()) merged.emplace_back(item);
  }
  for (const auto& [name, value] : extra) merged.push_back(absl::StrCat(name, "=", value));
  return merged;
}

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void ExecChild(const char* binary, char** argv, char** envp, int stdin_fd,
                            int output_fd, int error_pipe, pid_t parent) {
  // The child dies with the test, even when the test is killed.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  setpgid(0, 0);
  // Undo signal state the test process may have changed.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  if (dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(output_fd, STDOUT_FILENO) < 0 ||
      dup2(output_fd, STDERR_FILENO) < 0) {
    int error = errno;
    (void)!write(error_pipe, &error, sizeof(error));
    _exit(127);
  }
  execve(binary, argv, envp);
  int error = errno;
  (void)!write(error_pipe, &error, sizeof(error));
  _exit(127);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::string& binary, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv_strings{binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  CStringArray argv(std::move(argv_strings));
  CStringArray envp(MergedEnvironment(env));

  std::string pattern = absl::StrCat(TestTmpDir(), "/", Basename(binary), "-XXXXXX.log");
  std::vector<char> path(pattern.begin(), pattern.end());
  path.push_back('\0');
  int output_fd = mkostemps(path.data(), 4, O_CLOEXEC | O_APPEND);
  if (output_fd < 0) {
    return absl::InternalError(absl::StrCat("cannot create ", pattern, ": ", std::strerror(errno)));
  }
  int stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int error_pipe[2];
  if (stdin_fd < 0 || pipe2(error_pipe, O_CLOEXEC) != 0) {
    int error = errno;
    close(output_fd);
    if (stdin_fd >= 0) close(stdin_fd);
    return absl::InternalError(absl::StrCat("cannot prepare child: ", std::strerror(error)));
  }

  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    ExecChild(binary.c_str(), argv.get(), envp.get(), stdin_fd, output_fd, error_pipe[1], parent);
  }
  int fork_error = errno;
  close(output_fd);
  close(stdin_fd);
  close(error_pipe[1]);
  if (pid < 0) {
    close(error_pipe[0]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(fork_error)));
  }
  // Set the group from this side too, so it exists before anyone signals it.
  setpgid(pid, pid);

  // The pipe closes on a successful exec; an errno arrives when exec failed.
  int exec_error = 0;
  ssize_t n;
  do {
    n = read(error_pipe[0], &exec_error, sizeof(exec_error));
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  std::unique_ptr<Subprocess> child(new Subprocess(pid, std::string(path.data())));
  if (n > 0) {
    child->Reap(/*block=*/true);
    return absl::InvalidArgumentError(
        absl::StrCat("cannot execute ", binary, ": ", std::strerror(exec_error)));
  }
  return child;
}

Subprocess::~Subprocess() { Stop(); }

bool Subprocess::Reap(bool block) {
  if (exit_code_.has_value()) return true;
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == 0) return false;
  if (result < 0) {
    // Someone else reaped it; the code is unknown.
    exit_code_ = -1;
    return true;
  }
  if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit_code_ = 128 + WTERMSIG(status);
  } else {
    return false;
  }
  return true;
}

bool Subprocess::running() { return !Reap(/*block=*/false); }

std::string Subprocess::Output() const {
  absl::StatusOr<std::string> contents = ReadFile(output_path_);
  return contents.ok() ? *std::move(contents) : std::string();
}

std::string Subprocess::OutputTail() const {
  constexpr size_t kTail = 4000;
  std::string output = Output();
  if (output.size() > kTail) output = "..." + output.substr(output.size() - kTail);
  return output;
}

absl::Status Subprocess::WaitForOutput(std::string_view text, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  std::ifstream in(output_path_, std::ios::binary);
  std::string window;  // unread output plus the last text.size()-1 bytes already searched
  while (true) {
    bool exited = !running();
    // Read what was appended since the last poll.
    in.clear();
    std::ostringstream fresh;
    fresh << in.rdbuf();
    window += fresh.str();
    if (window.find(text) != std::string::npos) return absl::OkStatus();
    if (window.size() >= text.size()) window.erase(0, window.size() - text.size() + 1);
    if (exited) {
      return absl::FailedPreconditionError(
          absl::StrCat("process ", pid_, " exited with ", *exit_code_, " without writing \"",
                       std::string(text), "\"; output:\n", OutputTail()));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("\"", std::string(text), "\" not written by process ", pid_, " in ",
                       absl::FormatDuration(timeout), "; output:\n", OutputTail()));
    }
    absl::SleepFor(kPollInterval);
  }
}

absl::Status Subprocess::Signal(int signal) {
  if (!running()) {
    return absl::FailedPreconditionError(absl::StrCat("process ", pid_, " has exited"));
  }
  if (kill(pid_, signal) != 0) {
    return absl::InternalError(absl::StrCat("kill ", pid_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!Reap(/*block=*/false)) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
  return *exit_code_;
}

int Subprocess::Stop(absl::Duration grace) {
  if (Reap(/*block=*/false)) return *exit_code_;
  kill(-pid_, SIGTERM);
  kill(-pid_, SIGCONT);  // a stopped process only acts on SIGTERM once continued
  absl::StatusOr<int> code = Wait(grace);
  if (code.ok()) return *code;
  kill(-pid_, SIGKILL);
  Reap(/*block=*/true);
  return *exit_code_;
}

}  // namespace wm::testing
