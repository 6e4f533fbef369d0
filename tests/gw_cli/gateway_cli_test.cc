// The gateway requests of wm-gw-cli end to end: the real binary against a real mosquitto, the
// real wm-command and the real wm-gateway-sim. What the CLI prints is checked against the
// simulated network (its topology and state), and what went to the gateway against the
// requests the stack's observer saw on the broker.
#include <google/protobuf/util/json_util.h>
#include <signal.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/scratchpad_image.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/command/command_stack_fixture.h"
#include "tests/gw_cli/cli_runner.h"
#include "tools/gateway_sim/broker_observer.h"

namespace wm::testing {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;
using wirepas::Method;

// Every simulator of CommandStack runs this network.
constexpr char kNetworkAddressText[] = "1193046 (0x123456)";

// The line of `output` whose label, after any indent, is `label`; "" when none.
std::string LineOf(const std::string& output, const std::string& label) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    absl::string_view trimmed = line;
    while (absl::ConsumePrefix(&trimmed, " ")) {
    }
    if (absl::StartsWith(trimmed, label + "  ")) return std::string(line);
  }
  return "";
}

// The block of a sink in get_configs/set_config output: from its id line to the next sink's.
std::string SinkBlock(const std::string& output, const std::string& sink_id) {
  const size_t start = output.find("\n" + sink_id + "\n");
  if (start == std::string::npos) return "";
  size_t end = start + sink_id.size() + 2;
  while (end < output.size()) {
    const size_t next = output.find('\n', end);
    if (next == std::string::npos) break;
    // Lines of a block are indented; the next unindented line ends it.
    if (output[end] != ' ') break;
    end = next + 1;
  }
  return output.substr(start + 1, end - start - 1);
}

// The one JSON line of `output`, parsed into `message`.
template <typename Message>
void ParseJsonLine(const std::string& output, Message* message) {
  const std::vector<std::string> lines = LinesStartingWith(output, "{");
  ASSERT_EQ(lines.size(), 1u) << output;
  const auto status = google::protobuf::util::JsonStringToMessage(lines[0], message);
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << lines[0];
}

// A valid scratchpad image of `size` bytes with random content, as a .otap file holds it.
std::string RandomImage(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string content(size - wirepas::kScratchpadHeaderSize, '\0');
  for (char& c : content) c = static_cast<char>(random());
  return wirepas::BuildScratchpadImage(content);
}

class GatewayCliTest : public CommandStackFixture {
 protected:
  // `wm-gw-cli <command> --wm_command=... --gateway=<gw> <args>`.
  std::vector<std::string> CliArgs(const std::string& command, std::vector<std::string> args) {
    args.insert(args.begin(),
                {command, "--wm_command=" + stack_->command().grpc_address(), "--gateway=" + gw()});
    return args;
  }

  // Runs `wm-gw-cli <command> --wm_command=... --gateway=<gw> <args>` to its end.
  CliRun Cli(const std::string& command, std::vector<std::string> args) {
    return RunCli(CliArgs(command, std::move(args)));
  }

  // The requests of `method` published to the gateway so far: a get_configs sent now through
  // wm-command is published after every earlier request, so once the observer has it, it has
  // them all.
  std::vector<wirepas::GenericMessage> RequestsSoFar(Method method) {
    wm::v1::GetConfigsRequest request;
    request.set_gateway_id(gw());
    wm::v1::GetConfigsResponse response;
    const grpc::Status status =
        stack_->commands().GetConfigs(CallContext().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(stack_->WaitForRequest(response.result().request_id()).ok());
    return stack_->RequestsTo(gw(), method);
  }
};

TEST_F(GatewayCliTest, GetConfigsShowsEverySinkAsTheSimulatorRunsIt) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const CliRun run = Cli("get_configs", {});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StartsWith(run.output, "get_configs: OK\n")) << run.output;
  for (int i = 0; i < 2; ++i) {
    const gateway_sim::SimSink& sink = sim_->sink(0, i);
    const std::string block = SinkBlock(run.output, sink.id);
    ASSERT_FALSE(block.empty()) << "no " << sink.id << " in\n" << run.output;
    EXPECT_TRUE(
        absl::StrContains(LineOf(block, "node address"),
                          absl::StrFormat(" %u (0x%06x)", sink.node_address, sink.node_address)))
        << block;
    EXPECT_TRUE(absl::EndsWith(LineOf(block, "network address"), kNetworkAddressText)) << block;
    EXPECT_TRUE(
        absl::EndsWith(LineOf(block, "network channel"), absl::StrCat(" ", sink.network_channel)))
        << block;
    EXPECT_TRUE(absl::StrContains(LineOf(block, "role"), " sink")) << block;
    EXPECT_TRUE(absl::EndsWith(LineOf(block, "stack started"), " yes")) << block;
    EXPECT_TRUE(absl::EndsWith(LineOf(block, "app config seq"), " 1")) << block;
    EXPECT_TRUE(absl::EndsWith(LineOf(block, "app config max size"), " 80 bytes")) << block;
    EXPECT_TRUE(absl::EndsWith(LineOf(block, "firmware"), " " + FirmwareText(sink.firmware)))
        << block;
  }

  // --json: one line, the response as the API defines it.
  const CliRun json = Cli("get_configs", {"--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  wm::v1::GetConfigsResponse response;
  ASSERT_NO_FATAL_FAILURE(ParseJsonLine(json.output, &response));
  EXPECT_EQ(response.result().name(), "OK");
  ASSERT_EQ(response.configs_size(), 2);
  EXPECT_EQ(response.configs(1).sink_id(), sim_->sink(0, 1).id);
  EXPECT_EQ(response.configs(1).node_address(), sim_->sink(0, 1).node_address);
  EXPECT_FALSE(absl::StrContains(json.output, "get_configs: OK")) << json.output;
}

TEST_F(GatewayCliTest, SetConfigSendsOnlyTheFlagsGivenAndGetConfigsShowsTheChange) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  // Stopping a sink takes started=false, which backend-client could never send.
  const CliRun run = Cli("set_config", {"--sink=sink1", "--network_channel=7", "--started=false"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StartsWith(run.output, "set_config: OK\n")) << run.output;
  const std::string changed = SinkBlock(run.output, "sink1");
  EXPECT_TRUE(absl::EndsWith(LineOf(changed, "network channel"), " 7")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(changed, "stack started"), " no")) << run.output;

  std::vector<wirepas::GenericMessage> sent = RequestsSoFar(Method::kSetConfig);
  ASSERT_EQ(sent.size(), 1u);
  const gwapi::SinkNewConfig& config = sent[0].wirepas().set_config_req().config();
  EXPECT_EQ(config.sink_id(), "sink1");
  EXPECT_EQ(config.network_channel(), 7u);
  EXPECT_EQ(config.sink_state(), gwapi::OFF);
  EXPECT_FALSE(config.has_node_role());
  EXPECT_FALSE(config.has_node_address());
  EXPECT_FALSE(config.has_network_address());
  EXPECT_FALSE(config.has_app_config());
  EXPECT_FALSE(config.has_keys());

  const CliRun after = Cli("get_configs", {});
  ASSERT_EQ(after.code, 0) << after.output;
  const std::string sink1 = SinkBlock(after.output, "sink1");
  EXPECT_TRUE(absl::EndsWith(LineOf(sink1, "network channel"), " 7")) << after.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(sink1, "stack started"), " no")) << after.output;
  const std::string sink0 = SinkBlock(after.output, "sink0");
  EXPECT_TRUE(absl::EndsWith(LineOf(sink0, "network channel"),
                             absl::StrCat(" ", sim_->sink(0, 0).network_channel)))
      << after.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(sink0, "stack started"), " yes")) << after.output;

  // Nothing to change: refused before anything is sent.
  const CliRun nothing = Cli("set_config", {"--sink=sink1"});
  EXPECT_EQ(nothing.code, 2) << nothing.output;
  EXPECT_TRUE(absl::StrContains(nothing.output, "wm-gw-cli: set_config: nothing to change"))
      << nothing.output;
  EXPECT_EQ(RequestsSoFar(Method::kSetConfig).size(), 1u);
}

TEST_F(GatewayCliTest, AnInvalidParamSaysWhichFieldTheSinkRefused) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const CliRun run =
      Cli("set_config", {"--sink=sink0", "--node_address=0xfffffffe", "--network_channel=7"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(
      run.output, "set_config: FAILED INVALID_PARAM (21): the sink refused config.node_address"))
      << run.output;
  // The configuration read back follows: the channel was written.
  EXPECT_TRUE(absl::EndsWith(LineOf(SinkBlock(run.output, "sink0"), "network channel"), " 7"))
      << run.output;
}

TEST_F(GatewayCliTest, SetAppConfigPicksTheNextSequenceAndALowerOneIsRefused) {
  ASSERT_NO_FATAL_FAILURE(StartSim());  // every sink starts with app config sequence 1
  CliRun run = Cli("set_app_config", {"--sink=sink0", "--data=f67e01", "--diag_interval_s=300"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StartsWith(run.output, "set_app_config: OK\n")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "sequence used"), " 2")) << run.output;
  // The sink reads back its whole 80-byte app config: the data, then zeros.
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "app config data"),
                             " f67e01 then 77 zero bytes (80 bytes)"))
      << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "app config diag"), " 300 s")) << run.output;

  // Again, without --diag_interval_s: the next sequence, and the sink's interval is kept.
  run = Cli("set_app_config", {"--sink=sink0", "--data=0102"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "sequence used"), " 3")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "app config seq"), " 3")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "app config diag"), " 300 s")) << run.output;
  std::vector<wirepas::GenericMessage> sent = RequestsSoFar(Method::kSetConfig);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].wirepas().set_config_req().config().app_config().seq(), 3u);
  EXPECT_EQ(sent[1].wirepas().set_config_req().config().app_config().diag_interval_s(), 300u);

  // An explicit sequence below the sink's: the gateway refuses it, and the CLI says where to
  // look.
  run = Cli("set_app_config", {"--sink=sink0", "--data=0102", "--seq=2"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "set_app_config: FAILED INVALID_SEQUENCE_NUMBER (17)"))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "wm-gw-cli get_configs --gateway=" + gw()))
      << run.output;

  // --json carries the sequence used.
  run = Cli("set_app_config", {"--sink=sink1", "--data=00", "--json"});
  ASSERT_EQ(run.code, 0) << run.output;
  wm::v1::SetAppConfigResponse response;
  ASSERT_NO_FATAL_FAILURE(ParseJsonLine(run.output, &response));
  EXPECT_EQ(response.seq(), 2u);
  EXPECT_EQ(response.config().app_config().data(), std::string(80, '\0'));
}

TEST_F(GatewayCliTest, GatewayInfoShowsWhatTheGatewayAdvertises) {
  SimulatorSpec spec;
  spec.extra_args = {"--features=SCRATCHPAD_CHUNK_V1,CONFIGURATION_DATA_V1",
                     "--max_scratchpad_size=2048"};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  const CliRun run = Cli("gateway_info", {});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "model"), " wm-gateway-sim")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "version"), " 1.6.0")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "api version"), " 2")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "max scratchpad size"), " 2048 bytes per request"))
      << run.output;
  EXPECT_TRUE(
      absl::EndsWith(LineOf(run.output, "features"), " SCRATCHPAD_CHUNK_V1, CONFIGURATION_DATA_V1"))
      << run.output;

  const CliRun json = Cli("gateway_info", {"--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  wm::v1::GetGatewayInfoResponse response;
  ASSERT_NO_FATAL_FAILURE(ParseJsonLine(json.output, &response));
  EXPECT_EQ(response.info().model(), "wm-gateway-sim");
  EXPECT_EQ(response.info().max_scratchpad_size(), 2048u);
}

TEST_F(GatewayCliTest, SendDataGoesOutOnceAndABadHopLimitSendsNothing) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const uint32_t node = sim_->sink(0, 0).nodes[0].address;
  const std::vector<std::string> args = {
      "--sink=sink0",  absl::StrCat("--dst=", node), "--src_ep=10",
      "--dst_ep=11",   "--payload=c0ffee",           "--qos=1",
      "--hop_limit=3", "--request_id=cli-1",
  };
  CliRun run = Cli("send_data", args);
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "send_data: OK")) << run.output;
  std::vector<wirepas::GenericMessage> sent = RequestsSoFar(Method::kSendData);
  ASSERT_EQ(sent.size(), 1u);
  const gwapi::SendPacketReq& packet = sent[0].wirepas().send_packet_req();
  EXPECT_EQ(packet.destination_address(), node);
  EXPECT_EQ(packet.source_endpoint(), 10u);
  EXPECT_EQ(packet.destination_endpoint(), 11u);
  EXPECT_EQ(packet.payload(), "\xc0\xff\xee");
  EXPECT_EQ(packet.qos(), 1u);
  EXPECT_EQ(packet.hop_limit(), 3u);

  // The same request id again: the first outcome, nothing sent again.
  run = Cli("send_data", args);
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_EQ(RequestsSoFar(Method::kSendData).size(), 1u);

  // Text payload to broadcast.
  run = Cli("send_data",
            {"--sink=sink0", "--dst=broadcast", "--src_ep=1", "--dst_ep=1", "--payload_text=hi"});
  ASSERT_EQ(run.code, 0) << run.output;
  sent = RequestsSoFar(Method::kSendData);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].wirepas().send_packet_req().destination_address(), 0xFFFFFFFFu);
  EXPECT_EQ(sent[1].wirepas().send_packet_req().payload(), "hi");

  // Hop limits end at 15: refused before anything is published.
  run = Cli("send_data", {"--sink=sink0", "--dst=broadcast", "--src_ep=1", "--dst_ep=1",
                          "--payload=00", "--hop_limit=16"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "hop_limit")) << run.output;
  EXPECT_EQ(RequestsSoFar(Method::kSendData).size(), 2u);
}

TEST_F(GatewayCliTest, UploadGoesInChunksAndTheStatusShowsTheImage) {
  SimulatorSpec spec;
  spec.extra_args = {"--max_scratchpad_size=1024"};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  const std::string image = RandomImage(5000, 7);
  const std::string path = TestTmpDir() + "/image.otap";
  ASSERT_TRUE(WriteFile(path, image).ok());

  // A file that is not there: exit 2, nothing uploaded.
  CliRun run = Cli("scratchpad_upload",
                   {"--sink=sink0", "--seq=21", "--file=" + TestTmpDir() + "/missing.otap"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "wm-gw-cli: file: cannot read")) << run.output;
  EXPECT_TRUE(RequestsSoFar(Method::kOtapLoadScratchpad).empty());

  // A file that is no scratchpad image goes up unchanged, and the sink refuses it.
  const std::string junk_path = TestTmpDir() + "/junk.otap";
  ASSERT_TRUE(WriteFile(junk_path, image.substr(32)).ok());
  run = Cli("scratchpad_upload", {"--sink=sink0", "--seq=21", "--file=" + junk_path});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output,
                                "scratchpad_upload: FAILED INVALID_SCRATCHPAD (15): "
                                "the image does not start with a valid scratchpad "
                                "header"))
      << run.output;
  std::vector<wirepas::GenericMessage> sent = RequestsSoFar(Method::kOtapLoadScratchpad);
  std::string junk_sent;
  for (const wirepas::GenericMessage& chunk : sent) {
    junk_sent += chunk.wirepas().upload_scratchpad_req().scratchpad();
  }
  EXPECT_TRUE(junk_sent == image.substr(32));

  run = Cli("scratchpad_upload", {"--sink=sink0", "--seq=21", "--file=" + path});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "scratchpad_upload: OK")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "size"), " 5000 bytes")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "chunk size"), " 1024 bytes")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "requests sent"), " 5")) << run.output;
  EXPECT_EQ(RequestsSoFar(Method::kOtapLoadScratchpad).size(), sent.size() + 5);

  run = Cli("scratchpad_status", {"--sink=sink0"});
  ASSERT_EQ(run.code, 0) << run.output;
  const std::vector<std::string> stored = LinesStartingWith(run.output, "stored ");
  ASSERT_EQ(stored.size(), 1u) << run.output;
  const std::vector<std::string> fields = absl::StrSplit(stored[0], ' ', absl::SkipEmpty());
  EXPECT_EQ(fields,
            (std::vector<std::string>{
                "stored", "21", "5000",
                absl::StrFormat("0x%04x", wirepas::ParseScratchpadHeader(image).value().crc), "NEW",
                "PRESENT"}))
      << run.output;

  // The network should propagate it and process it after a delay; the sink reports that.
  run = Cli("scratchpad_target", {"--sink=sink0", "--action=propagate_and_process_with_delay",
                                  "--target_seq=21", "--param=6h"});
  ASSERT_EQ(run.code, 0) << run.output;
  run = Cli("scratchpad_status", {"--sink=sink0", "--json"});
  ASSERT_EQ(run.code, 0) << run.output;
  wm::v1::GetScratchpadStatusResponse status;
  ASSERT_NO_FATAL_FAILURE(ParseJsonLine(run.output, &status));
  EXPECT_EQ(status.stored_scratchpad().len(), 5000u);
  EXPECT_EQ(status.target_and_action().action(),
            wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_EQ(status.target_and_action().target_sequence(), 21u);
  EXPECT_EQ(status.target_and_action().delay(), wm::v1::PROCESSING_DELAY_SIX_HOURS);

  // The same delay again: a sink refuses it, and wm-command says why that may be.
  run = Cli("scratchpad_target", {"--sink=sink0", "--action=propagate_and_process_with_delay",
                                  "--target_seq=21", "--param=6h"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "scratchpad_target: FAILED INVALID_PARAM (21): "))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "the very delay it already has")) << run.output;

  // Processing makes it the processed scratchpad.
  run = Cli("scratchpad_process", {"--sink=sink0"});
  ASSERT_EQ(run.code, 0) << run.output;
  run = Cli("scratchpad_status", {"--sink=sink0"});
  ASSERT_EQ(run.code, 0) << run.output;
  const std::vector<std::string> processed = LinesStartingWith(run.output, "processed ");
  ASSERT_EQ(processed.size(), 1u) << run.output;
  EXPECT_TRUE(absl::StrContains(processed[0], " 21 ")) << run.output;
  EXPECT_TRUE(absl::StrContains(processed[0], " 5000 ")) << run.output;

  // --clear uploads nothing: the sink's stored scratchpad is gone.
  run = Cli("scratchpad_upload", {"--sink=sink0", "--clear"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(LineOf(run.output, "size"), "cleared")) << run.output;
  run = Cli("scratchpad_status", {"--sink=sink0", "--json"});
  ASSERT_EQ(run.code, 0) << run.output;
  status.Clear();
  ASSERT_NO_FATAL_FAILURE(ParseJsonLine(run.output, &status));
  EXPECT_EQ(status.stored_type(), wm::v1::SCRATCHPAD_TYPE_BLANK);
  EXPECT_EQ(status.stored_scratchpad().len(), 0u);
}

TEST_F(GatewayCliTest, ConfigurationDataItemRoundTripAndClear) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  CliRun run = Cli("config_item_set", {"--sink=sink0", "--endpoint=0x1234", "--payload=cafe0102"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "config_item_set: OK")) << run.output;

  run = Cli("config_item_get", {"--sink=sink0", "--endpoint=4660"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "endpoint"), " 4660 (0x1234)")) << run.output;
  EXPECT_TRUE(absl::EndsWith(LineOf(run.output, "payload"), " cafe0102 (4 bytes)")) << run.output;

  // An empty payload clears it; reading it then is the gateway's INVALID_PARAM.
  run = Cli("config_item_set", {"--sink=sink0", "--endpoint=4660", "--payload="});
  ASSERT_EQ(run.code, 0) << run.output;
  run = Cli("config_item_get", {"--sink=sink0", "--endpoint=4660"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "config_item_get: FAILED INVALID_PARAM (21)"))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "no configuration data item for endpoint 4660"))
      << run.output;
}

TEST_F(GatewayCliTest, ClearGatewayRefusesAnOnlineGatewayWithoutForce) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  CliRun run = Cli("clear_gateway", {});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "clear_gateway failed: FAILED_PRECONDITION"))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "--force")) << run.output;
  EXPECT_TRUE(stack_->observer().LatestStateIs(gw(), gwapi::ON));

  run = Cli("clear_gateway", {"--force", "--json"});
  ASSERT_EQ(run.code, 0) << run.output;
  wm::v1::ClearGatewayStatusResponse response;
  ASSERT_NO_FATAL_FAILURE(ParseJsonLine(run.output, &response));
  EXPECT_EQ(response.previous_state(), wm::v1::GATEWAY_STATE_ONLINE);
  EXPECT_TRUE(gateway_sim::Eventually([&] {
    auto statuses = stack_->observer().Statuses(gw());
    return !statuses.empty() && !statuses.back().has_value();
  })) << "no empty status was published";
}

TEST_F(GatewayCliTest, AnUnansweredRequestIsDeadlineExceededWithinTheTimeout) {
  SimulatorSpec spec;
  spec.gateway_id_prefix = "mute-gw-";
  spec.extra_args = {"--drop_responses=get_gw_info"};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  const absl::Time started = absl::Now();
  const CliRun run = Cli("gateway_info", {"--timeout_s=0.3"});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "wm-gw-cli: gateway_info failed: DEADLINE_EXCEEDED"))
      << run.output;
  EXPECT_LT(absl::Now() - started, absl::Seconds(5));
  // The gateway did get the request: only its answer was missing.
  EXPECT_EQ(RequestsSoFar(Method::kGetGwInfo).size(), 1u);
}

TEST_F(GatewayCliTest, CtrlCStopsACommandWaitingForAnAnswer) {
  SimulatorSpec spec;
  spec.gateway_id_prefix = "mute-gw-";
  spec.extra_args = {"--drop_responses=get_gw_info"};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  std::unique_ptr<Subprocess> cli = StartCli(CliArgs("gateway_info", {"--timeout_s=60"}));
  ASSERT_NE(cli, nullptr);
  // Once the request is out, the CLI is waiting for the answer that will not come.
  ASSERT_TRUE(gateway_sim::Eventually(
      [&] { return stack_->RequestsTo(gw(), Method::kGetGwInfo).size() == 1; }));
  const absl::Time interrupted = absl::Now();
  ASSERT_TRUE(cli->Signal(SIGINT).ok());
  absl::StatusOr<int> code = cli->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status() << "\n" << cli->Output();
  EXPECT_EQ(*code, 1) << cli->Output();
  EXPECT_LT(absl::Now() - interrupted, absl::Seconds(3));
  EXPECT_TRUE(absl::StrContains(cli->Output(), "wm-gw-cli: gateway_info interrupted"))
      << cli->Output();
}

}  // namespace
}  // namespace wm::testing
