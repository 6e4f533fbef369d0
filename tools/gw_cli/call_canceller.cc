#include "tools/gw_cli/call_canceller.h"

namespace wm::gw_cli {

CallCanceller::CallCanceller(observability::Termination& termination, absl::Duration time_limit)
    : termination_(termination), time_limit_(time_limit), watcher_([this] { Watch(); }) {}

CallCanceller::~CallCanceller() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  termination_.RequestStop("done");
  watcher_.join();
}

grpc::Status CallCanceller::Run(grpc::ClientContext& context,
                                const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return grpc::Status(grpc::StatusCode::CANCELLED, "stopped before the call");
    current_ = &context;
  }
  grpc::Status status = rpc(&context);
  std::lock_guard<std::mutex> lock(mu_);
  current_ = nullptr;
  return status;
}

bool CallCanceller::Pause(absl::Duration delay) {
  std::unique_lock<std::mutex> lock(mu_);
  stopped_cv_.wait_for(lock, absl::ToChronoMilliseconds(delay), [this] { return stopped_; });
  return !stopped_;
}

bool CallCanceller::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

bool CallCanceller::interrupted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return interrupted_;
}

bool CallCanceller::Interrupted(const grpc::Status& status) const {
  return status.error_code() == grpc::StatusCode::CANCELLED && interrupted();
}

void CallCanceller::Watch() {
  const observability::StopCause cause = termination_.Wait(time_limit_);
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  stopped_ = true;
  interrupted_ = cause.kind != observability::StopCause::Kind::kTimeout;
  if (current_ != nullptr) current_->TryCancel();
  stopped_cv_.notify_all();
}

}  // namespace wm::gw_cli
