// wm-command when its surroundings fail: the broker restarts under it (with a call waiting for
// an answer that the outage loses), and SIGTERM arrives while calls wait. Real mosquitto, real
// wm-command and a real wm-gateway-sim.
#include <signal.h>
#include <stdlib.h>

#include <future>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/command/command_stack_fixture.h"
#include "tools/gateway_sim/broker_observer.h"

namespace wm::testing {
namespace {

using gateway_sim::Eventually;

constexpr absl::Duration kTimeout = absl::Seconds(20);

class CommandReliabilityTest : public CommandStackFixture {
 protected:
  wm::v1::GetConfigsRequest GetConfigs(uint32_t timeout_ms = 0) {
    wm::v1::GetConfigsRequest request;
    request.set_gateway_id(gw());
    request.set_timeout_ms(timeout_ms);
    return request;
  }

  // A GetConfigs call on another thread; its status and how long it took.
  struct Outcome {
    grpc::Status status;
    absl::Duration took;
  };
  std::future<Outcome> CallInBackground(wm::v1::GetConfigsRequest request) {
    return std::async(std::launch::async, [this, request] {
      const absl::Time start = absl::Now();
      wm::v1::GetConfigsResponse response;
      grpc::Status status =
          stack_->commands().GetConfigs(CallContext(kTimeout).get(), request, &response);
      return Outcome{status, absl::Now() - start};
    });
  }

  // True once wm-command has published a request that the observer saw; the call is then
  // waiting for its answer.
  bool AnswerAwaited(size_t requests_before) {
    return stack_->RequestsTo(gw(), wirepas::Method::kGetConfigs).size() > requests_before;
  }
};

TEST_F(CommandReliabilityTest, ABrokerRestartFailsTheWaitingCallAndCommandsWorkAgainAfter) {
  // The simulator holds every answer for 3 s: a call is still waiting when the broker goes.
  ASSERT_NO_FATAL_FAILURE(StartSim({.extra_args = {"--response_delay_ms=3000"}}));
  const size_t before = stack_->RequestsTo(gw(), wirepas::Method::kGetConfigs).size();
  std::future<Outcome> waiting = CallInBackground(GetConfigs(/*timeout_ms=*/10000));
  ASSERT_TRUE(Eventually([&] { return AnswerAwaited(before); }, kTimeout));

  ASSERT_TRUE(stack_->broker().Stop().ok());
  ASSERT_TRUE(stack_->command().WaitNotReady(kTimeout).ok()) << "not ready without its broker";
  Outcome outcome = waiting.get();
  // The answer can no longer come on this connection: the call ends well before its own
  // 10 s timeout, as UNAVAILABLE (retry later), not as a hang.
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << outcome.status.error_message();
  EXPECT_LT(outcome.took, absl::Seconds(9));
  // A call while the broker is down fails at once as UNAVAILABLE (retry later), although the
  // last thing the broker said was the gateway's last will: that may have changed since.
  wm::v1::GetConfigsResponse response;
  grpc::Status down = stack_->commands().GetConfigs(CallContext().get(), GetConfigs(), &response);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);

  ASSERT_TRUE(stack_->broker().StartAgain().ok());
  ASSERT_TRUE(stack_->command().WaitReady(kTimeout).ok()) << stack_->Output();
  // wm-command reconnected and subscribed again; the simulator came back too and answers.
  grpc::Status again;
  ASSERT_TRUE(Eventually(
      [&] {
        wm::v1::GetConfigsResponse answer;
        // The simulator still takes 3 s to answer.
        again = stack_->commands().GetConfigs(CallContext().get(), GetConfigs(10000), &answer);
        return again.ok() && answer.result().code() == wm::v1::GATEWAY_RESULT_OK &&
               answer.configs_size() == 2;
      },
      kTimeout))
      << again.error_message();
  EXPECT_GE(stack_->command().Metric("wm_mqtt_reconnects_total").value_or(0), 1);
}

TEST_F(CommandReliabilityTest, SigtermEndsWaitingCallsAndExitsZeroPromptly) {
  ASSERT_NO_FATAL_FAILURE(StartSim({.extra_args = {"--drop_responses=get_configs"}}));
  const size_t before = stack_->RequestsTo(gw(), wirepas::Method::kGetConfigs).size();
  std::future<Outcome> waiting = CallInBackground(GetConfigs(/*timeout_ms=*/30000));
  ASSERT_TRUE(Eventually([&] { return AnswerAwaited(before); }, kTimeout));

  const absl::Time start = absl::Now();
  ASSERT_TRUE(stack_->command().process().Signal(SIGTERM).ok());
  absl::StatusOr<int> code = stack_->command().process().Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << stack_->Output();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  Outcome outcome = waiting.get();
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << outcome.status.error_message();
  EXPECT_LT(outcome.took, absl::Seconds(10)) << "ended by the shutdown, not by its 30 s timeout";
}

// A drain long enough that waiting it out cannot pass for stopping at once.
constexpr absl::Duration kLongDrain = absl::Seconds(30);

// This process's gRPC clients leave their idle connections alone (no backup polling), as a
// client busy elsewhere does: a server that waits for its clients to close connections
// without calls would wait out its whole drain. Read once, when gRPC starts.
[[maybe_unused]] const bool kIdleClients = [] {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "0", /*overwrite=*/1);
  return true;
}();

class CommandLongDrainTest : public CommandReliabilityTest {
 protected:
  std::vector<std::string> CommandArgs() const override { return {"--drain_timeout_s=30"}; }

  // SIGTERM to wm-command: its exit code, and how long it took to exit.
  void Stop(int* code, absl::Duration* took) {
    const absl::Time start = absl::Now();
    ASSERT_TRUE(stack_->command().process().Signal(SIGTERM).ok());
    absl::StatusOr<int> exit_code = stack_->command().process().Wait(kLongDrain * 2);
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    *code = *exit_code;
    *took = absl::Now() - start;
  }
};

TEST_F(CommandLongDrainTest, SigtermAfterAStreamedNodeCommandDoesNotWaitOutTheDrain) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  wm::v1::PingRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  request.set_quiet_period_ms(500);
  auto context = CallContext(kTimeout);
  auto reader = stack_->commands().Ping(context.get(), request);
  wm::v1::PingResponse response;
  int messages = 0;
  while (reader->Read(&response)) ++messages;
  const grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GE(messages, 1) << "the sent message, then any replies";

  int code = -1;
  absl::Duration took;
  ASSERT_NO_FATAL_FAILURE(Stop(&code, &took));
  EXPECT_EQ(code, 0) << stack_->Output();
  EXPECT_LT(took, kLongDrain / 2) << "nothing was left to drain";
}

TEST_F(CommandLongDrainTest, SigtermLetsACallInFlightBeAnswered) {
  // The simulator holds every answer for 2 s: the call is still waiting at SIGTERM.
  ASSERT_NO_FATAL_FAILURE(StartSim({.extra_args = {"--response_delay_ms=2000"}}));
  const size_t before = stack_->RequestsTo(gw(), wirepas::Method::kGetConfigs).size();
  std::future<Outcome> waiting = CallInBackground(GetConfigs(/*timeout_ms=*/20000));
  ASSERT_TRUE(Eventually([&] { return AnswerAwaited(before); }, kTimeout));

  int code = -1;
  absl::Duration took;
  ASSERT_NO_FATAL_FAILURE(Stop(&code, &took));
  EXPECT_EQ(code, 0) << stack_->Output();
  EXPECT_LT(took, kLongDrain / 2) << "stopped once the call was answered";
  Outcome outcome = waiting.get();
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.error_message();
}

}  // namespace
}  // namespace wm::testing
