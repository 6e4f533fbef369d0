#include "tests/command/command_stack.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/testing/files.h"

namespace wm::testing {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;

constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr absl::Duration kPollInterval = absl::Milliseconds(5);
constexpr char kCommandBinary[] = "services/command/wm-command";
constexpr char kSimulatorBinary[] = "tools/gateway_sim/wm-gateway-sim";
// The network every simulator runs (the simulator's default, 0x123456).
constexpr uint64_t kNetworkAddress = 0x123456;
// A topic wm-command subscribes to (gw-response/#) for the barrier of SyncWithCommand, with a
// payload no protobuf parser accepts (a length-delimited field longer than the message).
constexpr char kBarrierTopic[] = "gw-response/get_configs/wm-test-barrier";
constexpr char kBarrierPayload[] = "\x0a\x7f";
constexpr char kBadMessages[] = "wm_command_bad_messages_total";

gateway_sim::TopologyOptions TopologyOf(const SimulatorSpec& spec) {
  gateway_sim::TopologyOptions options;
  options.gateways = spec.gateways;
  options.sinks_per_gateway = spec.sinks_per_gateway;
  options.nodes_per_sink = spec.nodes_per_sink;
  options.joining_nodes_per_sink = 0;
  options.gateway_id_prefix = spec.gateway_id_prefix;
  options.network_address = kNetworkAddress;
  options.network_per_gateway = false;
  options.seed = spec.seed;
  return options;
}

}  // namespace

std::string SimulatedGateways::gateway_id(int index) const {
  return topology_.gateways.at(static_cast<size_t>(index)).id;
}

const gateway_sim::SimSink& SimulatedGateways::sink(int gateway, int sink) const {
  return topology_.gateways.at(static_cast<size_t>(gateway)).sinks.at(static_cast<size_t>(sink));
}

absl::StatusOr<std::unique_ptr<CommandStack>> CommandStack::Start(
    std::vector<std::string> command_args) {
  std::unique_ptr<CommandStack> stack(new CommandStack());
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  if (!broker.ok()) return broker.status();
  stack->broker_ = *std::move(broker);

  stack->observer_ = std::make_unique<gateway_sim::BrokerObserver>(stack->broker_->port());
  if (!stack->observer_->subscribed()) {
    return absl::UnavailableError("the observer did not subscribe to the broker");
  }
  // Requests at QoS 2, as wm-command publishes them, so the observer sees their QoS.
  if (absl::Status s = stack->observer_->client().AddSubscription("gw-request/#", 2); !s.ok()) {
    return s;
  }
  if (!stack->observer_->client().WaitUntilSubscribed(kStartTimeout)) {
    return absl::UnavailableError("the observer did not subscribe to gw-request/#");
  }

  std::vector<std::string> args = {"--mqtt_hostname=127.0.0.1",
                                   absl::StrCat("--mqtt_port=", stack->broker_->port()),
                                   "--mqtt_force_unsecure"};
  args.insert(args.end(), command_args.begin(), command_args.end());
  absl::StatusOr<std::unique_ptr<ServiceProcess>> command =
      ServiceProcess::Start(kCommandBinary, args);
  if (!command.ok()) return command.status();
  stack->command_ = *std::move(command);
  if (absl::Status s = stack->command_->WaitReady(kStartTimeout); !s.ok()) return s;
  stack->commands_ = wm::v1::Commands::NewStub(
      grpc::CreateChannel(stack->command_->grpc_address(), grpc::InsecureChannelCredentials()));
  return stack;
}

absl::StatusOr<SimulatedGateways*> CommandStack::StartSimulator(SimulatorSpec spec) {
  const gateway_sim::TopologyOptions topology_options = TopologyOf(spec);
  absl::StatusOr<gateway_sim::Topology> topology = gateway_sim::BuildTopology(topology_options);
  if (!topology.ok()) return topology.status();
  std::vector<std::string> args = {
      "--mqtt_hostname=127.0.0.1",
      absl::StrCat("--mqtt_port=", broker_->port()),
      "--mqtt_force_unsecure",
      absl::StrCat("--gateway_id_prefix=", spec.gateway_id_prefix),
      absl::StrCat("--gateways=", spec.gateways),
      absl::StrCat("--sinks_per_gateway=", spec.sinks_per_gateway),
      absl::StrCat("--nodes_per_sink=", spec.nodes_per_sink),
      "--joining_nodes_per_sink=0",
      absl::StrCat("--network_address=", kNetworkAddress),
      absl::StrCat("--seed=", spec.seed),
      "--count=1",
      "--rate=0",
  };
  args.insert(args.end(), spec.extra_args.begin(), spec.extra_args.end());
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(RunfilePath(kSimulatorBinary), args);
  if (!process.ok()) return process.status();
  simulators_.push_back(std::make_unique<SimulatedGateways>(std::move(spec), *std::move(topology),
                                                            *std::move(process)));
  SimulatedGateways* sim = simulators_.back().get();

  const absl::Time deadline = absl::Now() + kStartTimeout;
  for (const gateway_sim::SimGateway& gateway : sim->topology().gateways) {
    while (!observer_->LatestStateIs(gateway.id, gwapi::ON)) {
      if (!sim->process().running()) {
        return absl::FailedPreconditionError("wm-gateway-sim exited:\n" + sim->process().Output());
      }
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat(gateway.id, " never went ONLINE:\n", sim->process().Output()));
      }
      absl::SleepFor(kPollInterval);
    }
  }
  if (absl::Status s = SyncWithCommand(); !s.ok()) return s;
  return sim;
}

absl::Status CommandStack::SyncWithCommand() {
  const std::optional<double> before = command_->Metric(kBadMessages);
  if (!before.has_value()) return absl::UnavailableError("wm-command's /metrics did not answer");
  if (absl::Status s = observer_->client().PublishAndWait(
          kBarrierTopic, std::string(kBarrierPayload, sizeof(kBarrierPayload) - 1), 1, false,
          kStartTimeout);
      !s.ok()) {
    return s;
  }
  return command_->WaitForMetric(kBadMessages, "", *before + 1, kStartTimeout);
}

std::vector<wirepas::GenericMessage> CommandStack::RequestsTo(
    const std::string& gateway_id, std::optional<wirepas::Method> method) {
  std::vector<wirepas::GenericMessage> requests;
  for (auto& [topic, message] : observer_->ParsedOn("gw-request/")) {
    absl::StatusOr<wirepas::Topic> parsed = wirepas::ParseTopic(topic);
    if (!parsed.ok() || parsed->gw_id != gateway_id) continue;
    if (method.has_value() && parsed->method != *method) continue;
    requests.push_back(std::move(message));
  }
  return requests;
}

std::optional<CommandStack::SeenRequest> CommandStack::RequestWithId(uint64_t req_id) {
  for (const mqtt::MqttMessage& m : observer_->Messages()) {
    if (m.topic().rfind("gw-request/", 0) != 0) continue;
    absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(m.payload());
    if (!parsed.ok()) continue;
    const gwapi::RequestHeader* header = wirepas::RequestHeaderOf(*parsed);
    if (header != nullptr && header->req_id() == req_id) {
      return SeenRequest{std::string(m.topic()), m.qos(), *std::move(parsed)};
    }
  }
  return std::nullopt;
}

absl::StatusOr<CommandStack::SeenRequest> CommandStack::WaitForRequest(uint64_t req_id,
                                                                       absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (std::optional<SeenRequest> seen = RequestWithId(req_id)) return *std::move(seen);
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("no request with req_id ", req_id, " was published"));
    }
    absl::SleepFor(kPollInterval);
  }
}

std::string CommandStack::Output() {
  std::string output = "--- wm-command ---\n" + command_->process().Output();
  for (const auto& sim : simulators_) {
    absl::StrAppend(&output, "--- wm-gateway-sim ", sim->spec().gateway_id_prefix, " ---\n",
                    sim->process().Output());
  }
  return output;
}

std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

}  // namespace wm::testing
