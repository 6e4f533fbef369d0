// wm-command in process, over real gRPC, against a private mosquitto and a gateway emulator
// (tools/gateway_sim/gateway_emulator.h: the simulator's request handlers with test knobs).
// What tests/command checks against the wm-gateway-sim process is not repeated here; these are
// the cases that need a knob (an answer held, a result overridden, a node that refuses) or
// wm-command's internals (its metrics registry, calls in progress, Stop).
#include "services/command/command_app.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/config/settings.h"
#include "libs/mqtt/client.h"
#include "libs/testing/mosquitto.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tools/gateway_sim/gateway_emulator.h"
#include "tools/gateway_sim/handler_testing.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;
namespace sim_testing = gateway_sim::testing;
using gateway_sim::GatewayEmulator;
using gateway_sim::GatewayState;
using wirepas::Method;

// The gateway of sim_testing::TestGateway: sinks sink0 and sink1 (node addresses 1000 and
// 1001), nodes 2000 + 100 * sink + n, n hops away.
constexpr char kGateway[] = "sim-gw-1";
// A node's MSAP answer leaves the emulator at most this long after the request per hop: 40
// ticks of 1/128 s down, 80 up (tools/gateway_sim/data_handlers.h), plus processing.
constexpr absl::Duration kMaxAnswerTimePerHop = absl::Milliseconds(120 * 1000 / 128 + 1);
constexpr absl::Duration kMaxNodeProcessing = absl::Milliseconds(20);

// A quiet period (ms) long enough for nodes `hops` away to answer, with a margin.
uint32_t QuietPeriodMsFor(int hops) {
  return static_cast<uint32_t>(absl::ToInt64Milliseconds(
      kMaxAnswerTimePerHop * hops + kMaxNodeProcessing + absl::Milliseconds(300)));
}

// Polls `condition` until it holds or `timeout` passes.
template <typename F>
bool WaitFor(F condition, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

class CommandAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = testing::MosquittoProcess::Start();
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
  }

  void TearDown() override {
    if (app_ != nullptr) app_->Stop();
    app_.reset();
    gateway_.reset();
  }

  // Starts the emulated gateway on the broker.
  void StartGateway(GatewayState state = sim_testing::TestGatewayState()) {
    auto gateway =
        GatewayEmulator::Start({.broker_port = broker_->port(), .state = std::move(state)});
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }

  GatewayEmulator& gateway() { return *gateway_; }

  // Starts wm-command with `flags` added, waits until it knows the gateway.
  void StartApp(std::vector<std::string> flags = {}) {
    config::Schema schema;
    AddCommandSettings(schema);
    std::vector<std::string> args = {
        "--mqtt_hostname=127.0.0.1", absl::StrCat("--mqtt_port=", broker_->port()),
        "--mqtt_force_unsecure",     "--grpc_port=0",
        "--grpc_host=127.0.0.1",     "--http_port=0",
        "--http_host=127.0.0.1"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto settings = config::Settings::Load(schema, args, {});
    ASSERT_TRUE(settings.ok()) << settings.status();
    auto app = CommandApp::Create(*settings);
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *std::move(app);
    ASSERT_TRUE(app_->Start().ok());
    ASSERT_TRUE(WaitFor([&] {
      return app_->directory().StateOf(kGateway) == wm::v1::GATEWAY_STATE_ONLINE;
    })) << "wm-command never saw the gateway's status";
    stub_ = wm::v1::Commands::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", app_->grpc_port()), grpc::InsecureChannelCredentials()));
  }

  // A client context that gives up after 20 s, so that a broken server fails the test.
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return context;
  }

  // The value of a sample of `family` with every label of `labels`; -1 when absent.
  double Metric(const std::string& family, const std::map<std::string, std::string>& labels = {}) {
    for (const prometheus::MetricFamily& f : app_->registry().Collect()) {
      if (f.name != family) continue;
      for (const prometheus::ClientMetric& m : f.metric) {
        bool all = true;
        for (const auto& [name, value] : labels) {
          all = all && std::any_of(m.label.begin(), m.label.end(), [&](const auto& l) {
                  return l.name == name && l.value == value;
                });
        }
        if (!all) continue;
        if (f.type == prometheus::MetricType::Histogram) {
          return static_cast<double>(m.histogram.sample_count);
        }
        return f.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
      }
    }
    return -1;
  }

  static wm::v1::SendDataRequest SendDataRequest() {
    wm::v1::SendDataRequest request;
    request.set_gateway_id(kGateway);
    request.set_sink_id("sink0");
    request.set_destination_address(2001);
    request.set_source_endpoint(10);
    request.set_destination_endpoint(11);
    request.set_qos(1);
    request.set_payload("hello");
    return request;
  }

  // Streams `image` in pieces of `piece` bytes.
  grpc::Status Upload(const std::string& image, uint32_t seq, size_t piece,
                      wm::v1::UploadScratchpadResponse* response) {
    auto context = Context();
    auto writer = stub_->UploadScratchpad(context.get(), response);
    wm::v1::UploadScratchpadRequest message;
    message.set_gateway_id(kGateway);
    message.set_sink_id("sink0");
    message.set_seq(seq);
    size_t offset = 0;
    do {
      message.set_data(image.substr(offset, piece));
      offset += piece;
      if (!writer->Write(message)) break;
      message.Clear();
    } while (offset < image.size());
    writer->WritesDone();
    return writer->Finish();
  }

  std::unique_ptr<testing::MosquittoProcess> broker_;
  std::unique_ptr<GatewayEmulator> gateway_;
  std::unique_ptr<CommandApp> app_;
  std::unique_ptr<wm::v1::Commands::Stub> stub_;
};

// ---- gateway requests ----

TEST_F(CommandAppTest, GetConfigsIsCountedAndTimed) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  wm::v1::GetConfigsRequest request;
  request.set_gateway_id(kGateway);
  wm::v1::GetConfigsResponse response;
  grpc::Status status = stub_->GetConfigs(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_NE(response.result().request_id(), 0u);
  ASSERT_EQ(gateway().RequestCount(Method::kGetConfigs), 1);
  EXPECT_EQ(
      gateway().Requests(Method::kGetConfigs)[0].wirepas().get_configs_req().header().req_id(),
      response.result().request_id());
  EXPECT_EQ(Metric("wm_command_requests_total", {{"method", "GetConfigs"}, {"result", "ok"}}), 1);
  EXPECT_EQ(Metric("wm_command_latency_seconds", {{"method", "GetConfigs"}}), 1);
}

TEST_F(CommandAppTest, SetConfigSendsAChannelMapOfZeroAndALowLatencyRole) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  wm::v1::SetConfigRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink1");
  request.mutable_config()->set_channel_map(0);
  request.mutable_config()->mutable_node_role()->set_dual_mcu_role(0x11);  // sink, low latency
  wm::v1::SetConfigResponse response;
  grpc::Status status = stub_->SetConfig(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_TRUE(response.config().node_role().low_latency());

  std::vector<wirepas::GenericMessage> seen = gateway().Requests(Method::kSetConfig);
  ASSERT_EQ(seen.size(), 1u);
  const gwapi::SetConfigReq& sent = seen[0].wirepas().set_config_req();
  EXPECT_EQ(sent.header().sink_id(), "sink1");
  EXPECT_EQ(sent.config().sink_id(), "sink1");
  EXPECT_TRUE(sent.config().has_channel_map());
  EXPECT_EQ(sent.config().channel_map(), 0u);
  EXPECT_FALSE(sent.config().has_sink_state());
}

TEST_F(CommandAppTest, RefusedChunkEndsTheUploadWithItsResult) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());  // max_scratchpad_size 1024
  ASSERT_NO_FATAL_FAILURE(StartApp());
  gateway().OverrideResult(Method::kOtapLoadScratchpad, gwapi::INVALID_SCRATCHPAD_CHUNK_OFFSET);
  wm::v1::UploadScratchpadResponse response;
  grpc::Status status = Upload(std::string(3000, 'x'), 9, 3000, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_INVALID_SCRATCHPAD_CHUNK_OFFSET);
  EXPECT_EQ(response.requests_sent(), 1u);
  EXPECT_EQ(gateway().RequestCount(Method::kOtapLoadScratchpad), 1);
}

TEST_F(CommandAppTest, ClearGatewayStatusOfAnOnlineGatewayWhenForced) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  wm::v1::ClearGatewayStatusRequest request;
  request.set_gateway_id(kGateway);
  request.set_force(true);
  wm::v1::ClearGatewayStatusResponse response;
  grpc::Status status = stub_->ClearGatewayStatus(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.previous_state(), wm::v1::GATEWAY_STATE_ONLINE);
  // wm-command hears its own empty retained status: the gateway is gone.
  ASSERT_TRUE(WaitFor(
      [&] { return app_->directory().StateOf(kGateway) == wm::v1::GATEWAY_STATE_REMOVED; }));
  // The broker forgot it: a new subscriber gets no retained status. A marker published after
  // subscribing arrives after any retained message would have.
  mqtt::MqttOptions options;
  options.host = "127.0.0.1";
  options.port = broker_->port();
  options.force_unsecure = true;
  mqtt::MqttClient late_subscriber(options);
  std::atomic<int> statuses{0};
  std::atomic<bool> marker{false};
  late_subscriber.SetMessageHandler([&](const mqtt::MqttMessage& m) {
    if (m.topic() == "test/marker") {
      marker = true;
    } else {
      ++statuses;
    }
  });
  ASSERT_TRUE(late_subscriber.AddSubscription("gw-event/status/+", 1).ok());
  ASSERT_TRUE(late_subscriber.AddSubscription("test/marker", 1).ok());
  ASSERT_TRUE(late_subscriber.Start().ok());
  ASSERT_TRUE(late_subscriber.WaitUntilSubscribed(absl::Seconds(10)));
  ASSERT_TRUE(late_subscriber.PublishAndWait("test/marker", "x", 1, false, absl::Seconds(5)).ok());
  ASSERT_TRUE(WaitFor([&] { return marker.load(); }));
  EXPECT_EQ(statuses.load(), 0);
  late_subscriber.Stop();
}

// ---- node commands ----

TEST_F(CommandAppTest, PingSendsAnEightByteReference) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(sim_testing::TestGatewayState({}, /*nodes_per_sink=*/1)));
  ASSERT_NO_FATAL_FAILURE(StartApp());
  wm::v1::PingRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_quiet_period_ms(QuietPeriodMsFor(1));
  auto context = Context();
  auto reader = stub_->Ping(context.get(), request);
  std::vector<wm::v1::PingResponse> messages;
  wm::v1::PingResponse message;
  while (reader->Read(&message)) messages.push_back(message);
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].reply().source_address(), 2001u);

  std::vector<wirepas::GenericMessage> seen = gateway().Requests(Method::kSendData);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].wirepas().send_packet_req().payload().substr(0, 2), std::string("\x00\x08", 2));
  EXPECT_EQ(seen[0].wirepas().send_packet_req().payload().size(), 10u);
}

TEST_F(CommandAppTest, PingRefusedByTheGatewayEndsAfterTheResult) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  gateway().OverrideResult(Method::kSendData, gwapi::SINK_OUT_OF_MEMORY);
  wm::v1::PingRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  auto context = Context();
  auto reader = stub_->Ping(context.get(), request);
  std::vector<wm::v1::PingResponse> messages;
  wm::v1::PingResponse message;
  while (reader->Read(&message)) messages.push_back(message);
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].sent().result().code(), wm::v1::GATEWAY_RESULT_SINK_OUT_OF_MEMORY);
}

TEST_F(CommandAppTest, UpdateNodesScratchpadSendsTheSessionAndReportsARefusingNode) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(sim_testing::TestGatewayState({}, /*nodes_per_sink=*/2)));
  ASSERT_NO_FATAL_FAILURE(StartApp());
  gateway().OverrideNodeAnswer(2002, std::string("\xFB\x00", 2));  // invalid begin
  wm::v1::UpdateNodesScratchpadRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_seq(9);
  request.set_ack_quiet_period_ms(QuietPeriodMsFor(2));
  wm::v1::NodeCommandResponse response;
  grpc::Status status = stub_->UpdateNodesScratchpad(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 1u);
  EXPECT_EQ(response.sent(0).result().code(), wm::v1::GATEWAY_RESULT_OK);
  ASSERT_EQ(response.acks_size(), 2);
  for (const wm::v1::NodeAck& ack : response.acks()) {
    if (ack.source_address() == 2002) {
      EXPECT_FALSE(ack.ok());
      EXPECT_EQ(ack.error(), "INVALID_BEGIN");
    } else {
      EXPECT_TRUE(ack.ok()) << ack.source_address() << " " << ack.error();
    }
  }
  // cancel, begin, scratchpad update (seq 9), end, update (30 s countdown).
  const std::string payload =
      gateway().Requests(Method::kSendData)[0].wirepas().send_packet_req().payload();
  EXPECT_EQ(payload, std::string("\x04\x00\x01\x00\x1a\x01\x09\x03\x00\x05\x02\x1e\x00", 13));
}

TEST_F(CommandAppTest, CancelNodesUpdateSendsACancelFrame) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  wm::v1::CancelNodesUpdateRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_destination_address(2003);
  wm::v1::NodeCommandResponse response;
  grpc::Status status = stub_->CancelNodesUpdate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 1);
  const gwapi::SendPacketReq packet =
      gateway().Requests(Method::kSendData)[0].wirepas().send_packet_req();
  EXPECT_EQ(packet.destination_address(), 2003u);
  EXPECT_EQ(packet.payload(), std::string("\x04\x00", 2));
}

// ---- failure modes ----

TEST_F(CommandAppTest, RetryWhileTheFirstWaitsJoinsItInsteadOfPublishing) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  gateway().Hold(Method::kSendData);
  wm::v1::SendDataRequest request = SendDataRequest();
  request.set_client_request_id("upload-1");
  wm::v1::SendDataResponse first, second;
  grpc::Status first_status, second_status;
  std::thread first_call([&] { first_status = stub_->SendData(Context().get(), request, &first); });
  ASSERT_TRUE(gateway().WaitForRequests(Method::kSendData, 1, absl::Seconds(10)));
  std::thread second_call(
      [&] { second_status = stub_->SendData(Context().get(), request, &second); });
  // The retry is in progress (joined, not published) before the first is answered.
  ASSERT_TRUE(WaitFor([&] { return app_->calls_in_progress() == 2; }));
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 1);
  gateway().ReleaseHeld();
  first_call.join();
  second_call.join();
  ASSERT_TRUE(first_status.ok()) << first_status.error_message();
  ASSERT_TRUE(second_status.ok()) << second_status.error_message();
  EXPECT_EQ(second.result().request_id(), first.result().request_id());
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 1);
}

TEST_F(CommandAppTest, OfflineGatewayFailsFastAndIsServedAgainOnceBackOnline) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  ASSERT_TRUE(gateway().PublishStatus(false).ok());
  ASSERT_TRUE(WaitFor(
      [&] { return app_->directory().StateOf(kGateway) == wm::v1::GATEWAY_STATE_OFFLINE; }));
  wm::v1::SendDataResponse response;
  grpc::Status status = stub_->SendData(Context().get(), SendDataRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 0);

  // Back online: commands go through again.
  ASSERT_TRUE(gateway().PublishStatus(true).ok());
  ASSERT_TRUE(
      WaitFor([&] { return app_->directory().StateOf(kGateway) == wm::v1::GATEWAY_STATE_ONLINE; }));
  status = stub_->SendData(Context().get(), SendDataRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 1);
}

TEST_F(CommandAppTest, ResultCodeUnknownToThisBuildIsReportedAsSuch) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp());
  gateway().OverrideResult(Method::kSendData, 42);
  wm::v1::SendDataResponse response;
  grpc::Status status = stub_->SendData(Context().get(), SendDataRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_UNKNOWN);
  EXPECT_EQ(response.result().raw_code(), 42);
  EXPECT_EQ(response.result().name(), "UNKNOWN(42)");
}

TEST_F(CommandAppTest, RequestsBeyondTheSinkLimitWaitForTheirTurn) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  ASSERT_NO_FATAL_FAILURE(StartApp({"--max_inflight_per_sink=1"}));
  gateway().Hold(Method::kSendData);
  grpc::Status first_status, second_status;
  wm::v1::SendDataResponse first, second;
  std::thread first_call(
      [&] { first_status = stub_->SendData(Context().get(), SendDataRequest(), &first); });
  ASSERT_TRUE(gateway().WaitForRequests(Method::kSendData, 1, absl::Seconds(10)));
  std::thread second_call(
      [&] { second_status = stub_->SendData(Context().get(), SendDataRequest(), &second); });
  // The second waits for the first's answer: it is not published while that is held.
  ASSERT_TRUE(WaitFor([&] { return app_->calls_in_progress() == 2; }));
  EXPECT_FALSE(gateway().WaitForRequests(Method::kSendData, 2, absl::Milliseconds(300)));
  gateway().ReleaseHeld();
  first_call.join();
  second_call.join();
  EXPECT_TRUE(first_status.ok()) << first_status.error_message();
  EXPECT_TRUE(second_status.ok()) << second_status.error_message();
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 2);
}

}  // namespace
}  // namespace wm::command
