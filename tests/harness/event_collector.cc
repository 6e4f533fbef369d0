#include "tests/harness/event_collector.h"

#include <grpcpp/grpcpp.h>

namespace wm::testing {

EventCollector::EventCollector(const std::string& address, wm::v1::SubscribeRequest request)
    : stub_(wm::v1::Events::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
      request_(std::move(request)) {
  reader_ = std::thread([this] { Read(); });
}

EventCollector::~EventCollector() { Cancel(); }

void EventCollector::Read() {
  auto reader = stub_->Subscribe(&context_, request_);
  wm::v1::Event event;
  while (reader->Read(&event)) {
    absl::MutexLock lock(&mu_);
    events_.push_back(event);
  }
  grpc::Status status = reader->Finish();
  absl::MutexLock lock(&mu_);
  ended_ = true;
  end_status_ = status;
}

absl::Status EventCollector::WaitForCount(size_t count, absl::Duration timeout) {
  return WaitFor([count](const std::vector<wm::v1::Event>& e) { return e.size() >= count; },
                 timeout);
}

absl::Status EventCollector::WaitFor(
    const std::function<bool(const std::vector<wm::v1::Event>&)>& condition,
    absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto met_or_ended = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return condition(events_) || ended_;
  };
  const bool met = mu_.AwaitWithTimeout(absl::Condition(&met_or_ended), timeout);
  if (met && condition(events_)) return absl::OkStatus();
  return absl::DeadlineExceededError(
      "condition not met; " + std::to_string(events_.size()) + " events so far" +
      (ended_ ? ", stream ended: " + end_status_.error_message() : ""));
}

absl::StatusOr<grpc::Status> EventCollector::WaitForEnd(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithTimeout(absl::Condition(&ended_), timeout)) {
    return absl::DeadlineExceededError("stream still open");
  }
  return end_status_;
}

std::vector<wm::v1::Event> EventCollector::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

size_t EventCollector::size() const {
  absl::MutexLock lock(&mu_);
  return events_.size();
}

void EventCollector::Cancel() {
  context_.TryCancel();
  if (reader_.joinable()) reader_.join();
}

}  // namespace wm::testing
