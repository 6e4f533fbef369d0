#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace wm::observability {

// Why Termination::Wait returned.
struct StopCause {
  enum class Kind {
    kSignal,     // SIGTERM or SIGINT arrived; `detail` names it
    kRequested,  // code called RequestStop; `detail` is its reason
    kTimeout,    // Wait's timeout passed first (nothing was requested)
  };
  Kind kind;
  std::string detail;
};

// Graceful stop for main(): turns SIGTERM and SIGINT into an ordinary event that main waits
// for, together with stops requested by code (a --duration timer, a fatal component, tests).
//
//   int main(int argc, char** argv) {
//     auto termination = Termination::Install();  // first, before any thread starts
//     ...  // start servers and workers
//     StopCause cause = (*termination)->Wait();
//     readiness.SetDraining();
//     ...  // drain and shut down, exit 0
//   }
//
// Signals are read from a signalfd, not handled asynchronously, so no code runs in signal
// context and nothing global is written. The one piece of process state this needs is the
// signal mask: Install blocks SIGTERM and SIGINT in the calling thread, threads created later
// inherit that mask, and the signals stay pending for the signalfd. The mask is left blocked
// when the object is destroyed (the process is about to exit).
class Termination {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread and opens the descriptors. Call before
  // any other thread starts, or a thread without the mask may receive the signal and die.
  static absl::StatusOr<std::unique_ptr<Termination>> Install();

  Termination(const Termination&) = delete;
  Termination& operator=(const Termination&) = delete;
  ~Termination();

  // Blocks until a signal arrives, RequestStop is called or `timeout` passes. Once a stop
  // happened, every call returns its cause at once. Safe to call from several threads.
  StopCause Wait(absl::Duration timeout = absl::InfiniteDuration());

  // Asks for the same stop as a signal, from any thread. The first stop's cause is kept.
  void RequestStop(std::string_view reason);

  // True once a signal arrived or a stop was requested.
  bool stop_requested() const;

 private:
  Termination(int signal_fd, int wake_fd) : signal_fd_(signal_fd), wake_fd_(wake_fd) {}
  // Records the first stop and wakes every waiter.
  void RecordStop(StopCause cause);

  const int signal_fd_;  // signalfd for SIGTERM and SIGINT
  const int wake_fd_;    // eventfd, readable once a stop is recorded
  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  StopCause cause_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::observability
