#include "tools/gw_cli/command_client.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libs/config/settings.h"
#include "protos/wm/v1/events.pb.h"
#include "tools/gw_cli/cli_command.h"

namespace wm::gw_cli {
namespace {

absl::StatusOr<CommandTarget> TargetOf(std::vector<std::string> args,
                                       CommandSettingsOptions options = {}) {
  config::Schema schema;
  AddCommandSettings(schema, options);
  absl::StatusOr<config::Settings> settings = config::Settings::Load(schema, args, {});
  if (!settings.ok()) return settings.status();
  return CommandTargetFromSettings(*settings, options);
}

TEST(CommandTargetTest, ReadsTheCommonSettings) {
  absl::StatusOr<CommandTarget> target =
      TargetOf({"--gateway=gw-1", "--sink=sink0", "--timeout_s=1.5", "--request_id=r1", "--json"});
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->gateway_id, "gw-1");
  EXPECT_EQ(target->sink_id, "sink0");
  EXPECT_EQ(target->timeout_ms, 1500u);
  EXPECT_EQ(target->client_request_id, "r1");
  EXPECT_TRUE(target->json);
  EXPECT_EQ(target->address, "127.0.0.1:7003");

  wm::v1::SendDataRequest request;
  FillCommon(*target, request);
  EXPECT_EQ(request.gateway_id(), "gw-1");
  EXPECT_EQ(request.sink_id(), "sink0");
  EXPECT_EQ(request.timeout_ms(), 1500u);
  EXPECT_EQ(request.client_request_id(), "r1");
}

TEST(CommandTargetTest, AMissingTargetNamesItsFlag) {
  absl::StatusOr<CommandTarget> no_gateway = TargetOf({"--sink=sink0"});
  ASSERT_FALSE(no_gateway.ok());
  EXPECT_EQ(no_gateway.status().message(), "gateway: required (--gateway=<gateway id>)");
  absl::StatusOr<CommandTarget> no_sink = TargetOf({"--gateway=gw-1"});
  ASSERT_FALSE(no_sink.ok());
  EXPECT_EQ(no_sink.status().message(), "sink: required (--sink=<sink id>)");
  EXPECT_TRUE(TargetOf({"--gateway=gw-1"}, {.sink = false}).ok());
}

TEST(AddCommandSettingsTest, TimeoutHelpSaysWhatItBounds) {
  config::Schema per_answer;
  AddCommandSettings(per_answer);
  ASSERT_NE(per_answer.Find("timeout_s"), nullptr);
  EXPECT_TRUE(absl::StrContains(per_answer.Find("timeout_s")->help, "each gateway answer"));
  EXPECT_NE(per_answer.Find("request_id"), nullptr);
  config::Schema collection;
  AddCommandSettings(collection, {.client_request_id = false, .collects_answers = true});
  EXPECT_TRUE(absl::StrContains(collection.Find("timeout_s")->help, "collect"));
  EXPECT_EQ(collection.Find("request_id"), nullptr);
}

TEST(PrintJsonTest, OneLineWithProtoFieldNamesAndDefaults) {
  wm::v1::Event event;
  event.set_gateway_id("gw1");
  event.mutable_packet()->mutable_decoded()->mutable_traffic_diagnostics()->set_cluster_channel(11);
  std::ostringstream out;
  PrintJson(event, out);
  const std::string json = out.str();
  EXPECT_NE(json.find("\"gateway_id\":\"gw1\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"cluster_channel\":11"), std::string::npos) << json;
  EXPECT_NE(json.find("\"snapshot\":false"), std::string::npos) << json;  // a default value
  EXPECT_EQ(json.find('\n'), json.size() - 1) << json;
}

TEST(ResultTest, OkIsAllDefaultsAndAFailureNamesTheGatewayResult) {
  wm::v1::GatewayResult ok;
  ok.set_name("OK");
  EXPECT_EQ(DescribeResult(ok), "OK");
  std::ostringstream out;
  EXPECT_EQ(ReportResult("get_configs", ok, /*json=*/false, out), kExitOk);
  EXPECT_EQ(out.str(), "get_configs: OK\n");

  wm::v1::GatewayResult bad;
  bad.set_code(wm::v1::GATEWAY_RESULT_INVALID_SEQUENCE_NUMBER);
  bad.set_raw_code(17);
  bad.set_name("INVALID_SEQUENCE_NUMBER");
  out.str("");
  EXPECT_EQ(ReportResult("set_app_config", bad, /*json=*/false, out), kExitFailed);
  EXPECT_EQ(out.str(), "set_app_config: FAILED INVALID_SEQUENCE_NUMBER (17)\n");
  out.str("");
  EXPECT_EQ(ReportResult("set_app_config", bad, /*json=*/true, out), kExitFailed);
  EXPECT_EQ(out.str(), "");
}

TEST(ResultTest, ADetailFollowsTheCode) {
  wm::v1::GatewayResult refused;
  refused.set_code(wm::v1::GATEWAY_RESULT_INVALID_PARAM);
  refused.set_raw_code(21);
  refused.set_name("INVALID_PARAM");
  refused.set_detail("the sink refused config.network_channel");
  EXPECT_EQ(DescribeResult(refused), "INVALID_PARAM (21): the sink refused config.network_channel");
  std::ostringstream out;
  EXPECT_EQ(ReportResult("set_config", refused, /*json=*/false, out), kExitFailed);
  EXPECT_EQ(out.str(),
            "set_config: FAILED INVALID_PARAM (21): the sink refused "
            "config.network_channel\n");
}

TEST(ReportRpcErrorTest, NamesTheMethodAndTheCode) {
  std::ostringstream err;
  EXPECT_EQ(ReportRpcError("gateway_info",
                           grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no answer"), err),
            kExitFailed);
  EXPECT_EQ(err.str(), "wm-gw-cli: gateway_info failed: DEADLINE_EXCEEDED: no answer\n");
}

}  // namespace
}  // namespace wm::gw_cli
