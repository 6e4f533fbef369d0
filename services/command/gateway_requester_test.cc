#include "services/command/gateway_requester.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/command/command_requests.h"
#include "services/command/fake_clock.h"

namespace wm::command {
namespace {

namespace gwapi = wirepas::gwapi;

struct Published {
  std::string topic;
  wirepas::GenericMessage message;
  int qos = 0;
  bool retained = false;
};

class GatewayRequesterTest : public ::testing::Test {
 protected:
  GatewayRequesterTest()
      : requester_(
            [this](std::string topic, std::string payload, int qos, bool retained) {
              if (!publish_status_.ok()) return publish_status_;
              Published p{std::move(topic), {}, qos, retained};
              EXPECT_TRUE(p.message.ParseFromString(payload));
              published_.push_back(std::move(p));
              return absl::OkStatus();
            },
            directory_, limiter_, correlator_, ids_, timers_, &metrics_,
            [this] { return connected_; }) {}

  GatewayRequest SendData(const std::string& sink = "sink0") {
    GatewayRequest request;
    request.method = wirepas::Method::kSendData;
    request.gateway_id = "gw-1";
    request.sink_id = sink;
    request.message = NewGatewayRequest(wirepas::Method::kSendData);
    gwapi::SendPacketReq* packet = request.message.mutable_wirepas()->mutable_send_packet_req();
    packet->set_destination_address(1);
    packet->set_source_endpoint(1);
    packet->set_destination_endpoint(1);
    packet->set_qos(0);
    packet->set_payload("x");
    request.deadline = clock_.Now() + absl::Seconds(2);
    return request;
  }

  // Sends and keeps the reply in replies_[index].
  void Send(GatewayRequest request) {
    const size_t index = replies_.size();
    replies_.emplace_back();
    requester_.Send(std::move(request),
                    [this, index](GatewayReply reply) { replies_[index] = std::move(reply); });
  }

  // The response a gateway would publish for published_[index], with `res`.
  std::string AnswerPayload(size_t index, int32_t res) {
    const gwapi::RequestHeader& request =
        published_[index].message.wirepas().send_packet_req().header();
    wirepas::GenericMessage answer;
    gwapi::ResponseHeader* header =
        answer.mutable_wirepas()->mutable_send_packet_resp()->mutable_header();
    header->set_req_id(request.req_id());
    header->set_gw_id("gw-1");
    header->set_sink_id(request.sink_id());
    if (gwapi::ErrorCode_IsValid(res)) {
      header->set_res(static_cast<gwapi::ErrorCode>(res));
    } else {
      header->mutable_unknown_fields()->AddVarint(gwapi::ResponseHeader::kResFieldNumber, res);
    }
    return answer.SerializePartialAsString();
  }

  void Answer(size_t index, int32_t res = gwapi::OK) {
    requester_.HandleResponse(*wirepas::ParseTopic("gw-response/send_data/gw-1/sink0"),
                              AnswerPayload(index, res));
  }

  void PublishStatus(gwapi::OnOffState state) {
    wirepas::GenericMessage status;
    gwapi::StatusEvent* event = status.mutable_wirepas()->mutable_status_event();
    event->mutable_header()->set_gw_id("gw-1");
    event->mutable_header()->set_event_id(1);
    event->set_version(1);
    event->set_state(state);
    requester_.HandleStatus("gw-1", status.SerializeAsString());
  }

  double Metric(const std::string& name) {
    for (const auto& family : registry_.Collect()) {
      if (family.name == name && !family.metric.empty()) {
        const auto& m = family.metric[0];
        return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
      }
    }
    return -1;
  }

  FakeClock clock_;
  TimerQueue timers_{clock_.AsClock()};
  GatewayDirectory directory_;
  InflightLimiter limiter_{2, timers_};
  ReqIdCorrelator correlator_{timers_};
  std::mt19937 seed_{42};
  wirepas::RequestIdGenerator ids_{[this] { return static_cast<uint32_t>(seed_()); }};
  prometheus::Registry registry_;
  CommandMetrics metrics_{registry_};
  absl::Status publish_status_;
  bool connected_ = true;
  std::vector<Published> published_;
  std::vector<std::optional<GatewayReply>> replies_;
  GatewayRequester requester_;
};

TEST_F(GatewayRequesterTest, PublishesAtQos2WithARandomReqIdAndTheSinkInHeaderAndTopic) {
  Send(SendData());
  Send(SendData());
  ASSERT_EQ(published_.size(), 2u);
  EXPECT_EQ(published_[0].topic, "gw-request/send_data/gw-1/sink0");
  EXPECT_EQ(published_[0].qos, 2);
  EXPECT_FALSE(published_[0].retained);
  const gwapi::RequestHeader& first = published_[0].message.wirepas().send_packet_req().header();
  const gwapi::RequestHeader& second = published_[1].message.wirepas().send_packet_req().header();
  EXPECT_NE(first.req_id(), 0u);
  EXPECT_NE(first.req_id(), second.req_id());
  EXPECT_EQ(first.sink_id(), "sink0");
  EXPECT_TRUE(first.has_time_ms_epoch());
  EXPECT_EQ(Metric("wm_command_inflight"), 2);
}

TEST_F(GatewayRequesterTest, AnswersCompleteTheirOwnRequestsInAnyOrder) {
  Send(SendData());
  Send(SendData());
  Answer(1, gwapi::SINK_OUT_OF_MEMORY);
  Answer(0, gwapi::OK);
  ASSERT_TRUE(replies_[0].has_value() && replies_[1].has_value());
  EXPECT_TRUE(replies_[0]->status.ok());
  EXPECT_EQ(replies_[0]->result.code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_TRUE(replies_[0]->published);
  EXPECT_EQ(replies_[1]->result.code(), wm::v1::GATEWAY_RESULT_SINK_OUT_OF_MEMORY);
  EXPECT_EQ(replies_[1]->req_id,
            published_[1].message.wirepas().send_packet_req().header().req_id());
  EXPECT_EQ(Metric("wm_command_inflight"), 0);
}

TEST_F(GatewayRequesterTest, UnknownResultCodeIsAnAnswerNotAnError) {
  Send(SendData());
  Answer(0, 42);
  ASSERT_TRUE(replies_[0].has_value());
  EXPECT_TRUE(replies_[0]->status.ok()) << replies_[0]->status;
  EXPECT_EQ(replies_[0]->result.code(), wm::v1::GATEWAY_RESULT_UNKNOWN);
  EXPECT_EQ(replies_[0]->result.raw_code(), 42);
}

TEST_F(GatewayRequesterTest, NoAnswerIsDeadlineExceededAndALateAnswerIsCounted) {
  Send(SendData());
  clock_.Advance(absl::Seconds(2));
  timers_.RunDue();
  ASSERT_TRUE(replies_[0].has_value());
  EXPECT_TRUE(absl::IsDeadlineExceeded(replies_[0]->status));
  EXPECT_TRUE(replies_[0]->published);
  Answer(0);
  EXPECT_EQ(Metric("wm_command_late_responses_total"), 1);
  // The slot was given back.
  EXPECT_EQ(limiter_.in_use("gw-1/sink0"), 0);
}

TEST_F(GatewayRequesterTest, OfflineGatewayFailsFastWithoutPublishing) {
  PublishStatus(gwapi::OFF);
  Send(SendData());
  ASSERT_TRUE(replies_[0].has_value());
  EXPECT_TRUE(absl::IsFailedPrecondition(replies_[0]->status)) << replies_[0]->status;
  EXPECT_FALSE(replies_[0]->published);
  EXPECT_TRUE(published_.empty());

  PublishStatus(gwapi::ON);
  Send(SendData());
  EXPECT_EQ(published_.size(), 1u);
}

TEST_F(GatewayRequesterTest, WithoutTheBrokerRequestsAreUnavailableWhateverTheStaleState) {
  PublishStatus(gwapi::OFF);  // what the broker said last: it may have changed since
  connected_ = false;
  Send(SendData());
  ASSERT_TRUE(replies_[0].has_value());
  EXPECT_TRUE(absl::IsUnavailable(replies_[0]->status)) << replies_[0]->status;
  EXPECT_FALSE(replies_[0]->published);
  EXPECT_TRUE(published_.empty());

  connected_ = true;
  Send(SendData());
  EXPECT_TRUE(absl::IsFailedPrecondition(replies_[1]->status)) << replies_[1]->status;
}

TEST_F(GatewayRequesterTest, GatewayGoingOfflineFailsItsPendingRequests) {
  Send(SendData());
  PublishStatus(gwapi::OFF);
  ASSERT_TRUE(replies_[0].has_value());
  EXPECT_TRUE(absl::IsUnavailable(replies_[0]->status)) << replies_[0]->status;
}

TEST_F(GatewayRequesterTest, ThirdRequestToASinkWaitsForASlot) {
  Send(SendData());
  Send(SendData());
  Send(SendData());
  Send(SendData("sink1"));
  // sink0 has two slots; sink1 its own.
  EXPECT_EQ(published_.size(), 3u);
  EXPECT_FALSE(replies_[2].has_value());
  Answer(0);
  ASSERT_EQ(published_.size(), 4u);
  EXPECT_EQ(published_[3].topic, "gw-request/send_data/gw-1/sink0");
}

TEST_F(GatewayRequesterTest, RequestThatWaitedItsWholeTimeoutForASlotIsNotPublished) {
  Send(SendData());
  Send(SendData());
  GatewayRequest late = SendData();
  late.deadline = clock_.Now() + absl::Seconds(1);
  Send(std::move(late));
  clock_.Advance(absl::Seconds(1));
  timers_.RunDue();
  ASSERT_TRUE(replies_[2].has_value());
  EXPECT_TRUE(absl::IsDeadlineExceeded(replies_[2]->status));
  EXPECT_FALSE(replies_[2]->published);
  EXPECT_EQ(published_.size(), 2u);
}

TEST_F(GatewayRequesterTest, PublishFailureIsUnavailableAndFreesTheSlot) {
  publish_status_ = absl::UnavailableError("not connected");
  Send(SendData());
  ASSERT_TRUE(replies_[0].has_value());
  EXPECT_TRUE(absl::IsUnavailable(replies_[0]->status));
  EXPECT_FALSE(replies_[0]->published);
  EXPECT_EQ(limiter_.in_use("gw-1/sink0"), 0);
  EXPECT_EQ(Metric("wm_command_inflight"), 0);
}

TEST_F(GatewayRequesterTest, AnswerOfTheWrongKindIsAnError) {
  Send(SendData());
  wirepas::GenericMessage answer;
  gwapi::ResponseHeader* header =
      answer.mutable_wirepas()->mutable_get_configs_resp()->mutable_header();
  header->set_req_id(published_[0].message.wirepas().send_packet_req().header().req_id());
  header->set_gw_id("gw-1");
  header->set_res(gwapi::OK);
  requester_.HandleResponse(*wirepas::ParseTopic("gw-response/get_configs/gw-1"),
                            answer.SerializeAsString());
  ASSERT_TRUE(replies_[0].has_value());
  EXPECT_TRUE(absl::IsInternal(replies_[0]->status));
}

TEST_F(GatewayRequesterTest, GarbageResponseIsCountedAndIgnored) {
  Send(SendData());
  requester_.HandleResponse(*wirepas::ParseTopic("gw-response/send_data/gw-1/sink0"), "\xff\x01");
  EXPECT_FALSE(replies_[0].has_value());
  EXPECT_EQ(Metric("wm_command_bad_messages_total"), 1);
}

}  // namespace
}  // namespace wm::command
