// The gateway emulator on a private mosquitto: it answers as the simulator's router does, and
// each knob changes what goes out on the broker, seen by a backend's observer.
#include "tools/gateway_sim/gateway_emulator.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/mosquitto.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/broker_observer.h"
#include "tools/gateway_sim/handler_testing.h"

namespace wm::gateway_sim {
namespace {

using wirepas::Method;

class GatewayEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = wm::testing::MosquittoProcess::Start();
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    observer_ = std::make_unique<BrokerObserver>(broker_->port());
    ASSERT_TRUE(observer_->subscribed());
  }

  void StartEmulator(GatewayState state = testing::TestGatewayState()) {
    auto emulator = GatewayEmulator::Start({.broker_port = broker_->port(), .state = state});
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
  }

  // Publishes a request as a backend does (QoS 2).
  void Send(Method method, const wirepas::GenericMessage& request, std::string_view sink = {}) {
    ASSERT_TRUE(observer_->client()
                    .PublishAndWait(wirepas::RequestTopic(method, emulator_->gateway_id(), sink),
                                    request.SerializePartialAsString(), 2, false, absl::Seconds(10))
                    .ok());
  }

  void SendGetConfigs(uint64_t req_id) {
    wirepas::GenericMessage request;
    *request.mutable_wirepas()->mutable_get_configs_req()->mutable_header() =
        testing::Header(req_id);
    Send(Method::kGetConfigs, request);
  }

  // Waits for the answer carrying `req_id`.
  std::optional<wirepas::GenericMessage> AnswerTo(uint64_t req_id) {
    std::optional<std::pair<std::string, wirepas::GenericMessage>> answer;
    Eventually([&] { return (answer = observer_->ResponseTo(req_id)).has_value(); },
               absl::Seconds(10));
    if (!answer.has_value()) return std::nullopt;
    return answer->second;
  }

  std::unique_ptr<wm::testing::MosquittoProcess> broker_;
  std::unique_ptr<BrokerObserver> observer_;
  std::unique_ptr<GatewayEmulator> emulator_;
};

TEST_F(GatewayEmulatorTest, OnlineAtStartAndAnswersAsTheRouterWithTheRequestRecorded) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  EXPECT_TRUE(Eventually([&] { return observer_->LatestStateIs("sim-gw-1", gwapi::ON); }));
  SendGetConfigs(11);
  std::optional<wirepas::GenericMessage> answer = AnswerTo(11);
  ASSERT_TRUE(answer.has_value());
  const gwapi::GetConfigsResp& configs = answer->wirepas().get_configs_resp();
  EXPECT_EQ(configs.header().res(), gwapi::OK);
  ASSERT_EQ(configs.configs_size(), 2);
  EXPECT_EQ(configs.configs(1).node_address(), 1001u);
  ASSERT_EQ(emulator_->RequestCount(Method::kGetConfigs), 1);
  EXPECT_EQ(
      emulator_->Requests(Method::kGetConfigs)[0].wirepas().get_configs_req().header().req_id(),
      11u);

  // What the router ignores is neither answered nor recorded: the next answer comes first.
  ASSERT_TRUE(observer_->client()
                  .PublishAndWait(wirepas::RequestTopic(Method::kGetConfigs, "sim-gw-1"),
                                  "\x0a\x7f", 2, false, absl::Seconds(10))
                  .ok());
  SendGetConfigs(12);
  ASSERT_TRUE(AnswerTo(12).has_value());
  EXPECT_EQ(emulator_->RequestCount(Method::kGetConfigs), 2);
  EXPECT_EQ(observer_->ParsedOn("gw-response/get_configs/").size(), 2u);
}

TEST_F(GatewayEmulatorTest, DropNextLeavesOutAnswersButTheRequestIsRecorded) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  emulator_->DropNext(Method::kGetConfigs, 2);
  SendGetConfigs(1);
  SendGetConfigs(2);
  SendGetConfigs(3);
  // Answers go out in order: once the third's is out, the first two would have been.
  ASSERT_TRUE(AnswerTo(3).has_value());
  EXPECT_FALSE(observer_->ResponseTo(1).has_value());
  EXPECT_FALSE(observer_->ResponseTo(2).has_value());
  EXPECT_EQ(emulator_->RequestCount(Method::kGetConfigs), 3);
}

TEST_F(GatewayEmulatorTest, HeldAnswersGoOutOnRelease) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  emulator_->Hold(Method::kGetGwInfo);
  wirepas::GenericMessage info;
  *info.mutable_wirepas()->mutable_get_gateway_info_req()->mutable_header() = testing::Header(5);
  Send(Method::kGetGwInfo, info);
  ASSERT_TRUE(emulator_->WaitForRequests(Method::kGetGwInfo, 1, absl::Seconds(10)));
  // Another method is not held; its answer comes after the held one would have.
  SendGetConfigs(6);
  ASSERT_TRUE(AnswerTo(6).has_value());
  EXPECT_FALSE(observer_->ResponseTo(5).has_value());
  emulator_->ReleaseHeld();
  std::optional<wirepas::GenericMessage> answer = AnswerTo(5);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->wirepas().get_gateway_info_resp().info().implemented_api_version(), 2u);
}

TEST_F(GatewayEmulatorTest, DelayedAnswerGoesOutAfterItsDelay) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  emulator_->Delay(Method::kGetConfigs, absl::Milliseconds(300));
  const absl::Time sent = absl::Now();
  SendGetConfigs(8);
  ASSERT_TRUE(AnswerTo(8).has_value());
  EXPECT_GE(absl::Now() - sent, absl::Milliseconds(300));
}

TEST_F(GatewayEmulatorTest, OverriddenResultCarriesTheRawCodeKnownOrNot) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  emulator_->OverrideResult(Method::kGetConfigs, 42);
  SendGetConfigs(1);
  std::optional<wirepas::GenericMessage> answer = AnswerTo(1);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(wirepas::ResultCode(*wirepas::ResponseHeaderOf(*answer)), 42);

  emulator_->OverrideResult(Method::kGetConfigs, gwapi::SINK_OUT_OF_MEMORY);
  SendGetConfigs(2);
  answer = AnswerTo(2);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->wirepas().get_configs_resp().header().res(), gwapi::SINK_OUT_OF_MEMORY);
}

TEST_F(GatewayEmulatorTest, NodesAnswerAnMsapPingAndAnOverriddenNodeSaysWhatItIsTold) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  emulator_->OverrideNodeAnswer(2002, std::string("\xFB\x00", 2));
  wirepas::GenericMessage ping;
  gwapi::SendPacketReq* packet = ping.mutable_wirepas()->mutable_send_packet_req();
  *packet->mutable_header() = testing::Header(3, "sink0");
  packet->set_destination_address(0xFFFFFFFF);
  packet->set_source_endpoint(255);
  packet->set_destination_endpoint(240);
  packet->set_qos(0);
  packet->set_payload(std::string("\x00\x02\xAB\xCD", 4));
  Send(Method::kSendData, ping, "sink0");
  ASSERT_TRUE(AnswerTo(3).has_value());
  std::map<uint32_t, std::string> answers;
  ASSERT_TRUE(Eventually([&] {
    answers.clear();
    for (const auto& [topic, message] : observer_->ParsedOn("gw-event/received_data/")) {
      const gwapi::PacketReceivedEvent& event = message.wirepas().packet_received_event();
      answers[event.source_address()] = event.payload();
    }
    return answers.size() == 3;
  }));
  EXPECT_EQ(answers[2001], std::string("\x80\x02\xAB\xCD", 4));
  EXPECT_EQ(answers[2002], std::string("\xFB\x00", 2));
  EXPECT_EQ(answers[2003], std::string("\x80\x02\xAB\xCD", 4));
}

TEST_F(GatewayEmulatorTest, AConfigChangeIsAnnouncedAndTheStateChanges) {
  GatewayState state = testing::TestGatewayState();
  state.sinks[0].config.mutable_app_config()->set_seq(254);
  ASSERT_NO_FATAL_FAILURE(StartEmulator(state));
  EXPECT_EQ(emulator_->SinkConfig("sink0").app_config().seq(), 254u);

  wirepas::GenericMessage set;
  gwapi::SetConfigReq* request = set.mutable_wirepas()->mutable_set_config_req();
  *request->mutable_header() = testing::Header(4, "sink1");
  request->mutable_config()->set_sink_id("sink1");
  request->mutable_config()->set_network_channel(9);
  Send(Method::kSetConfig, set, "sink1");
  std::optional<wirepas::GenericMessage> answer = AnswerTo(4);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->wirepas().set_config_resp().config().network_channel(), 9u);
  EXPECT_EQ(emulator_->SinkConfig("sink1").network_channel(), 9u);
  // The new status, and the req_id 0 answers older backends read.
  ASSERT_TRUE(Eventually([&] {
    const auto statuses = observer_->Statuses("sim-gw-1");
    return statuses.size() == 2 && statuses.back().has_value() &&
           statuses.back()->configs(1).network_channel() == 9;
  }));
  EXPECT_TRUE(Eventually([&] { return observer_->GetConfigsResponse(0).has_value(); }));

  ASSERT_TRUE(emulator_->PublishStatus(false).ok());
  EXPECT_TRUE(Eventually([&] { return observer_->LatestStateIs("sim-gw-1", gwapi::OFF); }));
}

}  // namespace
}  // namespace wm::gateway_sim
