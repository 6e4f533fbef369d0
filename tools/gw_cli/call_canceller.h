#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "libs/observability/termination.h"

namespace wm::gw_cli {

// Stops the gRPC calls of one command run when Ctrl-C or SIGTERM arrives (CliContext's
// termination), or once `time_limit` has passed (a command's --duration_s): the call in flight
// is cancelled at once and no later call starts, so that a command waiting for a slow gateway
// or following a stream ends promptly. One per command run; it watches from its own thread
// until destroyed.
//
//   CallCanceller canceller(cli.termination);
//   grpc::ClientContext context;
//   grpc::Status status = canceller.Run(context, [&](grpc::ClientContext* call) {
//     return stub->GetConfigs(call, request, &response);
//   });
//   if (canceller.Interrupted(status)) ...  // Ctrl-C, not a failure of the service
class CallCanceller {
 public:
  explicit CallCanceller(observability::Termination& termination,
                         absl::Duration time_limit = absl::InfiniteDuration());
  // Ends the watch: requests the stop "done" from `termination` (the command run is over).
  ~CallCanceller();

  CallCanceller(const CallCanceller&) = delete;
  CallCanceller& operator=(const CallCanceller&) = delete;

  // Runs `rpc` (a unary call, or a whole stream read to its end) with `context`, which a stop
  // cancels. Once stopped, returns CANCELLED without calling `rpc`.
  grpc::Status Run(grpc::ClientContext& context,
                   const std::function<grpc::Status(grpc::ClientContext*)>& rpc);

  // Waits `delay` (a pause before reconnecting) unless a stop comes first; false once stopped.
  bool Pause(absl::Duration delay);

  // True once the calls were stopped, by a signal or by the time limit.
  bool stopped() const;
  // True once Ctrl-C or SIGTERM stopped the calls (the time limit is no interruption).
  bool interrupted() const;
  // Whether `status` is that of a call that Ctrl-C or SIGTERM cancelled.
  bool Interrupted(const grpc::Status& status) const;

 private:
  void Watch();

  observability::Termination& termination_;
  const absl::Duration time_limit_;
  mutable absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // the run is over: a stop is no longer the user's
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* current_ ABSL_GUARDED_BY(mu_) = nullptr;  // the call in flight
  std::thread watcher_;                     // last: starts once the rest is set up
};

}  // namespace wm::gw_cli
