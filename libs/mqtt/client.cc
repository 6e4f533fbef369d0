#include "libs/mqtt/client.h"

#include <chrono>
#include <exception>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/mqtt/backoff.h"
#include "mqtt/async_client.h"
#include "spdlog/spdlog.h"

namespace wm::mqtt {
namespace {

// SUBACK return code of a refused subscription (MQTT 3.1.1 §3.9.3).
constexpr int kSubscriptionRefused = 0x80;
constexpr size_t kMaxTopicBytes = 65535;
// How often blocking waits look at a pending Stop().
constexpr absl::Duration kWaitSlice = absl::Milliseconds(50);
// Stop() lets messages in flight finish for this long before disconnecting.
constexpr absl::Duration kDisconnectTimeout = absl::Seconds(2);
// Room in paho's command queue beyond the publishes: SUBSCRIBE, DISCONNECT.
constexpr int kPahoQueueMargin = 64;

std::chrono::milliseconds ToChrono(absl::Duration duration) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(duration));
}

// Debian's abseil has its own string_view type.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// For log lines driven by traffic: log the 1st, 2nd, 4th, 8th... occurrence.
bool ShouldLog(uint64_t occurrence) { return (occurrence & (occurrence - 1)) == 0; }

std::string ServerUri(const MqttOptions& options) {
  bool ipv6 = options.host.find(':') != std::string::npos;
  return absl::StrCat(options.force_unsecure ? "tcp://" : "ssl://", ipv6 ? "[" : "", options.host,
                      ipv6 ? "]" : "", ":", options.port);
}

// Waits for a paho token in slices so that a Stop() is noticed. Throws what the token throws.
absl::Status WaitForToken(::mqtt::token& token, absl::Duration timeout,
                          const std::atomic<bool>& stop_requested) {
  absl::Time deadline = absl::Now() + timeout;
  while (!token.wait_for(ToChrono(kWaitSlice))) {
    if (stop_requested.load()) return absl::CancelledError("client is stopping");
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("no answer from the broker in ", absl::FormatDuration(timeout)));
    }
  }
  return absl::OkStatus();
}

// paho's text for a refused CONNECT only gives the CONNACK code (MQTT 3.1.1 §3.2.2.3).
std::string DescribeConnectError(const ::mqtt::exception& e) {
  static constexpr const char* kConnackReasons[] = {"",
                                                    "unacceptable protocol version",
                                                    "client identifier rejected",
                                                    "server unavailable",
                                                    "bad user name or password",
                                                    "not authorized"};
  int code = e.get_return_code();
  if (code >= 1 && code <= 5) return absl::StrCat(e.what(), " (", kConnackReasons[code], ")");
  return e.what();
}

}  // namespace

MqttMessage::MqttMessage(std::string topic, std::string payload, int qos, bool retained,
                         bool duplicate)
    : qos_(qos), retained_(retained), duplicate_(duplicate) {
  auto owned =
      std::make_shared<std::pair<std::string, std::string>>(std::move(topic), std::move(payload));
  topic_ = owned->first;
  payload_ = owned->second;
  storage_ = std::move(owned);
}

absl::Status ValidateTopicName(std::string_view topic) {
  if (topic.empty()) return absl::InvalidArgumentError("empty MQTT topic");
  if (topic.size() > kMaxTopicBytes) {
    return absl::InvalidArgumentError(absl::StrCat("MQTT topic longer than 65535 bytes"));
  }
  if (topic.find_first_of(std::string_view("+#\0", 3)) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("MQTT topic to publish contains a wildcard or NUL: ", Absl(topic)));
  }
  return absl::OkStatus();
}

absl::Status ValidateTopicFilter(std::string_view filter) {
  auto invalid = [filter](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid MQTT topic filter \"", Absl(filter), "\": ", Absl(why)));
  };
  if (filter.empty()) return invalid("empty");
  if (filter.size() > kMaxTopicBytes) return invalid("longer than 65535 bytes");
  if (filter.find('\0') != std::string_view::npos) return invalid("contains NUL");
  std::string_view rest = filter;
  constexpr std::string_view kShare = "$share/";
  if (rest.substr(0, kShare.size()) == kShare) {
    rest.remove_prefix(kShare.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) {
      return invalid("a shared subscription is $share/<group>/<filter>");
    }
    if (rest.substr(0, slash).find_first_of("+#") != std::string_view::npos) {
      return invalid("wildcard in the share group");
    }
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return invalid("empty filter after the share group");
  }
  while (true) {
    size_t slash = rest.find('/');
    std::string_view level = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (level.find('#') != std::string_view::npos && (level != "#" || !last)) {
      return invalid("'#' must be the whole last level");
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return invalid("'+' must be a whole level");
    }
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  return absl::OkStatus();
}

// Counts the outcome of every asynchronous publish.
class MqttClient::PublishListener : public ::mqtt::iaction_listener {
 public:
  explicit PublishListener(MqttClient& client) : client_(client) {}
  void on_success(const ::mqtt::token&) override { client_.OnPublishDone(true, 0); }
  void on_failure(const ::mqtt::token& token) override {
    client_.OnPublishDone(false, token.get_return_code());
  }

 private:
  MqttClient& client_;
};

MqttClient::MqttClient(MqttOptions options, prometheus::Registry* registry,
                       prometheus::Labels metric_labels)
    : MqttClient(std::move(options), registry, std::move(metric_labels), nullptr) {}

MqttClient::MqttClient(MqttOptions options, prometheus::Registry* registry,
                       prometheus::Labels metric_labels, absl::BitGenRef random)
    : MqttClient(std::move(options), registry, std::move(metric_labels), &random) {}

MqttClient::MqttClient(MqttOptions options, prometheus::Registry* registry,
                       prometheus::Labels metric_labels, absl::BitGenRef* random)
    : options_(std::move(options)),
      random_(random != nullptr ? *random : absl::BitGenRef(owned_random_)),
      publish_listener_(std::make_unique<PublishListener>(*this)) {
  if (options_.client_id.empty()) {
    options_.client_id = absl::StrFormat("wm-%016x", absl::Uniform<uint64_t>(random_));
  }
  if (registry == nullptr) {
    own_registry_ = std::make_unique<prometheus::Registry>();
    registry = own_registry_.get();
  }
  connected_gauge_ = &prometheus::BuildGauge()
                          .Name("wm_mqtt_connected")
                          .Help("1 while the client is connected to the MQTT broker, else 0")
                          .Register(*registry)
                          .Add(metric_labels);
  reconnects_ = &prometheus::BuildCounter()
                     .Name("wm_mqtt_reconnects_total")
                     .Help("Connections to the MQTT broker made after a previous one was lost")
                     .Register(*registry)
                     .Add(metric_labels);
  connect_failures_ = &prometheus::BuildCounter()
                           .Name("wm_mqtt_connect_failures_total")
                           .Help("Failed attempts to connect to the MQTT broker")
                           .Register(*registry)
                           .Add(metric_labels);
  received_ = &prometheus::BuildCounter()
                   .Name("wm_mqtt_messages_received_total")
                   .Help("MQTT messages received from the broker")
                   .Register(*registry)
                   .Add(metric_labels);
  published_ = &prometheus::BuildCounter()
                    .Name("wm_mqtt_messages_published_total")
                    .Help("MQTT messages published (QoS 0 sent, QoS 1/2 acknowledged)")
                    .Register(*registry)
                    .Add(metric_labels);
  publish_errors_ = &prometheus::BuildCounter()
                         .Name("wm_mqtt_publish_errors_total")
                         .Help("MQTT messages refused by Publish or lost before completion")
                         .Register(*registry)
                         .Add(metric_labels);
  connected_gauge_->Set(0);
}

MqttClient::~MqttClient() { Stop(); }

std::string MqttClient::SharedFilter(std::string_view group, std::string_view filter) {
  return absl::StrCat("$share/", Absl(group), "/", Absl(filter));
}

void MqttClient::SetMessageHandler(MessageHandler handler) {
  absl::WriterMutexLock lock(&message_handler_mu_);
  message_handler_ = std::move(handler);
}

void MqttClient::SetConnectionHandler(ConnectionHandler handler) {
  absl::MutexLock lock(&connection_handler_mu_);
  connection_handler_ = std::move(handler);
}

absl::Status MqttClient::AddSubscription(std::string filter, int qos) {
  if (qos < 0 || qos > 2) {
    return absl::InvalidArgumentError(absl::StrCat("subscription QoS must be 0..2, got ", qos));
  }
  absl::Status valid = ValidateTopicFilter(filter);
  if (!valid.ok()) return valid;
  absl::MutexLock lock(&mu_);
  subscriptions_.push_back({std::move(filter), qos});
  return absl::OkStatus();
}

absl::Status MqttClient::ValidateOptions() const {
  const MqttOptions& o = options_;
  if (o.host.empty()) return absl::InvalidArgumentError("MQTT host is empty");
  if (o.port < 1 || o.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("MQTT port out of range: ", o.port));
  }
  if (o.certfile.empty() != o.keyfile.empty()) {
    return absl::InvalidArgumentError(
        "MQTT client certificate and key must be given together (certfile, keyfile)");
  }
  if (!o.password.empty() && o.username.empty()) {
    return absl::InvalidArgumentError("MQTT password given without a username");
  }
  if (o.keepalive < absl::ZeroDuration() || o.keepalive > absl::Seconds(65535)) {
    return absl::InvalidArgumentError("MQTT keepalive must be 0..65535 s");
  }
  if (o.connect_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError("MQTT connect timeout must be at least 1 s");
  }
  if (o.reconnect_min_delay <= absl::ZeroDuration() ||
      o.reconnect_max_delay < o.reconnect_min_delay) {
    return absl::InvalidArgumentError(
        "MQTT reconnect delays need 0 < reconnect_min_delay <= reconnect_max_delay");
  }
  if (o.max_inflight < 1 || o.max_inflight > 65535) {
    return absl::InvalidArgumentError("MQTT max_inflight must be 1..65535");
  }
  if (o.max_queued_publishes < 1 || o.max_queued_publishes > 65535) {
    return absl::InvalidArgumentError("MQTT max_queued_publishes must be 1..65535");
  }
  if (o.will.has_value()) {
    if (o.will->qos < 0 || o.will->qos > 2) {
      return absl::InvalidArgumentError("MQTT last will QoS must be 0..2");
    }
    absl::Status topic = ValidateTopicName(o.will->topic);
    if (!topic.ok()) return topic;
  }
  return absl::OkStatus();
}

absl::Status MqttClient::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("MQTT client already started");
    started_ = true;
  }
  absl::Status status = CreateClient();
  if (!status.ok()) {
    absl::MutexLock lock(&mu_);
    started_ = false;
    return status;
  }
  started_flag_.store(true);
  spdlog::info("mqtt client starting client_id={} broker={} tls={} persist_session={}",
               options_.client_id, ServerUri(options_), !options_.force_unsecure,
               options_.persist_session);
  connection_thread_ = std::thread([this] { RunConnectionLoop(); });
  return absl::OkStatus();
}

absl::Status MqttClient::CreateClient() {
  absl::Status valid = ValidateOptions();
  if (!valid.ok()) return valid;

  try {
    connect_options_ = std::make_unique<::mqtt::connect_options>();
    ::mqtt::connect_options& connect = *connect_options_;
    connect.set_mqtt_version(MQTTVERSION_3_1_1);
    connect.set_clean_session(!options_.persist_session);
    connect.set_keep_alive_interval(static_cast<int>(absl::ToInt64Seconds(options_.keepalive)));
    connect.set_connect_timeout(static_cast<int>(absl::ToInt64Seconds(options_.connect_timeout)));
    // Reconnection is ours (backoff with jitter, re-subscription), not paho's.
    connect.set_automatic_reconnect(false);
    connect.set_max_inflight(options_.max_inflight);
    if (!options_.username.empty()) connect.set_user_name(options_.username);
    if (!options_.password.empty()) connect.set_password(options_.password);
    if (options_.will.has_value()) {
      connect.set_will(::mqtt::will_options(options_.will->topic, options_.will->payload,
                                            options_.will->qos, options_.will->retained));
    }
    if (!options_.force_unsecure) {
      ::mqtt::ssl_options ssl;
      if (!options_.ca_certs.empty()) ssl.set_trust_store(options_.ca_certs);
      if (!options_.certfile.empty()) {
        ssl.set_key_store(options_.certfile);
        ssl.set_private_key(options_.keyfile);
      }
      ssl.set_enable_server_cert_auth(!options_.allow_untrusted);
      ssl.set_verify(!options_.allow_untrusted);  // the server's name (or IP) too
      connect.set_ssl(std::move(ssl));
    }
    // paho bounds its own command queue (100 by default, even while connected); leave the
    // bound to max_queued_publishes, which Publish enforces with a clear error.
    ::mqtt::create_options create(MQTTVERSION_3_1_1);
    create.set_max_buffered_messages(options_.max_queued_publishes + kPahoQueueMargin);
    client_ =
        std::make_unique<::mqtt::async_client>(ServerUri(options_), options_.client_id, create);
    client_->set_message_callback([this](::mqtt::const_message_ptr message) {
      const ::mqtt::message& m = *message;
      std::string_view topic = m.get_topic();
      std::string_view payload = m.get_payload();
      OnMessage(MqttMessage(std::move(message), topic, payload, m.get_qos(), m.is_retained(),
                            m.is_duplicate()));
    });
    client_->set_connection_lost_handler(
        [this](const std::string& cause) { OnConnectionLost(cause); });
  } catch (const std::exception& e) {
    client_.reset();
    return absl::InvalidArgumentError(absl::StrCat("cannot create MQTT client: ", e.what()));
  }
  return absl::OkStatus();
}

bool MqttClient::HasWorkLocked() const {
  return stopping_ || connected_ != announced_connected_ ||
         (connected_ && subscribed_count_ < subscriptions_.size());
}

bool MqttClient::IsSubscribedLocked() const {
  return connected_ && subscribed_count_ == subscriptions_.size() && !subscription_refused_;
}

void MqttClient::SetConnectedLocked(bool connected) {
  connected_ = connected;
  connected_flag_.store(connected);
  connected_gauge_->Set(connected ? 1 : 0);
  if (!connected) {
    subscribed_count_ = 0;
    subscription_refused_ = false;
  }
}

void MqttClient::RunConnectionLoop() {
  ExponentialBackoff backoff(options_.reconnect_min_delay, options_.reconnect_max_delay);
  int failures = 0;
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (!connected_ && announced_connected_) {
      announced_connected_ = false;
      mu_.Unlock();
      NotifyConnection(false);
      mu_.Lock();
      continue;
    }

    if (!connected_) {
      uint64_t losses = losses_;
      mu_.Unlock();
      absl::Status status = ConnectOnce();
      mu_.Lock();
      if (stopping_) break;
      if (!status.ok()) {
        ++failures;
        connect_failures_->Increment();
        absl::Duration delay = backoff.NextDelay(random_);
        // One line per attempt: attempts are spaced by the backoff.
        spdlog::warn(
            "mqtt connect failed client_id={} broker={} attempt={} error=\"{}\" "
            "retry_in_ms={}",
            options_.client_id, ServerUri(options_), failures, std::string(status.message()),
            absl::ToInt64Milliseconds(delay));
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
        continue;
      }
      backoff.Reset();
      failures = 0;
      if (losses_ != losses) continue;  // lost again before we noticed the connection
      SetConnectedLocked(true);
      if (ever_connected_) reconnects_->Increment();
      ever_connected_ = true;
      spdlog::info("mqtt connected client_id={} broker={} subscriptions={}", options_.client_id,
                   ServerUri(options_), subscriptions_.size());
      continue;
    }

    if (subscribed_count_ < subscriptions_.size()) {
      uint64_t losses = losses_;
      std::vector<Subscription> batch(subscriptions_.begin() + subscribed_count_,
                                      subscriptions_.end());
      mu_.Unlock();
      absl::StatusOr<std::vector<int>> granted = SubscribeOnce(batch);
      mu_.Lock();
      if (stopping_) break;
      if (losses_ != losses || !connected_) continue;  // re-subscribed on the next connection
      if (!granted.ok()) {
        // A connection that cannot subscribe is of no use: start over, after a pause.
        spdlog::warn("mqtt subscribe failed client_id={} error=\"{}\"", options_.client_id,
                     std::string(granted.status().message()));
        ++losses_;
        SetConnectedLocked(false);
        mu_.Unlock();
        DropConnection();
        mu_.Lock();
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff.NextDelay(random_));
        continue;
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        if ((*granted)[i] == kSubscriptionRefused) {
          subscription_refused_ = true;
          spdlog::error("mqtt subscription refused by the broker client_id={} filter={}",
                        options_.client_id, batch[i].filter);
        }
      }
      subscribed_count_ += batch.size();
      continue;
    }

    if (connected_ && !announced_connected_) {
      announced_connected_ = true;
      mu_.Unlock();
      NotifyConnection(true);
      mu_.Lock();
      continue;
    }

    mu_.Await(absl::Condition(this, &MqttClient::HasWorkLocked));
  }
}

absl::Status MqttClient::ConnectOnce() {
  ::mqtt::token_ptr token;
  try {
    token = client_->connect(*connect_options_);
    // paho gives up after connect_timeout; the margin only guards against a lost callback.
    absl::Status status =
        WaitForToken(*token, options_.connect_timeout + absl::Seconds(5), stop_requested_);
    if (absl::IsCancelled(status)) {
      // Let a connection in progress finish, so that Stop() can end it with a DISCONNECT
      // instead of dropping it (which would make the broker publish the last will).
      token->wait_for(ToChrono(kDisconnectTimeout));
    }
    return status;
  } catch (const ::mqtt::exception& e) {
    return absl::UnavailableError(DescribeConnectError(e));
  } catch (const std::exception& e) {
    return absl::UnavailableError(e.what());
  }
}

absl::StatusOr<std::vector<int>> MqttClient::SubscribeOnce(const std::vector<Subscription>& batch) {
  // One SUBSCRIBE per filter, all sent before waiting: paho-mqtt-cpp 1.2 loses the per-filter
  // return codes of a multi-filter SUBACK under MQTT 3.1.1, and reports a refused single
  // filter as a failure with code 0x80.
  std::vector<::mqtt::token_ptr> tokens;
  try {
    for (const Subscription& subscription : batch) {
      tokens.push_back(client_->subscribe(subscription.filter, subscription.qos));
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(e.what());
  }
  std::vector<int> granted;
  for (size_t i = 0; i < tokens.size(); ++i) {
    try {
      absl::Status status = WaitForToken(*tokens[i], options_.connect_timeout, stop_requested_);
      if (!status.ok()) return status;
      granted.push_back(batch[i].qos);
    } catch (const ::mqtt::exception& e) {
      if (e.get_return_code() != kSubscriptionRefused) return absl::UnavailableError(e.what());
      granted.push_back(kSubscriptionRefused);
    } catch (const std::exception& e) {
      return absl::UnavailableError(e.what());
    }
  }
  return granted;
}

void MqttClient::DropConnection() {
  try {
    client_->disconnect(0)->wait_for(ToChrono(kDisconnectTimeout));
  } catch (const std::exception& e) {
    spdlog::debug("mqtt disconnect failed client_id={} error=\"{}\"", options_.client_id, e.what());
  }
}

void MqttClient::OnConnectionLost(const std::string& cause) {
  absl::MutexLock lock(&mu_);
  ++losses_;
  if (!connected_) return;
  SetConnectedLocked(false);
  spdlog::warn("mqtt connection lost client_id={} broker={} cause=\"{}\"", options_.client_id,
               ServerUri(options_), cause);
}

void MqttClient::NotifyConnection(bool connected) {
  ConnectionHandler handler;
  {
    absl::MutexLock lock(&connection_handler_mu_);
    handler = connection_handler_;
  }
  if (!handler) return;
  try {
    handler(connected);
  } catch (const std::exception& e) {
    spdlog::error("mqtt connection handler threw client_id={} error=\"{}\"", options_.client_id,
                  e.what());
  } catch (...) {
    spdlog::error("mqtt connection handler threw client_id={}", options_.client_id);
  }
}

void MqttClient::OnMessage(const MqttMessage& message) {
  received_->Increment();
  absl::ReaderMutexLock lock(&message_handler_mu_);
  if (!message_handler_) return;
  try {
    message_handler_(message);
  } catch (const std::exception& e) {
    uint64_t count = ++handler_exceptions_;
    if (ShouldLog(count)) {
      spdlog::error("mqtt message handler threw client_id={} topic={} error=\"{}\" count={}",
                    options_.client_id, message.topic(), e.what(), count);
    }
  } catch (...) {
    uint64_t count = ++handler_exceptions_;
    if (ShouldLog(count)) {
      spdlog::error("mqtt message handler threw client_id={} topic={} count={}", options_.client_id,
                    message.topic(), count);
    }
  }
}

void MqttClient::OnPublishDone(bool ok, int return_code) {
  queued_publishes_.fetch_sub(1, std::memory_order_relaxed);
  if (ok) {
    published_->Increment();
    return;
  }
  publish_errors_->Increment();
  uint64_t count = ++publish_failures_logged_;
  if (ShouldLog(count)) {
    spdlog::warn("mqtt publish failed client_id={} code={} count={}", options_.client_id,
                 return_code, count);
  }
}

absl::Status MqttClient::RejectPublish(absl::Status status) {
  publish_errors_->Increment();
  uint64_t count = ++publish_failures_logged_;
  if (ShouldLog(count)) {
    spdlog::warn("mqtt publish refused client_id={} error=\"{}\" count={}", options_.client_id,
                 std::string(status.message()), count);
  }
  return status;
}

absl::Status MqttClient::Publish(std::string topic, std::string payload, int qos, bool retained) {
  return PublishInternal(std::move(topic), std::move(payload), qos, retained, absl::ZeroDuration());
}

absl::Status MqttClient::PublishAndWait(std::string topic, std::string payload, int qos,
                                        bool retained, absl::Duration timeout) {
  return PublishInternal(std::move(topic), std::move(payload), qos, retained, timeout);
}

absl::Status MqttClient::PublishInternal(std::string topic, std::string payload, int qos,
                                         bool retained, absl::Duration wait) {
  if (qos < 0 || qos > 2) {
    return RejectPublish(absl::InvalidArgumentError(absl::StrCat("QoS must be 0..2, got ", qos)));
  }
  absl::Status valid = ValidateTopicName(topic);
  if (!valid.ok()) return RejectPublish(valid);
  if (!started_flag_.load()) {
    return RejectPublish(absl::FailedPreconditionError("MQTT client not started"));
  }
  if (!connected_flag_.load(std::memory_order_relaxed)) {
    return RejectPublish(absl::UnavailableError("not connected to the MQTT broker"));
  }
  if (queued_publishes_.fetch_add(1, std::memory_order_relaxed) >= options_.max_queued_publishes) {
    queued_publishes_.fetch_sub(1, std::memory_order_relaxed);
    return RejectPublish(absl::ResourceExhaustedError(absl::StrCat(
        "MQTT publish queue full (", options_.max_queued_publishes, " messages not yet done)")));
  }
  ::mqtt::delivery_token_ptr token;
  try {
    token = client_->publish(
        ::mqtt::message::create(std::move(topic), std::move(payload), qos, retained), nullptr,
        *publish_listener_);
  } catch (const std::exception& e) {
    // paho did not take the message, so the listener will not be called for it.
    queued_publishes_.fetch_sub(1, std::memory_order_relaxed);
    return RejectPublish(absl::UnavailableError(absl::StrCat("MQTT publish failed: ", e.what())));
  }
  if (wait == absl::ZeroDuration()) return absl::OkStatus();
  try {
    if (!token->wait_for(ToChrono(wait))) {
      return absl::DeadlineExceededError(
          absl::StrCat("MQTT publish not acknowledged within ", absl::FormatDuration(wait)));
    }
  } catch (const std::exception& e) {
    // Counted by the listener.
    return absl::UnavailableError(absl::StrCat("MQTT publish failed: ", e.what()));
  }
  return absl::OkStatus();
}

bool MqttClient::IsConnected() const {
  absl::MutexLock lock(&mu_);
  return connected_;
}

bool MqttClient::IsSubscribed() const {
  absl::MutexLock lock(&mu_);
  return IsSubscribedLocked();
}

bool MqttClient::WaitUntilConnected(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&connected_), timeout);
  return connected_;
}

bool MqttClient::WaitUntilSubscribed(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &MqttClient::IsSubscribedLocked), timeout);
  return IsSubscribedLocked();
}

void MqttClient::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  stop_requested_.store(true);
  if (connection_thread_.joinable()) connection_thread_.join();

  // A clean DISCONNECT: the broker discards the last will.
  try {
    if (client_ != nullptr && client_->is_connected()) {
      client_->disconnect(ToChrono(kDisconnectTimeout))
          ->wait_for(ToChrono(kDisconnectTimeout + absl::Seconds(1)));
    }
  } catch (const std::exception& e) {
    spdlog::warn("mqtt disconnect failed client_id={} error=\"{}\"", options_.client_id, e.what());
  }
  // From here on no message handler runs.
  {
    absl::WriterMutexLock lock(&message_handler_mu_);
    message_handler_ = nullptr;
  }
  bool announce;
  {
    absl::MutexLock lock(&mu_);
    announce = announced_connected_;
    announced_connected_ = false;
    SetConnectedLocked(false);
  }
  if (announce) NotifyConnection(false);
  spdlog::info("mqtt client stopped client_id={}", options_.client_id);
}

}  // namespace wm::mqtt
