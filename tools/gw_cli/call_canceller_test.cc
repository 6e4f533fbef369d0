#include "tools/gw_cli/call_canceller.h"

#include <chrono>
#include <memory>

#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "libs/testing/ports.h"
#include "protos/wm/v1/commands.grpc.pb.h"

namespace wm::gw_cli {
namespace {

std::unique_ptr<observability::Termination> NewTermination() {
  auto termination = observability::Termination::Install();
  EXPECT_TRUE(termination.ok()) << termination.status();
  return termination.ok() ? *std::move(termination) : nullptr;
}

// A stub whose calls wait for a server that never comes (wait-for-ready, long deadline): only
// a cancellation ends them early.
std::unique_ptr<wm::v1::Commands::Stub> StubToNowhere() {
  return wm::v1::Commands::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(wm::testing::FreeLoopbackPort()),
                          grpc::InsecureChannelCredentials()));
}

grpc::Status WaitingCall(wm::v1::Commands::Stub& stub, grpc::ClientContext* context) {
  context->set_wait_for_ready(true);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  wm::v1::GetConfigsResponse response;
  return stub.GetConfigs(context, wm::v1::GetConfigsRequest(), &response);
}

TEST(CallCancellerTest, AStopCancelsTheCallInFlightAndLaterCallsDoNotStart) {
  auto termination = NewTermination();
  ASSERT_NE(termination, nullptr);
  auto stub = StubToNowhere();
  CallCanceller canceller(*termination);
  const absl::Time start = absl::Now();
  grpc::ClientContext context;
  const grpc::Status status = canceller.Run(context, [&](grpc::ClientContext* call) {
    termination->RequestStop("Ctrl-C");  // as a signal would, while the call is under way
    return WaitingCall(*stub, call);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(canceller.Interrupted(status));
  EXPECT_TRUE(canceller.interrupted());
  EXPECT_TRUE(canceller.stopped());

  bool called = false;
  grpc::ClientContext later;
  const grpc::Status refused = canceller.Run(later, [&](grpc::ClientContext*) {
    called = true;
    return grpc::Status::OK;
  });
  EXPECT_FALSE(called);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_FALSE(canceller.Pause(absl::Seconds(10)));
}

TEST(CallCancellerTest, TheTimeLimitStopsWithoutBeingAnInterruption) {
  auto termination = NewTermination();
  ASSERT_NE(termination, nullptr);
  CallCanceller canceller(*termination, absl::Milliseconds(50));
  const absl::Time start = absl::Now();
  EXPECT_FALSE(canceller.Pause(absl::Seconds(10)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(canceller.stopped());
  EXPECT_FALSE(canceller.interrupted());
  EXPECT_FALSE(canceller.Interrupted(grpc::Status(grpc::StatusCode::CANCELLED, "")));
}

TEST(CallCancellerTest, CallsRunAndPausesEndWhileNothingStops) {
  auto termination = NewTermination();
  ASSERT_NE(termination, nullptr);
  {
    CallCanceller canceller(*termination);
    grpc::ClientContext context;
    const grpc::Status status = canceller.Run(context, [](grpc::ClientContext*) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "");
    });
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_FALSE(canceller.Interrupted(status));
    EXPECT_TRUE(canceller.Pause(absl::Milliseconds(1)));
    EXPECT_FALSE(canceller.stopped());
  }
  // The end of the run is a stop asked by code, not by the user.
  EXPECT_TRUE(termination->stop_requested());
  EXPECT_EQ(termination->Wait().detail, "done");
}

}  // namespace
}  // namespace wm::gw_cli
