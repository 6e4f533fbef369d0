// The metric contract (docs/gateway-api.md "Metric names") checked against the real
// binaries: mosquitto, wm-gateway-sim, wm-ingest, wm-registry and wm-command run with a little
// traffic and one command; then every service's /metrics must pass `promtool check metrics`,
// carry wm_build_info, and hold every metric that deploy/prometheus/wm-backend-rules.yml and
// deploy/grafana/wm-backend.json read, so that renaming a metric breaks this test rather than
// a platform team's alerts.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/testing/files.h"
#include "libs/testing/ports.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/deploy/metric_references.h"
#include "tests/harness/metrics_text.h"
#include "tests/harness/service_process.h"

namespace wm::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr char kRulesFile[] = "deploy/prometheus/wm-backend-rules.yml";
constexpr char kDashboardFile[] = "deploy/grafana/wm-backend.json";
constexpr char kNoPromtool[] =
    "promtool not found (Debian package `prometheus`); run scripts/bootstrap.sh";

// promtool from PATH, else Debian's /usr/bin/promtool.
std::optional<std::string> FindPromtool() {
  const char* path = std::getenv("PATH");
  std::vector<std::string> dirs =
      absl::StrSplit(path != nullptr ? path : "", ':', absl::SkipEmpty());
  dirs.push_back("/usr/bin");
  for (const std::string& dir : dirs) {
    const std::string candidate = dir + "/promtool";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs `promtool check metrics` on `text` (as a scrape would give it): its exit code and
// what it printed, empty when it found no problem.
absl::StatusOr<CommandResult> PromtoolCheckMetrics(const std::string& promtool,
                                                   const std::string& text,
                                                   const std::string& name) {
  const std::string input = absl::StrCat(TestTmpDir(), "/", name, ".metrics.txt");
  if (absl::Status s = WriteFile(input, text); !s.ok()) return s;
  const std::string command = absl::StrCat("'", promtool, "' check metrics < '", input, "' 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed: " + command);
  CommandResult result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// GET /metrics of the simulator, started by CommandStack rather than as a ServiceProcess.
absl::StatusOr<std::string> ScrapeSimulator(int http_port) {
  const absl::Time deadline = absl::Now() + kTimeout;
  while (absl::Now() < deadline) {
    httplib::Client client("127.0.0.1", http_port);
    client.set_connection_timeout(1);
    client.set_read_timeout(5);
    auto response = client.Get("/metrics");
    if (response && response->status == 200) return response->body;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError("wm-gateway-sim's /metrics did not answer");
}

// The stack, started once for every test of the suite.
struct RunningStack {
  std::unique_ptr<CommandStack> stack;
  std::unique_ptr<ServiceProcess> ingest;
  std::unique_ptr<ServiceProcess> registry;
  // Service name (as in wm_build_info) -> the text of its /metrics after the traffic.
  std::map<std::string, std::string> scraped;

  ~RunningStack() {
    // Consumers first, the broker (in `stack`) last.
    registry.reset();
    ingest.reset();
    stack.reset();
  }

  std::string Output() {
    std::string out = stack != nullptr ? stack->Output() : "";
    if (ingest != nullptr) absl::StrAppend(&out, "\n--- wm-ingest\n", ingest->process().Output());
    if (registry != nullptr) {
      absl::StrAppend(&out, "\n--- wm-registry\n", registry->process().Output());
    }
    return out;
  }

  absl::Status Start() {
    auto command_stack = CommandStack::Start();
    if (!command_stack.ok()) return command_stack.status();
    stack = *std::move(command_stack);
    const std::string mqtt_port = std::to_string(stack->broker().port());

    auto ingest_process = ServiceProcess::Start(
        "services/ingest/wm-ingest",
        {"--mqtt_hostname=127.0.0.1", "--mqtt_port=" + mqtt_port, "--mqtt_force_unsecure"});
    if (!ingest_process.ok()) return ingest_process.status();
    ingest = *std::move(ingest_process);
    if (absl::Status s = ingest->WaitReady(kTimeout); !s.ok()) return s;

    auto registry_process =
        ServiceProcess::Start("services/registry/wm-registry",
                              {"--wm_ingest=" + ingest->grpc_address(),
                               "--registry_db=" + TestTmpDir() + "/metrics_contract_registry.db"});
    if (!registry_process.ok()) return registry_process.status();
    registry = *std::move(registry_process);
    if (absl::Status s = registry->WaitReady(kTimeout); !s.ok()) return s;

    const int sim_http_port = FreeLoopbackPort();
    auto sim =
        stack->StartSimulator({.gateway_id_prefix = "mc-gw-",
                               .gateways = 1,
                               .sinks_per_gateway = 1,
                               .nodes_per_sink = 3,
                               .extra_args = {"--rate=100", "--count=0", "--http_host=127.0.0.1",
                                              absl::StrCat("--http_port=", sim_http_port)}});
    if (!sim.ok()) return sim.status();

    // A little traffic through ingest into the registry and its store.
    if (absl::Status s =
            registry->WaitForMetric("wm_registry_events_total", "kind=\"packet\"", 20, kTimeout);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            registry->WaitForMetric("wm_registry_store_flush_seconds_count", "", 1, kTimeout);
        !s.ok()) {
      return s;
    }

    // One command through wm-command to the simulated gateway and back.
    wm::v1::GetConfigsRequest request;
    request.set_gateway_id((*sim)->gateway_id(0));
    wm::v1::GetConfigsResponse response;
    grpc::Status status = stack->commands().GetConfigs(CallContext().get(), request, &response);
    if (!status.ok()) return absl::UnavailableError("GetConfigs: " + status.error_message());
    if (absl::Status s = stack->command().WaitForMetric(
            "wm_command_requests_total", "method=\"GetConfigs\",result=\"ok\"", 1, kTimeout);
        !s.ok()) {
      return s;
    }

    for (auto [name, service] :
         std::map<std::string, ServiceProcess*>{{"wm-ingest", ingest.get()},
                                                {"wm-registry", registry.get()},
                                                {"wm-command", &stack->command()}}) {
      absl::StatusOr<std::string> text = service->ScrapeMetrics();
      if (!text.ok()) return text.status();
      scraped[name] = *std::move(text);
    }
    absl::StatusOr<std::string> sim_text = ScrapeSimulator(sim_http_port);
    if (!sim_text.ok()) return sim_text.status();
    scraped["wm-gateway-sim"] = *std::move(sim_text);
    return absl::OkStatus();
  }
};

// Names and label sets of every service's samples together.
ExposedSamples AllSamples(const std::map<std::string, std::string>& scraped) {
  ExposedSamples all;
  for (const auto& [service, text] : scraped) {
    for (auto& [name, label_sets] : ParseExposition(text)) {
      auto& into = all[name];
      into.insert(into.end(), label_sets.begin(), label_sets.end());
    }
  }
  return all;
}

// What `expressions` read that no service exports: one line per metric or label value.
std::vector<std::string> MissingReferences(const std::vector<std::string>& expressions,
                                           const ExposedSamples& samples) {
  std::set<std::string> missing;
  for (const std::string& expr : expressions) {
    for (const MetricReference& reference : NamesInExpression(expr).metrics) {
      auto found = samples.find(reference.name);
      if (found == samples.end()) {
        missing.insert(reference.name);
        continue;
      }
      for (const auto& [label, value] : reference.equal_labels) {
        bool seen = false;
        for (const auto& labels : found->second) {
          auto it = labels.find(label);
          seen = seen || (it != labels.end() && it->second == value);
        }
        if (!seen) missing.insert(absl::StrCat(reference.name, "{", label, "=\"", value, "\"}"));
      }
    }
  }
  return {missing.begin(), missing.end()};
}

class MetricsContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    running_ = new RunningStack();
    start_status_ = new absl::Status(running_->Start());
    if (!start_status_->ok()) {
      *start_status_ = absl::Status(
          start_status_->code(), absl::StrCat(start_status_->message(), "\n", running_->Output()));
    }
  }

  static void TearDownTestSuite() {
    delete running_;
    running_ = nullptr;
    delete start_status_;
    start_status_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(start_status_->ok()) << *start_status_; }

  static const std::map<std::string, std::string>& Scraped() { return running_->scraped; }

  static RunningStack* running_;
  static absl::Status* start_status_;
};

RunningStack* MetricsContractTest::running_ = nullptr;
absl::Status* MetricsContractTest::start_status_ = nullptr;

TEST_F(MetricsContractTest, EveryServiceIsScraped) {
  std::vector<std::string> services;
  for (const auto& [service, text] : Scraped()) services.push_back(service);
  EXPECT_EQ(absl::StrJoin(services, ","), "wm-command,wm-gateway-sim,wm-ingest,wm-registry");
}

TEST_F(MetricsContractTest, PromtoolFindsNoProblemInAnyServicesMetrics) {
  const std::optional<std::string> promtool = FindPromtool();
  ASSERT_TRUE(promtool.has_value()) << kNoPromtool;
  for (const auto& [service, text] : Scraped()) {
    absl::StatusOr<CommandResult> result = PromtoolCheckMetrics(*promtool, text, service);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->exit_code, 0) << service << ": promtool check metrics says:\n"
                                    << result->output;
    EXPECT_EQ(result->output, "") << service << ": promtool check metrics says:\n"
                                  << result->output;
  }
}

// The promtool check of the services must be able to fail: a counter without _total is a
// problem to it.
TEST(PromtoolTest, CatchesABadlyNamedCounter) {
  const std::optional<std::string> promtool = FindPromtool();
  ASSERT_TRUE(promtool.has_value()) << kNoPromtool;
  absl::StatusOr<CommandResult> result = PromtoolCheckMetrics(
      *promtool,
      "# HELP wm_bad_messages Messages.\n# TYPE wm_bad_messages counter\nwm_bad_messages 1\n",
      "bad_counter");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NE(result->exit_code, 0);
  EXPECT_NE(result->output.find("_total"), std::string::npos) << result->output;
}

TEST_F(MetricsContractTest, EveryServiceExportsBuildInfo) {
  for (const auto& [service, text] : Scraped()) {
    const ExposedSamples samples = ParseExposition(text);
    auto build_info = samples.find("wm_build_info");
    ASSERT_NE(build_info, samples.end()) << service << " has no wm_build_info:\n" << text;
    ASSERT_EQ(build_info->second.size(), 1u) << text;
    const std::map<std::string, std::string>& labels = build_info->second[0];
    EXPECT_EQ(labels.size(), 2u) << "labels: service and version only";
    ASSERT_EQ(labels.count("service"), 1u);
    ASSERT_EQ(labels.count("version"), 1u);
    EXPECT_EQ(labels.at("service"), service);
    EXPECT_FALSE(labels.at("version").empty());
    EXPECT_EQ(MetricValue(
                  text, "wm_build_info",
                  absl::StrCat("service=\"", service, "\",version=\"", labels.at("version"), "\"")),
              1.0);
  }
}

TEST_F(MetricsContractTest, EveryMetricTheRulesReadIsExported) {
  absl::StatusOr<std::string> text = ReadFile(RunfilePath(kRulesFile));
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<RuleFile> rules = ParseRuleFile(*text);
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_GE(rules->expressions.size(), 10u);
  EXPECT_EQ(absl::StrJoin(MissingReferences(rules->expressions, AllSamples(Scraped())), "\n"), "")
      << "read by " << kRulesFile << " but exported by no service";
}

TEST_F(MetricsContractTest, EveryMetricTheDashboardReadsIsExported) {
  absl::StatusOr<std::string> text = ReadFile(RunfilePath(kDashboardFile));
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<std::vector<std::string>> expressions = DashboardExpressions(*text);
  ASSERT_TRUE(expressions.ok()) << expressions.status();
  ASSERT_GE(expressions->size(), 10u);
  EXPECT_EQ(absl::StrJoin(MissingReferences(*expressions, AllSamples(Scraped())), "\n"), "")
      << "read by " << kDashboardFile << " but exported by no service";
}

TEST_F(MetricsContractTest, NoLabelCarriesANodeAddress) {
  for (const auto& [service, text] : Scraped()) {
    for (const auto& [name, label_sets] : ParseExposition(text)) {
      for (const auto& labels : label_sets) {
        for (const auto& [label, value] : labels) {
          EXPECT_FALSE(absl::StrContains(label, "node") || absl::StrContains(label, "address") ||
                       label == "src" || label == "dst")
              << service << ": " << name << " has label " << label;
          // Node addresses are numbers; bucket bounds are the one numeric label.
          const bool numeric =
              !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
                return absl::ascii_isdigit(static_cast<unsigned char>(c));
              });
          EXPECT_FALSE(numeric && label != "le")
              << service << ": " << name << "{" << label << "=\"" << value << "\"}";
        }
      }
    }
  }
}

// Needs no stack: the series the alerts and the dashboard read by a recorded name are ones
// the rules file records.
TEST(DeployFilesTest, EveryRecordedSeriesReadIsRecorded) {
  absl::StatusOr<std::string> rules_text = ReadFile(RunfilePath(kRulesFile));
  ASSERT_TRUE(rules_text.ok()) << rules_text.status();
  absl::StatusOr<RuleFile> rules = ParseRuleFile(*rules_text);
  ASSERT_TRUE(rules.ok()) << rules.status();
  absl::StatusOr<std::string> dashboard_text = ReadFile(RunfilePath(kDashboardFile));
  ASSERT_TRUE(dashboard_text.ok()) << dashboard_text.status();
  absl::StatusOr<std::vector<std::string>> dashboard = DashboardExpressions(*dashboard_text);
  ASSERT_TRUE(dashboard.ok()) << dashboard.status();

  std::vector<std::string> expressions = rules->expressions;
  expressions.insert(expressions.end(), dashboard->begin(), dashboard->end());
  for (const std::string& expr : expressions) {
    for (const std::string& recorded : NamesInExpression(expr).recorded) {
      EXPECT_EQ(rules->records.count(recorded), 1u) << recorded << " is not recorded; read by:\n"
                                                    << expr;
    }
  }
}

}  // namespace
}  // namespace wm::testing
