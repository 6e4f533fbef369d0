#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "protos/wm/v1/events.grpc.pb.h"

namespace wm::testing {

// One wm.v1.Events/Subscribe stream read on the test's thread: the test decides when to stop
// reading and disconnect, as a consumer that goes away would. The deadline keeps a test from
// hanging on it.
//
//   SubscribeStream stream(ingest_->grpc_address(), {});
//   while (stream.Read(&event)) ...;
//   SubscribeStream resumed(ingest_->grpc_address(), ResumeAfter(event));
class SubscribeStream {
 public:
  SubscribeStream(const std::string& address, const wm::v1::SubscribeRequest& request,
                  std::chrono::seconds deadline = std::chrono::seconds(60))
      : stub_(wm::v1::Events::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {
    context_.set_deadline(std::chrono::system_clock::now() + deadline);
    reader_ = stub_->Subscribe(&context_, request);
  }
  ~SubscribeStream() { Disconnect(); }

  // The next event; false when the stream ended (or its deadline passed).
  bool Read(wm::v1::Event* event) { return reader_->Read(event); }

  void Disconnect() {
    if (reader_ == nullptr) return;
    context_.TryCancel();
    reader_->Finish();
    reader_.reset();
  }

 private:
  std::unique_ptr<wm::v1::Events::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<wm::v1::Event>> reader_;
};

// A request resuming after `last` (docs/event-stream.md "Resuming").
inline wm::v1::SubscribeRequest ResumeAfter(const wm::v1::Event& last) {
  wm::v1::SubscribeRequest request;
  request.mutable_resume_after()->set_stream_epoch(last.stream_epoch());
  request.mutable_resume_after()->set_sequence(last.sequence());
  return request;
}

}  // namespace wm::testing
