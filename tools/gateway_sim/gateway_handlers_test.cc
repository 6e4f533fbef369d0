#include "tools/gateway_sim/gateway_handlers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/scratchpad_image.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/handler_testing.h"

namespace wm::gateway_sim {
namespace {

using testing::Answer;
using testing::Header;
using testing::TestGatewayState;
using ::testing::UnorderedElementsAre;
using wirepas::Method;

// A minimal valid request of `method` for `sink_id` (in the header).
wirepas::GenericMessage RequestOf(Method method, const std::string& sink_id) {
  wirepas::GenericMessage message;
  gwapi::WirepasMessage* w = message.mutable_wirepas();
  const gwapi::RequestHeader header = Header(1234, sink_id);
  switch (method) {
    case Method::kGetConfigs:
      *w->mutable_get_configs_req()->mutable_header() = header;
      break;
    case Method::kGetGwInfo:
      *w->mutable_get_gateway_info_req()->mutable_header() = header;
      break;
    case Method::kSetConfig:
      *w->mutable_set_config_req()->mutable_header() = header;
      w->mutable_set_config_req()->mutable_config()->set_sink_id(sink_id);
      w->mutable_set_config_req()->mutable_config()->set_network_channel(3);
      break;
    case Method::kSendData: {
      gwapi::SendPacketReq* req = w->mutable_send_packet_req();
      *req->mutable_header() = header;
      req->set_destination_address(1);
      req->set_source_endpoint(1);
      req->set_destination_endpoint(1);
      req->set_qos(0);
      req->set_payload("x");
      break;
    }
    case Method::kOtapStatus:
      *w->mutable_get_scratchpad_status_req()->mutable_header() = header;
      break;
    case Method::kOtapLoadScratchpad:
      *w->mutable_upload_scratchpad_req()->mutable_header() = header;
      w->mutable_upload_scratchpad_req()->set_seq(3);
      w->mutable_upload_scratchpad_req()->set_scratchpad(
          wirepas::BuildScratchpadImage(std::string(64, '\x5a')));
      break;
    case Method::kOtapProcessScratchpad:
      *w->mutable_process_scratchpad_req()->mutable_header() = header;
      break;
    case Method::kOtapSetTargetScratchpad:
      *w->mutable_set_scratchpad_target_and_action_req()->mutable_header() = header;
      w->mutable_set_scratchpad_target_and_action_req()->mutable_target_and_action()->set_action(
          gwapi::NO_OTAP);
      break;
    case Method::kSetConfigurationDataItem:
      *w->mutable_set_configuration_data_item_req()->mutable_header() = header;
      w->mutable_set_configuration_data_item_req()->mutable_configuration_data_item()->set_endpoint(
          1);
      w->mutable_set_configuration_data_item_req()->mutable_configuration_data_item()->set_payload(
          "p");
      break;
    case Method::kGetConfigurationDataItem:
      *w->mutable_get_configuration_data_item_req()->mutable_header() = header;
      w->mutable_get_configuration_data_item_req()->set_endpoint(1);
      break;
  }
  return message;
}

std::vector<Method> AllMethods() {
  std::vector<Method> methods;
  for (int i = 0; i < wirepas::kMethodCount; ++i) methods.push_back(static_cast<Method>(i));
  return methods;
}

TEST(GatewayHandlersTest, EveryRequestTopicIsSubscribedAndAnsweredOnItsResponseTopic) {
  const RequestRouter router = BuildGatewayRouter(GatewayIdentity{});
  EXPECT_EQ(router.SubscriptionFilters("gw").size(), static_cast<size_t>(wirepas::kMethodCount));
  GatewayState state = TestGatewayState();
  for (Method method : AllMethods()) {
    const std::string topic = wirepas::RequestTopic(method, "sim-gw-1", "sink0");
    absl::StatusOr<Response> response = Answer(router, topic, RequestOf(method, "sink0"), state);
    ASSERT_TRUE(response.ok()) << topic << ": " << response.status();
    EXPECT_EQ(response->topic, wirepas::ResponseTopic(method, "sim-gw-1", "sink0"));
    EXPECT_EQ(wirepas::PayloadKindOf(response->message), wirepas::ResponseKindOf(method));
    const gwapi::ResponseHeader* header = wirepas::ResponseHeaderOf(response->message);
    ASSERT_NE(header, nullptr);
    EXPECT_EQ(header->req_id(), 1234u);
    EXPECT_EQ(header->res(), gwapi::OK) << topic;
  }
}

TEST(GatewayHandlersTest, ARequestForASinkTheGatewayDoesNotHaveGetsInvalidSinkId) {
  const RequestRouter router = BuildGatewayRouter(GatewayIdentity{});
  GatewayState state = TestGatewayState();
  const std::string before = state.Configs()[0].SerializeAsString();
  for (Method method : AllMethods()) {
    if (!wirepas::MethodHasSink(method)) continue;
    const std::string topic = wirepas::RequestTopic(method, "sim-gw-1", "sink9");
    absl::StatusOr<Response> response = Answer(router, topic, RequestOf(method, "sink9"), state);
    ASSERT_TRUE(response.ok()) << topic << ": " << response.status();
    EXPECT_EQ(wirepas::ResponseHeaderOf(response->message)->res(), gwapi::INVALID_SINK_ID) << topic;
    EXPECT_EQ(wirepas::ResponseHeaderOf(response->message)->sink_id(), "sink9") << topic;
    EXPECT_TRUE(response->changed_sinks.empty());
  }
  EXPECT_EQ(state.Configs()[0].SerializeAsString(), before);
}

TEST(GatewayHandlersTest, WithoutTheCddFeatureItemRequestsAreNotAnswered) {
  GatewayIdentity identity;
  identity.features = {gwapi::SCRATCHPAD_CHUNK_V1};
  const RequestRouter router = BuildGatewayRouter(identity);
  EXPECT_EQ(router.SubscriptionFilters("gw").size(),
            static_cast<size_t>(wirepas::kMethodCount) - 2);
  GatewayState state = TestGatewayState(identity);
  for (Method method : {Method::kSetConfigurationDataItem, Method::kGetConfigurationDataItem}) {
    absl::StatusOr<Response> response =
        Answer(router, wirepas::RequestTopic(method, "sim-gw-1", "sink0"),
               RequestOf(method, "sink0"), state);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnimplemented);
  }
}

TEST(GatewayHandlersTest, GatewayInfoShowsTheConfiguredFeaturesAndScratchpadSize) {
  GatewayIdentity identity;
  identity.features = {gwapi::CONFIGURATION_DATA_V1};
  identity.max_scratchpad_size = 0;
  GatewayState state = TestGatewayState(identity);
  absl::StatusOr<Response> response =
      Answer(BuildGatewayRouter(identity), "gw-request/get_gw_info/sim-gw-1",
             RequestOf(Method::kGetGwInfo, ""), state);
  ASSERT_TRUE(response.ok()) << response.status();
  const gwapi::GatewayInfo& info = response->message.wirepas().get_gateway_info_resp().info();
  EXPECT_THAT(info.gw_features(), UnorderedElementsAre(gwapi::CONFIGURATION_DATA_V1));
  EXPECT_FALSE(info.has_max_scratchpad_size());

  identity.max_scratchpad_size = 512;
  state = TestGatewayState(identity);
  response = Answer(BuildGatewayRouter(identity), "gw-request/get_gw_info/sim-gw-1",
                    RequestOf(Method::kGetGwInfo, ""), state);
  EXPECT_EQ(response->message.wirepas().get_gateway_info_resp().info().max_scratchpad_size(), 512u);
}

}  // namespace
}  // namespace wm::gateway_sim
