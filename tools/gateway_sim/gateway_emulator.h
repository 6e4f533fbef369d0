#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/mqtt/client.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/request_router.h"

namespace wm::gateway_sim {

// For tests of backends: one gateway on MQTT, in process, that answers requests exactly as a
// wm-gateway-sim gateway does (the router of BuildGatewayRouter over a GatewayState, nodes'
// MSAP answers published when their delay has passed, the announcement after a configuration
// change), with knobs a test turns per method: drop, hold, delay or override answers, and the
// record of every request received. See docs/reference-gateway.md "Test knobs".
//
//   auto gateway = GatewayEmulator::Start({.broker_port = broker->port(),
//                                          .state = testing::TestGatewayState()});
//   (*gateway)->DropNext(wirepas::Method::kSendData);
//   ...
//   EXPECT_EQ((*gateway)->RequestCount(wirepas::Method::kSendData), 1);
//
// Thread-safe. Requests are handled one at a time on the MQTT client's thread; delayed
// publications go out from the emulator's own thread.
class GatewayEmulator {
 public:
  struct Options {
    std::string broker_host = "127.0.0.1";
    int broker_port = 0;
    // The gateway as it starts: its id, identity (features decide which requests it answers)
    // and sinks. Tests may change it before Start (an app config sequence, a scratchpad).
    GatewayState state;
  };

  // Connects (last will: a retained OFFLINE status), subscribes to the request topics of the
  // router and publishes the retained ONLINE status. Unavailable when the broker does not take
  // the subscriptions or the status within 10 s.
  static absl::StatusOr<std::unique_ptr<GatewayEmulator>> Start(Options options);

  GatewayEmulator(const GatewayEmulator&) = delete;
  GatewayEmulator& operator=(const GatewayEmulator&) = delete;
  // Disconnects cleanly; the status stays as last published, held and delayed answers are lost.
  ~GatewayEmulator();

  // The answers to the next `count` requests of `method` are not published (the requests are
  // recorded and take effect, as when an answer is lost on the way).
  void DropNext(wirepas::Method method, int count = 1);
  // Answers to `method` are kept instead of published, until ReleaseHeld.
  void Hold(wirepas::Method method);
  // Publishes the held answers in the order they were held, and stops holding.
  void ReleaseHeld();
  // Answers to `method` are published `delay` after the request arrived.
  void Delay(wirepas::Method method, absl::Duration delay);
  // Answers to `method` carry `raw_code` as their result (any int32, also codes the gateway
  // API does not define, as a newer gateway may send them) instead of the handler's.
  void OverrideResult(wirepas::Method method, int32_t raw_code);
  // The MSAP answers of the node with `address` carry `frames` instead of what the node would
  // answer (a node that refuses, answers garbage, ...).
  void OverrideNodeAnswer(uint32_t address, std::string frames);

  // The requests of `method` received so far (whether answered or not), in order. Only
  // requests the router handled are recorded: what it ignores gets no answer and no record.
  std::vector<wirepas::GenericMessage> Requests(wirepas::Method method) const;
  int RequestCount(wirepas::Method method) const;
  // Waits until `count` requests of `method` were received, or `timeout`; the final answer.
  bool WaitForRequests(wirepas::Method method, int count, absl::Duration timeout) const;

  // A copy of the gateway's current state (its sinks' configurations, stored scratchpads).
  GatewayState State() const;
  // The configuration of `sink_id` now; empty for a sink the gateway does not have.
  gwapi::SinkReadConfig SinkConfig(std::string_view sink_id) const;

  // Publishes a retained status and waits for the broker: ONLINE with every sink, or the
  // OFFLINE the last will carries.
  absl::Status PublishStatus(bool online);

  const std::string& gateway_id() const { return gw_id_; }

 private:
  // One MQTT publication.
  struct Outgoing {
    std::string topic;
    std::string payload;
    int qos = 2;
    bool retained = false;
  };

  explicit GatewayEmulator(Options options);
  void Handle(const mqtt::MqttMessage& message);
  // The answer to a handled request and the announcement that follows it, serialized.
  std::vector<Outgoing> AnswerOf(wirepas::Method method, Response& response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Node packets as published, with their delays applied by the caller.
  Outgoing NodePacketOf(const NodePacket& packet) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Schedule(absl::Time at, std::vector<Outgoing> outgoing) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Publish(std::vector<Outgoing> outgoing);
  void PublishLoop();
  bool ShouldWake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What WaitForRequests waits for.
  struct WantedRequests {
    const GatewayEmulator* emulator;
    wirepas::Method method;
    int count;
  };
  // Whether the requests `wanted` waits for have come; called with mu_ held.
  static bool HasRequests(const WantedRequests* wanted) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  const std::string gw_id_;
  const std::string broker_host_;
  const int broker_port_;
  const RequestRouter router_;
  std::unique_ptr<mqtt::MqttClient> client_;
  std::thread publisher_;

  mutable absl::Mutex mu_;
  GatewayState state_ ABSL_GUARDED_BY(mu_);
  uint64_t next_status_event_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<wirepas::Method, std::vector<wirepas::GenericMessage>> requests_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, int> drop_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, bool> hold_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, absl::Duration> delay_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, int32_t> result_override_ ABSL_GUARDED_BY(mu_);
  std::map<uint32_t, std::string> node_answer_override_ ABSL_GUARDED_BY(mu_);
  std::vector<Outgoing> held_ ABSL_GUARDED_BY(mu_);
  // Publications waiting for their time (delayed answers, nodes' packets).
  std::multimap<absl::Time, std::vector<Outgoing>> scheduled_ ABSL_GUARDED_BY(mu_);
  // Set when scheduled_ got an entry, so the publishing thread looks at its deadline again.
  bool rescheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace wm::gateway_sim
