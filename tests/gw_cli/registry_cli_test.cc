// The wm-registry commands of wm-gw-cli end to end: a real mosquitto, real wm-gateway-sim
// processes with a known topology, the real wm-ingest and wm-registry, and the real wm-gw-cli
// binary whose output is checked against what the simulator runs.
#include <google/protobuf/struct.pb.h>
#include <signal.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/testing/files.h"
#include "libs/testing/ports.h"
#include "libs/testing/subprocess.h"
#include "protos/wm/v1/registry.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/gw_cli/cli_runner.h"
#include "tests/harness/service_process.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gw_cli {
namespace {

using ::wm::testing::CliRun;
using ::wm::testing::CommandStack;
using ::wm::testing::Field;
using ::wm::testing::FinishCli;
using ::wm::testing::FirmwareText;
using ::wm::testing::ServiceProcess;
using ::wm::testing::SimulatedGateways;
using ::wm::testing::SimulatorSpec;
using ::wm::testing::Subprocess;

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr absl::Duration kPollInterval = absl::Milliseconds(20);
constexpr char kIngest[] = "services/ingest/wm-ingest";
constexpr char kRegistry[] = "services/registry/wm-registry";
constexpr uint64_t kNetwork = 0x123456;  // every simulator of CommandStack runs this network
constexpr char kNetworkText[] = "1193046 (0x123456)";

// The whitespace-separated words of a table row.
std::vector<std::string> Words(const std::string& line) {
  return absl::StrSplit(line, ' ', absl::SkipEmpty());
}

// A uint64 JSON field, which proto3 JSON writes as a string.
uint64_t Uint64Field(const google::protobuf::Struct& object, const std::string& name) {
  uint64_t value = 0;
  const google::protobuf::Value& v = Field(object, name);
  if (v.has_string_value()) {
    EXPECT_TRUE(absl::SimpleAtoi(v.string_value(), &value)) << name;
  }
  if (v.has_number_value()) value = static_cast<uint64_t>(v.number_value());
  return value;
}

// How the registry shows a simulated node's role byte (2 headnode, 3 subnode, | 0x80 autorole).
std::string RoleText(uint8_t role) {
  std::string text = (role & 0x0F) == 0x02 ? "router" : "non_router";
  if ((role & 0x10) != 0) text += ",ll";
  if ((role & 0x80) != 0) text += ",auto";
  return text;
}

// A simulated node and where it sends through.
struct SimNodeAt {
  std::string gateway_id;
  std::string sink_id;
  gateway_sim::SimNode node;
};

std::map<uint32_t, SimNodeAt> NodesOf(const SimulatedGateways& sim) {
  std::map<uint32_t, SimNodeAt> nodes;
  for (const gateway_sim::SimGateway& gateway : sim.topology().gateways) {
    for (const gateway_sim::SimSink& sink : gateway.sinks) {
      for (const gateway_sim::SimNode& node : sink.nodes) {
        nodes[node.address] = SimNodeAt{gateway.id, sink.id, node};
      }
    }
  }
  return nodes;
}

// The backend the registry commands read: CommandStack's broker and simulators, wm-ingest, and
// wm-registry on a gRPC port that stays the same across its restarts.
class RegistryBackend {
 public:
  static absl::StatusOr<std::unique_ptr<RegistryBackend>> Start(
      std::vector<std::string> registry_args) {
    std::unique_ptr<RegistryBackend> backend(new RegistryBackend());
    absl::StatusOr<std::unique_ptr<CommandStack>> stack = CommandStack::Start();
    if (!stack.ok()) return stack.status();
    backend->stack_ = *std::move(stack);
    absl::StatusOr<std::unique_ptr<ServiceProcess>> ingest = ServiceProcess::Start(
        kIngest, {"--mqtt_hostname=127.0.0.1",
                  absl::StrCat("--mqtt_port=", backend->stack_->broker().port()),
                  "--mqtt_force_unsecure", "--mqtt_reconnect_max_s=0.5"});
    if (!ingest.ok()) return ingest.status();
    backend->ingest_ = *std::move(ingest);
    if (absl::Status s = backend->ingest_->WaitReady(kTimeout); !s.ok()) return s;

    absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("registry_cli");
    if (!dir.ok()) return dir.status();
    backend->registry_grpc_port_ = wm::testing::FreeLoopbackPort();
    backend->registry_args_ = {"--wm_ingest=" + backend->ingest_->grpc_address(),
                               "--registry_db=" + *dir + "/registry.db",
                               "--registry_flush_ms=50",
                               "--drain_timeout_s=0.5",
                               "--grpc_host=127.0.0.1",
                               absl::StrCat("--grpc_port=", backend->registry_grpc_port_),
                               "--http_host=127.0.0.1"};
    backend->registry_args_.insert(backend->registry_args_.end(), registry_args.begin(),
                                   registry_args.end());
    if (absl::Status s = backend->StartRegistry(); !s.ok()) return s;
    backend->client_ = wm::v1::Registry::NewStub(
        grpc::CreateChannel(backend->registry_address(), grpc::InsecureChannelCredentials()));
    return backend;
  }

  // Starts wm-registry (again) on the same gRPC port and database; waits until it is ready.
  absl::Status StartRegistry() {
    registry_.reset();
    const int http_port = wm::testing::FreeLoopbackPort();
    std::vector<std::string> args = registry_args_;
    args.push_back(absl::StrCat("--http_port=", http_port));
    absl::StatusOr<std::unique_ptr<Subprocess>> registry =
        Subprocess::Start(wm::testing::RunfilePath(kRegistry), args);
    if (!registry.ok()) return registry.status();
    registry_ = *std::move(registry);
    const absl::Time deadline = absl::Now() + kTimeout;
    while (absl::Now() < deadline) {
      httplib::Client client("127.0.0.1", http_port);
      client.set_connection_timeout(1);
      auto result = client.Get("/readyz");
      if (result && result->status == 200) return absl::OkStatus();
      if (!registry_->running()) {
        return absl::FailedPreconditionError("wm-registry exited:\n" + registry_->Output());
      }
      absl::SleepFor(kPollInterval);
    }
    return absl::DeadlineExceededError("wm-registry not ready:\n" + registry_->Output());
  }

  // SIGTERM; the exit code.
  int StopRegistry() { return registry_->Stop(kTimeout); }

  // Starts a simulator sending diagnostics continuously (role, voltage, firmware reported).
  absl::StatusOr<SimulatedGateways*> StartSimulator(const std::string& prefix, int gateways) {
    return stack_->StartSimulator(
        SimulatorSpec{.gateway_id_prefix = prefix,
                      .gateways = gateways,
                      .sinks_per_gateway = 2,
                      .nodes_per_sink = 3,
                      .seed = 7,
                      .extra_args = {"--count=0", "--rate=60",
                                     "--payload_mix=node_diagnostics=1,diagnostics_v2=1"}});
  }

  // The registry's nodes of every page, or an empty list when a call fails.
  std::vector<wm::v1::Node> ListNodes() {
    std::vector<wm::v1::Node> nodes;
    wm::v1::ListNodesRequest request;
    while (true) {
      wm::v1::ListNodesResponse response;
      if (!client_->ListNodes(wm::testing::CallContext(absl::Seconds(5)).get(), request, &response)
               .ok()) {
        return {};
      }
      nodes.insert(nodes.end(), response.nodes().begin(), response.nodes().end());
      if (response.next_page_token().empty()) return nodes;
      request.set_page_token(response.next_page_token());
    }
  }

  // Polls the registry until `condition` holds for its node list.
  bool WaitForNodes(const std::function<bool(const std::vector<wm::v1::Node>&)>& condition) {
    const absl::Time deadline = absl::Now() + kTimeout;
    while (absl::Now() < deadline) {
      if (condition(ListNodes())) return true;
      absl::SleepFor(kPollInterval);
    }
    return false;
  }

  // Runs wm-gw-cli `command` against this registry and waits for it to exit.
  CliRun Run(const std::string& command, std::vector<std::string> args = {}) {
    return wm::testing::RunCli(CliArgs(command, std::move(args)));
  }

  // Starts wm-gw-cli `command` against this registry without waiting.
  std::unique_ptr<Subprocess> StartCli(const std::string& command, std::vector<std::string> args) {
    return wm::testing::StartCli(CliArgs(command, std::move(args)));
  }

  std::string registry_address() const { return absl::StrCat("127.0.0.1:", registry_grpc_port_); }
  // `wm-gw-cli <command> --wm_registry=<this registry> <args>`.
  std::vector<std::string> CliArgs(const std::string& command, std::vector<std::string> args) {
    args.insert(args.begin(), {command, "--wm_registry=" + registry_address()});
    return args;
  }
  CommandStack& stack() { return *stack_; }
  std::string Output() {
    return absl::StrCat(stack_->Output(), "--- wm-registry ---\n",
                        registry_ ? registry_->Output() : "", "--- wm-ingest ---\n",
                        ingest_->process().Output());
  }

 private:
  RegistryBackend() = default;

  std::unique_ptr<CommandStack> stack_;
  std::unique_ptr<ServiceProcess> ingest_;
  std::vector<std::string> registry_args_;
  int registry_grpc_port_ = 0;
  std::unique_ptr<Subprocess> registry_;
  std::unique_ptr<wm::v1::Registry::Stub> client_;
};

// Whether every node of `sim` is listed with the diagnostics the commands show.
bool AllNodesReported(const SimulatedGateways& sim, const std::vector<wm::v1::Node>& nodes) {
  if (nodes.size() != sim.topology().NodeCount()) return false;
  return std::all_of(nodes.begin(), nodes.end(), [](const wm::v1::Node& node) {
    return node.has_role() && node.has_voltage_mv();
  });
}

// --- Queries against a running site: 2 gateways x 2 sinks x 3 nodes sending diagnostics ------

class RegistryCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto backend = RegistryBackend::Start({});
    if (!backend.ok()) {
      setup_error_ = backend.status().ToString();
      return;
    }
    backend_ = backend->release();
    auto sim = backend_->StartSimulator("sim-gw-", 2);
    if (!sim.ok()) {
      setup_error_ = sim.status().ToString();
      return;
    }
    sim_ = *sim;
    if (!backend_->WaitForNodes([](const std::vector<wm::v1::Node>& nodes) {
          return AllNodesReported(*sim_, nodes);
        })) {
      setup_error_ = "the registry never listed every simulated node:\n" + backend_->Output();
    }
  }

  static void TearDownTestSuite() {
    delete backend_;
    backend_ = nullptr;
    sim_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static inline RegistryBackend* backend_ = nullptr;
  static inline SimulatedGateways* sim_ = nullptr;
  static inline std::string setup_error_;
};

TEST_F(RegistryCliTest, GatewaysListsEverySimulatedGatewayOnline) {
  CliRun run = backend_->Run("gateways");
  ASSERT_EQ(run.code, 0) << run.output;
  std::vector<std::string> lines = run.ResultLines();
  ASSERT_EQ(lines.size(), 3u) << run.output;
  EXPECT_EQ(Words(lines[0]), (std::vector<std::string>{"GATEWAY", "STATE", "MODEL", "VERSION",
                                                       "SINKS", "LAST", "SEEN", "FEATURES"}));
  for (int i = 0; i < 2; ++i) {
    const std::vector<std::string> words = Words(lines[static_cast<size_t>(i) + 1]);
    ASSERT_GE(words.size(), 9u) << lines[i + 1];
    EXPECT_EQ(words[0], sim_->gateway_id(i));  // sorted by id
    EXPECT_EQ(words[1], "ONLINE");
    EXPECT_EQ(words[2], "wm-gateway-sim");
    EXPECT_EQ(words[4], "2");  // sinks
    EXPECT_EQ(words[6], "ago") << lines[i + 1];
    EXPECT_TRUE(absl::StrContains(words[8], "SCRATCHPAD_CHUNK_V1")) << lines[i + 1];
  }

  CliRun json = backend_->Run("gateways", {"--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  std::vector<google::protobuf::Struct> gateways = json.JsonLines();
  ASSERT_EQ(gateways.size(), 2u) << json.output;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Field(gateways[i], "id").string_value(), sim_->gateway_id(i));
    EXPECT_EQ(Field(gateways[i], "state").string_value(), "GATEWAY_STATE_ONLINE");
    EXPECT_EQ(Field(gateways[i], "sink_ids").list_value().values_size(), 2);
  }

  CliRun offline = backend_->Run("gateways", {"--state=offline"});
  ASSERT_EQ(offline.code, 0) << offline.output;
  EXPECT_TRUE(offline.Rows().empty()) << offline.output;
}

TEST_F(RegistryCliTest, GatewayShowsItsSinksConfiguration) {
  const std::string id = sim_->gateway_id(1);
  CliRun run = backend_->Run("gateway", {"--gateway=" + id});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "gateway               " + id + "\n")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "state                 ONLINE since ")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "model                 wm-gateway-sim\n"))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "sinks                 2: sink0, sink1\n"))
      << run.output;
  for (int s = 0; s < 2; ++s) {
    const gateway_sim::SimSink& sink = sim_->sink(1, s);
    SCOPED_TRACE(sink.id);
    const size_t at = run.output.find("\nsink " + id + "/" + sink.id + "\n");
    ASSERT_NE(at, std::string::npos) << run.output;
    const std::string section = run.output.substr(at);
    EXPECT_TRUE(absl::StrContains(section, absl::StrFormat("  node address          %u (0x%06x)\n",
                                                           sink.node_address, sink.node_address)))
        << section;
    EXPECT_TRUE(
        absl::StrContains(section, absl::StrCat("  network address       ", kNetworkText, "\n")))
        << section;
    EXPECT_TRUE(
        absl::StrContains(section, absl::StrCat("  channel               ", sink.network_channel)))
        << section;
    EXPECT_TRUE(absl::StrContains(section, "  role                  sink\n")) << section;
    EXPECT_TRUE(absl::StrContains(section, "  stack started         yes\n")) << section;
    EXPECT_TRUE(
        absl::StrContains(section, "  app config            seq 1, diag 60 s, 80 bytes: f67e00"))
        << section;
    EXPECT_TRUE(
        absl::StrContains(section, "  firmware              " + FirmwareText(sink.firmware)))
        << section;
    EXPECT_TRUE(absl::StrContains(section, "  nodes heard           3\n")) << section;
  }

  CliRun json = backend_->Run("gateway", {"--gateway=" + id, "--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  std::vector<google::protobuf::Struct> objects = json.JsonLines();
  ASSERT_EQ(objects.size(), 1u) << json.output;
  EXPECT_EQ(Field(Field(objects[0], "gateway").struct_value(), "id").string_value(), id);
  const auto& sinks = Field(objects[0], "sinks").list_value();
  ASSERT_EQ(sinks.values_size(), 2) << json.output;
  const google::protobuf::Struct& config =
      Field(sinks.values(0).struct_value(), "config").struct_value();
  EXPECT_EQ(Field(config, "node_address").number_value(), sim_->sink(1, 0).node_address);
}

TEST_F(RegistryCliTest, SinksListsEachSinkWithItsAddresses) {
  CliRun run = backend_->Run("sinks");
  ASSERT_EQ(run.code, 0) << run.output;
  std::vector<std::string> rows = run.Rows();
  ASSERT_EQ(rows.size(), 4u) << run.output;
  size_t row = 0;
  for (int g = 0; g < 2; ++g) {
    for (int s = 0; s < 2; ++s, ++row) {
      const gateway_sim::SimSink& sink = sim_->sink(g, s);
      const std::vector<std::string> words = Words(rows[row]);
      ASSERT_EQ(words.size(), 11u) << rows[row];
      EXPECT_EQ(words[0], sim_->gateway_id(g));
      EXPECT_EQ(words[1], sink.id);
      EXPECT_EQ(words[2], absl::StrCat(sink.node_address));
      EXPECT_EQ(words[3], "1193046");
      EXPECT_EQ(words[4], "(0x123456)");
      EXPECT_EQ(words[5], absl::StrCat(sink.network_channel));
      EXPECT_EQ(words[6], "sink");
      EXPECT_EQ(words[7], "yes");  // started
      EXPECT_EQ(words[8], "1");    // app config sequence
      EXPECT_EQ(words[9], "60");   // diagnostics interval
      EXPECT_EQ(words[10], "3");   // nodes heard through it
    }
  }

  CliRun one = backend_->Run("sinks", {"--gateway=" + sim_->gateway_id(1), "--json"});
  ASSERT_EQ(one.code, 0) << one.output;
  std::vector<google::protobuf::Struct> sinks = one.JsonLines();
  ASSERT_EQ(sinks.size(), 2u) << one.output;
  for (int s = 0; s < 2; ++s) {
    EXPECT_EQ(Field(sinks[s], "gateway_id").string_value(), sim_->gateway_id(1));
    EXPECT_EQ(Field(sinks[s], "sink_id").string_value(), sim_->sink(1, s).id);
  }
  CliRun other_network = backend_->Run("sinks", {"--network=0x654321"});
  ASSERT_EQ(other_network.code, 0) << other_network.output;
  EXPECT_TRUE(other_network.Rows().empty()) << other_network.output;
}

TEST_F(RegistryCliTest, NetworksCountsGatewaysSinksAndNodes) {
  CliRun run = backend_->Run("networks");
  ASSERT_EQ(run.code, 0) << run.output;
  std::vector<std::string> rows = run.Rows();
  ASSERT_EQ(rows.size(), 1u) << run.output;
  EXPECT_EQ(Words(rows[0]),
            (std::vector<std::string>{"1193046", "(0x123456)", "2", "4",
                                      absl::StrCat(sim_->topology().NodeCount()), "0"}));

  CliRun json = backend_->Run("networks", {"--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  std::vector<google::protobuf::Struct> networks = json.JsonLines();
  ASSERT_EQ(networks.size(), 1u) << json.output;
  EXPECT_EQ(Uint64Field(networks[0], "address"), kNetwork);
  EXPECT_EQ(Field(networks[0], "node_count").number_value(), sim_->topology().NodeCount());
}

TEST_F(RegistryCliTest, NodesListsTheSimulatedTopologyOverSeveralPages) {
  const std::map<uint32_t, SimNodeAt> expected = NodesOf(*sim_);
  CliRun run = backend_->Run("nodes", {"--page_size=5"});  // 12 nodes: three pages
  ASSERT_EQ(run.code, 0) << run.output;
  std::vector<std::string> lines = run.ResultLines();
  ASSERT_EQ(lines.size(), expected.size() + 2) << run.output;  // header, nodes, footer
  EXPECT_EQ(lines.back(), absl::StrCat(expected.size(), " nodes (0 stale)"));
  std::set<uint32_t> listed;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::vector<std::string> words = Words(lines[i]);
    ASSERT_GE(words.size(), 14u) << lines[i];
    uint32_t address = 0;
    ASSERT_TRUE(absl::SimpleAtoi(words[0], &address)) << lines[i];
    auto it = expected.find(address);
    ASSERT_NE(it, expected.end()) << "not a simulated node: " << lines[i];
    listed.insert(address);
    const SimNodeAt& sim_node = it->second;
    EXPECT_EQ(words[1], "1193046") << lines[i];
    EXPECT_EQ(words[2], sim_node.gateway_id + "/" + sim_node.sink_id) << lines[i];
    EXPECT_EQ(words[4], "ago") << lines[i];
    EXPECT_EQ(words[6], absl::StrCat(sim_node.node.hop_count)) << lines[i];
    EXPECT_EQ(words[8], RoleText(sim_node.node.role)) << lines[i];
    EXPECT_EQ(words.back(), "no") << lines[i];  // not stale
  }
  EXPECT_EQ(listed.size(), expected.size()) << run.output;

  // One sink of one gateway, as JSON.
  const std::string gateway = sim_->gateway_id(1);
  const std::string sink = sim_->sink(1, 1).id;
  CliRun one_sink = backend_->Run("nodes", {"--gateway=" + gateway, "--sink=" + sink, "--json"});
  ASSERT_EQ(one_sink.code, 0) << one_sink.output;
  std::set<uint32_t> sink_nodes;
  for (const google::protobuf::Struct& node : one_sink.JsonLines()) {
    EXPECT_EQ(Field(node, "gateway_id").string_value(), gateway);
    EXPECT_EQ(Field(node, "sink_id").string_value(), sink);
    EXPECT_EQ(Uint64Field(node, "network_address"), kNetwork);
    sink_nodes.insert(static_cast<uint32_t>(Field(node, "address").number_value()));
  }
  std::set<uint32_t> expected_sink_nodes;
  for (const gateway_sim::SimNode& node : sim_->sink(1, 1).nodes) {
    expected_sink_nodes.insert(node.address);
  }
  EXPECT_EQ(sink_nodes, expected_sink_nodes) << one_sink.output;
}

TEST_F(RegistryCliTest, NodesFiltersAndLimit) {
  const size_t total = sim_->topology().NodeCount();
  CliRun limited = backend_->Run("nodes", {"--network=0x123456", "--limit=4", "--page_size=3"});
  ASSERT_EQ(limited.code, 0) << limited.output;
  std::vector<std::string> lines = limited.ResultLines();
  ASSERT_EQ(lines.size(), 6u) << limited.output;
  EXPECT_EQ(lines.back(), "4 nodes (0 stale), more not listed (--limit=4)");

  CliRun all_limited = backend_->Run("nodes", {"--limit=" + std::to_string(total)});
  ASSERT_EQ(all_limited.code, 0) << all_limited.output;
  EXPECT_EQ(all_limited.ResultLines().back(), absl::StrCat(total, " nodes (0 stale)"));

  CliRun fresh = backend_->Run("nodes", {"--fresh", "--json"});
  ASSERT_EQ(fresh.code, 0) << fresh.output;
  EXPECT_EQ(fresh.JsonLines().size(), total) << fresh.output;

  CliRun stale = backend_->Run("nodes", {"--stale"});
  ASSERT_EQ(stale.code, 0) << stale.output;
  EXPECT_EQ(stale.ResultLines().back(), "0 nodes (0 stale)") << stale.output;

  CliRun gateway = backend_->Run("nodes", {"--gateway=" + sim_->gateway_id(0), "--json"});
  ASSERT_EQ(gateway.code, 0) << gateway.output;
  std::vector<google::protobuf::Struct> nodes = gateway.JsonLines();
  EXPECT_EQ(nodes.size(), total / 2) << gateway.output;
  for (const google::protobuf::Struct& node : nodes) {
    EXPECT_EQ(Field(node, "gateway_id").string_value(), sim_->gateway_id(0));
  }

  CliRun other_network = backend_->Run("nodes", {"--network=99"});
  ASSERT_EQ(other_network.code, 0) << other_network.output;
  EXPECT_EQ(other_network.ResultLines().back(), "0 nodes (0 stale)");
}

TEST_F(RegistryCliTest, NodeShowsOneNodeInDetail) {
  const gateway_sim::SimNode& node = sim_->sink(0, 1).nodes.at(2);
  CliRun run = backend_->Run("node", {"--node=" + std::to_string(node.address)});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, absl::StrFormat("node                  %u (0x%06x)\n",
                                                            node.address, node.address)))
      << run.output;
  EXPECT_TRUE(
      absl::StrContains(run.output, absl::StrCat("network               ", kNetworkText, "\n")))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "heard through         " + sim_->gateway_id(0) + "/" +
                                                sim_->sink(0, 1).id + "\n"))
      << run.output;
  EXPECT_TRUE(
      absl::StrContains(run.output, absl::StrCat("hop count             ", node.hop_count, "\n")))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "role                  " + RoleText(node.role) + " ("))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, " mV\n")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "stale                 no\n")) << run.output;

  CliRun json = backend_->Run(
      "node", {absl::StrFormat("--node=0x%x", node.address), "--network=1193046", "--json"});
  ASSERT_EQ(json.code, 0) << json.output;
  std::vector<google::protobuf::Struct> objects = json.JsonLines();
  ASSERT_EQ(objects.size(), 1u) << json.output;
  EXPECT_EQ(Field(objects[0], "address").number_value(), node.address);
  EXPECT_EQ(Field(objects[0], "gateway_id").string_value(), sim_->gateway_id(0));
  EXPECT_EQ(Field(objects[0], "hop_count").number_value(), node.hop_count);
}

TEST_F(RegistryCliTest, UnknownGatewayOrNodeExitsOne) {
  CliRun gateway = backend_->Run("gateway", {"--gateway=no-such-gateway"});
  EXPECT_EQ(gateway.code, 1) << gateway.output;
  EXPECT_TRUE(absl::StrContains(gateway.output,
                                "wm-gw-cli: gateway 'no-such-gateway' is not known to wm-registry"))
      << gateway.output;
  EXPECT_TRUE(gateway.ResultLines().empty()) << gateway.output;

  // An address no simulated node has (the simulator's are random 24-bit values from its seed).
  const std::map<uint32_t, SimNodeAt> nodes = NodesOf(*sim_);
  uint32_t unknown = 1;
  while (nodes.count(unknown) != 0) ++unknown;
  CliRun node = backend_->Run("node", {absl::StrCat("--node=", unknown)});
  EXPECT_EQ(node.code, 1) << node.output;
  EXPECT_TRUE(
      absl::StrContains(node.output, absl::StrCat("wm-gw-cli: node ", unknown, " was never heard")))
      << node.output;
  CliRun in_network =
      backend_->Run("node", {absl::StrCat("--node=", nodes.begin()->first), "--network=99"});
  EXPECT_EQ(in_network.code, 1) << in_network.output;
  EXPECT_TRUE(absl::StrContains(in_network.output, "in network 99")) << in_network.output;
}

TEST_F(RegistryCliTest, BadArgumentsExitTwoNamingTheFlag) {
  struct Case {
    std::string command;
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"gateways", {"--no_such_flag=1"}, "no_such_flag"},
      {"gateways", {"--state=sleeping"}, "state"},
      {"gateway", {}, "gateway: required"},
      {"nodes", {"--stale", "--fresh"}, "stale, fresh"},
      {"nodes", {"--network=abc"}, "network: 'abc'"},
      {"nodes", {"--limit=-1"}, "limit"},
      {"node", {}, "node: required"},
      {"node", {"--node=0xFFFFFFFF"}, "node: 0xFFFFFFFF is not a node address"},
      {"watch", {"--entities=gateway,robot"}, "entities: 'robot'"},
  };
  for (const Case& c : cases) {
    CliRun run = backend_->Run(c.command, c.args);
    EXPECT_EQ(run.code, 2) << c.command << " " << absl::StrJoin(c.args, " ") << "\n" << run.output;
    EXPECT_TRUE(absl::StrContains(run.output, "wm-gw-cli: ")) << run.output;
    EXPECT_TRUE(absl::StrContains(run.output, c.says)) << c.says << "\n" << run.output;
  }
}

TEST_F(RegistryCliTest, UnreachableRegistryExitsOneAfterAShortWait) {
  const std::string address = absl::StrCat("127.0.0.1:", wm::testing::FreeLoopbackPort());
  const absl::Time start = absl::Now();
  CliRun run = wm::testing::RunCli({"gateways", "--wm_registry=" + address});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
  EXPECT_TRUE(
      absl::StrContains(run.output, "wm-gw-cli: wm-registry at " + address + " is not reachable"))
      << run.output;
}

// --- Changes as they happen, staleness, and a registry restart ----------------------------

TEST(RegistryCliWatchTest, WatchPrintsWhatTheSimulatorChangesAndFollowsARestart) {
  auto backend = RegistryBackend::Start({"--node_stale_after_s=1"});
  ASSERT_TRUE(backend.ok()) << backend.status();
  RegistryBackend& b = **backend;

  // Both watches are in place before the simulator starts: nothing it causes is missed.
  std::unique_ptr<Subprocess> gateways = b.StartCli("watch", {"--entities=gateway", "--count=2"});
  std::unique_ptr<Subprocess> nodes =
      b.StartCli("watch", {"--entities=nodes", "--count=3", "--json"});
  ASSERT_TRUE(gateways != nullptr && nodes != nullptr);
  ASSERT_TRUE(gateways->WaitForOutput("wm-gw-cli: watching the changes", kTimeout).ok());
  ASSERT_TRUE(nodes->WaitForOutput("wm-gw-cli: watching the changes", kTimeout).ok());

  auto sim = b.StartSimulator("watch-gw-", 1);
  ASSERT_TRUE(sim.ok()) << sim.status();
  const std::string id = (*sim)->gateway_id(0);
  const std::map<uint32_t, SimNodeAt> expected = NodesOf(**sim);

  CliRun node_changes = FinishCli(*nodes);
  EXPECT_EQ(node_changes.code, 0) << node_changes.output;
  std::vector<google::protobuf::Struct> changes = node_changes.JsonLines();
  ASSERT_EQ(changes.size(), 3u) << node_changes.output;
  EXPECT_EQ(Field(changes[0], "kind").string_value(), "CHANGE_KIND_ADDED") << node_changes.output;
  for (const google::protobuf::Struct& change : changes) {
    const google::protobuf::Struct& node = Field(change, "node").struct_value();
    const uint32_t address = static_cast<uint32_t>(Field(node, "address").number_value());
    EXPECT_EQ(expected.count(address), 1u) << "not a simulated node: " << address;
    EXPECT_EQ(Field(node, "gateway_id").string_value(), id);
    EXPECT_GT(Uint64Field(change, "sequence"), 0u);
  }

  // A saved sequence: --resume_after shows exactly the changes after it, from the change log.
  CliRun resumed =
      b.Run("watch", {"--entities=nodes", "--json", "--count=2",
                      absl::StrCat("--resume_after=", Uint64Field(changes[0], "sequence"))});
  EXPECT_EQ(resumed.code, 0) << resumed.output;
  std::vector<google::protobuf::Struct> replayed = resumed.JsonLines();
  ASSERT_EQ(replayed.size(), 2u) << resumed.output;
  EXPECT_EQ(Uint64Field(replayed[0], "sequence"), Uint64Field(changes[1], "sequence"));
  EXPECT_EQ(Uint64Field(replayed[1], "sequence"), Uint64Field(changes[2], "sequence"));
  CliRun bad = b.Run("watch", {"--resume_after=-2"});
  EXPECT_EQ(bad.code, 2) << bad.output;

  // Every node heard, then the simulator stops: its gateway goes OFFLINE, its nodes stale.
  ASSERT_TRUE(b.WaitForNodes([&](const std::vector<wm::v1::Node>& listed) {
    return AllNodesReported(**sim, listed);
  })) << b.Output();
  ASSERT_TRUE((*sim)->process().Signal(SIGTERM).ok());
  ASSERT_TRUE((*sim)->process().Wait(kTimeout).ok());

  CliRun gateway_changes = FinishCli(*gateways);
  EXPECT_EQ(gateway_changes.code, 0) << gateway_changes.output;
  std::vector<std::string> lines = gateway_changes.ResultLines();
  ASSERT_EQ(lines.size(), 2u) << gateway_changes.output;
  EXPECT_TRUE(
      absl::StrContains(lines[0], " added   gateway " + id + " ONLINE model=wm-gateway-sim"))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[1], " updated gateway " + id + " OFFLINE")) << lines[1];

  ASSERT_TRUE(b.WaitForNodes([&](const std::vector<wm::v1::Node>& listed) {
    return listed.size() == expected.size() &&
           std::all_of(listed.begin(), listed.end(),
                       [](const wm::v1::Node& node) { return node.stale(); });
  })) << b.Output();
  CliRun stale = b.Run("nodes", {"--stale"});
  ASSERT_EQ(stale.code, 0) << stale.output;
  EXPECT_EQ(stale.ResultLines().back(),
            absl::StrCat(expected.size(), " nodes (", expected.size(), " stale)"));
  for (const std::string& row : stale.Rows()) {
    if (absl::StrContains(row, " nodes (")) continue;  // the footer
    EXPECT_EQ(Words(row).back(), "yes") << row;
  }
  CliRun fresh = b.Run("nodes", {"--fresh"});
  ASSERT_EQ(fresh.code, 0) << fresh.output;
  EXPECT_EQ(fresh.ResultLines().back(), "0 nodes (0 stale)");
  CliRun networks = b.Run("networks");
  ASSERT_EQ(networks.code, 0) << networks.output;
  ASSERT_EQ(networks.Rows().size(), 1u) << networks.output;
  EXPECT_EQ(Words(networks.Rows()[0]).back(), absl::StrCat(expected.size()));  // stale count
  CliRun gateway_list = b.Run("gateways");
  ASSERT_EQ(gateway_list.code, 0) << gateway_list.output;
  ASSERT_EQ(gateway_list.Rows().size(), 1u) << gateway_list.output;
  EXPECT_EQ(Words(gateway_list.Rows()[0])[1], "OFFLINE") << gateway_list.output;

  // The registry restarts under a running watch: it reconnects and shows the next change.
  std::unique_ptr<Subprocess> watch = b.StartCli("watch", {"--entities=gateway", "--count=1"});
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(watch->WaitForOutput("wm-gw-cli: watching the changes", kTimeout).ok());
  EXPECT_EQ(b.StopRegistry(), 0);
  ASSERT_TRUE(watch->WaitForOutput("reconnecting", kTimeout).ok()) << watch->Output();
  ASSERT_TRUE(b.StartRegistry().ok()) << b.Output();
  ASSERT_TRUE(watch->WaitForOutput("wm-gw-cli: watching again", kTimeout).ok()) << watch->Output();
  auto again = b.StartSimulator("watch-gw-", 1);
  ASSERT_TRUE(again.ok()) << again.status();
  CliRun after_restart = FinishCli(*watch);
  EXPECT_EQ(after_restart.code, 0) << after_restart.output;
  // It resumed after the position it had (the registry's change_sequence when it started): of
  // the run before the restart, so the registry says changes may be lost, then the next change.
  std::vector<std::string> restarted = after_restart.ResultLines();
  ASSERT_EQ(restarted.size(), 2u) << after_restart.output;
  EXPECT_TRUE(absl::StrContains(restarted[0], "gap: changes lost (how many is unknown"))
      << restarted[0];
  EXPECT_TRUE(absl::StrContains(restarted[1], " updated gateway " + id + " ONLINE"))
      << restarted[1];
}

// A watch that falls behind does not print the registry's slow-client gap: it resumes after
// the last change it printed and the change log fills the gap. With a queue of one change per
// watch, a replay of the whole site overflows it again and again; every change is still
// printed once, in order.
TEST(RegistryCliWatchTest, AWatchThatFallsBehindFillsTheGapFromTheChangeLog) {
  auto backend = RegistryBackend::Start({"--watch_queue_size=1"});
  ASSERT_TRUE(backend.ok()) << backend.status();
  RegistryBackend& b = **backend;
  std::unique_ptr<Subprocess> first = b.StartCli("watch", {"--json", "--count=1"});
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->WaitForOutput("wm-gw-cli: watching the changes", kTimeout).ok());
  auto sim = b.StartSimulator("behind-gw-", 1);
  ASSERT_TRUE(sim.ok()) << sim.status();
  CliRun first_run = FinishCli(*first);
  ASSERT_EQ(first_run.code, 0) << first_run.output;
  ASSERT_EQ(first_run.JsonLines().size(), 1u) << first_run.output;
  const uint64_t start = Uint64Field(first_run.JsonLines()[0], "sequence") - 1;
  const std::map<uint32_t, SimNodeAt> expected = NodesOf(**sim);
  ASSERT_TRUE(b.WaitForNodes([&](const std::vector<wm::v1::Node>& listed) {
    return AllNodesReported(**sim, listed);
  })) << b.Output();
  // Gateway, sink and one change per node at least.
  const uint64_t count = 2 + expected.size();
  CliRun run = b.Run(
      "watch", {"--json", absl::StrCat("--count=", count), absl::StrCat("--resume_after=", start)});
  EXPECT_EQ(run.code, 0) << run.output;
  std::vector<google::protobuf::Struct> changes = run.JsonLines();
  ASSERT_EQ(changes.size(), count) << run.output;
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(Uint64Field(changes[i], "sequence"), start + 1 + i) << run.output;
  }
  EXPECT_TRUE(absl::StrContains(run.output, "wm-gw-cli: fell behind")) << run.output;
}

TEST(RegistryCliWatchTest, DurationEndsAQuietWatch) {
  auto backend = RegistryBackend::Start({});
  ASSERT_TRUE(backend.ok()) << backend.status();
  const absl::Time start = absl::Now();
  CliRun run = (*backend)->Run("watch", {"--duration_s=1"});
  EXPECT_EQ(run.code, 0) << run.output;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_TRUE(run.ResultLines().empty()) << run.output;
}

}  // namespace
}  // namespace wm::gw_cli
