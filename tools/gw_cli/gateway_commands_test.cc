#include "tools/gw_cli/gateway_commands.h"

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libs/config/settings.h"
#include "libs/observability/termination.h"
#include "libs/testing/files.h"

namespace wm::gw_cli {
namespace {

const CliCommand& Command(const std::string& name) {
  static const std::vector<CliCommand> commands = GatewayCommands();
  for (const CliCommand& command : commands) {
    if (command.name == name) return command;
  }
  ADD_FAILURE() << "no command " << name;
  return commands.front();
}

// `args` loaded with the settings of command `name`, as main() loads them.
absl::StatusOr<config::Settings> Load(const std::string& name, std::vector<std::string> args) {
  config::Schema schema;
  Command(name).add_settings(schema);
  return config::Settings::Load(schema, args, {});
}

config::Settings LoadOrDie(const std::string& name, std::vector<std::string> args) {
  absl::StatusOr<config::Settings> settings = Load(name, std::move(args));
  EXPECT_TRUE(settings.ok()) << settings.status();
  return settings.ok() ? *std::move(settings) : config::Settings();
}

// Runs command `name` as main() does, with a wm-command address nothing listens on: only
// usage errors come back without waiting. Returns the exit code; `err` gets what it said.
int RunCli(const std::string& name, std::vector<std::string> args, std::string* err) {
  args.push_back("--wm_command=127.0.0.1:1");
  absl::StatusOr<config::Settings> settings = Load(name, args);
  if (!settings.ok()) {
    *err = std::string(settings.status().message());
    return kExitUsage;
  }
  static auto termination = observability::Termination::Install();
  EXPECT_TRUE(termination.ok()) << termination.status();
  std::ostringstream out;
  std::ostringstream err_stream;
  CliContext context{out, err_stream, **termination};
  const int code = Command(name).run(*settings, context);
  *err = err_stream.str();
  return code;
}

TEST(GatewayCommandsTest, EveryGatewayRequestHasItsCommand) {
  std::set<std::string> names;
  for (const CliCommand& command : GatewayCommands()) {
    EXPECT_FALSE(command.summary.empty()) << command.name;
    names.insert(command.name);
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"get_configs", "set_config", "set_app_config", "gateway_info",
                                   "send_data", "scratchpad_status", "scratchpad_upload",
                                   "scratchpad_process", "scratchpad_target", "config_item_get",
                                   "config_item_set", "clear_gateway"}));
}

TEST(GatewayCommandsTest, EveryCommandTakesTheCommonSettings) {
  for (const CliCommand& command : GatewayCommands()) {
    config::Schema schema;
    command.add_settings(schema);
    for (const char* key : {"wm_command", "gateway", "timeout_s", "request_id", "json"}) {
      EXPECT_NE(schema.Find(key), nullptr) << command.name << " lacks --" << key;
    }
  }
}

// ---- set_config ----

TEST(SinkConfigChangeTest, OnlyTheFlagsGivenAreSentFalsyValuesIncluded) {
  // backend-client dropped every falsy value, so a sink could never be stopped with it.
  absl::StatusOr<wm::v1::SinkConfigChange> change =
      SinkConfigChangeFromSettings(LoadOrDie("set_config", {"--started=false", "--channel_map=0"}));
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_TRUE(change->has_started());
  EXPECT_FALSE(change->started());
  EXPECT_TRUE(change->has_channel_map());
  EXPECT_EQ(change->channel_map(), 0u);
  EXPECT_FALSE(change->has_node_role());
  EXPECT_FALSE(change->has_node_address());
  EXPECT_FALSE(change->has_network_address());
  EXPECT_FALSE(change->has_network_channel());
  EXPECT_FALSE(change->has_keys());
  EXPECT_FALSE(change->has_current_ac_range());
  EXPECT_FALSE(change->has_app_config());
}

TEST(SinkConfigChangeTest, EveryFlag) {
  absl::StatusOr<wm::v1::SinkConfigChange> change = SinkConfigChangeFromSettings(LoadOrDie(
      "set_config",
      {"--node_role=router+autorole", "--node_address=0x3a5f12", "--network_address=0xABCDEF",
       "--network_channel=7", "--started", "--cipher_key=000102030405060708090a0b0c0d0e0f",
       "--authentication_key=0x101112131415161718191a1b1c1d1e1f", "--ac_min_ms=2000",
       "--ac_max_ms=4000"}));
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_EQ(change->node_role().base(), wm::v1::BASE_ROLE_ROUTER);
  EXPECT_TRUE(change->node_role().autorole());
  EXPECT_EQ(change->node_address(), 0x3a5f12u);
  EXPECT_EQ(change->network_address(), 0xABCDEFu);
  EXPECT_EQ(change->network_channel(), 7u);
  EXPECT_TRUE(change->started());
  EXPECT_EQ(change->keys().cipher().size(), 16u);
  EXPECT_EQ(change->keys().cipher()[15], '\x0f');
  EXPECT_EQ(change->keys().authentication()[0], '\x10');
  EXPECT_EQ(change->current_ac_range().min_ms(), 2000u);
  EXPECT_EQ(change->current_ac_range().max_ms(), 4000u);
}

TEST(SinkConfigChangeTest, RefusesNothingToChangeAndHalfPairs) {
  absl::StatusOr<wm::v1::SinkConfigChange> none =
      SinkConfigChangeFromSettings(LoadOrDie("set_config", {}));
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(absl::StrContains(none.status().message(), "--started")) << none.status();

  absl::StatusOr<wm::v1::SinkConfigChange> half_keys = SinkConfigChangeFromSettings(
      LoadOrDie("set_config", {"--cipher_key=000102030405060708090a0b0c0d0e0f"}));
  ASSERT_FALSE(half_keys.ok());
  EXPECT_TRUE(absl::StartsWith(half_keys.status().message(), "authentication_key: "))
      << half_keys.status();

  absl::StatusOr<wm::v1::SinkConfigChange> half_range =
      SinkConfigChangeFromSettings(LoadOrDie("set_config", {"--ac_max_ms=4000"}));
  ASSERT_FALSE(half_range.ok());
  EXPECT_TRUE(absl::StartsWith(half_range.status().message(), "ac_min_ms: "))
      << half_range.status();

  absl::StatusOr<wm::v1::SinkConfigChange> inverted = SinkConfigChangeFromSettings(
      LoadOrDie("set_config", {"--ac_min_ms=5000", "--ac_max_ms=4000"}));
  EXPECT_FALSE(inverted.ok());

  EXPECT_FALSE(
      SinkConfigChangeFromSettings(LoadOrDie("set_config", {"--network_address=0x1000000"})).ok());
  EXPECT_FALSE(SinkConfigChangeFromSettings(LoadOrDie("set_config", {"--node_address=0"})).ok());
  EXPECT_FALSE(SinkConfigChangeFromSettings(LoadOrDie("set_config", {"--network_channel=0"})).ok());
  EXPECT_FALSE(SinkConfigChangeFromSettings(LoadOrDie("set_config", {"--node_role=0"})).ok());
}

TEST(SinkConfigChangeTest, AKeyIsNeverQuotedInAnError) {
  const std::string secret = "00112233445566778899aabbccddeeXX";
  absl::StatusOr<wm::v1::SinkConfigChange> bad = SinkConfigChangeFromSettings(LoadOrDie(
      "set_config",
      {"--cipher_key=" + secret, "--authentication_key=000102030405060708090a0b0c0d0e0f"}));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "cipher_key: ")) << bad.status();
  EXPECT_FALSE(absl::StrContains(bad.status().message(), "XX")) << bad.status();
  EXPECT_FALSE(absl::StrContains(bad.status().message(), "0011")) << bad.status();

  absl::StatusOr<wm::v1::SinkConfigChange> short_key = SinkConfigChangeFromSettings(LoadOrDie(
      "set_config",
      {"--cipher_key=000102030405060708090a0b0c0d0e0f", "--authentication_key=0001020304"}));
  ASSERT_FALSE(short_key.ok());
  EXPECT_TRUE(absl::StrContains(short_key.status().message(), "got 5 bytes")) << short_key.status();
  EXPECT_FALSE(absl::StrContains(short_key.status().message(), "0001020304"));
}

// ---- send_data ----

TEST(SendDataTest, EveryFieldFromItsFlag) {
  absl::StatusOr<wm::v1::SendDataRequest> request = SendDataFromSettings(LoadOrDie(
      "send_data", {"--dst=broadcast", "--src_ep=1", "--dst_ep=255", "--payload=0xf67e01",
                    "--qos=1", "--hop_limit=15", "--initial_delay_ms=250", "--unack_csma_ca"}));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->destination_address(), 0xFFFFFFFFu);
  EXPECT_EQ(request->source_endpoint(), 1u);
  EXPECT_EQ(request->destination_endpoint(), 255u);
  EXPECT_EQ(request->payload(), std::string("\xf6\x7e\x01", 3));
  EXPECT_EQ(request->qos(), 1u);
  EXPECT_EQ(request->hop_limit(), 15u);
  EXPECT_EQ(request->initial_delay_ms(), 250u);
  EXPECT_TRUE(request->unack_csma_ca());
  EXPECT_TRUE(request->gateway_id().empty());
}

TEST(SendDataTest, TextPayloadAndDefaults) {
  absl::StatusOr<wm::v1::SendDataRequest> request = SendDataFromSettings(
      LoadOrDie("send_data", {"--dst=1001", "--src_ep=10", "--dst_ep=10", "--payload_text=héllo"}));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->payload(), "héllo");
  EXPECT_EQ(request->qos(), 0u);  // normal priority, not backend-client's 2
  EXPECT_EQ(request->hop_limit(), 0u);
  EXPECT_FALSE(request->unack_csma_ca());
}

TEST(SendDataTest, RefusesBadArgumentsNamingTheFlag) {
  auto error = [](std::vector<std::string> args) -> std::string {
    absl::StatusOr<wm::v1::SendDataRequest> request =
        SendDataFromSettings(LoadOrDie("send_data", std::move(args)));
    return request.ok() ? "" : std::string(request.status().message());
  };
  EXPECT_TRUE(absl::StartsWith(error({"--src_ep=1", "--dst_ep=1", "--payload=00"}), "dst: "));
  EXPECT_TRUE(absl::StartsWith(error({"--dst=1", "--src_ep=256", "--dst_ep=1", "--payload=00"}),
                               "src_ep: "));
  EXPECT_TRUE(absl::StartsWith(error({"--dst=1", "--src_ep=1", "--dst_ep=1"}), "payload: "));
  EXPECT_TRUE(absl::StartsWith(
      error({"--dst=1", "--src_ep=1", "--dst_ep=1", "--payload=00", "--payload_text=x"}),
      "payload_text: "));
  EXPECT_TRUE(absl::StartsWith(
      error({"--dst=1", "--src_ep=1", "--dst_ep=1", "--payload=" + std::string(3002, '0')}),
      "payload: at most 1500 bytes"));
  // Ranges of the settings themselves are checked when they are loaded.
  absl::StatusOr<config::Settings> hop =
      Load("send_data", {"--dst=1", "--src_ep=1", "--dst_ep=1", "--payload=00", "--hop_limit=16"});
  ASSERT_FALSE(hop.ok());
  EXPECT_TRUE(absl::StrContains(hop.status().message(), "hop_limit")) << hop.status();
  EXPECT_FALSE(Load("send_data", {"--qos=2"}).ok());
}

// ---- scratchpad_target ----

TEST(TargetAndActionTest, ActionSequenceCrcAndDelay) {
  absl::StatusOr<wm::v1::TargetScratchpadAndAction> target = TargetAndActionFromSettings(
      LoadOrDie("scratchpad_target", {"--action=propagate_and_process_with_delay",
                                      "--target_seq=12", "--target_crc=0x1a2b", "--param=6h"}));
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->action(), wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_EQ(target->target_sequence(), 12u);
  EXPECT_EQ(target->target_crc(), 0x1a2bu);
  EXPECT_EQ(target->delay(), wm::v1::PROCESSING_DELAY_SIX_HOURS);

  target = TargetAndActionFromSettings(LoadOrDie("scratchpad_target", {"--action=no_otap"}));
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_FALSE(target->has_target_sequence());
  EXPECT_FALSE(target->has_target_crc());
  EXPECT_EQ(target->param_case(), wm::v1::TargetScratchpadAndAction::PARAM_NOT_SET);
}

TEST(TargetAndActionTest, ADelayedActionNeedsItsDelay) {
  absl::StatusOr<wm::v1::TargetScratchpadAndAction> target = TargetAndActionFromSettings(
      LoadOrDie("scratchpad_target", {"--action=propagate_and_process_with_delay"}));
  ASSERT_FALSE(target.ok());
  EXPECT_TRUE(absl::StartsWith(target.status().message(), "param: ")) << target.status();
  EXPECT_FALSE(TargetAndActionFromSettings(LoadOrDie("scratchpad_target", {})).ok());
  EXPECT_FALSE(TargetAndActionFromSettings(
                   LoadOrDie("scratchpad_target", {"--action=no_otap", "--target_seq=255"}))
                   .ok());
  EXPECT_FALSE(TargetAndActionFromSettings(
                   LoadOrDie("scratchpad_target", {"--action=no_otap", "--target_crc=0x10000"}))
                   .ok());
}

// ---- usage errors: exit 2 before anything is sent ----

TEST(GatewayCommandsUsageTest, BadArgumentsExit2NamingTheFlag) {
  std::string err;
  EXPECT_EQ(RunCli("get_configs", {}, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "wm-gw-cli: gateway: required")) << err;

  EXPECT_EQ(RunCli("scratchpad_status", {"--gateway=gw"}, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "sink: required")) << err;

  EXPECT_EQ(RunCli("get_configs", {"--gateway=gw", "sink0"}, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "unexpected argument 'sink0'")) << err;

  EXPECT_EQ(RunCli("set_app_config",
                   {"--gateway=gw", "--sink=s", "--data=01", "--diag_interval_s=45"}, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "diag_interval_s: one of 0, 30, 60")) << err;

  EXPECT_EQ(RunCli("set_app_config", {"--gateway=gw", "--sink=s", "--data=01", "--seq=255"}, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "seq: 255 is out of range 1..254")) << err;

  EXPECT_EQ(RunCli("set_app_config", {"--gateway=gw", "--sink=s"}, &err), kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "data: required")) << err;

  EXPECT_EQ(RunCli("config_item_set", {"--gateway=gw", "--sink=s", "--endpoint=7"}, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "payload: required")) << err;

  EXPECT_EQ(
      RunCli("config_item_set",
             {"--gateway=gw", "--sink=s", "--endpoint=7", "--payload=" + std::string(162, 'a')},
             &err),
      kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "payload: at most 80 bytes")) << err;

  EXPECT_EQ(RunCli("config_item_get", {"--gateway=gw", "--sink=s", "--endpoint=65536"}, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "endpoint: 65536 is out of range")) << err;
}

TEST(GatewayCommandsUsageTest, UploadRefusesAFileItCannotReadBeforeCalling) {
  std::string err;
  const std::string missing = wm::testing::TestTmpDir() + "/no-such.otap";
  EXPECT_EQ(RunCli("scratchpad_upload",
                   {"--gateway=gw", "--sink=s", "--seq=3", "--file=" + missing}, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "file: cannot read " + missing)) << err;

  EXPECT_EQ(
      RunCli("scratchpad_upload",
             {"--gateway=gw", "--sink=s", "--seq=3", "--file=" + wm::testing::TestTmpDir()}, &err),
      kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "not a regular file")) << err;

  // An empty file would clear the stored scratchpad: that takes --clear.
  const std::string empty = wm::testing::TestTmpDir() + "/empty.otap";
  ASSERT_TRUE(wm::testing::WriteFile(empty, "").ok());
  EXPECT_EQ(
      RunCli("scratchpad_upload", {"--gateway=gw", "--sink=s", "--seq=3", "--file=" + empty}, &err),
      kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "is empty")) << err;

  const std::string image = wm::testing::TestTmpDir() + "/image.otap";
  ASSERT_TRUE(wm::testing::WriteFile(image, "image").ok());
  EXPECT_EQ(RunCli("scratchpad_upload", {"--gateway=gw", "--sink=s", "--file=" + image}, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "seq: required")) << err;
  EXPECT_EQ(
      RunCli("scratchpad_upload", {"--gateway=gw", "--sink=s", "--seq=0", "--file=" + image}, &err),
      kExitUsage);
  EXPECT_EQ(RunCli("scratchpad_upload",
                   {"--gateway=gw", "--sink=s", "--seq=1", "--file=" + image, "--clear"}, &err),
            kExitUsage);
  EXPECT_TRUE(absl::StrContains(err, "not both")) << err;
}

}  // namespace
}  // namespace wm::gw_cli
