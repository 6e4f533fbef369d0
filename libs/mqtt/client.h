#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/labels.h"
#include "prometheus/registry.h"

namespace mqtt {
class async_client;
class connect_options;
}  // namespace mqtt

namespace wm::mqtt {

// The message a client leaves with the broker, published by the broker when the client
// vanishes without a clean disconnect (gateways use it for their OFFLINE status).
struct MqttWill {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = false;
};

// How to reach and talk to the broker. The names follow the backend-client settings
// (mqtt_hostname, mqtt_port, ...); see settings.h for loading them.
struct MqttOptions {
  std::string host = "localhost";
  int port = 8883;
  std::string username;  // empty: connect without credentials
  std::string password;  // secret: never logged
  // Plain TCP instead of TLS.
  bool force_unsecure = false;
  // TLS without checking the server's certificate chain or name (self-signed brokers).
  bool allow_untrusted = false;
  // PEM file with the CAs to trust; the system's CAs when empty.
  std::string ca_certs;
  // Client certificate and its key (PEM) for mutual TLS; both or neither.
  std::string certfile;
  std::string keyfile;
  // Ask the broker to keep the session (subscriptions, queued QoS 1/2 messages) while the
  // client is away: clean_session = !persist_session. Only useful with a fixed client_id.
  bool persist_session = false;
  // Unique per broker; a random "wm-<16 hex digits>" when empty.
  std::string client_id;
  // MQTT keepalive; the gateways use 20 s.
  absl::Duration keepalive = absl::Seconds(20);
  // How long one connection attempt (TCP, TLS, CONNACK) and one SUBSCRIBE may take.
  absl::Duration connect_timeout = absl::Seconds(10);
  // Reconnection delays: full jitter in a window doubling from min to max (see backoff.h).
  absl::Duration reconnect_min_delay = absl::Milliseconds(500);
  absl::Duration reconnect_max_delay = absl::Seconds(30);
  std::optional<MqttWill> will;
  // QoS 1/2 messages sent and not yet acknowledged by the broker (the MQTT window).
  int max_inflight = 100;
  // Messages accepted by Publish and not yet done (sent for QoS 0, acknowledged for QoS 1/2);
  // beyond it Publish returns ResourceExhausted. At most 65535. paho's C library does work
  // linear in this queue's length on every publish: on a 2-core machine QoS 1 publishing ran
  // at 27k messages/s with 1000 and 3.5k/s with 20000 against a busy broker.
  int max_queued_publishes = 1000;
};

// A received message. topic() and payload() view bytes owned by the message itself, so a copy
// of an MqttMessage is cheap (a reference count) and keeps them alive: a handler may queue the
// message for another thread without copying the payload.
class MqttMessage {
 public:
  // A message owning `topic` and `payload`; for tests and fakes.
  MqttMessage(std::string topic, std::string payload, int qos = 0, bool retained = false,
              bool duplicate = false);
  // A message viewing bytes kept alive by `storage`.
  MqttMessage(std::shared_ptr<const void> storage, std::string_view topic, std::string_view payload,
              int qos, bool retained, bool duplicate)
      : storage_(std::move(storage)),
        topic_(topic),
        payload_(payload),
        qos_(qos),
        retained_(retained),
        duplicate_(duplicate) {}

  std::string_view topic() const { return topic_; }
  std::string_view payload() const { return payload_; }
  int qos() const { return qos_; }
  // Sent by the broker from its retained store (a subscription just started), not live.
  bool retained() const { return retained_; }
  // The broker may have delivered this message before (QoS 1/2 redelivery).
  bool duplicate() const { return duplicate_; }

 private:
  std::shared_ptr<const void> storage_;
  std::string_view topic_;
  std::string_view payload_;
  int qos_;
  bool retained_;
  bool duplicate_;
};

// Checks an MQTT topic name for publishing: not empty, no wildcards, no NUL, at most 65535 bytes.
absl::Status ValidateTopicName(std::string_view topic);
// Checks an MQTT topic filter for subscribing: '#' only as the whole last level, '+' only as a
// whole level; "$share/<group>/<filter>" is checked as <filter> with a non-empty group.
absl::Status ValidateTopicFilter(std::string_view filter);

// An MQTT 3.1.1 client over paho-mqtt-cpp that stays connected: it connects in the background,
// reconnects with exponential backoff and full jitter whenever the connection drops, and
// re-subscribes every filter on every connection. No exception leaves it; errors are
// absl::Status values and log lines (never with the password).
//
//   MqttClient client(options, &registry);
//   client.SetMessageHandler([&](const MqttMessage& m) { queue.TryPush(m); });
//   client.AddSubscription(MqttClient::SharedFilter("wm-ingest", "gw-event/received_data/#"), 1);
//   client.Start();                                  // returns at once; the broker may be down
//   if (client.WaitUntilSubscribed(absl::Seconds(5))) MarkReady();
//   client.Publish("gw-request/get_configs/gw1", payload, 2, false);
//   client.Stop();                                   // clean disconnect: no last will
//
// Threads: handlers run on paho's threads (message handler) or the client's own connection
// thread (connection handler). paho's C library uses one receive thread for every client in
// the process, so the message handler must be fast and must not block: hand work to a queue.
// That thread also picks up new sockets only about once a second, so a second client in one
// process may take up to ~2 s to connect.
// Handlers must not call Stop() or SetMessageHandler(), and must not wait for an
// acknowledgement (PublishAndWait) from the message handler. Publish, the Is/WaitUntil
// queries and AddSubscription are safe from any thread; Start and Stop belong to the owner.
//
// Metrics (when a registry is given; labels `metric_labels` on each): wm_mqtt_connected (0/1),
// wm_mqtt_reconnects_total, wm_mqtt_connect_failures_total, wm_mqtt_messages_received_total,
// wm_mqtt_messages_published_total (acknowledged), wm_mqtt_publish_errors_total. The registry
// must outlive the client.
class MqttClient {
 public:
  using MessageHandler = std::function<void(const MqttMessage&)>;
  using ConnectionHandler = std::function<void(bool connected)>;

  // Uses its own random source for client ids and reconnection jitter.
  explicit MqttClient(MqttOptions options, prometheus::Registry* registry = nullptr,
                      prometheus::Labels metric_labels = {});
  // `random` must outlive the client; it is used from the client's connection thread.
  MqttClient(MqttOptions options, prometheus::Registry* registry, prometheus::Labels metric_labels,
             absl::BitGenRef random);
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;
  // Stops the client.
  ~MqttClient();

  // "$share/<group>/<filter>": a shared subscription; the broker hands each message to one
  // subscriber of the group.
  static std::string SharedFilter(std::string_view group, std::string_view filter);

  // Called for every received message (see the class comment about threads).
  void SetMessageHandler(MessageHandler handler);
  // Called with true once connected and subscribed (after every reconnection too), and with
  // false when the connection is lost or Stop() ends it.
  void SetConnectionHandler(ConnectionHandler handler);

  // Subscribes `filter` at `qos` now if connected, and again on every later connection.
  // InvalidArgument for a malformed filter or a QoS outside 0..2.
  absl::Status AddSubscription(std::string filter, int qos);

  // Checks the options and starts connecting in the background; returns without waiting for
  // the broker. InvalidArgument for bad options, FailedPrecondition when already started.
  absl::Status Start();

  // Connected to the broker right now.
  bool IsConnected() const;
  // Connected and every subscription granted by the broker (what readiness means).
  bool IsSubscribed() const;
  // Wait until IsConnected() / IsSubscribed(), or `timeout`; returns the final state.
  bool WaitUntilConnected(absl::Duration timeout) const;
  bool WaitUntilSubscribed(absl::Duration timeout) const;

  // Queues a message without waiting. Errors (counted in wm_mqtt_publish_errors_total):
  // InvalidArgument (topic, QoS), FailedPrecondition (not started), Unavailable (not
  // connected), ResourceExhausted (max_queued_publishes messages not yet done).
  // A message accepted here can still fail later if the connection drops.
  absl::Status Publish(std::string topic, std::string payload, int qos, bool retained);
  // Publishes and waits until the broker acknowledged it (QoS 1/2) or it was sent (QoS 0).
  // DeadlineExceeded after `timeout` (the message may still be delivered later).
  absl::Status PublishAndWait(std::string topic, std::string payload, int qos, bool retained,
                              absl::Duration timeout);

  // Disconnects cleanly (the broker drops the last will), after waiting briefly for messages in
  // flight, and stops reconnecting. No handler runs once Stop returns. A stopped client cannot
  // be started again.
  void Stop();

  const std::string& client_id() const { return options_.client_id; }

 private:
  class PublishListener;
  struct Subscription {
    std::string filter;
    int qos;
  };

  // `random` null: use owned_random_.
  MqttClient(MqttOptions options, prometheus::Registry* registry, prometheus::Labels metric_labels,
             absl::BitGenRef* random);
  absl::Status ValidateOptions() const;
  // Checks the options and creates the paho client with its callbacks.
  absl::Status CreateClient();
  void RunConnectionLoop();
  absl::Status ConnectOnce();
  // Subscribes `batch`; returns per filter its QoS, or 0x80 when the broker refused it.
  absl::StatusOr<std::vector<int>> SubscribeOnce(const std::vector<Subscription>& batch);
  void DropConnection();
  bool HasWorkLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IsSubscribedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetConnectedLocked(bool connected) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifyConnection(bool connected);
  void OnMessage(const MqttMessage& message);
  void OnConnectionLost(const std::string& cause);
  void OnPublishDone(bool ok, int return_code);
  absl::Status CheckPublish(std::string_view topic, int qos);
  absl::Status RejectPublish(absl::Status status);
  absl::Status PublishInternal(std::string topic, std::string payload, int qos, bool retained,
                               absl::Duration wait);

  MqttOptions options_;
  absl::BitGen owned_random_;
  absl::BitGenRef random_;

  // Metrics; in a private registry when none is given.
  std::unique_ptr<prometheus::Registry> own_registry_;
  prometheus::Gauge* connected_gauge_;
  prometheus::Counter* reconnects_;
  prometheus::Counter* connect_failures_;
  prometheus::Counter* received_;
  prometheus::Counter* published_;
  prometheus::Counter* publish_errors_;

  // Connection state, owned by the connection thread; paho's thread reports losses.
  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  bool ever_connected_ ABSL_GUARDED_BY(mu_) = false;
  // What the connection handler was last told.
  bool announced_connected_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped by every connection loss, to spot a loss racing with a connect.
  uint64_t losses_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Subscription> subscriptions_ ABSL_GUARDED_BY(mu_);
  // subscriptions_[0, subscribed_count_) are active on the current connection.
  size_t subscribed_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool subscription_refused_ ABSL_GUARDED_BY(mu_) = false;

  // Lock-free copies for the publish path.
  std::atomic<bool> started_flag_{false};
  std::atomic<bool> connected_flag_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<int> queued_publishes_{0};
  std::atomic<uint64_t> publish_failures_logged_{0};
  std::atomic<uint64_t> handler_exceptions_{0};

  // Held shared while the message handler runs, exclusively to replace it.
  absl::Mutex message_handler_mu_;
  MessageHandler message_handler_ ABSL_GUARDED_BY(message_handler_mu_);
  absl::Mutex connection_handler_mu_;
  ConnectionHandler connection_handler_ ABSL_GUARDED_BY(connection_handler_mu_);

  // Declared before client_ so it outlives paho's last callback.
  std::unique_ptr<PublishListener> publish_listener_;
  std::unique_ptr<::mqtt::connect_options> connect_options_;
  std::unique_ptr<::mqtt::async_client> client_;
  std::thread connection_thread_;
};

}  // namespace wm::mqtt
