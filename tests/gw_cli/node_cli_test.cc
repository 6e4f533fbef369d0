// The node (MSAP) commands of wm-gw-cli end to end: a real mosquitto, the real wm-command and
// a real wm-gateway-sim whose nodes answer MSAP requests, and the real wm-gw-cli binary whose
// output is checked against the simulated network's topology (addresses, hop counts,
// firmware) and against what went over the broker.
#include <google/protobuf/util/json_util.h>
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.pb.h"
#include "tests/command/command_stack.h"
#include "tests/gw_cli/cli_runner.h"
#include "tools/gateway_sim/broker_observer.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gw_cli {
namespace {

using ::wm::testing::CliRun;
using ::wm::testing::CommandStack;
using ::wm::testing::FirmwareText;
using ::wm::testing::HasLine;
using ::wm::testing::Lines;
using ::wm::testing::LinesStartingWith;
using ::wm::testing::SimulatedGateways;
using ::wm::testing::Subprocess;

constexpr uint32_t kBroadcast = 0xFFFFFFFF;
// A node's answer to an MSAP request leaves the simulator at most this long after the request
// per hop: 40 ticks of 1/128 s down, 80 up (tools/gateway_sim/data_handlers.h).
constexpr absl::Duration kMaxAnswerTimePerHop = absl::Milliseconds(120 * 1000 / 128 + 1);
// Plus processing in the node and the processes in between.
constexpr absl::Duration kAnswerMargin = absl::Milliseconds(400);

// The --quiet_s value long enough for every node of `sink` to answer (the deepest takes
// longest).
std::string QuietFor(const gateway_sim::SimSink& sink) {
  uint32_t max_hops = 1;
  for (const gateway_sim::SimNode& node : sink.nodes) max_hops = std::max(max_hops, node.hop_count);
  return absl::StrCat("--quiet_s=",
                      absl::ToDoubleSeconds(kMaxAnswerTimePerHop * max_hops + kAnswerMargin));
}

std::set<uint32_t> NodeAddresses(const gateway_sim::SimSink& sink) {
  std::set<uint32_t> addresses;
  for (const gateway_sim::SimNode& node : sink.nodes) addresses.insert(node.address);
  return addresses;
}

// The rows of an acks table: address -> answer ("ok", "error <NAME>").
std::map<uint32_t, std::string> AckRows(const std::string& output) {
  std::map<uint32_t, std::string> rows;
  for (const std::string& line : Lines(output)) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint32_t address = 0;
    if (fields.size() < 3 || !absl::SimpleAtoi(fields[0], &address)) continue;
    rows[address] = fields[1] == "ok" ? "ok" : absl::StrCat(fields[1], " ", fields[2]);
  }
  return rows;
}

// One shared stack for the suite: the simulated nodes answer statelessly, so the tests do not
// disturb each other, and the start-up is paid once.
class NodeCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<CommandStack>> stack = CommandStack::Start();
    if (!stack.ok()) {
      std::cerr << "stack: " << stack.status() << '\n';
      return;
    }
    testing::SimulatorSpec spec;
    spec.gateway_id_prefix = "node-cli-";
    spec.nodes_per_sink = 5;
    absl::StatusOr<SimulatedGateways*> sim = (*stack)->StartSimulator(spec);
    if (!sim.ok()) {
      std::cerr << "simulator: " << sim.status() << '\n' << (*stack)->Output();
      return;
    }
    stack_ = stack->release();
    sim_ = *sim;
  }

  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    sim_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(sim_, nullptr) << "the stack did not start"; }

  void TearDown() override {
    if (HasFailure() && stack_ != nullptr) std::cerr << stack_->Output();
  }

  static std::string gw() { return sim_->gateway_id(); }
  static const gateway_sim::SimSink& sink(int index) { return sim_->sink(0, index); }

  // `wm-gw-cli <command>` against the stack's wm-command, for the test's gateway.
  static std::vector<std::string> CliArgs(const std::string& command,
                                          std::vector<std::string> args) {
    args.insert(args.begin(),
                {command, "--wm_command=" + stack_->command().grpc_address(), "--gateway=" + gw()});
    return args;
  }

  // Starts `wm-gw-cli <command>`.
  std::unique_ptr<Subprocess> StartCli(const std::string& command, std::vector<std::string> args) {
    return wm::testing::StartCli(CliArgs(command, std::move(args)));
  }

  // Runs `wm-gw-cli <command>` to its exit.
  CliRun RunCli(const std::string& command, std::vector<std::string> args) {
    return wm::testing::RunCli(CliArgs(command, std::move(args)));
  }

  // The send_data requests published to the gateway so far, in order.
  static std::vector<wirepas::GenericMessage> SendDataRequests() {
    return stack_->RequestsTo(gw(), wirepas::Method::kSendData);
  }

  static CommandStack* stack_;
  static SimulatedGateways* sim_;
};

CommandStack* NodeCliTest::stack_ = nullptr;
SimulatedGateways* NodeCliTest::sim_ = nullptr;

TEST_F(NodeCliTest, PingReportsEveryNodeWithItsHopCountAndTheHistogram) {
  const gateway_sim::SimSink& s = sink(0);
  const CliRun run = RunCli("ping", {"--sink=sink0", QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(HasLine(run.output, "sent to broadcast: OK")) << run.output;

  std::map<uint32_t, uint32_t> expected_hops;
  std::map<uint32_t, size_t> nodes_per_hops;
  uint64_t c = 0;
  for (const gateway_sim::SimNode& node : s.nodes) {
    expected_hops[node.address] = node.hop_count;
    ++nodes_per_hops[node.hop_count];
    c += node.hop_count;
  }
  ASSERT_GT(nodes_per_hops.size(), 1u) << "the network should have nodes at several depths";

  // One line per reply: "T <rtt> ms: node <address> hops <h> travel <t> ms via <gw>/<sink>".
  std::map<uint32_t, uint32_t> hops;
  for (const std::string& line : LinesStartingWith(run.output, "T ")) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    ASSERT_EQ(f.size(), 12u) << line;
    uint32_t address = 0;
    uint32_t hop_count = 0;
    ASSERT_TRUE(absl::SimpleAtoi(f[4], &address)) << line;
    ASSERT_TRUE(absl::SimpleAtoi(f[6], &hop_count)) << line;
    EXPECT_TRUE(hops.emplace(address, hop_count).second) << "twice: " << line;
    EXPECT_EQ(f[11], gw() + "/sink0") << line;
  }
  EXPECT_EQ(hops, expected_hops) << run.output;

  EXPECT_TRUE(HasLine(run.output, absl::StrCat("Answered: ", s.nodes.size(), " node(s)")))
      << run.output;
  EXPECT_EQ(LinesStartingWith(run.output, "Round trip: min ").size(), 1u) << run.output;
  const uint32_t first = nodes_per_hops.begin()->first;
  const uint32_t last = nodes_per_hops.rbegin()->first;
  for (uint32_t h = first; h <= last; ++h) {
    const size_t n = nodes_per_hops.count(h) ? nodes_per_hops[h] : 0;
    EXPECT_TRUE(HasLine(run.output, absl::StrCat("hops ", h, ": ", std::string(n, '*'), " ", n)))
        << "hops " << h << "\n"
        << run.output;
  }
  EXPECT_EQ(LinesStartingWith(run.output, "hops ").size(), last - first + 1) << run.output;
  EXPECT_EQ(LinesStartingWith(run.output, absl::StrCat("C = ", c, " ")).size(), 1u) << run.output;
}

TEST_F(NodeCliTest, PingOfOneNodeHearsThatNodeOnly) {
  const gateway_sim::SimSink& s = sink(1);
  const gateway_sim::SimNode& deepest =
      *std::max_element(s.nodes.begin(), s.nodes.end(),
                        [](const auto& a, const auto& b) { return a.hop_count < b.hop_count; });
  const CliRun run =
      RunCli("ping", {"--sink=sink1", absl::StrCat("--node=", deepest.address), QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(HasLine(run.output, absl::StrCat("sent to ", deepest.address, ": OK"))) << run.output;
  const std::vector<std::string> replies = LinesStartingWith(run.output, "T ");
  ASSERT_EQ(replies.size(), 1u) << run.output;
  EXPECT_NE(
      replies[0].find(absl::StrCat(" node ", deepest.address, " hops ", deepest.hop_count, " ")),
      std::string::npos)
      << replies[0];
  EXPECT_TRUE(HasLine(run.output, "Answered: 1 node(s)")) << run.output;
  EXPECT_TRUE(HasLine(run.output, absl::StrCat("hops ", deepest.hop_count, ": * 1"))) << run.output;

  // The ping went to that node only.
  const std::vector<wirepas::GenericMessage> sent = SendDataRequests();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().wirepas().send_packet_req().destination_address(), deepest.address);
}

TEST_F(NodeCliTest, NodesScratchpadStatusListsTheSinkAndEveryNodeWithStats) {
  const gateway_sim::SimSink& s = sink(1);
  const CliRun run = RunCli("nodes_scratchpad_status", {"--sink=sink1", QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(HasLine(run.output, absl::StrCat("sent to ", s.node_address, ": OK"))) << run.output;
  EXPECT_TRUE(HasLine(run.output, "sent to broadcast: OK")) << run.output;

  // Table rows: address hops stored_seq stored_crc processed_seq processed_crc stack_fw
  // fw_area app_seq app_fw app_area.
  std::map<uint32_t, std::vector<std::string>> rows;
  std::vector<uint32_t> order;
  for (const std::string& line : Lines(run.output)) {
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint32_t address = 0;
    if (f.size() != 11 || !absl::SimpleAtoi(f[0], &address)) continue;
    rows[address] = f;
    order.push_back(address);
  }
  std::set<uint32_t> expected = NodeAddresses(s);
  expected.insert(s.node_address);
  std::set<uint32_t> listed;
  for (const auto& [address, row] : rows) listed.insert(address);
  EXPECT_EQ(listed, expected) << run.output;
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << run.output;
  EXPECT_EQ(order.size(), rows.size()) << "a node listed twice\n" << run.output;
  EXPECT_EQ(rows[s.node_address][1], "0") << "the sink is 0 hops away\n" << run.output;
  for (const gateway_sim::SimNode& node : s.nodes) {
    ASSERT_TRUE(rows.count(node.address)) << node.address;
    EXPECT_EQ(rows[node.address][1], absl::StrCat(node.hop_count)) << node.address;
    EXPECT_EQ(rows[node.address][6], FirmwareText(node.firmware)) << node.address;
  }

  // The stats: one line per firmware key, adding up to every node, then the stored verdict.
  ASSERT_TRUE(HasLine(run.output, "Processed/Stored stats:")) << run.output;
  size_t counted = 0;
  for (const std::string& line : LinesStartingWith(run.output, "  ")) {
    const size_t at = line.find(" running on ");
    if (at == std::string::npos) continue;
    size_t n = 0;
    ASSERT_TRUE(absl::SimpleAtoi(line.substr(at + 12, line.find(' ', at + 12) - (at + 12)), &n))
        << line;
    counted += n;
  }
  EXPECT_EQ(counted, expected.size()) << run.output;
  EXPECT_TRUE(HasLine(run.output, absl::StrCat("Total ", expected.size(), " nodes"))) << run.output;
  std::set<std::string> stored;
  for (const auto& [address, row] : rows) stored.insert(row[2] + " " + row[3]);
  if (stored.size() == 1) {
    const std::vector<std::string> seq_crc = absl::StrSplit(*stored.begin(), ' ');
    EXPECT_TRUE(HasLine(run.output, absl::StrCat("All nodes have firmware seq ", seq_crc[0],
                                                 " crc ", seq_crc[1], " stored.")))
        << run.output;
  } else {
    EXPECT_TRUE(HasLine(run.output, "More than one firmware detected.")) << run.output;
  }
}

TEST_F(NodeCliTest, ScratchpadUpdateAndCancelReportEveryNodesAck) {
  const gateway_sim::SimSink& s = sink(0);
  CliRun run = RunCli("nodes_scratchpad_update",
                      {"--sink=sink0", "--seq=9", "--countdown_s=60", QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(HasLine(run.output, "sent to broadcast: OK")) << run.output;
  std::map<uint32_t, std::string> acks = AckRows(run.output);
  std::map<uint32_t, std::string> all_ok;
  for (uint32_t address : NodeAddresses(s)) all_ok[address] = "ok";
  EXPECT_EQ(acks, all_ok) << run.output;
  EXPECT_TRUE(
      HasLine(run.output, absl::StrCat("OK response received from ", s.nodes.size(), " node(s)")))
      << run.output;
  // What went out: scratchpad update of seq 9 and an update with a 60 s countdown.
  std::vector<wirepas::GenericMessage> sent = SendDataRequests();
  ASSERT_FALSE(sent.empty());
  const std::string& payload = sent.back().wirepas().send_packet_req().payload();
  EXPECT_NE(payload.find(std::string("\x1a\x01\x09", 3)), std::string::npos);
  EXPECT_NE(payload.find(std::string("\x05\x02\x3c\x00", 4)), std::string::npos);

  const uint32_t node = s.nodes.back().address;
  run = RunCli("nodes_update_cancel", {"--sink=sink0", absl::StrCat("--node=", node), QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(HasLine(run.output, absl::StrCat("sent to ", node, ": OK"))) << run.output;
  EXPECT_EQ(AckRows(run.output), (std::map<uint32_t, std::string>{{node, "ok"}})) << run.output;
  EXPECT_TRUE(HasLine(run.output, "OK response received from 1 node(s)")) << run.output;
}

TEST_F(NodeCliTest, SetNdiagRejectsABadIntervalBeforeSendingThenSetsAGoodOne) {
  const size_t before = SendDataRequests().size();
  CliRun run = RunCli("set_ndiag", {"--sink=sink0", "--interval_s=45"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "wm-gw-cli: interval_s:")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "1200")) << run.output;
  run = RunCli("set_ndiag", {"--sink=sink0"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "interval_s: required")) << run.output;

  const gateway_sim::SimSink& s = sink(0);
  run = RunCli("set_ndiag", {"--sink=sink0", "--interval_s=120", QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  const std::vector<std::string> sent_lines = LinesStartingWith(run.output, "sent to ");
  ASSERT_EQ(sent_lines.size(), 2u) << run.output;
  EXPECT_EQ(sent_lines[0], absl::StrCat("sent to ", s.node_address, ": OK"));
  EXPECT_EQ(sent_lines[1], "sent to broadcast: OK");
  std::set<uint32_t> expected = NodeAddresses(s);
  expected.insert(s.node_address);
  std::set<uint32_t> acked;
  for (const auto& [address, answer] : AckRows(run.output)) {
    EXPECT_EQ(answer, "ok") << address;
    acked.insert(address);
  }
  EXPECT_EQ(acked, expected) << run.output;

  // Only the good command's two downlinks reached the broker: the broker delivers
  // wm-command's requests in order, so a request of a rejected run would have come first.
  ASSERT_TRUE(gateway_sim::Eventually([&] { return SendDataRequests().size() >= before + 2; }));
  const std::vector<wirepas::GenericMessage> sent = SendDataRequests();
  ASSERT_EQ(sent.size(), before + 2);
  EXPECT_EQ(sent[before].wirepas().send_packet_req().payload(),
            std::string("\x60\x03\x78\x00\x02", 5));
}

TEST_F(NodeCliTest, BadArgumentsExitWithTwoNamingTheFlag) {
  const size_t before = SendDataRequests().size();
  CliRun run = RunCli("ping", {"--sink=sink0", "--node=twelve"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "wm-gw-cli: node: 'twelve'")) << run.output;
  run = RunCli("nodes_scratchpad_update", {"--sink=sink0"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "seq: required")) << run.output;
  run = RunCli("nodes_scratchpad_update", {"--sink=sink0", "--seq=3", "--countdown_s=5"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "countdown_s")) << run.output;
  run = RunCli("nodes_update_cancel", {"--node=7"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "sink: required")) << run.output;
  EXPECT_EQ(SendDataRequests().size(), before);
}

TEST_F(NodeCliTest, JsonPrintsOneParsableLinePerResponseMessage) {
  const gateway_sim::SimSink& s = sink(0);
  CliRun run = RunCli("ping", {"--sink=sink0", "--json", QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  const std::vector<std::string> lines = LinesStartingWith(run.output, "{");
  ASSERT_EQ(lines.size(), 1 + s.nodes.size()) << run.output;
  EXPECT_TRUE(LinesStartingWith(run.output, "T ").empty()) << run.output;
  EXPECT_TRUE(LinesStartingWith(run.output, "hops ").empty()) << run.output;
  std::set<uint32_t> repliers;
  for (size_t i = 0; i < lines.size(); ++i) {
    wm::v1::PingResponse message;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[i], &message).ok()) << lines[i];
    if (i == 0) {
      ASSERT_TRUE(message.has_sent()) << lines[i];
      EXPECT_EQ(message.sent().destination_address(), kBroadcast);
      EXPECT_EQ(message.sent().result().name(), "OK");
    } else {
      ASSERT_TRUE(message.has_reply()) << lines[i];
      repliers.insert(message.reply().source_address());
    }
  }
  EXPECT_EQ(repliers, NodeAddresses(s));

  const uint32_t node = s.nodes.front().address;
  run = RunCli("nodes_update_cancel",
               {"--sink=sink0", absl::StrCat("--node=", node), "--json", QuietFor(s)});
  ASSERT_EQ(run.code, 0) << run.output;
  const std::vector<std::string> cancel = LinesStartingWith(run.output, "{");
  ASSERT_EQ(cancel.size(), 1u) << run.output;
  wm::v1::NodeCommandResponse response;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(cancel[0], &response).ok()) << cancel[0];
  ASSERT_EQ(response.sent_size(), 1);
  EXPECT_EQ(response.sent(0).destination_address(), node);
  ASSERT_EQ(response.acks_size(), 1);
  EXPECT_EQ(response.acks(0).source_address(), node);
  EXPECT_TRUE(response.acks(0).ok());
}

TEST_F(NodeCliTest, CtrlCStopsAPingAndPrintsWhatWasCollected) {
  // A quiet period far longer than the test waits: only the interrupt can end it in time.
  const absl::Time start = absl::Now();
  std::unique_ptr<Subprocess> cli = StartCli("ping", {"--sink=sink0", "--quiet_s=60"});
  ASSERT_NE(cli, nullptr);
  ASSERT_TRUE(cli->WaitForOutput("T ", wm::testing::kCliTimeout).ok()) << cli->Output();
  ASSERT_TRUE(cli->Signal(SIGINT).ok());
  absl::StatusOr<int> code = cli->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status() << "\n" << cli->Output();
  EXPECT_EQ(*code, 0) << cli->Output();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  const std::string output = cli->Output();
  EXPECT_TRUE(absl::StrContains(output, "wm-gw-cli: Ping interrupted")) << output;
  const size_t replies = LinesStartingWith(output, "T ").size();
  ASSERT_GE(replies, 1u) << output;
  EXPECT_TRUE(HasLine(output, absl::StrCat("Answered: ", replies, " node(s)"))) << output;
}

}  // namespace
}  // namespace wm::gw_cli
