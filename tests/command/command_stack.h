#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tests/harness/service_process.h"
#include "tools/gateway_sim/broker_observer.h"
#include "tools/gateway_sim/topology.h"

namespace wm::testing {

// One wm-gateway-sim process to start: its gateways, their network and extra flags (answers
// dropped or delayed, features, max_scratchpad_size, scratchpad_file, ...). Gateway ids are
// <gateway_id_prefix>1, <gateway_id_prefix>2, ...: give each simulator of a test its own
// prefix. No traffic besides one packet: the gateways only answer requests.
struct SimulatorSpec {
  std::string gateway_id_prefix = "sim-gw-";
  int gateways = 1;
  int sinks_per_gateway = 2;
  int nodes_per_sink = 3;
  uint64_t seed = 1;
  std::vector<std::string> extra_args;
};

// A running wm-gateway-sim and the network it simulates: the same topology the simulator
// builds from the same options, so that a test knows every sink's and node's address and hop
// count without asking.
class SimulatedGateways {
 public:
  SimulatedGateways(SimulatorSpec spec, gateway_sim::Topology topology,
                    std::unique_ptr<Subprocess> process)
      : spec_(std::move(spec)), topology_(std::move(topology)), process_(std::move(process)) {}

  // Gateway `index` (from 0): "<prefix><index + 1>".
  std::string gateway_id(int index = 0) const;
  // Sink `sink` of gateway `gateway`, as the simulator runs it.
  const gateway_sim::SimSink& sink(int gateway, int sink) const;
  const gateway_sim::Topology& topology() const { return topology_; }
  const SimulatorSpec& spec() const { return spec_; }
  Subprocess& process() { return *process_; }

 private:
  SimulatorSpec spec_;
  gateway_sim::Topology topology_;
  std::unique_ptr<Subprocess> process_;
};

// The command path of the backend, for integration tests: a private mosquitto, the real
// wm-command, real wm-gateway-sim processes (StartSimulator), a backend's view of the broker
// that also records every request published to gateways (gw-request/#), and a
// wm.v1.Commands client.
//
//   auto stack = CommandStack::Start();
//   ASSERT_TRUE(stack.ok()) << stack.status();
//   auto sim = (*stack)->StartSimulator({});
//   ASSERT_TRUE(sim.ok()) << sim.status();
//   wm::v1::GetConfigsRequest request;
//   request.set_gateway_id((*sim)->gateway_id());
//   (*stack)->commands().GetConfigs(CallContext().get(), request, &response);
class CommandStack {
 public:
  // Starts the broker, the observer and wm-command (with `command_args` added), and waits
  // until wm-command is ready.
  static absl::StatusOr<std::unique_ptr<CommandStack>> Start(
      std::vector<std::string> command_args = {});

  // Starts a simulator on the broker and waits until each of its gateways' ONLINE status is
  // out and wm-command has handled it. The stack owns it.
  absl::StatusOr<SimulatedGateways*> StartSimulator(SimulatorSpec spec);

  // Waits until wm-command has handled every message the broker had queued for it when this
  // was called: a message wm-command cannot parse is published on a topic it subscribes to and
  // counted in wm_command_bad_messages_total, and the broker delivers a subscriber's messages in
  // the order it received them.
  absl::Status SyncWithCommand();

  // The requests published to `gateway_id` so far (parsed), in order; only those of `method`
  // when given.
  std::vector<wirepas::GenericMessage> RequestsTo(const std::string& gateway_id,
                                                  std::optional<wirepas::Method> method = {});
  // The topic and MQTT QoS of the request carrying `req_id`, once the observer has it.
  struct SeenRequest {
    std::string topic;
    int qos = 0;
    wirepas::GenericMessage message;
  };
  std::optional<SeenRequest> RequestWithId(uint64_t req_id);
  // Polls until the observer has the request carrying `req_id`.
  absl::StatusOr<SeenRequest> WaitForRequest(uint64_t req_id,
                                             absl::Duration timeout = absl::Seconds(20));

  wm::v1::Commands::Stub& commands() { return *commands_; }
  gateway_sim::BrokerObserver& observer() { return *observer_; }
  ServiceProcess& command() { return *command_; }
  MosquittoProcess& broker() { return *broker_; }
  // wm-command's output and every simulator's, for failure messages.
  std::string Output();

 private:
  CommandStack() = default;

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<gateway_sim::BrokerObserver> observer_;
  std::unique_ptr<ServiceProcess> command_;
  std::unique_ptr<wm::v1::Commands::Stub> commands_;
  std::vector<std::unique_ptr<SimulatedGateways>> simulators_;
};

// A client context whose deadline is `timeout` from now: a call that hangs fails the test
// instead of blocking it.
std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout = absl::Seconds(20));

}  // namespace wm::testing
