// What a wm.v1.Commands client relies on when things go wrong, with a real mosquitto, the real
// wm-command and real wm-gateway-sim processes: answers that never come or come late, retries
// with the same client request id, a gateway that dies (its last will), bad arguments, and the
// gateway's own result codes. What wm-command publishes is counted on the broker by an
// observer subscribed to gw-request/#.
#include <signal.h>

#include <functional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/command/command_stack_fixture.h"
#include "tools/gateway_sim/broker_observer.h"

namespace wm::testing {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;
using gateway_sim::Eventually;
using wirepas::Method;

// wm-command's default wait for an answer (request_timeout_s).
constexpr absl::Duration kDefaultTimeout = absl::Seconds(2);
// "Fast" for a call refused without asking the gateway: a tenth of the default timeout, with
// room for a loaded 2-core machine (such a call takes about a millisecond).
constexpr absl::Duration kFast = absl::Milliseconds(200);

class CommandFailuresTest : public CommandStackFixture {
 protected:
  // Starts a simulator whose gateway ids start with `prefix` (a test here runs several).
  void StartSim(const std::string& prefix, std::vector<std::string> extra_args,
                SimulatedGateways** out) {
    SimulatorSpec spec;
    spec.gateway_id_prefix = prefix;
    spec.extra_args = std::move(extra_args);
    absl::StatusOr<SimulatedGateways*> sim = stack_->StartSimulator(std::move(spec));
    ASSERT_TRUE(sim.ok()) << sim.status();
    *out = *sim;
  }

  wm::v1::Commands::Stub& commands() { return stack_->commands(); }

  static wm::v1::SendDataRequest SendDataTo(const std::string& gateway_id) {
    wm::v1::SendDataRequest request;
    request.set_gateway_id(gateway_id);
    request.set_sink_id("sink0");
    request.set_destination_address(0xFFFFFFFF);
    request.set_source_endpoint(10);
    request.set_destination_endpoint(10);
    request.set_payload("downlink");
    return request;
  }

  static wm::v1::GetConfigsRequest GetConfigsOf(const std::string& gateway_id,
                                                uint32_t timeout_ms = 0) {
    wm::v1::GetConfigsRequest request;
    request.set_gateway_id(gateway_id);
    request.set_timeout_ms(timeout_ms);
    return request;
  }

  // The requests published to `gateway_id` once the request carrying `last_req_id` (the last
  // the test caused) has reached the observer: the broker delivers them in order.
  std::vector<wirepas::GenericMessage> RequestsUpTo(const std::string& gateway_id,
                                                    uint64_t last_req_id,
                                                    std::optional<Method> method = {}) {
    absl::StatusOr<CommandStack::SeenRequest> last = stack_->WaitForRequest(last_req_id);
    EXPECT_TRUE(last.ok()) << last.status();
    return stack_->RequestsTo(gateway_id, method);
  }

  // A metric of wm-command's /metrics; -1 when absent.
  double Metric(std::string_view name, std::string_view labels = "") {
    return stack_->command().Metric(name, labels).value_or(-1);
  }
};

// ---- answers that do not come, or come late ----

TEST_F(CommandFailuresTest, DroppedAnswerIsDeadlineExceededWithinTheCallsTimeout) {
  SimulatedGateways* mute = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("mute-gw-", {"--drop_responses=get_gw_info,set_config"}, &mute));
  const std::string gw = mute->gateway_id();

  // timeout_ms bounds the wait.
  wm::v1::GetGatewayInfoRequest info;
  info.set_gateway_id(gw);
  info.set_timeout_ms(300);
  wm::v1::GetGatewayInfoResponse info_response;
  absl::Time started = absl::Now();
  grpc::Status status = commands().GetGatewayInfo(CallContext().get(), info, &info_response);
  absl::Duration took = absl::Now() - started;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Milliseconds(300) + absl::Milliseconds(700));
  // The request did go out: only the answer was missing.
  EXPECT_TRUE(Eventually([&] { return stack_->RequestsTo(gw, Method::kGetGwInfo).size() == 1; }));

  // The call's own gRPC deadline, sooner than the default 2 s, bounds it too: wm-command ends
  // the call and frees the request's slot then, not 2 s later.
  info.set_timeout_ms(0);
  started = absl::Now();
  status =
      commands().GetGatewayInfo(CallContext(absl::Milliseconds(400)).get(), info, &info_response);
  took = absl::Now() - started;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_LT(took, absl::Milliseconds(400) + absl::Milliseconds(700));
  ASSERT_TRUE(stack_->command()
                  .WaitForMetric("wm_command_requests_total",
                                 "method=\"GetGatewayInfo\",result=\"deadline_exceeded\"", 2,
                                 absl::Seconds(1))
                  .ok());
  EXPECT_TRUE(Eventually([&] { return Metric("wm_command_inflight") == 0; }, absl::Seconds(1)));

  // The gateway answers its other requests.
  wm::v1::GetConfigsResponse configs;
  status = commands().GetConfigs(CallContext().get(), GetConfigsOf(gw), &configs);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(configs.result().code(), wm::v1::GATEWAY_RESULT_OK);

  // DEADLINE_EXCEEDED does not mean nothing happened: the unanswered set_config took effect.
  wm::v1::SetConfigRequest set_config;
  set_config.set_gateway_id(gw);
  set_config.set_sink_id("sink0");
  set_config.set_timeout_ms(300);
  set_config.mutable_config()->set_network_channel(9);
  wm::v1::SetConfigResponse set_config_response;
  status = commands().SetConfig(CallContext().get(), set_config, &set_config_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  status = commands().GetConfigs(CallContext().get(), GetConfigsOf(gw), &configs);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_GE(configs.configs_size(), 1);
  EXPECT_EQ(configs.configs(0).network_channel(), 9u);
}

TEST_F(CommandFailuresTest, SlowAnswerArrivesWithinItsTimeoutAndALateOneIsCounted) {
  SimulatedGateways* slow = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("slow-gw-", {"--response_delay_ms=400"}, &slow));
  const std::string gw = slow->gateway_id();

  wm::v1::GetConfigsResponse response;
  absl::Time started = absl::Now();
  grpc::Status status = commands().GetConfigs(CallContext().get(), GetConfigsOf(gw), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_GE(absl::Now() - started, absl::Milliseconds(400));
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);

  started = absl::Now();
  status = commands().GetConfigs(CallContext().get(), GetConfigsOf(gw, 100), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_LT(absl::Now() - started, absl::Milliseconds(400));
  // The answer still comes, after the call gave up: counted, not a crash.
  ASSERT_TRUE(stack_->command()
                  .WaitForMetric("wm_command_late_responses_total", "", 1, absl::Seconds(5))
                  .ok())
      << stack_->Output();
  EXPECT_TRUE(stack_->command().process().running());
}

// ---- idempotent retries ----

TEST_F(CommandFailuresTest, RetryWithTheSameClientRequestIdDoesNotPublishTwice) {
  SimulatedGateways* sim = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("sim-gw-", {}, &sim));
  const std::string gw = sim->gateway_id();

  wm::v1::SendDataRequest request = SendDataTo(gw);
  request.set_client_request_id("order-66");
  wm::v1::SendDataResponse first;
  grpc::Status status = commands().SendData(CallContext().get(), request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.result().code(), wm::v1::GATEWAY_RESULT_OK);

  // The retry (a client that lost the answer) may change its timeout.
  request.set_timeout_ms(5000);
  wm::v1::SendDataResponse retry;
  status = commands().SendData(CallContext().get(), request, &retry);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(retry.result().request_id(), first.result().request_id());
  EXPECT_EQ(retry.result().code(), first.result().code());

  // The same id for another request is refused.
  wm::v1::SendDataRequest other = request;
  other.set_payload("something else");
  status = commands().SendData(CallContext().get(), other, &retry);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();

  // Another id publishes: the gateway got the first call's request and this one, no more.
  request.set_client_request_id("order-67");
  wm::v1::SendDataResponse next;
  status = commands().SendData(CallContext().get(), request, &next);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(next.result().request_id(), first.result().request_id());
  std::vector<wirepas::GenericMessage> published =
      RequestsUpTo(gw, next.result().request_id(), Method::kSendData);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].wirepas().send_packet_req().header().req_id(),
            first.result().request_id());
  EXPECT_EQ(published[1].wirepas().send_packet_req().header().req_id(), next.result().request_id());
  EXPECT_EQ(Metric("wm_command_idempotent_replays_total"), 1);
}

TEST_F(CommandFailuresTest, RetryWhileTheFirstCallWaitsJoinsItInsteadOfPublishing) {
  SimulatedGateways* slow = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("slow-gw-", {"--response_delay_ms=500"}, &slow));
  const std::string gw = slow->gateway_id();

  wm::v1::SendDataRequest request = SendDataTo(gw);
  request.set_client_request_id("upload-42");
  wm::v1::SendDataResponse first, retry;
  grpc::Status first_status, retry_status;
  std::thread first_call(
      [&] { first_status = commands().SendData(CallContext().get(), request, &first); });
  // The first call's request is out and its answer 500 ms away when the retry comes.
  const bool published =
      Eventually([&] { return stack_->RequestsTo(gw, Method::kSendData).size() == 1; });
  std::thread retry_call(
      [&] { retry_status = commands().SendData(CallContext().get(), request, &retry); });
  first_call.join();
  retry_call.join();
  ASSERT_TRUE(published);
  ASSERT_TRUE(first_status.ok()) << first_status.error_message();
  ASSERT_TRUE(retry_status.ok()) << retry_status.error_message();
  EXPECT_EQ(retry.result().request_id(), first.result().request_id());
  EXPECT_EQ(retry.result().code(), wm::v1::GATEWAY_RESULT_OK);

  request.set_client_request_id("upload-43");
  wm::v1::SendDataResponse next;
  const grpc::Status status = commands().SendData(CallContext().get(), request, &next);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(RequestsUpTo(gw, next.result().request_id(), Method::kSendData).size(), 2u);
}

// ---- a gateway that goes away ----

TEST_F(CommandFailuresTest, KilledGatewayMakesCommandsFailFastWithFailedPrecondition) {
  SimulatedGateways* doomed = nullptr;
  SimulatedGateways* alive = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("doomed-gw-", {}, &doomed));
  ASSERT_NO_FATAL_FAILURE(StartSim("alive-gw-", {}, &alive));
  const std::string gw = doomed->gateway_id();
  wm::v1::GetConfigsResponse configs;
  grpc::Status status = commands().GetConfigs(CallContext().get(), GetConfigsOf(gw), &configs);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // SIGKILL: no goodbye; the broker publishes the gateway's last will (retained OFFLINE).
  ASSERT_TRUE(doomed->process().Signal(SIGKILL).ok());
  ASSERT_TRUE(doomed->process().Wait(absl::Seconds(10)).ok());
  ASSERT_TRUE(Eventually([&] { return stack_->observer().LatestStateIs(gw, gwapi::OFF); }))
      << "no last will";
  ASSERT_TRUE(stack_->SyncWithCommand().ok());
  const size_t published_before = stack_->RequestsTo(gw).size();

  // Each kind of call fails at once, far sooner than its timeout.
  const std::vector<std::pair<std::string, std::function<grpc::Status()>>> calls = {
      {"SendData",
       [&] {
         wm::v1::SendDataResponse response;
         return commands().SendData(CallContext().get(), SendDataTo(gw), &response);
       }},
      {"GetConfigs",
       [&] { return commands().GetConfigs(CallContext().get(), GetConfigsOf(gw), &configs); }},
      {"SetConfig",
       [&] {
         wm::v1::SetConfigRequest request;
         request.set_gateway_id(gw);
         request.set_sink_id("sink0");
         request.mutable_config()->set_started(true);
         wm::v1::SetConfigResponse response;
         return commands().SetConfig(CallContext().get(), request, &response);
       }},
      {"ProcessScratchpad",  // 120 s by default
       [&] {
         wm::v1::ProcessScratchpadRequest request;
         request.set_gateway_id(gw);
         request.set_sink_id("sink0");
         wm::v1::ProcessScratchpadResponse response;
         return commands().ProcessScratchpad(CallContext().get(), request, &response);
       }},
      {"Ping",  // collects for 60 s by default
       [&] {
         wm::v1::PingRequest request;
         request.set_gateway_id(gw);
         request.set_sink_id("sink0");
         auto context = CallContext();
         auto reader = commands().Ping(context.get(), request);
         wm::v1::PingResponse message;
         while (reader->Read(&message)) {
         }
         return reader->Finish();
       }},
  };
  for (const auto& [method, call] : calls) {
    const absl::Time started = absl::Now();
    status = call();
    const absl::Duration took = absl::Now() - started;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << method << ": " << status.error_message();
    EXPECT_LT(took, kFast) << method;
    std::cout << "offline gateway: " << method << " refused in " << absl::FormatDuration(took)
              << "\n";
  }
  EXPECT_EQ(
      Metric("wm_command_requests_total", "method=\"SendData\",result=\"failed_precondition\""), 1);

  // Nothing went to the dead gateway; the live one is served as before.
  wm::v1::SendDataResponse live;
  status = commands().SendData(CallContext().get(), SendDataTo(alive->gateway_id()), &live);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(live.result().code(), wm::v1::GATEWAY_RESULT_OK);
  ASSERT_TRUE(stack_->WaitForRequest(live.result().request_id()).ok());
  EXPECT_EQ(stack_->RequestsTo(gw).size(), published_before);
}

TEST_F(CommandFailuresTest, GatewayDyingWhileACallWaitsEndsTheCallAtOnce) {
  SimulatedGateways* mute = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("mute-gw-", {"--drop_responses=send_data"}, &mute));
  const std::string gw = mute->gateway_id();
  wm::v1::SendDataRequest request = SendDataTo(gw);
  request.set_timeout_ms(20000);
  grpc::Status status;
  wm::v1::SendDataResponse response;
  std::thread call([&] { status = commands().SendData(CallContext().get(), request, &response); });
  const bool published =
      Eventually([&] { return stack_->RequestsTo(gw, Method::kSendData).size() == 1; });
  const absl::Time killed = absl::Now();
  const bool signalled = mute->process().Signal(SIGKILL).ok();
  call.join();
  const absl::Duration took = absl::Now() - killed;
  ASSERT_TRUE(published);
  ASSERT_TRUE(signalled);
  // Its last will ends the wait: no answer can come any more.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(took, absl::Seconds(2)) << "the call waited for its 20 s timeout";
  std::cout << "gateway died: waiting call ended " << absl::FormatDuration(took)
            << " after SIGKILL\n";
}

// ---- bad arguments ----

TEST_F(CommandFailuresTest, BadArgumentsAreRejectedAndNothingIsPublished) {
  SimulatedGateways* sim = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("sim-gw-", {}, &sim));
  const std::string gw = sim->gateway_id();

  struct BadCall {
    std::string what;
    // A word the error message must contain: the field at fault.
    std::string field;
    std::function<grpc::Status()> call;
  };
  const auto send_data = [&](std::function<void(wm::v1::SendDataRequest&)> change) {
    return [this, gw, change] {
      wm::v1::SendDataRequest request = SendDataTo(gw);
      change(request);
      wm::v1::SendDataResponse response;
      return commands().SendData(CallContext().get(), request, &response);
    };
  };
  const auto set_config = [&](std::function<void(wm::v1::SinkConfigChange&)> change) {
    return [this, gw, change] {
      wm::v1::SetConfigRequest request;
      request.set_gateway_id(gw);
      request.set_sink_id("sink0");
      change(*request.mutable_config());
      wm::v1::SetConfigResponse response;
      return commands().SetConfig(CallContext().get(), request, &response);
    };
  };
  const auto app_config = [&](std::function<void(wm::v1::SetAppConfigRequest&)> change) {
    return [this, gw, change] {
      wm::v1::SetAppConfigRequest request;
      request.set_gateway_id(gw);
      request.set_sink_id("sink0");
      request.set_diag_interval_s(60);
      change(request);
      wm::v1::SetAppConfigResponse response;
      return commands().SetAppConfig(CallContext().get(), request, &response);
    };
  };
  const auto target = [&](std::function<void(wm::v1::TargetScratchpadAndAction&)> change) {
    return [this, gw, change] {
      wm::v1::SetScratchpadTargetAndActionRequest request;
      request.set_gateway_id(gw);
      request.set_sink_id("sink0");
      request.mutable_target_and_action()->set_action(wm::v1::SCRATCHPAD_ACTION_PROPAGATE_ONLY);
      change(*request.mutable_target_and_action());
      wm::v1::SetScratchpadTargetAndActionResponse response;
      return commands().SetScratchpadTargetAndAction(CallContext().get(), request, &response);
    };
  };
  const auto upload = [&](uint32_t seq, std::string data) {
    return [this, gw, seq, data] {
      wm::v1::UploadScratchpadResponse response;
      auto context = CallContext();
      auto writer = commands().UploadScratchpad(context.get(), &response);
      wm::v1::UploadScratchpadRequest message;
      message.set_gateway_id(gw);
      message.set_sink_id("sink0");
      message.set_seq(seq);
      message.set_data(data);
      writer->Write(message);
      writer->WritesDone();
      return writer->Finish();
    };
  };
  const std::vector<BadCall> bad_calls = {
      {"no gateway id", "gateway_id", send_data([](auto& r) { r.set_gateway_id(""); })},
      {"a wildcard in the gateway id", "gateway_id",
       send_data([](auto& r) { r.set_gateway_id("gw+"); })},
      {"no sink id", "sink_id", send_data([](auto& r) { r.set_sink_id(""); })},
      {"a '/' in the sink id", "sink_id", send_data([](auto& r) { r.set_sink_id("sink0/x"); })},
      {"timeout above 600 s", "timeout_ms", send_data([](auto& r) { r.set_timeout_ms(600001); })},
      {"client request id of 129 bytes", "client_request_id",
       send_data([](auto& r) { r.set_client_request_id(std::string(129, 'i')); })},
      {"source endpoint 256", "source_endpoint",
       send_data([](auto& r) { r.set_source_endpoint(256); })},
      {"destination endpoint 256", "destination_endpoint",
       send_data([](auto& r) { r.set_destination_endpoint(256); })},
      {"packet QoS 2", "qos", send_data([](auto& r) { r.set_qos(2); })},
      {"payload of 1501 bytes", "payload",
       send_data([](auto& r) { r.set_payload(std::string(1501, 'p')); })},
      {"hop limit 16", "hop_limit", send_data([](auto& r) { r.set_hop_limit(16); })},
      {"nothing to change", "config", set_config([](auto&) {})},
      {"node address 0", "node_address", set_config([](auto& c) { c.set_node_address(0); })},
      {"network address over 24 bits", "network_address",
       set_config([](auto& c) { c.set_network_address(0x1000000); })},
      {"channel outside the sink's limits", "network_channel",
       set_config([](auto& c) { c.set_network_channel(41); })},
      {"role byte with an unknown base", "node_role",
       set_config([](auto& c) { c.mutable_node_role()->set_dual_mcu_role(0x04); })},
      {"15-byte cipher key", "keys", set_config([](auto& c) {
         c.mutable_keys()->set_cipher(std::string(15, 'k'));
         c.mutable_keys()->set_authentication(std::string(16, 'k'));
       })},
      {"diagnostic interval 45 s", "diag_interval_s",
       app_config([](auto& r) { r.set_diag_interval_s(45); })},
      {"app config sequence 255", "seq", app_config([](auto& r) { r.set_seq(255); })},
      {"app config larger than the sink takes", "data",
       app_config([](auto& r) { r.set_data(std::string(81, 'd')); })},
      {"no scratchpad action", "action", target([](auto& t) { t.clear_action(); })},
      {"target sequence 255", "target_sequence",
       target([](auto& t) { t.set_target_sequence(255); })},
      {"delayed processing without a delay", "delay", target([](auto& t) {
         t.set_action(wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
       })},
      {"upload of an image with sequence 0", "seq", upload(0, "image")},
      {"upload with sequence 256", "seq", upload(256, "image")},
      {"configuration data endpoint 65536", "endpoint",
       [&] {
         wm::v1::SetConfigurationDataItemRequest request;
         request.set_gateway_id(gw);
         request.set_sink_id("sink0");
         request.set_endpoint(65536);
         request.set_payload("x");
         wm::v1::SetConfigurationDataItemResponse response;
         return commands().SetConfigurationDataItem(CallContext().get(), request, &response);
       }},
      {"configuration data item of 81 bytes", "payload",
       [&] {
         wm::v1::SetConfigurationDataItemRequest request;
         request.set_gateway_id(gw);
         request.set_sink_id("sink0");
         request.set_endpoint(1);
         request.set_payload(std::string(81, 'x'));
         wm::v1::SetConfigurationDataItemResponse response;
         return commands().SetConfigurationDataItem(CallContext().get(), request, &response);
       }},
      {"update countdown of 5 s", "countdown_s",
       [&] {
         wm::v1::UpdateNodesScratchpadRequest request;
         request.set_gateway_id(gw);
         request.set_sink_id("sink0");
         request.set_seq(9);
         request.set_countdown_s(5);
         wm::v1::NodeCommandResponse response;
         return commands().UpdateNodesScratchpad(CallContext().get(), request, &response);
       }},
      {"neighbor diagnostics every 45 s", "interval_s",
       [&] {
         wm::v1::SetNeighborDiagnosticsRequest request;
         request.set_gateway_id(gw);
         request.set_sink_id("sink0");
         request.set_interval_s(45);
         wm::v1::NodeCommandResponse response;
         return commands().SetNeighborDiagnostics(CallContext().get(), request, &response);
       }},
  };
  for (const BadCall& bad : bad_calls) {
    const grpc::Status status = bad.call();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad.what << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), bad.field))
        << bad.what << ": \"" << status.error_message() << "\" does not name " << bad.field;
  }

  // A good call sent afterwards is the only request the gateway ever got.
  wm::v1::GetConfigsResponse configs;
  const grpc::Status status =
      commands().GetConfigs(CallContext().get(), GetConfigsOf(gw), &configs);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<wirepas::GenericMessage> published =
      RequestsUpTo(gw, configs.result().request_id());
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(published[0].wirepas().has_get_configs_req());
}

// ---- the gateway's result codes ----

TEST_F(CommandFailuresTest, GatewayResultCodesComeBackTyped) {
  SimulatedGateways* sim = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartSim("sim-gw-", {}, &sim));
  const std::string gw = sim->gateway_id();

  // The sink's app config sequence is 1: sending 1 again does not increase it.
  wm::v1::SetAppConfigRequest app_config;
  app_config.set_gateway_id(gw);
  app_config.set_sink_id("sink0");
  app_config.set_seq(1);
  app_config.set_diag_interval_s(60);
  wm::v1::SetAppConfigResponse app_config_response;
  grpc::Status status =
      commands().SetAppConfig(CallContext().get(), app_config, &app_config_response);
  ASSERT_TRUE(status.ok()) << "a gateway's refusal is an answer: " << status.error_message();
  EXPECT_EQ(app_config_response.result().code(), wm::v1::GATEWAY_RESULT_INVALID_SEQUENCE_NUMBER);
  EXPECT_EQ(app_config_response.result().raw_code(), 17);
  EXPECT_EQ(app_config_response.result().name(), "INVALID_SEQUENCE_NUMBER");
  EXPECT_NE(app_config_response.result().request_id(), 0u);
  // The answer still carries the sink's configuration, unchanged.
  EXPECT_EQ(app_config_response.config().app_config().seq(), 1u);
  EXPECT_EQ(Metric("wm_command_requests_total", "method=\"SetAppConfig\",result=\"gateway_error\""),
            1);

  // A sink the gateway does not have.
  wm::v1::SendDataRequest send = SendDataTo(gw);
  send.set_sink_id("sink7");
  wm::v1::SendDataResponse send_response;
  status = commands().SendData(CallContext().get(), send, &send_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(send_response.result().code(), wm::v1::GATEWAY_RESULT_INVALID_SINK_ID);
  EXPECT_EQ(send_response.result().name(), "INVALID_SINK_ID");

  // A node address the sink refuses (wm-command only refuses 0 and broadcast itself).
  wm::v1::SetConfigRequest set_config;
  set_config.set_gateway_id(gw);
  set_config.set_sink_id("sink0");
  set_config.mutable_config()->set_node_address(0xFFFFFFFE);
  wm::v1::SetConfigResponse set_config_response;
  status = commands().SetConfig(CallContext().get(), set_config, &set_config_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(set_config_response.result().code(), wm::v1::GATEWAY_RESULT_INVALID_PARAM);
  EXPECT_EQ(set_config_response.result().raw_code(), 21);

  // No item stored for the endpoint.
  wm::v1::GetConfigurationDataItemRequest get_item;
  get_item.set_gateway_id(gw);
  get_item.set_sink_id("sink0");
  get_item.set_endpoint(42);
  wm::v1::GetConfigurationDataItemResponse item;
  status = commands().GetConfigurationDataItem(CallContext().get(), get_item, &item);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(item.result().code(), wm::v1::GATEWAY_RESULT_INVALID_PARAM);
  EXPECT_FALSE(item.has_item());
}

}  // namespace
}  // namespace wm::testing
