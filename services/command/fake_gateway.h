#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/mqtt/client.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"

namespace wm::command {

// A gateway for tests, on MQTT: it publishes a retained ONLINE status with its sinks and
// answers every request of the gateway API roughly as the reference gateway does (set_config
// applies the fields present, app config sequences must change, chunked uploads are
// reassembled with their offsets checked, configuration data items are kept). Its nodes answer
// MSAP requests sent from 255 to 240 on 240 -> 255 with hop counts. Knobs drop, hold or alter
// answers. Thread-safe.
//
//   auto gateway = FakeGateway::Start({.broker_port = broker->port()});
//   gateway->DropNext(wirepas::Method::kSendData);
//   ...
//   EXPECT_EQ(gateway->RequestCount(wirepas::Method::kSendData), 1);
class FakeGateway {
 public:
  // A node of the sinks' network.
  struct Node {
    uint32_t address = 0;
    uint32_t hop_count = 1;
  };

  struct Options {
    std::string broker_host = "127.0.0.1";
    int broker_port = 0;
    std::string gateway_id = "fake-gw";
    std::vector<std::string> sink_ids = {"sink0"};
    // Sink i has node address sink_address_base + i, network network_address + i.
    uint32_t sink_address_base = 1;
    uint64_t network_address = 5000;
    // Every sink's app config sequence at start.
    uint32_t app_config_seq = 10;
    uint32_t app_config_max_size = 80;
    // Reported in the status and get_gw_info when set.
    std::optional<uint32_t> max_scratchpad_size;
    std::vector<wirepas::gwapi::GatewayFeature> features = {wirepas::gwapi::SCRATCHPAD_CHUNK_V1,
                                                            wirepas::gwapi::CONFIGURATION_DATA_V1};
    // Nodes answering MSAP requests (of every sink's network).
    std::vector<Node> nodes = {{1001, 1}, {1002, 2}, {1003, 3}};
    // A node that refuses update and scratchpad update frames with 0xFB (0: none).
    uint32_t refusing_node = 0;
  };

  // Connects, subscribes to its request topics and publishes its retained ONLINE status.
  static absl::StatusOr<std::unique_ptr<FakeGateway>> Start(Options options);
  // Disconnects cleanly (its status stays as last published).
  ~FakeGateway();

  // The next `count` requests of `method` get no answer (recorded all the same).
  void DropNext(wirepas::Method method, int count = 1);
  // Answers of `method` are kept instead of published, until ReleaseHeld.
  void Hold(wirepas::Method method);
  // Publishes the answers held, and stops holding.
  void ReleaseHeld();
  // Answers of `method` carry this raw result code (any int32, also ones the API does not
  // define) instead of the one the request deserves.
  void OverrideResult(wirepas::Method method, int32_t raw_code);

  // Requests received (whether answered or not), in order.
  std::vector<wirepas::GenericMessage> Requests(wirepas::Method method) const;
  int RequestCount(wirepas::Method method) const;
  // Polls until `count` requests of `method` arrived or `timeout`.
  bool WaitForRequests(wirepas::Method method, int count, absl::Duration timeout) const;
  // The scratchpad stored on a sink (empty when cleared), and the sink's configuration.
  std::string StoredScratchpad(const std::string& sink_id) const;
  wirepas::gwapi::SinkReadConfig SinkConfig(const std::string& sink_id) const;

  // Publishes a retained status: OFF without configs (the last will's content), or ON.
  absl::Status PublishStatus(bool online);

  const std::string& gateway_id() const { return options_.gateway_id; }

 private:
  struct Sink {
    wirepas::gwapi::SinkReadConfig config;
    std::string stored;
    // Chunked upload in progress.
    std::string upload;
    uint32_t upload_total = 0;
    uint32_t upload_seq = 0;
    std::map<uint32_t, std::string> data_items;
  };
  struct Outgoing {
    std::string topic;
    std::string payload;
  };

  explicit FakeGateway(Options options);
  void Handle(std::string_view topic, std::string_view payload);
  // Builds the answer to `request` and the node answers it causes.
  std::optional<wirepas::GenericMessage> Answer(const wirepas::Topic& topic,
                                                const wirepas::GenericMessage& request,
                                                std::vector<Outgoing>* node_answers)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NodeAnswers(const std::string& sink_id, uint32_t destination, std::string_view payload,
                   std::vector<Outgoing>* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  wirepas::GenericMessage StatusMessage(bool online) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  std::unique_ptr<mqtt::MqttClient> client_;
  mutable absl::Mutex mu_;
  std::map<std::string, Sink> sinks_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, std::vector<wirepas::GenericMessage>> requests_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, int> drop_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, bool> hold_ ABSL_GUARDED_BY(mu_);
  std::map<wirepas::Method, int32_t> result_override_ ABSL_GUARDED_BY(mu_);
  std::vector<Outgoing> held_ ABSL_GUARDED_BY(mu_);
  uint64_t next_event_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace wm::command
