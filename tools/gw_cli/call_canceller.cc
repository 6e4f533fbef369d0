#include "tools/gw_cli/call_canceller.h"

namespace wm::gw_cli {

CallCanceller::CallCanceller(observability::Termination& termination, absl::Duration time_limit)
    : termination_(termination), time_limit_(time_limit), watcher_([this] { Watch(); }) {}

CallCanceller::~CallCanceller() {
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }
  termination_.RequestStop("done");
  watcher_.join();
}

grpc::Status CallCanceller::Run(grpc::ClientContext& context,
                                const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return grpc::Status(grpc::StatusCode::CANCELLED, "stopped before the call");
    current_ = &context;
  }
  grpc::Status status = rpc(&context);
  absl::MutexLock lock(&mu_);
  current_ = nullptr;
  return status;
}

bool CallCanceller::Pause(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopped_), delay);
  return !stopped_;
}

bool CallCanceller::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

bool CallCanceller::interrupted() const {
  absl::MutexLock lock(&mu_);
  return interrupted_;
}

bool CallCanceller::Interrupted(const grpc::Status& status) const {
  return status.error_code() == grpc::StatusCode::CANCELLED && interrupted();
}

void CallCanceller::Watch() {
  const observability::StopCause cause = termination_.Wait(time_limit_);
  absl::MutexLock lock(&mu_);
  if (done_) return;
  stopped_ = true;
  interrupted_ = cause.kind != observability::StopCause::Kind::kTimeout;
  if (current_ != nullptr) current_->TryCancel();
}

}  // namespace wm::gw_cli
