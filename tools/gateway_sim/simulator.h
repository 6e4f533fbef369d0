#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/mqtt/client.h"
#include "libs/observability/logging.h"
#include "libs/observability/readiness.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "tools/gateway_sim/gateway_status.h"
#include "tools/gateway_sim/pacer.h"
#include "tools/gateway_sim/provisioning_node.h"
#include "tools/gateway_sim/request_router.h"
#include "tools/gateway_sim/response_policy.h"
#include "tools/gateway_sim/sim_random.h"
#include "tools/gateway_sim/topology.h"
#include "tools/gateway_sim/traffic.h"

namespace wm::gateway_sim {

// Everything a simulator run needs.
struct SimulatorOptions {
  TopologyOptions topology;
  TrafficOptions traffic;
  // received_data messages per second over all gateways (unique, duplicates and garbage);
  // 0 = as fast as the broker takes them.
  double rate = 10;
  // On Stop, publish an empty retained status (gateway removed) instead of OFFLINE.
  bool clear_status_on_exit = false;
  // QoS 1 messages a gateway may have queued and not yet acknowledged; publishing pauses
  // while the window is full, so the broker's acknowledgements set the pace at rate 0.
  int publish_window = 1000;
  // Seed of the event ids; 0 = from the system's entropy (the default: runs never repeat
  // event ids a backend may have seen).
  uint64_t event_id_seed = 0;
  // Model, version, max_scratchpad_size and features every gateway advertises; the features
  // decide which requests it answers (see BuildGatewayRouter).
  GatewayIdentity identity;
  // Answers left out or sent late, to test backends' timeouts.
  ResponsePolicy responses;
  // When set, every scratchpad a sink stores through otap_load_scratchpad (whole, or the last
  // chunk of a chunked upload) is written to this path before the answer goes out, with
  // "{gw_id}" and "{sink_id}" replaced by the gateway's and the sink's ids; a clear empties the
  // file.
  std::string scratchpad_file;
  // When set, Create writes a provisioning config that authorises every joining node to this
  // path (see WriteProvisioningConfig in provisioning_config_file.h), with fresh network keys.
  std::string provisioning_config_out;
  // Broker connection shared by every gateway; each gateway sets its own client id (its
  // gateway id), last will and window.
  mqtt::MqttOptions mqtt;
};

// What a run has published so far.
struct SimulatorSummary {
  int64_t unique = 0;             // unique received_data packets
  int64_t duplicates = 0;         // re-published packets (same event_id)
  int64_t garbage = 0;            // undecodable received_data messages
  int64_t responses = 0;          // answers to requests
  int64_t statuses = 0;           // statuses published (ONLINE on connect and after a config
                                  // change, OFFLINE on stop)
  int64_t requests_ignored = 0;   // requests that got no answer (malformed, unknown method)
  int64_t responses_dropped = 0;  // answers left out by the response policy
  int64_t node_packets = 0;       // nodes' answers to MSAP requests (received_data 240->255)
                                  // and joining nodes' answers to DATA (246->255)
  // Joining nodes that accepted a DATA and answered DATA_ACK.
  int64_t provisioned = 0;
  // DATA frames joining nodes rejected with a NACK.
  int64_t provisioning_nacks_sent = 0;
  // Server NACKs that ended a joining node's session.
  int64_t provisioning_nacks_received = 0;
  // Provisioning downlinks that changed nothing (unknown node, another session, ...).
  int64_t provisioning_ignored = 0;
};

// G simulated gateways, each with its own MQTT connection (client id = gateway id):
// - a retained OFFLINE last will on gw-event/status/<gw> at QoS 2;
// - a retained ONLINE status at QoS 1 with every sink's configuration on every connect;
// - received_data traffic at QoS 1, paced at `rate`, until `count` unique packets;
// - answers to every request topic (QoS 2) as the reference gateway gives them, through the
//   router of BuildGatewayRouter over each gateway's GatewayState; after a request that changed
//   a sink's configuration, a new retained status and req_id 0 get_configs and set_config
//   responses; nodes' answers to MSAP requests, each published when its delay has passed;
//   answers dropped or delayed as options.responses says;
// - joining nodes that play the node side of provisioning: their STARTs (traffic) open
//   sessions, a provisioning server's DATA or NACK (send_data 255->246 to the node's address
//   on its sink) is answered DATA_ACK or NACK (received_data 246->255, timed like MSAP
//   answers), and a provisioned node sends no more START (see provisioning_node.h); counted in
//   wm_sim_nodes_provisioned_total and wm_sim_provisioning_*, one log line per node
//   provisioned, never a key;
// - no received_data from a sink whose stack a set_config stopped (the mesh cannot deliver
//   through it), until a set_config starts it again;
// - on Stop, OFFLINE (or an empty status) published by the gateway itself, then a clean
//   disconnect.
// A gateway's traffic starts once its ONLINE status is out on the current connection. Broker
// outages are the MQTT client's business (it reconnects forever); the simulator holds the next
// packet until its gateway is back, which holds up the other gateways' traffic too.
//
//   auto sim = Simulator::Create(options, registry.get(), &readiness);
//   (*sim)->Start();
//   termination->Wait();
//   (*sim)->Stop();
//   std::puts((*sim)->SummaryLine().c_str());
//
// One thread publishes everything: answers and statuses first, then traffic.
class Simulator {
 public:
  using Clock = base::Clock;

  // Builds the topology and one MQTT client per gateway (not connected yet). `registry`
  // (optional) receives the wm_sim_* metrics and the clients' wm_mqtt_* metrics labelled
  // gateway=<gw_id>; `readiness` (optional) gets one condition per gateway. Both must outlive
  // the simulator. `clock` stamps messages and paces traffic; it must advance like real time.
  // InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<Simulator>> Create(
      SimulatorOptions options, prometheus::Registry* registry = nullptr,
      observability::Readiness* readiness = nullptr, Clock clock = absl::Now);

  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;
  // Stops the simulator.
  ~Simulator();

  // Starts connecting every gateway and the publishing thread; returns at once.
  absl::Status Start();

  // Waits until every packet of a run with `count` has been handed to the MQTT clients
  // (never true for count 0); returns whether it happened within `timeout`.
  bool WaitUntilTrafficDone(absl::Duration timeout);

  // Stops traffic, publishes each connected gateway's OFFLINE (or empty) status and waits for
  // the broker's acknowledgement, then disconnects cleanly (for a gateway that is not
  // connected, the broker's last will says OFFLINE). Idempotent.
  void Stop();

  SimulatorSummary Summary() const;
  // "summary unique=.. duplicates=.. garbage=.. responses=.. statuses=.. requests_ignored=..
  // responses_dropped=.. node_packets=.. provisioned=.. provisioning_nacks_sent=..
  // provisioning_nacks_received=.. provisioning_ignored=.."
  std::string SummaryLine() const;

  const Topology& topology() const { return topology_; }

 private:
  struct Gateway {
    GatewayState state;
    std::unique_ptr<mqtt::MqttClient> client;
    // Connected and its ONLINE status published on this connection.
    std::atomic<bool> online{false};
  };
  // Work for the publishing thread that goes before traffic.
  struct ControlItem {
    size_t gateway;
    // Set: a request to answer; unset: publish the ONLINE status.
    std::optional<mqtt::MqttMessage> request;
  };
  // Publications that wait for their time: delayed answers and nodes' packets.
  struct DelayedWork {
    size_t gateway = 0;
    // Set: an answer to publish, then the announcement of the configuration change it made.
    std::optional<Response> answer;
    // Otherwise: a node's received_data packet.
    std::string topic;
    std::string payload;
  };
  struct Metrics;

  Simulator(SimulatorOptions options, Topology topology, prometheus::Registry* registry,
            observability::Readiness* readiness, Clock clock);
  absl::Status CreateClients();
  void PublishLoop();
  // Handles the queued control items, until none is left or the simulator stops.
  void DrainControl();
  void HandleControl(const ControlItem& item);
  void HandleRequest(size_t gateway, const mqtt::MqttMessage& request);
  // Publishes an answer, then announces the configuration change it made.
  void PublishAnswer(size_t gateway, const Response& response);
  // Publishes a new retained status and req_id 0 responses after `changed_sinks` changed.
  void AnnounceConfigChange(size_t gateway, const std::vector<std::string>& changed_sinks);
  // Counts and logs what joining nodes did with provisioning downlinks.
  void NoteProvisioning(size_t gateway, const std::vector<ProvisioningNodeEvent>& events);
  // Writes the stored scratchpads of `sinks` to options_.scratchpad_file.
  void WriteScratchpads(size_t gateway, const std::vector<std::string>& sinks);
  // Publishes the delayed work whose time has come.
  void PublishDueWork();
  // Publishes a control message, waiting while the gateway's window is full (up to a few
  // seconds); false when it could not be published.
  bool PublishControl(size_t gateway, std::string topic, std::string payload, int qos,
                      bool retained);
  // Publishes one traffic packet; false when stopping before it could be.
  bool PublishTraffic(const OutgoingPacket& packet);
  void Enqueue(ControlItem item);
  // Waits until `deadline` (or earlier delayed work), control work or stop; true when stopping.
  bool WaitFor(absl::Time deadline);
  bool HasWakeReason() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SimulatorOptions options_;
  const Topology topology_;
  prometheus::Registry* registry_;
  observability::Readiness* readiness_;
  Clock clock_;
  std::unique_ptr<Metrics> metrics_;
  RequestRouter router_;
  observability::RateLimitedLog ignored_log_{absl::Minutes(1)};
  // Provisioning NACKs and ignored downlinks come from outside: rate-limited per kind.
  observability::RateLimitedLog provisioning_log_{absl::Minutes(1)};
  std::vector<std::unique_ptr<Gateway>> gateways_;
  SimRandom status_ids_;
  SimRandom drop_random_;
  // Publishing thread only.
  std::multimap<absl::Time, DelayedWork> delayed_;
  std::unique_ptr<TrafficGenerator> traffic_;

  mutable absl::Mutex mu_;
  std::deque<ControlItem> control_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool traffic_done_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ = false;
  bool stopped_ = false;
  std::thread publisher_;

  std::atomic<int64_t> unique_{0};
  std::atomic<int64_t> duplicates_{0};
  std::atomic<int64_t> garbage_{0};
  std::atomic<int64_t> responses_{0};
  std::atomic<int64_t> statuses_{0};
  std::atomic<int64_t> requests_ignored_{0};
  std::atomic<int64_t> responses_dropped_{0};
  std::atomic<int64_t> node_packets_{0};
  std::atomic<int64_t> provisioned_{0};
  std::atomic<int64_t> provisioning_nacks_sent_{0};
  std::atomic<int64_t> provisioning_nacks_received_{0};
  std::atomic<int64_t> provisioning_ignored_{0};
};

}  // namespace wm::gateway_sim
