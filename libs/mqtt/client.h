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
#include "absl/container/flat_hash_map.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/mqtt/poll_loop.h"
#include "libs/mqtt/publish_window.h"
#include "libs/mqtt/topic.h"  // ValidateTopicName, ValidateTopicFilter
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/labels.h"
#include "prometheus/registry.h"

struct mosquitto;
struct mosquitto_message;

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
  // MQTT keepalive; the gateways use 20 s. Zero turns it off; 1 to 4 s count as 5 s, the
  // least libmosquitto accepts.
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
  // beyond it Publish returns ResourceExhausted (WaitForRoom waits for room). At most 65535.
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
  // The broker may have delivered this message before (QoS 1/2 redelivery). libmosquitto does
  // not report the DUP flag, so received messages always say false.
  bool duplicate() const { return duplicate_; }

 private:
  std::shared_ptr<const void> storage_;
  std::string_view topic_;
  std::string_view payload_;
  int qos_;
  bool retained_;
  bool duplicate_;
};

// An MQTT 3.1.1 client over libmosquitto that stays connected: it connects in the background,
// reconnects with exponential backoff and full jitter whenever the connection drops (the first
// attempt after a loss waits up to reconnect_min_delay), and re-subscribes every filter on
// every connection. No exception leaves it; errors are absl::Status values and log lines
// (never with the password).
//
//   MqttClient client(options, &registry);
//   client.SetMessageHandler([&](const MqttMessage& m) { queue.TryPush(m); });
//   client.AddSubscription(MqttClient::SharedFilter("wm-ingest", "gw-event/received_data/#"), 1);
//   client.Start();                                  // returns at once; the broker may be down
//   if (client.WaitUntilSubscribed(absl::Seconds(5))) MarkReady();
//   client.Publish("gw-request/get_configs/gw1", payload, 2, false);
//   client.Stop();                                   // clean disconnect: no last will
//
// Threads: each client has one network thread that connects, reads, writes and runs both
// handlers. The message handler holds up the client's traffic while it runs, so it must be
// fast and must not block: hand work to a queue. Handlers must not call Stop() or
// SetMessageHandler(); PublishAndWait and WaitForRoom from a handler return at once (they
// would wait for the thread that runs them). Publish, WaitForRoom, the Is/WaitUntil queries
// and AddSubscription are safe from any thread; Start and Stop belong to the owner.
// Starting a client makes the process ignore SIGPIPE (libmosquitto writes to sockets that the
// broker may have closed).
//
// Metrics (when a registry is given; labels `metric_labels` on each): wm_mqtt_connected (0/1),
// wm_mqtt_reconnects_total, wm_mqtt_connect_failures_total, wm_mqtt_messages_received_total,
// wm_mqtt_messages_published_total (acknowledged), wm_mqtt_publish_errors_total,
// wm_mqtt_hand_off_failures_total (see SetHandOffHandler). The registry
// must outlive the client.
class MqttClient {
 public:
  using MessageHandler = std::function<void(const MqttMessage&)>;
  using ConnectionHandler = std::function<void(bool connected)>;
  using HandOffHandler = std::function<absl::Status()>;

  // Uses its own random source for client ids and reconnection jitter.
  explicit MqttClient(MqttOptions options, prometheus::Registry* registry = nullptr,
                      prometheus::Labels metric_labels = {});
  // `random` must outlive the client; it is used from the client's network thread.
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
  // Acknowledge after hand-off. Called on the network thread after each read from the
  // socket in which the message handler ran (a read takes the packets the socket holds, up
  // to 256), once the handler returned for all of them, and before the acknowledgements libmosquitto queued for them
  // (PUBACK for QoS 1, PUBREC for QoS 2) are written: so a message is acknowledged to the
  // broker only after the handler and then this handler are done with it. A typical use:
  // make durable what the message handler stored, e.g. flush a log. When it returns an
  // error, the client drops the connection without writing those acknowledgements (logged,
  // counted in wm_mqtt_hand_off_failures_total) and reconnects as after any connection loss:
  // with a persistent session the broker delivers the unacknowledged messages again (the
  // handler sees them a second time); without one they are gone at the broker. QoS 0
  // messages have no acknowledgement. Set before Start().
  void SetHandOffHandler(HandOffHandler handler);

  // Subscribes `filter` at `qos` on the current connection (within 0.1 s) and again on every
  // later one. InvalidArgument for a malformed or non-UTF-8 filter or a QoS outside 0..2.
  absl::Status AddSubscription(std::string filter, int qos);

  // Checks the options and starts connecting in the background; returns without waiting for
  // the broker. InvalidArgument for bad options (TLS files that cannot be read included),
  // FailedPrecondition when already started.
  absl::Status Start();

  // Connected to the broker right now.
  bool IsConnected() const;
  // Connected and every subscription granted by the broker (what readiness means).
  bool IsSubscribed() const;
  // Wait until IsConnected() / IsSubscribed(), or `timeout`; returns the final state.
  bool WaitUntilConnected(absl::Duration timeout) const;
  bool WaitUntilSubscribed(absl::Duration timeout) const;

  // Queues a message without waiting. Errors (counted in wm_mqtt_publish_errors_total):
  // InvalidArgument (topic, QoS, payload over 256 MB), FailedPrecondition (not started or
  // stopped), Unavailable (not connected), ResourceExhausted (max_queued_publishes messages
  // not yet done; see WaitForRoom). QoS 1/2 messages accepted here and not acknowledged when
  // the connection drops are sent again after reconnecting; QoS 0 messages not yet sent then
  // are lost, and every message not done when Stop() returns is lost (both count as errors).
  absl::Status Publish(std::string topic, std::string payload, int qos, bool retained);
  // Publishes and waits until the broker acknowledged it (QoS 1/2) or it was sent (QoS 0).
  // DeadlineExceeded after `timeout` (the message may still be delivered later);
  // FailedPrecondition from a handler.
  absl::Status PublishAndWait(std::string topic, std::string payload, int qos, bool retained,
                              absl::Duration timeout);
  // For a publisher that got ResourceExhausted: waits until the broker has acknowledged part of
  // the queue, then returns true when Publish has room. So that a saturated publisher does not
  // wake for every acknowledgement, it waits until the queue is down to three quarters of
  // max_queued_publishes. False after `timeout`, or at once when the client is not started,
  // stopped, or when called from a handler.
  //
  //   while (absl::IsResourceExhausted(status = client.Publish(topic, payload, 1, false))) {
  //     if (!client.WaitForRoom(absl::Milliseconds(50)) && stopping) break;
  //   }
  bool WaitForRoom(absl::Duration timeout);

  // Disconnects cleanly (the broker drops the last will), after waiting briefly (2 s at most)
  // for messages in flight, and stops reconnecting. No handler runs once Stop returns. A
  // stopped client cannot be started again.
  void Stop();

  const std::string& client_id() const { return options_.client_id; }

 private:
  struct Subscription {
    std::string filter;
    int qos;
  };

  // `random` null: use owned_random_.
  MqttClient(MqttOptions options, prometheus::Registry* registry, prometheus::Labels metric_labels,
             absl::BitGenRef* random);
  absl::Status ValidateOptions() const;
  // Checks the options and creates the libmosquitto client with its callbacks.
  absl::Status CreateClient();

  // The network thread: connects, runs the connection, waits, reconnects; until Stop().
  void RunNetworkLoop();
  // One connection attempt, until CONNACK. Network thread.
  absl::Status ConnectOnce();
  // Runs a connection until it is lost (an error) or Stop() is requested (OK, still connected):
  // reads and writes, subscribes new filters, tells the connection handler. Network thread.
  absl::Status RunConnection();
  // Sends SUBSCRIBE for subscriptions added since the last batch, when no batch is in flight.
  absl::Status SubscribeNewFilters();
  // Waits for messages in flight (briefly, when asked), then sends DISCONNECT. Network thread.
  void DisconnectCleanly(bool wait_for_in_flight);
  void OnConnected();
  void OnDisconnected(const absl::Status& cause);
  // Waits `delay` unless Stop() comes first.
  void SleepUnlessStopped(absl::Duration delay);
  // One turn of the network loop (poll_loop.h). Returns a libmosquitto error code.
  int LoopOnce(int timeout_ms);
  // Makes a LoopOnce waiting on another thread return at once (and write what was queued).
  void WakeNetworkThread();
  std::string DescribeError(int rc, int saved_errno);

  bool IsSubscribedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetConnectedLocked(bool connected) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifyConnection(bool connected);

  // libmosquitto callbacks, on the network thread.
  static void OnConnectCallback(::mosquitto* mosq, void* self, int rc);
  static void OnDisconnectCallback(::mosquitto* mosq, void* self, int rc);
  static void OnPublishCallback(::mosquitto* mosq, void* self, int mid);
  static void OnMessageCallback(::mosquitto* mosq, void* self, const ::mosquitto_message* message);
  static void OnSubscribeCallback(::mosquitto* mosq, void* self, int mid, int qos_count,
                                  const int* granted_qos);
  static void OnLogCallback(::mosquitto* mosq, void* self, int level, const char* text);
  void OnMessage(const ::mosquitto_message& message);
  void OnSubscribed(int mid, int qos_count, const int* granted_qos);
  void OnPublished(int mid);

  absl::Status RejectPublish(absl::Status status);
  absl::Status PublishInternal(std::string topic, std::string payload, int qos, bool retained,
                               absl::Duration wait);
  // Counts a message the window reports done (ok) or lost.
  void CountPublishDone(const absl::Status& status);
  // Counts and logs an exception a libmosquitto callback stopped (none may cross its C frames).
  void CountCallbackException(const char* callback, const char* what);
  bool OnNetworkThread() const;

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
  prometheus::Counter* hand_off_failures_;

  // Connection state, written by the network thread, read by the queries.
  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  // Written under mu_ (so that the waits see it change), read without it by Publish.
  std::atomic<bool> connected_{false};
  bool ever_connected_ ABSL_GUARDED_BY(mu_) = false;
  // What the connection handler was last told; written under mu_, read without it by the
  // network thread.
  std::atomic<bool> announced_connected_{false};
  std::vector<Subscription> subscriptions_ ABSL_GUARDED_BY(mu_);
  // subscriptions_[0, subscribed_count_) are active on the current connection.
  size_t subscribed_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool subscription_refused_ ABSL_GUARDED_BY(mu_) = false;

  // Start() succeeded: the libmosquitto client exists. Not the same fact as started_, which a
  // Start() claims before it sets the client up (a failed setup gives it back).
  std::atomic<bool> started_flag_{false};
  // Stop() was called; written under mu_ (so that SleepUnlessStopped sees it), read anywhere.
  std::atomic<bool> stop_requested_{false};
  std::atomic<size_t> subscription_count_{0};
  std::atomic<uint64_t> publish_failures_logged_{0};
  std::atomic<uint64_t> handler_exceptions_{0};
  std::atomic<uint64_t> callback_exceptions_{0};

  // Network thread only.
  int connack_code_ = -1;           // CONNACK of the current attempt; -1 before it comes
  size_t known_subscriptions_ = 0;  // subscriptions_.size() the last batch looked at
  absl::flat_hash_map<int, size_t> subscribe_mids_;  // SUBSCRIBE in flight: mid -> index
  size_t subscribe_batch_end_ = 0;
  bool subscribe_batch_refused_ = false;
  absl::Time subscribe_deadline_;

  // Errors libmosquitto logged during a connection attempt (TLS details), for the log line.
  absl::Mutex library_error_mu_;
  std::string library_error_ ABSL_GUARDED_BY(library_error_mu_);

  // Publish holds it shared from its connected check until the message is registered; the
  // network thread holds it exclusively while it fails unsent QoS 0 messages and starts a new
  // connection (which discards them), so that no message is counted twice or never.
  absl::Mutex connection_mu_;
  // Messages accepted and not yet done (the bound of max_queued_publishes).
  PublishWindow window_;

  // The network thread's poll, wakeup and hand-off (the handler is set before Start).
  PollLoop poll_loop_;

  // Held shared while the message handler runs, exclusively to replace it.
  absl::Mutex message_handler_mu_;
  MessageHandler message_handler_ ABSL_GUARDED_BY(message_handler_mu_);
  absl::Mutex connection_handler_mu_;
  ConnectionHandler connection_handler_ ABSL_GUARDED_BY(connection_handler_mu_);

  ::mosquitto* mosq_ = nullptr;
  std::thread network_thread_;
  std::atomic<std::thread::id> network_thread_id_{};
};

}  // namespace wm::mqtt
