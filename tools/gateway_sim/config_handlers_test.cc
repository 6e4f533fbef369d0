#include "tools/gateway_sim/config_handlers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"
#include "tools/gateway_sim/handler_testing.h"

namespace wm::gateway_sim {
namespace {

using testing::Answer;
using testing::ConfigOf;
using ::testing::ElementsAre;
using testing::Header;
using ::testing::IsEmpty;
using testing::kNow;
using testing::TestGatewayState;
using wirepas::Method;

constexpr char kSink0Topic[] = "gw-request/set_config/sim-gw-1/sink0";

RequestRouter ConfigRouter() {
  RequestRouter router;
  router.Register(Method::kSetConfig, HandleSetConfig);
  router.Register(Method::kSetConfigurationDataItem, HandleSetConfigurationDataItem);
  router.Register(Method::kGetConfigurationDataItem, HandleGetConfigurationDataItem);
  return router;
}

// A set_config request for `sink_id` (in the header and the new config) and its new config,
// to fill.
struct SetConfigRequest {
  explicit SetConfigRequest(const std::string& sink_id, uint64_t req_id = 41) {
    gwapi::SetConfigReq* req = message.mutable_wirepas()->mutable_set_config_req();
    *req->mutable_header() = Header(req_id, sink_id);
    config = req->mutable_config();
    config->set_sink_id(sink_id);
  }
  wirepas::GenericMessage message;
  gwapi::SinkNewConfig* config;
};

const gwapi::SetConfigResp& SetConfigResp(const absl::StatusOr<Response>& response) {
  EXPECT_TRUE(response.ok()) << response.status();
  return response->message.wirepas().set_config_resp();
}

gwapi::AppConfigData AppConfig(uint32_t seq, uint32_t diag = 60, size_t size = 80) {
  gwapi::AppConfigData app_config;
  app_config.set_seq(seq);
  app_config.set_diag_interval_s(diag);
  app_config.set_app_config_data(std::string(size, '\x11'));
  return app_config;
}

TEST(SetConfigTest, AppliesOnlyThePresentFieldsAndAnswersWithTheFullNewConfig) {
  GatewayState state = TestGatewayState();
  const gwapi::SinkReadConfig before = ConfigOf(state, "sink0");
  SetConfigRequest request("sink0");
  request.config->set_network_channel(9);
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);

  const gwapi::SetConfigResp& resp = SetConfigResp(response);
  EXPECT_EQ(response->topic, "gw-response/set_config/sim-gw-1/sink0");
  EXPECT_EQ(resp.header().req_id(), 41u);
  EXPECT_EQ(resp.header().gw_id(), "sim-gw-1");
  EXPECT_EQ(resp.header().sink_id(), "sink0");
  EXPECT_EQ(resp.header().res(), gwapi::OK);
  EXPECT_EQ(resp.header().time_ms_epoch(), 1764151200123u);
  // Everything the sink reports, with the one change.
  gwapi::SinkReadConfig expected = before;
  expected.set_network_channel(9);
  EXPECT_EQ(resp.config().SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(ConfigOf(state, "sink0").SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(ConfigOf(state, "sink1").network_channel(), 5u);
  EXPECT_THAT(response->changed_sinks, ElementsAre("sink0"));
  EXPECT_THAT(response->node_packets, IsEmpty());
}

TEST(SetConfigTest, UnknownSinkGetsInvalidSinkIdWithOnlyTheSinkId) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink7");
  request.config->set_network_channel(9);
  absl::StatusOr<Response> response =
      Answer(ConfigRouter(), "gw-request/set_config/sim-gw-1/sink7", request.message, state);
  const gwapi::SetConfigResp& resp = SetConfigResp(response);
  EXPECT_EQ(response->topic, "gw-response/set_config/sim-gw-1/sink7");
  EXPECT_EQ(resp.header().res(), gwapi::INVALID_SINK_ID);
  EXPECT_EQ(resp.header().sink_id(), "sink7");
  gwapi::SinkReadConfig only_id;
  only_id.set_sink_id("sink7");
  EXPECT_EQ(resp.config().SerializeAsString(), only_id.SerializeAsString());
  EXPECT_THAT(response->changed_sinks, IsEmpty());
  EXPECT_EQ(ConfigOf(state, "sink0").network_channel(), 5u);
}

TEST(SetConfigTest, TheSinkComesFromTheHeaderElseFromTheTopic) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink1");
  request.config->set_network_channel(11);
  // The header names sink1 while the topic says sink0: the reference gateway reads the header.
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().sink_id(), "sink1");
  EXPECT_EQ(response->topic, "gw-response/set_config/sim-gw-1/sink1");
  EXPECT_EQ(ConfigOf(state, "sink1").network_channel(), 11u);
  EXPECT_EQ(ConfigOf(state, "sink0").network_channel(), 5u);

  request.message.mutable_wirepas()->mutable_set_config_req()->mutable_header()->clear_sink_id();
  request.config->set_network_channel(12);
  response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().sink_id(), "sink0");
  EXPECT_EQ(ConfigOf(state, "sink0").network_channel(), 12u);
}

TEST(SetConfigTest, StoppingAndStartingTheStackAloneIsAccepted) {
  GatewayState state = TestGatewayState();
  SetConfigRequest stop("sink0");
  stop.config->set_sink_state(gwapi::OFF);
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, stop.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  EXPECT_EQ(SetConfigResp(response).config().sink_state(), gwapi::OFF);
  EXPECT_EQ(ConfigOf(state, "sink0").sink_state(), gwapi::OFF);
  EXPECT_THAT(response->changed_sinks, ElementsAre("sink0"));

  // Stopping a stopped stack changes nothing, so nothing is announced.
  response = Answer(ConfigRouter(), kSink0Topic, stop.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  EXPECT_THAT(response->changed_sinks, IsEmpty());

  SetConfigRequest start("sink0");
  start.config->set_sink_state(gwapi::ON);
  response = Answer(ConfigRouter(), kSink0Topic, start.message, state);
  EXPECT_EQ(ConfigOf(state, "sink0").sink_state(), gwapi::ON);
  EXPECT_THAT(response->changed_sinks, ElementsAre("sink0"));
}

TEST(SetConfigTest, TheStackReturnsToItsPreviousStateUnlessSinkStateIsGiven) {
  GatewayState state = TestGatewayState();
  SetConfigRequest change("sink0");
  change.config->set_node_address(4242);
  Answer(ConfigRouter(), kSink0Topic, change.message, state).IgnoreError();
  EXPECT_EQ(ConfigOf(state, "sink0").sink_state(), gwapi::ON);  // restarted after the write
  EXPECT_EQ(ConfigOf(state, "sink0").node_address(), 4242u);

  SetConfigRequest change_and_stop("sink0");
  change_and_stop.config->set_network_address(0x654321);
  change_and_stop.config->set_sink_state(gwapi::OFF);
  Answer(ConfigRouter(), kSink0Topic, change_and_stop.message, state).IgnoreError();
  EXPECT_EQ(ConfigOf(state, "sink0").sink_state(), gwapi::OFF);
  EXPECT_EQ(ConfigOf(state, "sink0").network_address(), 0x654321u);

  SetConfigRequest change_stopped("sink0");
  change_stopped.config->set_network_channel(7);
  absl::StatusOr<Response> response =
      Answer(ConfigRouter(), kSink0Topic, change_stopped.message, state);
  EXPECT_EQ(SetConfigResp(response).config().sink_state(), gwapi::OFF);  // stays stopped
  EXPECT_EQ(SetConfigResp(response).config().network_channel(), 7u);
}

TEST(SetConfigTest, AnyValidRoleIsWrittenWithItsFlags) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink0");
  request.config->mutable_node_role()->set_role(gwapi::NodeRole::ROUTER);
  request.config->mutable_node_role()->add_flags(gwapi::NodeRole::LOW_LATENCY);
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  EXPECT_EQ(SetConfigResp(response).config().node_role().role(), gwapi::NodeRole::ROUTER);
  EXPECT_THAT(SetConfigResp(response).config().node_role().flags(),
              ElementsAre(gwapi::NodeRole::LOW_LATENCY));
}

TEST(SetConfigTest, ARoleWithoutKnownBaseRoleIsAnInvalidParam) {
  // What the handler sees when a role's value is not one of the enumeration (the parser keeps
  // the value aside and leaves role unset). The router does not get that far (see below); the
  // sink refuses a role it cannot take as an invalid value.
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink0");
  request.config->mutable_node_role();
  const wirepas::Topic topic = *wirepas::ParseTopic(kSink0Topic);
  const Response response = HandleSetConfig(topic, request.message, state, kNow);
  EXPECT_EQ(response.message.wirepas().set_config_resp().header().res(), gwapi::INVALID_PARAM);
  EXPECT_EQ(ConfigOf(state, "sink0").node_role().role(), gwapi::NodeRole::SINK);
}

TEST(SetConfigTest, ARequestMissingRequiredFieldsGetsNoAnswer) {
  GatewayState state = TestGatewayState();
  wirepas::GenericMessage no_config;
  *no_config.mutable_wirepas()->mutable_set_config_req()->mutable_header() = Header(5, "sink0");
  EXPECT_EQ(Answer(ConfigRouter(), kSink0Topic, no_config, state).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Role 0 on the wire: not a BaseRole value, so the role reads as missing.
  const auto field = [](char tag, const std::string& bytes) {
    return std::string(1, tag) + static_cast<char>(bytes.size()) + bytes;  // lengths < 128
  };
  gwapi::SinkNewConfig config;
  config.set_sink_id("sink0");
  const std::string role_zero = field('\x12', std::string("\x08\x00", 2));  // node_role {0}
  const std::string set_config = field('\x0A', Header(5, "sink0").SerializeAsString()) +
                                 field('\x12', config.SerializeAsString() + role_zero);
  const std::string bytes = field('\x0A', field('\x22', set_config));  // wirepas.set_config_req
  absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->wirepas().set_config_req().config().has_node_role());
  EXPECT_FALSE(parsed->IsInitialized());
  EXPECT_EQ(ConfigRouter().Handle(kSink0Topic, bytes, state, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SetConfigTest, AppConfigSequenceMustIncrease) {
  GatewayState state = TestGatewayState();
  ASSERT_EQ(ConfigOf(state, "sink0").app_config().seq(), 1u);
  SetConfigRequest request("sink0");
  *request.config->mutable_app_config() = AppConfig(2, 120);
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").app_config().seq(), 2u);
  EXPECT_EQ(ConfigOf(state, "sink0").app_config().diag_interval_s(), 120u);
  EXPECT_THAT(response->changed_sinks, ElementsAre("sink0"));

  // The same sequence again, and a lower one.
  for (uint32_t seq : {2u, 1u, 0u, 255u}) {
    *request.config->mutable_app_config() = AppConfig(seq, 30);
    response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
    EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::INVALID_SEQUENCE_NUMBER) << seq;
    EXPECT_EQ(SetConfigResp(response).config().app_config().seq(), 2u);
    EXPECT_EQ(SetConfigResp(response).config().app_config().diag_interval_s(), 120u);
    EXPECT_THAT(response->changed_sinks, IsEmpty());
  }

  // 254 is followed by 1.
  *request.config->mutable_app_config() = AppConfig(254);
  EXPECT_EQ(
      SetConfigResp(Answer(ConfigRouter(), kSink0Topic, request.message, state)).header().res(),
      gwapi::OK);
  *request.config->mutable_app_config() = AppConfig(1);
  EXPECT_EQ(
      SetConfigResp(Answer(ConfigRouter(), kSink0Topic, request.message, state)).header().res(),
      gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").app_config().seq(), 1u);
}

TEST(SetConfigTest, AppConfigDiagIntervalAndSizeAreChecked) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink0");
  *request.config->mutable_app_config() = AppConfig(2, 61);
  EXPECT_EQ(
      SetConfigResp(Answer(ConfigRouter(), kSink0Topic, request.message, state)).header().res(),
      gwapi::INVALID_DIAG_INTERVAL);
  // Longer than the sink's 80 bytes: an invalid value, checked before anything else.
  *request.config->mutable_app_config() = AppConfig(2, 60, 81);
  EXPECT_EQ(
      SetConfigResp(Answer(ConfigRouter(), kSink0Topic, request.message, state)).header().res(),
      gwapi::INVALID_PARAM);
  *request.config->mutable_app_config() = AppConfig(0, 61, 81);
  EXPECT_EQ(
      SetConfigResp(Answer(ConfigRouter(), kSink0Topic, request.message, state)).header().res(),
      gwapi::INVALID_PARAM);
  EXPECT_EQ(ConfigOf(state, "sink0").app_config().seq(), 1u);
}

TEST(SetConfigTest, AShortAppConfigReadsBackPaddedWithZerosToTheSinksSize) {
  GatewayState state = TestGatewayState();
  ASSERT_EQ(ConfigOf(state, "sink0").app_config_max_size(), 80u);
  SetConfigRequest request("sink0");
  *request.config->mutable_app_config() = AppConfig(2, 0, 3);  // diagnostics off, short data
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  const std::string padded = std::string("\x11\x11\x11") + std::string(77, '\0');
  EXPECT_EQ(SetConfigResp(response).config().app_config().app_config_data(), padded);
  EXPECT_EQ(ConfigOf(state, "sink0").app_config().app_config_data(), padded);
  // Exactly the sink's size is stored as is.
  *request.config->mutable_app_config() = AppConfig(3, 0, 80);
  response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  EXPECT_EQ(SetConfigResp(response).config().app_config().app_config_data(),
            std::string(80, '\x11'));
}

TEST(SetConfigTest, AnAppConfigNeedsTheNodeToBeASink) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink0");
  request.config->mutable_node_role()->set_role(gwapi::NodeRole::ROUTER);
  *request.config->mutable_app_config() = AppConfig(2, 60, 3);
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::INVALID_ROLE);
  EXPECT_EQ(SetConfigResp(response).config().node_role().role(), gwapi::NodeRole::ROUTER);
  EXPECT_EQ(SetConfigResp(response).config().app_config().seq(), 1u);
}

TEST(SetConfigTest, AFailingFieldDoesNotStopTheOthersAndTheLastFailureIsReported) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink0");
  request.config->set_node_address(0);                  // INVALID_PARAM
  request.config->set_network_address(0x222222);        // fine
  request.config->set_network_channel(41);              // INVALID_PARAM too, written later
  request.config->mutable_keys()->set_cipher("short");  // INTERNAL_ERROR, written last
  request.config->mutable_keys()->set_authentication("short");
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::INTERNAL_ERROR);
  EXPECT_EQ(SetConfigResp(response).config().network_address(), 0x222222u);
  EXPECT_EQ(SetConfigResp(response).config().node_address(), 1000u);
  EXPECT_EQ(SetConfigResp(response).config().network_channel(), 5u);
  EXPECT_THAT(response->changed_sinks, ElementsAre("sink0"));
}

TEST(SetConfigTest, EachFieldsOwnErrorCode) {
  struct Case {
    const char* what;
    void (*fill)(gwapi::SinkNewConfig*);
    gwapi::ErrorCode res;
  };
  const Case cases[] = {
      {"node address 0", [](gwapi::SinkNewConfig* c) { c->set_node_address(0); },
       gwapi::INVALID_PARAM},
      {"broadcast node address", [](gwapi::SinkNewConfig* c) { c->set_node_address(0xFFFFFFFF); },
       gwapi::INVALID_PARAM},
      // The reference answers INVALID_PARAM for every value the sink refuses, never
      // INVALID_NETWORK_ADDRESS, INVALID_NETWORK_CHANNEL or INVALID_APP_CONFIG.
      {"network 0", [](gwapi::SinkNewConfig* c) { c->set_network_address(0); },
       gwapi::INVALID_PARAM},
      {"network above 24 bits", [](gwapi::SinkNewConfig* c) { c->set_network_address(0x1000000); },
       gwapi::INVALID_PARAM},
      {"network all ones", [](gwapi::SinkNewConfig* c) { c->set_network_address(0xFFFFFF); },
       gwapi::INVALID_PARAM},
      {"channel 0", [](gwapi::SinkNewConfig* c) { c->set_network_channel(0); },
       gwapi::INVALID_PARAM},
      {"channel above the sink's limits",
       [](gwapi::SinkNewConfig* c) { c->set_network_channel(41); }, gwapi::INVALID_PARAM},
      {"app config above the sink's size",
       [](gwapi::SinkNewConfig* c) { *c->mutable_app_config() = AppConfig(2, 60, 81); },
       gwapi::INVALID_PARAM},
      {"highest network and channel",
       [](gwapi::SinkNewConfig* c) {
         c->set_network_address(0xFFFFFE);
         c->set_network_channel(40);
       },
       gwapi::OK},
      {"short legacy keys",
       [](gwapi::SinkNewConfig* c) {
         c->mutable_keys()->set_cipher(std::string(15, 'k'));
         c->mutable_keys()->set_authentication(std::string(16, 'a'));
       },
       gwapi::INTERNAL_ERROR},
      {"short network keys",
       [](gwapi::SinkNewConfig* c) {
         c->mutable_network_keys()->set_cipher(std::string(16, 'k'));
         c->mutable_network_keys()->set_authentication("");
         c->mutable_network_keys()->set_sequence(1);
       },
       gwapi::INVALID_NETWORK_KEYS},
      {"16-byte legacy keys",
       [](gwapi::SinkNewConfig* c) {
         c->mutable_keys()->set_cipher(std::string(16, 'k'));
         c->mutable_keys()->set_authentication(std::string(16, 'a'));
       },
       gwapi::OK},
  };
  for (const Case& c : cases) {
    GatewayState state = TestGatewayState();
    SetConfigRequest request("sink0");
    c.fill(request.config);
    EXPECT_EQ(
        SetConfigResp(Answer(ConfigRouter(), kSink0Topic, request.message, state)).header().res(),
        c.res)
        << c.what;
  }
}

TEST(SetConfigTest, KeyManagementKeysNeedTheFeature) {
  GatewayIdentity identity;
  identity.features = {gwapi::SCRATCHPAD_CHUNK_V1};
  GatewayState state = TestGatewayState(identity);
  SetConfigRequest request("sink0");
  request.config->mutable_management_keys()->set_cipher("short");
  request.config->mutable_management_keys()->set_authentication("short");
  request.config->mutable_management_keys()->set_sequence(3);
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  // Not processed at all: no error, no stack restart, no change.
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  EXPECT_THAT(response->changed_sinks, IsEmpty());
}

TEST(SetConfigTest, IgnoredFieldsChangeNothing) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink0");
  request.config->set_channel_map(0xFF);
  request.config->mutable_current_ac_range()->set_min_ms(4000);
  request.config->mutable_current_ac_range()->set_max_ms(4000);
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSink0Topic, request.message, state);
  EXPECT_EQ(SetConfigResp(response).header().res(), gwapi::OK);
  EXPECT_FALSE(SetConfigResp(response).config().has_channel_map());
  EXPECT_EQ(SetConfigResp(response).config().current_ac_range().min_ms(), 2000u);
  EXPECT_THAT(response->changed_sinks, IsEmpty());
}

TEST(AppConfigSequenceTest, IncreasesOrWrapsFrom254To1) {
  EXPECT_TRUE(IsNextAppConfigSequence(1, 2));
  EXPECT_TRUE(IsNextAppConfigSequence(1, 200));
  EXPECT_TRUE(IsNextAppConfigSequence(254, 1));
  EXPECT_FALSE(IsNextAppConfigSequence(5, 5));
  EXPECT_FALSE(IsNextAppConfigSequence(5, 4));
  EXPECT_FALSE(IsNextAppConfigSequence(254, 2));
  EXPECT_FALSE(IsNextAppConfigSequence(253, 0));
  EXPECT_FALSE(IsNextAppConfigSequence(253, 255));
  // A sink whose sequence is outside 1..254 takes any valid one.
  EXPECT_TRUE(IsNextAppConfigSequence(0, 1));
  EXPECT_TRUE(IsNextAppConfigSequence(255, 7));
}

TEST(ConfigChangeAnnouncementTest, NewStatusAndReqIdZeroResponsesAfterSetConfig) {
  GatewayState state = TestGatewayState();
  SetConfigRequest request("sink1");
  request.config->set_network_channel(33);
  absl::StatusOr<Response> response =
      Answer(ConfigRouter(), "gw-request/set_config/sim-gw-1/sink1", request.message, state);
  ASSERT_THAT(response->changed_sinks, ElementsAre("sink1"));

  const ConfigChangeAnnouncement announcement =
      BuildConfigChangeAnnouncement(state, response->changed_sinks, 0xE7E7, kNow);
  ASSERT_TRUE(wirepas::SerializeGenericMessage(announcement.status).ok());
  const gwapi::StatusEvent& status = announcement.status.wirepas().status_event();
  EXPECT_EQ(status.header().gw_id(), "sim-gw-1");
  EXPECT_EQ(status.header().event_id(), 0xE7E7u);
  EXPECT_EQ(status.state(), gwapi::ON);
  EXPECT_EQ(status.version(), 1u);
  ASSERT_EQ(status.configs_size(), 2);
  EXPECT_EQ(status.configs(1).network_channel(), 33u);
  EXPECT_EQ(status.configs(0).network_channel(), 5u);
  EXPECT_GT(status.gw_features_size(), 0);

  EXPECT_EQ(announcement.get_configs.topic, "gw-response/get_configs/sim-gw-1");
  const gwapi::GetConfigsResp& get_configs =
      announcement.get_configs.message.wirepas().get_configs_resp();
  ASSERT_TRUE(wirepas::SerializeGenericMessage(announcement.get_configs.message).ok());
  EXPECT_EQ(get_configs.header().req_id(), 0u);
  EXPECT_EQ(get_configs.header().res(), gwapi::OK);
  ASSERT_EQ(get_configs.configs_size(), 2);
  EXPECT_EQ(get_configs.configs(1).network_channel(), 33u);

  ASSERT_EQ(announcement.set_configs.size(), 1u);
  EXPECT_EQ(announcement.set_configs[0].topic, "gw-response/set_config/sim-gw-1/sink1");
  const gwapi::SetConfigResp& set_config =
      announcement.set_configs[0].message.wirepas().set_config_resp();
  ASSERT_TRUE(wirepas::SerializeGenericMessage(announcement.set_configs[0].message).ok());
  EXPECT_EQ(set_config.header().req_id(), 0u);
  EXPECT_EQ(set_config.header().sink_id(), "sink1");
  EXPECT_EQ(set_config.header().res(), gwapi::OK);
  EXPECT_EQ(set_config.config().SerializeAsString(), ConfigOf(state, "sink1").SerializeAsString());
}

// Configuration data items.

wirepas::GenericMessage SetItem(const std::string& sink_id, uint32_t endpoint,
                                const std::string& payload) {
  wirepas::GenericMessage message;
  gwapi::SetConfigurationDataItemReq* req =
      message.mutable_wirepas()->mutable_set_configuration_data_item_req();
  *req->mutable_header() = Header(61, sink_id);
  req->mutable_configuration_data_item()->set_endpoint(endpoint);
  req->mutable_configuration_data_item()->set_payload(payload);
  return message;
}

wirepas::GenericMessage GetItem(const std::string& sink_id, uint32_t endpoint) {
  wirepas::GenericMessage message;
  gwapi::GetConfigurationDataItemReq* req =
      message.mutable_wirepas()->mutable_get_configuration_data_item_req();
  *req->mutable_header() = Header(62, sink_id);
  req->set_endpoint(endpoint);
  return message;
}

constexpr char kSetItemTopic[] = "gw-request/set_configuration_data_item/sim-gw-1/sink0";
constexpr char kGetItemTopic[] = "gw-request/get_configuration_data_item/sim-gw-1/sink0";

gwapi::ErrorCode SetItemRes(GatewayState& state, const wirepas::GenericMessage& request,
                            Response* out = nullptr) {
  absl::StatusOr<Response> response = Answer(ConfigRouter(), kSetItemTopic, request, state);
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok()) return gwapi::UNKNOWN_ERROR_CODE;
  if (out != nullptr) *out = *response;
  return response->message.wirepas().set_configuration_data_item_resp().header().res();
}

TEST(ConfigurationDataItemTest, SetStoresGetReadsAndAnEmptyPayloadClears) {
  GatewayState state = TestGatewayState();
  Response set;
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 0x1234, "abc"), &set), gwapi::OK);
  EXPECT_EQ(set.topic, "gw-response/set_configuration_data_item/sim-gw-1/sink0");
  EXPECT_EQ(set.message.wirepas().set_configuration_data_item_resp().header().req_id(), 61u);
  EXPECT_THAT(set.changed_sinks, ElementsAre("sink0"));
  ASSERT_EQ(ConfigOf(state, "sink0").configuration_data_content_size(), 1);
  EXPECT_EQ(ConfigOf(state, "sink0").configuration_data_content(0).payload(), "abc");

  absl::StatusOr<Response> get =
      Answer(ConfigRouter(), kGetItemTopic, GetItem("sink0", 0x1234), state);
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->topic, "gw-response/get_configuration_data_item/sim-gw-1/sink0");
  const gwapi::GetConfigurationDataItemResp& got =
      get->message.wirepas().get_configuration_data_item_resp();
  EXPECT_EQ(got.header().req_id(), 62u);
  EXPECT_EQ(got.header().res(), gwapi::OK);
  EXPECT_EQ(got.configuration_data_item().endpoint(), 0x1234u);
  EXPECT_EQ(got.configuration_data_item().payload(), "abc");
  EXPECT_THAT(get->changed_sinks, IsEmpty());

  // The same item again changes nothing; another payload replaces it.
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 0x1234, "abc"), &set), gwapi::OK);
  EXPECT_THAT(set.changed_sinks, IsEmpty());
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 0x1234, "xyz"), &set), gwapi::OK);
  EXPECT_THAT(set.changed_sinks, ElementsAre("sink0"));
  ASSERT_EQ(ConfigOf(state, "sink0").configuration_data_content_size(), 1);
  EXPECT_EQ(ConfigOf(state, "sink0").configuration_data_content(0).payload(), "xyz");

  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 0x1234, ""), &set), gwapi::OK);
  EXPECT_THAT(set.changed_sinks, ElementsAre("sink0"));
  EXPECT_EQ(ConfigOf(state, "sink0").configuration_data_content_size(), 0);
  get = Answer(ConfigRouter(), kGetItemTopic, GetItem("sink0", 0x1234), state);
  EXPECT_EQ(get->message.wirepas().get_configuration_data_item_resp().header().res(),
            gwapi::INVALID_PARAM);
  EXPECT_FALSE(
      get->message.wirepas().get_configuration_data_item_resp().has_configuration_data_item());
}

TEST(ConfigurationDataItemTest, ItemsAreKeptInEndpointOrderUpToSixteen) {
  GatewayState state = TestGatewayState();
  for (uint32_t endpoint : {30u, 10u, 20u}) {
    EXPECT_EQ(SetItemRes(state, SetItem("sink0", endpoint, "p")), gwapi::OK);
  }
  const auto& items = ConfigOf(state, "sink0").configuration_data_content();
  ASSERT_EQ(items.size(), 3);
  EXPECT_EQ(items[0].endpoint(), 10u);
  EXPECT_EQ(items[1].endpoint(), 20u);
  EXPECT_EQ(items[2].endpoint(), 30u);
  for (uint32_t endpoint = 100; endpoint < 113; ++endpoint) {
    EXPECT_EQ(SetItemRes(state, SetItem("sink0", endpoint, "p")), gwapi::OK);
  }
  EXPECT_EQ(ConfigOf(state, "sink0").configuration_data_content_size(), 16);
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 200, "p")), gwapi::SINK_OUT_OF_MEMORY);
  // Replacing one of the sixteen still works.
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 10, "q")), gwapi::OK);
}

TEST(ConfigurationDataItemTest, ErrorCodes) {
  GatewayState state = TestGatewayState();
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 0x10000, "p")), gwapi::INVALID_DEST_ENDPOINT);
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 1, std::string(81, 'x'))),
            gwapi::SINK_OUT_OF_MEMORY);
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 1, std::string(80, 'x'))), gwapi::OK);
  EXPECT_EQ(SetItemRes(state, SetItem("sink5", 1, "p")), gwapi::INVALID_SINK_ID);

  absl::StatusOr<Response> get =
      Answer(ConfigRouter(), kGetItemTopic, GetItem("sink0", 0x10000), state);
  EXPECT_EQ(get->message.wirepas().get_configuration_data_item_resp().header().res(),
            gwapi::INVALID_DEST_ENDPOINT);
  get = Answer(ConfigRouter(), kGetItemTopic, GetItem("sink5", 1), state);
  EXPECT_EQ(get->message.wirepas().get_configuration_data_item_resp().header().res(),
            gwapi::INVALID_SINK_ID);
  EXPECT_EQ(get->topic, "gw-response/get_configuration_data_item/sim-gw-1/sink5");

  // A node that is no longer a sink distributes no items.
  SetConfigRequest router_role("sink0");
  router_role.config->mutable_node_role()->set_role(gwapi::NodeRole::ROUTER);
  Answer(ConfigRouter(), kSink0Topic, router_role.message, state).IgnoreError();
  EXPECT_EQ(SetItemRes(state, SetItem("sink0", 2, "p")), gwapi::INVALID_ROLE);
}

}  // namespace
}  // namespace wm::gateway_sim
