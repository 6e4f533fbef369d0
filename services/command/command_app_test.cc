// wm-command in process, over real gRPC, against a private mosquitto and a fake gateway that
// answers every request (FakeGateway), so that each method is checked end to end: what the
// gateway receives, what the client gets back, and the failure modes a client relies on.
#include "services/command/command_app.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/config/settings.h"
#include "libs/mqtt/client.h"
#include "libs/testing/mosquitto.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "services/command/fake_gateway.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;
using wirepas::Method;

constexpr char kGateway[] = "fake-gw";

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
    gateways_.clear();
  }

  // Starts a fake gateway on the broker; the first one is gateway().
  FakeGateway& StartGateway(FakeGateway::Options options = DefaultGatewayOptions()) {
    options.broker_port = broker_->port();
    auto gateway = FakeGateway::Start(std::move(options));
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    gateways_.push_back(*std::move(gateway));
    return *gateways_.back();
  }

  static FakeGateway::Options DefaultGatewayOptions() {
    FakeGateway::Options options;
    options.gateway_id = kGateway;
    options.sink_ids = {"sink0", "sink1"};
    options.max_scratchpad_size = 1024;
    return options;
  }

  FakeGateway& gateway() { return *gateways_.front(); }

  // Starts wm-command with `flags` added, waits until it knows the started gateways.
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
    for (const auto& gateway : gateways_) {
      ASSERT_TRUE(WaitFor([&] {
        return app_->directory().StateOf(gateway->gateway_id()) == wm::v1::GATEWAY_STATE_ONLINE;
      })) << "wm-command never saw the status of "
          << gateway->gateway_id();
    }
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

  wm::v1::SendDataRequest SendDataRequest() {
    wm::v1::SendDataRequest request;
    request.set_gateway_id(kGateway);
    request.set_sink_id("sink0");
    request.set_destination_address(1001);
    request.set_source_endpoint(10);
    request.set_destination_endpoint(11);
    request.set_qos(1);
    request.set_payload("hello");
    return request;
  }

  // Streams `image` in pieces of `piece` bytes.
  grpc::Status Upload(const std::string& image, uint32_t seq, size_t piece,
                      wm::v1::UploadScratchpadResponse* response,
                      const std::string& gateway_id = kGateway) {
    auto context = Context();
    auto writer = stub_->UploadScratchpad(context.get(), response);
    wm::v1::UploadScratchpadRequest message;
    message.set_gateway_id(gateway_id);
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
  std::vector<std::unique_ptr<FakeGateway>> gateways_;
  std::unique_ptr<CommandApp> app_;
  std::unique_ptr<wm::v1::Commands::Stub> stub_;
};

// ---- one test per gateway request ----

TEST_F(CommandAppTest, GetConfigsReturnsEverySink) {
  StartGateway();
  StartApp();
  wm::v1::GetConfigsRequest request;
  request.set_gateway_id(kGateway);
  wm::v1::GetConfigsResponse response;
  grpc::Status status = stub_->GetConfigs(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_NE(response.result().request_id(), 0u);
  ASSERT_EQ(response.configs_size(), 2);
  EXPECT_EQ(response.configs(0).sink_id(), "sink0");
  EXPECT_EQ(response.configs(0).node_address(), 1u);
  EXPECT_EQ(response.configs(1).network_address(), 5001u);
  EXPECT_EQ(Metric("wm_command_requests_total", {{"method", "GetConfigs"}, {"result", "ok"}}), 1);
  EXPECT_EQ(Metric("wm_command_latency_seconds", {{"method", "GetConfigs"}}), 1);
}

TEST_F(CommandAppTest, SetConfigSendsExactlyTheFieldsSetIncludingAStoppedStack) {
  StartGateway();
  StartApp();
  wm::v1::SetConfigRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink1");
  request.mutable_config()->set_started(false);
  request.mutable_config()->set_channel_map(0);
  request.mutable_config()->mutable_node_role()->set_dual_mcu_role(0x11);  // sink, low latency
  wm::v1::SetConfigResponse response;
  grpc::Status status = stub_->SetConfig(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.config().sink_id(), "sink1");
  EXPECT_FALSE(response.config().started());
  EXPECT_TRUE(response.config().node_role().low_latency());

  std::vector<wirepas::GenericMessage> seen = gateway().Requests(Method::kSetConfig);
  ASSERT_EQ(seen.size(), 1u);
  const gwapi::SetConfigReq& sent = seen[0].wirepas().set_config_req();
  EXPECT_EQ(sent.header().sink_id(), "sink1");
  EXPECT_EQ(sent.config().sink_id(), "sink1");
  EXPECT_EQ(sent.config().sink_state(), gwapi::OFF);
  EXPECT_TRUE(sent.config().has_channel_map());
  EXPECT_FALSE(sent.config().has_node_address());
  EXPECT_FALSE(sent.config().has_app_config());
}

TEST_F(CommandAppTest, SetAppConfigWithoutSequenceUsesCurrentPlusOneWrapping254To1) {
  FakeGateway::Options options = DefaultGatewayOptions();
  options.app_config_seq = 254;
  StartGateway(options);
  StartApp();
  wm::v1::SetAppConfigRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_diag_interval_s(300);
  request.set_data("\x0a\x0b\x0c");
  wm::v1::SetAppConfigResponse response;
  grpc::Status status = stub_->SetAppConfig(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.seq(), 1u);
  EXPECT_EQ(response.config().app_config().seq(), 1u);
  EXPECT_EQ(response.config().app_config().diag_interval_s(), 300u);
  EXPECT_EQ(gateway().SinkConfig("sink0").app_config().app_config_data(), "\x0a\x0b\x0c");
  EXPECT_EQ(gateway().RequestCount(Method::kGetConfigs), 1);

  // Again: 1 -> 2.
  response.Clear();
  status = stub_->SetAppConfig(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.seq(), 2u);
}

TEST_F(CommandAppTest, SetAppConfigWithTheCurrentSequenceGetsTheGatewaysRefusal) {
  StartGateway();  // app config seq 10
  StartApp();
  wm::v1::SetAppConfigRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_seq(10);
  request.set_diag_interval_s(60);
  wm::v1::SetAppConfigResponse response;
  grpc::Status status = stub_->SetAppConfig(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_INVALID_SEQUENCE_NUMBER);
  EXPECT_EQ(response.result().name(), "INVALID_SEQUENCE_NUMBER");
  EXPECT_EQ(gateway().RequestCount(Method::kGetConfigs), 0);
  EXPECT_EQ(Metric("wm_command_requests_total",
                   {{"method", "SetAppConfig"}, {"result", "gateway_error"}}),
            1);
}

TEST_F(CommandAppTest, GetGatewayInfoReportsChunkSizeAndFeatures) {
  StartGateway();
  StartApp();
  wm::v1::GetGatewayInfoRequest request;
  request.set_gateway_id(kGateway);
  wm::v1::GetGatewayInfoResponse response;
  grpc::Status status = stub_->GetGatewayInfo(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.info().model(), "fake");
  EXPECT_EQ(response.info().implemented_api_version(), 2u);
  EXPECT_EQ(response.info().max_scratchpad_size(), 1024u);
  ASSERT_EQ(response.info().features_size(), 2);
  EXPECT_EQ(response.info().features(0), wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1);
}

TEST_F(CommandAppTest, SendDataCarriesEveryFieldAtQos2) {
  StartGateway();
  StartApp();
  // Another client on the broker sees the QoS the request was published with.
  mqtt::MqttOptions observer_options;
  observer_options.host = "127.0.0.1";
  observer_options.port = broker_->port();
  observer_options.force_unsecure = true;
  mqtt::MqttClient observer(observer_options);
  absl::Mutex mu;
  std::vector<int> qos_seen;
  observer.SetMessageHandler([&](const mqtt::MqttMessage& m) {
    absl::MutexLock lock(&mu);
    qos_seen.push_back(m.qos());
  });
  ASSERT_TRUE(observer.AddSubscription("gw-request/send_data/#", 2).ok());
  ASSERT_TRUE(observer.Start().ok());
  ASSERT_TRUE(observer.WaitUntilSubscribed(absl::Seconds(10)));

  wm::v1::SendDataRequest request = SendDataRequest();
  request.set_hop_limit(15);
  request.set_initial_delay_ms(250);
  request.set_unack_csma_ca(true);
  request.set_payload(std::string(1500, 'p'));
  wm::v1::SendDataResponse response;
  grpc::Status status = stub_->SendData(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);

  std::vector<wirepas::GenericMessage> seen = gateway().Requests(Method::kSendData);
  ASSERT_EQ(seen.size(), 1u);
  const gwapi::SendPacketReq& packet = seen[0].wirepas().send_packet_req();
  EXPECT_EQ(packet.header().req_id(), response.result().request_id());
  EXPECT_EQ(packet.header().sink_id(), "sink0");
  EXPECT_EQ(packet.destination_address(), 1001u);
  EXPECT_EQ(packet.source_endpoint(), 10u);
  EXPECT_EQ(packet.destination_endpoint(), 11u);
  EXPECT_EQ(packet.qos(), 1u);
  EXPECT_EQ(packet.payload(), std::string(1500, 'p'));
  EXPECT_EQ(packet.hop_limit(), 15u);
  EXPECT_EQ(packet.initial_delay_ms(), 250u);
  EXPECT_TRUE(packet.is_unack_csma_ca());
  ASSERT_TRUE(WaitFor([&] {
    absl::MutexLock lock(&mu);
    return !qos_seen.empty();
  }));
  observer.Stop();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(qos_seen[0], 2);
}

TEST_F(CommandAppTest, ChunkedUploadIsReassembledIdenticalThenStatusAndProcess) {
  StartGateway();  // max_scratchpad_size 1024
  StartApp();
  std::string image(10000, '\0');
  std::mt19937 random(7);
  for (char& c : image) c = static_cast<char>(random());
  wm::v1::UploadScratchpadResponse response;
  // Stream pieces that do not line up with the chunks.
  grpc::Status status = Upload(image, 9, 777, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.size(), 10000u);
  EXPECT_EQ(response.chunk_size(), 1024u);
  EXPECT_EQ(response.requests_sent(), 10u);
  EXPECT_EQ(gateway().StoredScratchpad("sink0"), image);

  std::vector<wirepas::GenericMessage> chunks = gateway().Requests(Method::kOtapLoadScratchpad);
  ASSERT_EQ(chunks.size(), 10u);
  for (size_t i = 0; i < chunks.size(); ++i) {
    const gwapi::UploadScratchpadReq& chunk = chunks[i].wirepas().upload_scratchpad_req();
    EXPECT_EQ(chunk.seq(), 9u);
    EXPECT_EQ(chunk.chunk_info().scratchpad_total_size(), 10000u);
    EXPECT_EQ(chunk.chunk_info().start_offset(), i * 1024);
  }

  wm::v1::GetScratchpadStatusRequest status_request;
  status_request.set_gateway_id(kGateway);
  status_request.set_sink_id("sink0");
  wm::v1::GetScratchpadStatusResponse status_response;
  status = stub_->GetScratchpadStatus(Context().get(), status_request, &status_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(status_response.stored_scratchpad().len(), 10000u);
  EXPECT_EQ(status_response.stored_scratchpad().seq(), 9u);
  EXPECT_EQ(status_response.stored_type(), wm::v1::SCRATCHPAD_TYPE_PRESENT);
  EXPECT_EQ(status_response.firmware_area_id(), 0x10u);

  wm::v1::ProcessScratchpadRequest process;
  process.set_gateway_id(kGateway);
  process.set_sink_id("sink0");
  wm::v1::ProcessScratchpadResponse processed;
  status = stub_->ProcessScratchpad(Context().get(), process, &processed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(processed.result().code(), wm::v1::GATEWAY_RESULT_OK);
  // The other sink has nothing stored.
  process.set_sink_id("sink1");
  status = stub_->ProcessScratchpad(Context().get(), process, &processed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(processed.result().code(), wm::v1::GATEWAY_RESULT_NO_SCRATCHPAD_PRESENT);
}

TEST_F(CommandAppTest, RefusedChunkEndsTheUploadWithItsResult) {
  StartGateway();
  StartApp();
  gateway().OverrideResult(Method::kOtapLoadScratchpad, gwapi::INVALID_SCRATCHPAD_CHUNK_OFFSET);
  wm::v1::UploadScratchpadResponse response;
  grpc::Status status = Upload(std::string(3000, 'x'), 9, 3000, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_INVALID_SCRATCHPAD_CHUNK_OFFSET);
  EXPECT_EQ(response.requests_sent(), 1u);
  EXPECT_EQ(gateway().RequestCount(Method::kOtapLoadScratchpad), 1);
}

TEST_F(CommandAppTest, UploadGoesWholeWhenTheGatewayGivesNoChunkSizeAndEmptyUploadClears) {
  FakeGateway::Options options = DefaultGatewayOptions();
  options.max_scratchpad_size.reset();
  StartGateway(options);
  StartApp();
  const std::string image(5000, 's');
  wm::v1::UploadScratchpadResponse response;
  grpc::Status status = Upload(image, 3, 1000, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.chunk_size(), 0u);
  EXPECT_EQ(response.requests_sent(), 1u);
  std::vector<wirepas::GenericMessage> seen = gateway().Requests(Method::kOtapLoadScratchpad);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].wirepas().upload_scratchpad_req().has_chunk_info());
  EXPECT_EQ(gateway().StoredScratchpad("sink0"), image);

  response.Clear();
  status = Upload("", 0, 1, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.size(), 0u);
  seen = gateway().Requests(Method::kOtapLoadScratchpad);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[1].wirepas().upload_scratchpad_req().has_scratchpad());
  EXPECT_EQ(gateway().StoredScratchpad("sink0"), "");
}

TEST_F(CommandAppTest, SetScratchpadTargetAndActionReachesTheSink) {
  StartGateway();
  StartApp();
  wm::v1::SetScratchpadTargetAndActionRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  wm::v1::TargetScratchpadAndAction* target = request.mutable_target_and_action();
  target->set_action(wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  target->set_target_sequence(12);
  target->set_delay(wm::v1::PROCESSING_DELAY_SIX_HOURS);
  wm::v1::SetScratchpadTargetAndActionResponse response;
  grpc::Status status = stub_->SetScratchpadTargetAndAction(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  const gwapi::TargetScratchpadAndAction stored = gateway().SinkConfig("sink0").target_and_action();
  EXPECT_EQ(stored.action(), gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_EQ(stored.target_sequence(), 12u);
  EXPECT_EQ(stored.delay(), gwapi::SIX_HOURS);
}

TEST_F(CommandAppTest, ConfigurationDataItemsSetGetAndClear) {
  StartGateway();
  StartApp();
  wm::v1::SetConfigurationDataItemRequest set;
  set.set_gateway_id(kGateway);
  set.set_sink_id("sink0");
  set.set_endpoint(0x1234);
  set.set_payload("item-data");
  wm::v1::SetConfigurationDataItemResponse set_response;
  grpc::Status status = stub_->SetConfigurationDataItem(Context().get(), set, &set_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(set_response.result().code(), wm::v1::GATEWAY_RESULT_OK);

  wm::v1::GetConfigurationDataItemRequest get;
  get.set_gateway_id(kGateway);
  get.set_sink_id("sink0");
  get.set_endpoint(0x1234);
  wm::v1::GetConfigurationDataItemResponse got;
  status = stub_->GetConfigurationDataItem(Context().get(), get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.item().endpoint(), 0x1234u);
  EXPECT_EQ(got.item().payload(), "item-data");

  set.clear_payload();
  status = stub_->SetConfigurationDataItem(Context().get(), set, &set_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  got.Clear();
  status = stub_->GetConfigurationDataItem(Context().get(), get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.result().code(), wm::v1::GATEWAY_RESULT_INVALID_PARAM);
  EXPECT_FALSE(got.has_item());
}

TEST_F(CommandAppTest, ClearGatewayStatusRefusesAnOnlineGatewayUnlessForced) {
  StartGateway();
  StartApp();
  wm::v1::ClearGatewayStatusRequest request;
  request.set_gateway_id(kGateway);
  wm::v1::ClearGatewayStatusResponse response;
  grpc::Status status = stub_->ClearGatewayStatus(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  request.set_force(true);
  status = stub_->ClearGatewayStatus(Context().get(), request, &response);
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

  // Commands to a removed gateway fail fast.
  wm::v1::GetConfigsRequest get;
  get.set_gateway_id(kGateway);
  wm::v1::GetConfigsResponse configs;
  status = stub_->GetConfigs(Context().get(), get, &configs);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// ---- node commands ----

TEST_F(CommandAppTest, PingStreamsEachNodesReplyWithHopCountUntilQuiet) {
  StartGateway();
  StartApp();
  wm::v1::PingRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_quiet_period_ms(300);
  auto context = Context();
  const absl::Time started = absl::Now();
  auto reader = stub_->Ping(context.get(), request);
  std::vector<wm::v1::PingResponse> messages;
  wm::v1::PingResponse message;
  while (reader->Read(&message)) messages.push_back(message);
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  // Ended by the quiet period, long before the 60 s collection time.
  EXPECT_LT(absl::Now() - started, absl::Seconds(10));

  ASSERT_EQ(messages.size(), 4u);
  ASSERT_TRUE(messages[0].has_sent());
  EXPECT_EQ(messages[0].sent().destination_address(), 0xFFFFFFFFu);
  EXPECT_EQ(messages[0].sent().result().code(), wm::v1::GATEWAY_RESULT_OK);
  std::map<uint32_t, uint32_t> hops;
  for (size_t i = 1; i < messages.size(); ++i) {
    ASSERT_TRUE(messages[i].has_reply());
    const wm::v1::PingReply& reply = messages[i].reply();
    hops[reply.source_address()] = reply.hop_count();
    EXPECT_EQ(reply.gateway_id(), kGateway);
    EXPECT_EQ(reply.network_address(), 5000u);
    EXPECT_LT(reply.round_trip_ms(), 10000u);
  }
  EXPECT_EQ(hops, (std::map<uint32_t, uint32_t>{{1001, 1}, {1002, 2}, {1003, 3}}));

  // The downlink was a ping from 255 to 240 with an 8-byte reference.
  std::vector<wirepas::GenericMessage> seen = gateway().Requests(Method::kSendData);
  ASSERT_EQ(seen.size(), 1u);
  const gwapi::SendPacketReq& packet = seen[0].wirepas().send_packet_req();
  EXPECT_EQ(packet.source_endpoint(), 255u);
  EXPECT_EQ(packet.destination_endpoint(), 240u);
  EXPECT_EQ(packet.payload().substr(0, 2), std::string("\x00\x08", 2));
}

TEST_F(CommandAppTest, PingRefusedByTheGatewayEndsAfterTheResult) {
  StartGateway();
  StartApp();
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

TEST_F(CommandAppTest, GetNodesScratchpadStatusAsksTheSinkThenBroadcast) {
  StartGateway();
  StartApp();
  wm::v1::GetNodesScratchpadStatusRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink1");
  request.set_quiet_period_ms(300);
  auto context = Context();
  auto reader = stub_->GetNodesScratchpadStatus(context.get(), request);
  std::vector<wm::v1::GetNodesScratchpadStatusResponse> messages;
  wm::v1::GetNodesScratchpadStatusResponse message;
  while (reader->Read(&message)) messages.push_back(message);
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(messages[0].sent().destination_address(), 2u);  // sink1's own address
  EXPECT_EQ(messages[1].sent().destination_address(), 0xFFFFFFFFu);
  std::vector<uint32_t> sources;
  for (size_t i = 2; i < messages.size(); ++i) {
    ASSERT_TRUE(messages[i].has_node());
    sources.push_back(messages[i].node().source_address());
    EXPECT_EQ(messages[i].node().status().stored_seq(), 7u);
    EXPECT_EQ(messages[i].node().status().stored_len(), 4096u);
    EXPECT_EQ(messages[i].node().network_address(), 5001u);
  }
  std::sort(sources.begin(), sources.end());
  EXPECT_EQ(sources, (std::vector<uint32_t>{2, 1001, 1002, 1003}));
}

TEST_F(CommandAppTest, UpdateNodesScratchpadSendsTheSessionAndCollectsAcks) {
  FakeGateway::Options options = DefaultGatewayOptions();
  options.refusing_node = 1002;
  StartGateway(options);
  StartApp();
  wm::v1::UpdateNodesScratchpadRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_seq(9);
  request.set_ack_quiet_period_ms(300);
  wm::v1::NodeCommandResponse response;
  grpc::Status status = stub_->UpdateNodesScratchpad(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 1u);
  EXPECT_EQ(response.sent(0).result().code(), wm::v1::GATEWAY_RESULT_OK);
  ASSERT_EQ(response.acks_size(), 3);
  for (const wm::v1::NodeAck& ack : response.acks()) {
    if (ack.source_address() == 1002) {
      EXPECT_FALSE(ack.ok());
      EXPECT_EQ(ack.error(), "INVALID_BEGIN");
    } else {
      EXPECT_TRUE(ack.ok()) << ack.source_address();
    }
  }
  // cancel, begin, scratchpad update (seq 9), end, update (30 s countdown).
  const std::string payload =
      gateway().Requests(Method::kSendData)[0].wirepas().send_packet_req().payload();
  EXPECT_EQ(payload, std::string("\x04\x00\x01\x00\x1a\x01\x09\x03\x00\x05\x02\x1e\x00", 13));
}

TEST_F(CommandAppTest, CancelNodesUpdateWithoutWaitingForNodes) {
  StartGateway();
  StartApp();
  wm::v1::CancelNodesUpdateRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_destination_address(1003);
  wm::v1::NodeCommandResponse response;
  grpc::Status status = stub_->CancelNodesUpdate(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 1);
  EXPECT_EQ(response.sent(0).destination_address(), 1003u);
  EXPECT_EQ(response.acks_size(), 0);
  const gwapi::SendPacketReq packet =
      gateway().Requests(Method::kSendData)[0].wirepas().send_packet_req();
  EXPECT_EQ(packet.destination_address(), 1003u);
  EXPECT_EQ(packet.payload(), std::string("\x04\x00", 2));
}

TEST_F(CommandAppTest, SetNeighborDiagnosticsGoesToTheSinkThenBroadcast) {
  StartGateway();
  StartApp();
  wm::v1::SetNeighborDiagnosticsRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  request.set_interval_s(120);
  request.set_ack_quiet_period_ms(300);
  wm::v1::NodeCommandResponse response;
  grpc::Status status = stub_->SetNeighborDiagnostics(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 2);
  EXPECT_EQ(response.sent(0).destination_address(), 1u);
  EXPECT_EQ(response.sent(1).destination_address(), 0xFFFFFFFFu);
  EXPECT_EQ(response.acks_size(), 4);  // the sink and three nodes
  std::vector<wirepas::GenericMessage> seen = gateway().Requests(Method::kSendData);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].wirepas().send_packet_req().destination_address(), 1u);
  EXPECT_EQ(seen[1].wirepas().send_packet_req().destination_address(), 0xFFFFFFFFu);
  // Diagnostic control: 0x60, length 3, interval 120 LE, neighbor diagnostics.
  EXPECT_EQ(seen[0].wirepas().send_packet_req().payload(), std::string("\x60\x03\x78\x00\x02", 5));

  request.set_interval_s(45);
  status = stub_->SetNeighborDiagnostics(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 2);
}

// ---- failure modes ----

TEST_F(CommandAppTest, DroppedResponseIsDeadlineExceededAndALateOneIsCounted) {
  StartGateway();
  StartApp();
  gateway().DropNext(Method::kGetGwInfo);
  wm::v1::GetGatewayInfoRequest request;
  request.set_gateway_id(kGateway);
  request.set_timeout_ms(300);
  wm::v1::GetGatewayInfoResponse response;
  grpc::Status status = stub_->GetGatewayInfo(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();

  gateway().Hold(Method::kGetGwInfo);
  status = stub_->GetGatewayInfo(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  gateway().ReleaseHeld();
  EXPECT_TRUE(WaitFor([&] { return Metric("wm_command_late_responses_total") == 1; }));
  EXPECT_EQ(Metric("wm_command_requests_total",
                   {{"method", "GetGatewayInfo"}, {"result", "deadline_exceeded"}}),
            2);
  EXPECT_EQ(Metric("wm_command_inflight"), 0);

  // The service is fine afterwards.
  request.set_timeout_ms(0);
  status = stub_->GetGatewayInfo(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(CommandAppTest, RetryWithTheSameClientRequestIdDoesNotPublishTwice) {
  StartGateway();
  StartApp();
  wm::v1::SendDataRequest request = SendDataRequest();
  request.set_client_request_id("order-66");
  wm::v1::SendDataResponse first;
  grpc::Status status = stub_->SendData(Context().get(), request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  request.set_timeout_ms(5000);  // a retry may change its timeout
  wm::v1::SendDataResponse second;
  status = stub_->SendData(Context().get(), request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.result().request_id(), first.result().request_id());
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 1);
  EXPECT_EQ(Metric("wm_command_idempotent_replays_total"), 1);

  // The same id for another request is refused.
  request.set_payload("something else");
  status = stub_->SendData(Context().get(), request, &second);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Another id publishes.
  request.set_client_request_id("order-67");
  status = stub_->SendData(Context().get(), request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 2);
}

TEST_F(CommandAppTest, RetryWhileTheFirstWaitsJoinsItInsteadOfPublishing) {
  StartGateway();
  StartApp();
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

TEST_F(CommandAppTest, OfflineGatewayFailsFastWithoutPublishing) {
  StartGateway();
  StartApp();
  ASSERT_TRUE(gateway().PublishStatus(false).ok());
  ASSERT_TRUE(WaitFor(
      [&] { return app_->directory().StateOf(kGateway) == wm::v1::GATEWAY_STATE_OFFLINE; }));
  wm::v1::SendDataResponse response;
  const absl::Time started = absl::Now();
  grpc::Status status = stub_->SendData(Context().get(), SendDataRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_LT(absl::Now() - started, absl::Seconds(1));
  EXPECT_EQ(gateway().RequestCount(Method::kSendData), 0);
  EXPECT_EQ(Metric("wm_command_requests_total",
                   {{"method", "SendData"}, {"result", "failed_precondition"}}),
            1);

  // Back online: commands go through again.
  ASSERT_TRUE(gateway().PublishStatus(true).ok());
  ASSERT_TRUE(
      WaitFor([&] { return app_->directory().StateOf(kGateway) == wm::v1::GATEWAY_STATE_ONLINE; }));
  status = stub_->SendData(Context().get(), SendDataRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(CommandAppTest, GatewayGoingOfflineFailsTheRequestsWaitingForIt) {
  StartGateway();
  StartApp();
  gateway().Hold(Method::kSendData);
  grpc::Status status;
  wm::v1::SendDataResponse response;
  std::thread call(
      [&] { status = stub_->SendData(Context().get(), SendDataRequest(), &response); });
  ASSERT_TRUE(gateway().WaitForRequests(Method::kSendData, 1, absl::Seconds(10)));
  ASSERT_TRUE(gateway().PublishStatus(false).ok());
  call.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(CommandAppTest, ResultCodeUnknownToThisBuildIsReportedAsSuch) {
  StartGateway();
  StartApp();
  gateway().OverrideResult(Method::kSendData, 42);
  wm::v1::SendDataResponse response;
  grpc::Status status = stub_->SendData(Context().get(), SendDataRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_UNKNOWN);
  EXPECT_EQ(response.result().raw_code(), 42);
  EXPECT_EQ(response.result().name(), "UNKNOWN(42)");
}

TEST_F(CommandAppTest, InvalidArgumentsAreRefusedBeforeAnythingIsPublished) {
  StartGateway();
  StartApp();
  wm::v1::SendDataRequest send = SendDataRequest();
  send.set_hop_limit(16);
  wm::v1::SendDataResponse send_response;
  EXPECT_EQ(stub_->SendData(Context().get(), send, &send_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  send = SendDataRequest();
  send.set_sink_id("");
  EXPECT_EQ(stub_->SendData(Context().get(), send, &send_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  wm::v1::SetConfigRequest set_config;
  set_config.set_gateway_id(kGateway);
  set_config.set_sink_id("sink0");
  wm::v1::SetConfigResponse set_config_response;
  EXPECT_EQ(stub_->SetConfig(Context().get(), set_config, &set_config_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // nothing to change

  wm::v1::SetAppConfigRequest app_config;
  app_config.set_gateway_id(kGateway);
  app_config.set_sink_id("sink0");
  app_config.set_diag_interval_s(45);
  wm::v1::SetAppConfigResponse app_config_response;
  EXPECT_EQ(stub_->SetAppConfig(Context().get(), app_config, &app_config_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  app_config.set_diag_interval_s(60);
  app_config.set_data(std::string(81, 'd'));  // the sink's app_config_max_size is 80
  EXPECT_EQ(stub_->SetAppConfig(Context().get(), app_config, &app_config_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  wm::v1::UploadScratchpadResponse upload_response;
  EXPECT_EQ(Upload("image", 0, 10, &upload_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // seq 0 with data

  wm::v1::UpdateNodesScratchpadRequest update;
  update.set_gateway_id(kGateway);
  update.set_sink_id("sink0");
  update.set_seq(9);
  update.set_countdown_s(5);
  wm::v1::NodeCommandResponse node_response;
  EXPECT_EQ(stub_->UpdateNodesScratchpad(Context().get(), update, &node_response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  for (int i = 0; i < wirepas::kMethodCount; ++i) {
    EXPECT_EQ(gateway().RequestCount(static_cast<Method>(i)), 0) << i;
  }
}

TEST_F(CommandAppTest, RequestsBeyondTheSinkLimitWaitForTheirTurn) {
  StartGateway();
  StartApp({"--max_inflight_per_sink=1"});
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

TEST_F(CommandAppTest, ReadyOnceSubscribedAndStopFailsWaitingCallsPromptly) {
  StartGateway();
  StartApp({"--drain_timeout_s=0.2"});
  httplib::Client http("127.0.0.1", app_->http_port());
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  gateway().Hold(Method::kOtapProcessScratchpad);
  wm::v1::ProcessScratchpadRequest request;
  request.set_gateway_id(kGateway);
  request.set_sink_id("sink0");
  grpc::Status status;
  wm::v1::ProcessScratchpadResponse response;
  std::thread call([&] { status = stub_->ProcessScratchpad(Context().get(), request, &response); });
  ASSERT_TRUE(gateway().WaitForRequests(Method::kOtapProcessScratchpad, 1, absl::Seconds(10)));
  const absl::Time stopping = absl::Now();
  app_->Stop();
  call.join();
  // Far sooner than the 120 s the answer may take.
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(5));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

}  // namespace
}  // namespace wm::command
