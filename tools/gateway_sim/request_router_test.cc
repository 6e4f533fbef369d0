#include "tools/gateway_sim/request_router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"

namespace wm::gateway_sim {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using wirepas::Method;

const absl::Time kNow = absl::FromUnixSeconds(1764151200);

GatewayState TestGateway() {
  SimGateway gateway;
  gateway.id = "sim-gw-1";
  for (const char* id : {"sink0", "sink1", "sink2"}) {
    SimSink sink;
    sink.id = id;
    sink.node_address = 10;
    sink.network_address = 1234;
    sink.network_channel = 5;
    gateway.sinks.push_back(sink);
  }
  return NewGatewayState(gateway, GatewayIdentity{}, 1);
}

std::string GetConfigsRequest(uint64_t req_id) {
  wirepas::GenericMessage request;
  request.mutable_wirepas()->mutable_get_configs_req()->mutable_header()->set_req_id(req_id);
  return request.SerializeAsString();
}

// The response as a backend parses it from the wire.
wirepas::GenericMessage Parsed(const Response& response) {
  absl::StatusOr<std::string> bytes = wirepas::SerializeGenericMessage(response.message);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(*bytes);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return *parsed;
}

TEST(RequestRouterTest, GetConfigsIsAnsweredWithTheSameReqIdAndEverySink) {
  RequestRouter router;
  GatewayState state = TestGateway();
  absl::StatusOr<Response> response =
      router.Handle("gw-request/get_configs/sim-gw-1", GetConfigsRequest(77), state, kNow);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->topic, "gw-response/get_configs/sim-gw-1");
  const wirepas::GenericMessage parsed = Parsed(*response);
  ASSERT_EQ(wirepas::PayloadKindOf(parsed), wirepas::PayloadKind::kGetConfigsResp);
  const gwapi::GetConfigsResp& body = parsed.wirepas().get_configs_resp();
  EXPECT_EQ(body.header().req_id(), 77u);
  EXPECT_EQ(body.header().gw_id(), "sim-gw-1");
  EXPECT_EQ(body.header().res(), gwapi::OK);
  EXPECT_EQ(body.header().time_ms_epoch(), 1764151200000u);
  ASSERT_EQ(body.configs_size(), 3);
  EXPECT_EQ(body.configs(0).sink_id(), "sink0");
  EXPECT_EQ(body.configs(2).sink_id(), "sink2");
  EXPECT_TRUE(body.configs(1).has_max_mtu());
}

TEST(RequestRouterTest, GetGwInfoIsAnsweredWithApiVersionTwo) {
  RequestRouter router;
  GatewayState state = TestGateway();
  wirepas::GenericMessage request;
  request.mutable_wirepas()->mutable_get_gateway_info_req()->mutable_header()->set_req_id(
      0xFFFFFFFFFFFFFFF0u);
  absl::StatusOr<Response> response =
      router.Handle("gw-request/get_gw_info/sim-gw-1", request.SerializeAsString(), state, kNow);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->topic, "gw-response/get_gw_info/sim-gw-1");
  const wirepas::GenericMessage parsed = Parsed(*response);
  const gwapi::GetGwInfoResp& body = parsed.wirepas().get_gateway_info_resp();
  EXPECT_EQ(body.header().req_id(), 0xFFFFFFFFFFFFFFF0u);
  EXPECT_EQ(body.header().res(), gwapi::OK);
  EXPECT_EQ(body.info().current_time_s_epoch(), 1764151200u);
  EXPECT_EQ(body.info().implemented_api_version(), 2u);
  EXPECT_EQ(body.info().gw_model(), "wm-gateway-sim");
  EXPECT_EQ(body.info().gw_features_size(), 3);
}

TEST(RequestRouterTest, SubscribesOneFilterPerMethodWithSinkWildcardWhereNeeded) {
  RequestRouter router;
  EXPECT_THAT(router.SubscriptionFilters("gw1"),
              UnorderedElementsAre("gw-request/get_configs/gw1", "gw-request/get_gw_info/gw1"));
  router.Register(Method::kOtapStatus, [](const wirepas::Topic&, const wirepas::GenericMessage&,
                                          GatewayState&, absl::Time) { return Response{}; });
  EXPECT_THAT(router.SubscriptionFilters("gw1"),
              UnorderedElementsAre("gw-request/get_configs/gw1", "gw-request/get_gw_info/gw1",
                                   "gw-request/otap_status/gw1/+"));
}

TEST(RequestRouterTest, AnAddedHandlerSeesTheTopicsSink) {
  RequestRouter router;
  std::vector<std::string> sinks;
  router.Register(Method::kOtapStatus, [&](const wirepas::Topic& topic,
                                           const wirepas::GenericMessage& request,
                                           GatewayState& state, absl::Time now) {
    sinks.push_back(topic.sink_id);
    Response response;
    response.topic = wirepas::ResponseTopic(Method::kOtapStatus, state.gw_id, topic.sink_id);
    FillResponseHeader(
        request.wirepas().get_scratchpad_status_req().header(), state, topic.sink_id, gwapi::OK,
        now,
        response.message.mutable_wirepas()->mutable_get_scratchpad_status_resp()->mutable_header());
    return response;
  });
  GatewayState state = TestGateway();
  wirepas::GenericMessage request;
  request.mutable_wirepas()->mutable_get_scratchpad_status_req()->mutable_header()->set_req_id(3);
  absl::StatusOr<Response> response = router.Handle("gw-request/otap_status/sim-gw-1/sink1",
                                                    request.SerializeAsString(), state, kNow);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(sinks, ElementsAre("sink1"));
  EXPECT_EQ(response->topic, "gw-response/otap_status/sim-gw-1/sink1");
  EXPECT_EQ(response->message.wirepas().get_scratchpad_status_resp().header().sink_id(), "sink1");
}

TEST(RequestRouterTest, UnanswerableRequestsGetNoResponse) {
  RequestRouter router;
  GatewayState state = TestGateway();
  // Not a GenericMessage.
  EXPECT_EQ(
      router.Handle("gw-request/get_configs/sim-gw-1", "\x07garbage", state, kNow).status().code(),
      absl::StatusCode::kInvalidArgument);
  // A get_gw_info request on the get_configs topic.
  wirepas::GenericMessage wrong_kind;
  wrong_kind.mutable_wirepas()->mutable_get_gateway_info_req()->mutable_header()->set_req_id(1);
  EXPECT_EQ(
      router.Handle("gw-request/get_configs/sim-gw-1", wrong_kind.SerializeAsString(), state, kNow)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  // No req_id.
  wirepas::GenericMessage no_req_id;
  no_req_id.mutable_wirepas()->mutable_get_configs_req()->mutable_header()->set_sink_id("x");
  EXPECT_EQ(router
                .Handle("gw-request/get_configs/sim-gw-1", no_req_id.SerializePartialAsString(),
                        state, kNow)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Another gateway's request.
  EXPECT_EQ(router.Handle("gw-request/get_configs/sim-gw-2", GetConfigsRequest(1), state, kNow)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // A method without handler.
  EXPECT_EQ(router.Handle("gw-request/set_config/sim-gw-1/sink0", GetConfigsRequest(1), state, kNow)
                .status()
                .code(),
            absl::StatusCode::kUnimplemented);
  // Not a request topic.
  EXPECT_FALSE(router.Handle("gw-event/status/sim-gw-1", GetConfigsRequest(1), state, kNow).ok());
}

TEST(RequestRouterTest, TheRequestsSinkIsTheHeadersElseTheTopics) {
  wirepas::Topic topic = *wirepas::ParseTopic("gw-request/otap_status/sim-gw-1/sink1");
  gwapi::RequestHeader header;
  header.set_req_id(1);
  EXPECT_EQ(RequestSinkId(topic, header), "sink1");
  header.set_sink_id("sink2");
  EXPECT_EQ(RequestSinkId(topic, header), "sink2");
}

TEST(RequestRouterTest, AChangedSinkIsNotedOnce) {
  GatewayState state = TestGateway();
  SinkState& sink = state.sinks[1];
  const std::string before = sink.config.SerializeAsString();
  Response response;
  NoteConfigChange(before, sink, response);
  EXPECT_TRUE(response.changed_sinks.empty());
  sink.config.set_network_channel(9);
  NoteConfigChange(before, sink, response);
  NoteConfigChange(before, sink, response);
  EXPECT_THAT(response.changed_sinks, ElementsAre("sink1"));
}

}  // namespace
}  // namespace wm::gateway_sim
