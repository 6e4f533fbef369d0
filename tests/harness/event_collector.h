#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "protos/wm/v1/events.grpc.pb.h"

namespace wm::testing {

// Reads a wm.v1.Events/Subscribe stream on a background thread and keeps every event, so a
// test can wait for what it expects.
//
//   EventCollector packets(ingest->grpc_address(), request);
//   ASSERT_TRUE(packets.WaitUntilSubscribed(...));   // see below
//   ASSERT_TRUE(packets.WaitForCount(100, absl::Seconds(10)).ok());
class EventCollector {
 public:
  EventCollector(const std::string& address, wm::v1::SubscribeRequest request);
  ~EventCollector();

  // Waits until `count` events (matching the optional predicate) arrived.
  absl::Status WaitForCount(size_t count, absl::Duration timeout);
  absl::Status WaitFor(const std::function<bool(const std::vector<wm::v1::Event>&)>& condition,
                       absl::Duration timeout);
  // Waits until the stream ended; returns its final status.
  absl::StatusOr<grpc::Status> WaitForEnd(absl::Duration timeout);
  std::vector<wm::v1::Event> events() const;
  size_t size() const;
  // Cancels the stream and joins the reader.
  void Cancel();

 private:
  void Read();

  std::unique_ptr<wm::v1::Events::Stub> stub_;
  wm::v1::SubscribeRequest request_;
  grpc::ClientContext context_;
  mutable absl::Mutex mu_;
  std::vector<wm::v1::Event> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

}  // namespace wm::testing
