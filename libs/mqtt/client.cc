#include "libs/mqtt/client.h"

#include <mosquitto.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "libs/base/backoff.h"
#include "libs/mqtt/poll_loop.h"
#include "libs/mqtt/topic.h"
#include "spdlog/spdlog.h"
#include "third_party/system/string_view_compat.h"

namespace wm::mqtt {
namespace {

// SUBACK return code of a refused subscription (MQTT 3.1.1 §3.9.3).
constexpr int kSubscriptionRefused = 0x80;
// The largest payload a PUBLISH can carry (MQTT 3.1.1 §2.2.3: remaining length < 2^28).
constexpr size_t kMaxPayloadBytes = 268435455;
// The longest the network thread sleeps in LoopOnce without traffic: how soon it notices
// Stop(), a new subscription or a timeout. Publishing wakes it at once.
constexpr int kLoopSliceMs = 100;
// Stop() lets messages in flight finish for this long before disconnecting.
constexpr absl::Duration kDisconnectTimeout = absl::Seconds(2);
// libmosquitto refuses keepalives of 1 to 4 s.
constexpr int64_t kMinKeepaliveSeconds = 5;
// Where Debian keeps the system's CAs, hashed for OpenSSL; used with
// MOSQ_OPT_TLS_USE_OS_CERTS (OpenSSL's default paths) when no CA file is configured, because
// mosquitto_tls_set needs a CA file or directory.
constexpr char kSystemCaDirectory[] = "/etc/ssl/certs";
// Library errors kept for the log line of a failed connection attempt.
constexpr size_t kMaxLibraryErrorBytes = 512;

// For log lines driven by traffic: log the 1st, 2nd, 4th, 8th... occurrence.
bool ShouldLog(uint64_t occurrence) { return (occurrence & (occurrence - 1)) == 0; }

std::string ServerUri(const MqttOptions& options) {
  bool ipv6 = options.host.find(':') != std::string::npos;
  return absl::StrCat(options.force_unsecure ? "tcp://" : "ssl://", ipv6 ? "[" : "", options.host,
                      ipv6 ? "]" : "", ":", options.port);
}

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// libmosquitto must be initialised once per process before its first client, and
// mosquitto_lib_init is not thread-safe. A function-local static runs it exactly once, on first
// use, with the thread safety C++ guarantees for such initialisations; it is the library's
// process-wide state, not ours. mosquitto_lib_cleanup is left to process exit on purpose: it
// unloads OpenSSL's configuration, which gRPC (in the same processes) may still be using while
// static destructors run, and clients owned elsewhere may outlive any object we could tie it to.
void InitLibraryOnce() {
  static const bool initialised = [] {
    mosquitto_lib_init();
    return true;
  }();
  (void)initialised;
}

// A client key protected by a passphrase is refused rather than letting OpenSSL prompt for it
// on the terminal.
int NoKeyPassphrase(char*, int, int, void*) { return 0; }

// The socket's state after libmosquitto reported success: libmosquitto 2.0.11 keeps retrying a
// TLS handshake on a connection the peer refused or closed (SSL_ERROR_SYSCALL), so a connection
// attempt checks for that itself. Empty while the socket is usable.
std::string ClosedSocketError(int fd) {
  if (fd < 0) return "connection closed";
  pollfd descriptor{fd, 0, 0};
  if (poll(&descriptor, 1, 0) <= 0 || (descriptor.revents & (POLLHUP | POLLERR)) == 0) return "";
  int error = 0;
  socklen_t size = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error != 0) {
    return ErrnoText(error);
  }
  return "connection closed by the broker";
}

bool TcpConnected(int fd) {
  sockaddr_storage peer;
  socklen_t size = sizeof(peer);
  return fd >= 0 && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) == 0;
}

// The most specific status for a libmosquitto error from mosquitto_publish.
absl::Status PublishError(int rc) {
  std::string message = absl::StrCat("MQTT publish failed: ", mosquitto_strerror(rc));
  switch (rc) {
    case MOSQ_ERR_INVAL:
    case MOSQ_ERR_MALFORMED_UTF8:
    case MOSQ_ERR_PAYLOAD_SIZE:
    case MOSQ_ERR_OVERSIZE_PACKET:
    case MOSQ_ERR_QOS_NOT_SUPPORTED:
      return absl::InvalidArgumentError(message);
    case MOSQ_ERR_NOMEM:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::UnavailableError(message);
  }
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
      window_(options_.max_queued_publishes,
              [this](const absl::Status& status) { CountPublishDone(status); }) {
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
  hand_off_failures_ = &prometheus::BuildCounter()
                            .Name("wm_mqtt_hand_off_failures_total")
                            .Help("Reads whose messages were not acknowledged because the "
                                  "hand-off handler failed (the connection was dropped)")
                            .Register(*registry)
                            .Add(metric_labels);
  connected_gauge_->Set(0);
}

MqttClient::~MqttClient() {
  Stop();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

std::string MqttClient::SharedFilter(std::string_view group, std::string_view filter) {
  return absl::StrCat("$share/", ToAbsl(group), "/", ToAbsl(filter));
}

void MqttClient::SetMessageHandler(MessageHandler handler) {
  absl::WriterMutexLock lock(&message_handler_mu_);
  message_handler_ = std::move(handler);
}

void MqttClient::SetHandOffHandler(HandOffHandler handler) {
  poll_loop_.SetHandOff(std::move(handler), hand_off_failures_);
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
  if (mosquitto_validate_utf8(filter.data(), static_cast<int>(filter.size())) != MOSQ_ERR_SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid MQTT topic filter \"", filter, "\": not UTF-8"));
  }
  absl::MutexLock lock(&mu_);
  subscriptions_.push_back({std::move(filter), qos});
  // The network thread picks it up within one loop slice.
  subscription_count_.store(subscriptions_.size(), std::memory_order_release);
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
    if (mosq_ != nullptr) mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    absl::MutexLock lock(&mu_);
    started_ = false;
    return status;
  }
  started_flag_.store(true);
  spdlog::info("mqtt client starting client_id={} broker={} tls={} persist_session={}",
               options_.client_id, ServerUri(options_), !options_.force_unsecure,
               options_.persist_session);
  network_thread_ = std::thread([this] { RunNetworkLoop(); });
  return absl::OkStatus();
}

absl::Status MqttClient::CreateClient() {
  absl::Status valid = ValidateOptions();
  if (!valid.ok()) return valid;
  InitLibraryOnce();

  auto failed = [](std::string_view what, int rc) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot set up the MQTT client: ", ToAbsl(what), ": ", mosquitto_strerror(rc)));
  };
  errno = 0;
  mosq_ =
      mosquitto_new(options_.client_id.c_str(), /*clean_session=*/!options_.persist_session, this);
  if (mosq_ == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create the MQTT client: ", ErrnoText(errno)));
  }
  // Publish calls libmosquitto from the caller's thread while the network thread runs it: in
  // threaded mode libmosquitto only queues there and leaves every socket operation (and OpenSSL)
  // to the network thread.
  mosquitto_threaded_set(mosq_, true);
  if (absl::Status wakeup = poll_loop_.Init(); !wakeup.ok()) return wakeup;
  int rc = mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (rc != MOSQ_ERR_SUCCESS) return failed("protocol version", rc);
  // Requests and their acknowledgements are small: without TCP_NODELAY, Nagle's algorithm and
  // delayed ACKs held each request/response round trip for about 40 ms per hop (88 ms measured
  // client -> broker -> gateway and back), against 0.3 ms with it.
  rc = mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  if (rc != MOSQ_ERR_SUCCESS) return failed("tcp_nodelay", rc);
  rc = mosquitto_max_inflight_messages_set(mosq_, static_cast<unsigned>(options_.max_inflight));
  if (rc != MOSQ_ERR_SUCCESS) return failed("max_inflight", rc);
  if (!options_.username.empty()) {
    rc = mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                                   options_.password.empty() ? nullptr : options_.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) return failed("username", rc);
  }
  if (options_.will.has_value()) {
    const MqttWill& will = *options_.will;
    if (will.payload.size() > kMaxPayloadBytes) {
      return absl::InvalidArgumentError("MQTT last will payload too large");
    }
    rc = mosquitto_will_set(mosq_, will.topic.c_str(), static_cast<int>(will.payload.size()),
                            will.payload.data(), will.qos, will.retained);
    if (rc != MOSQ_ERR_SUCCESS) return failed("last will", rc);
  }
  if (!options_.force_unsecure) {
    const bool system_cas = options_.ca_certs.empty();
    if (system_cas) {
      rc = mosquitto_int_option(mosq_, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
      if (rc != MOSQ_ERR_SUCCESS) return failed("system CAs", rc);
    }
    // Checks that the files can be read; their contents are loaded on connecting.
    rc = mosquitto_tls_set(mosq_, system_cas ? nullptr : options_.ca_certs.c_str(),
                           system_cas ? kSystemCaDirectory : nullptr,
                           options_.certfile.empty() ? nullptr : options_.certfile.c_str(),
                           options_.keyfile.empty() ? nullptr : options_.keyfile.c_str(),
                           &NoKeyPassphrase);
    if (rc != MOSQ_ERR_SUCCESS) return failed("TLS files (ca_certs, certfile, keyfile)", rc);
    if (options_.allow_untrusted) {
      // Neither the chain (SSL_VERIFY_NONE) nor the server's name is checked.
      rc = mosquitto_tls_opts_set(mosq_, /*cert_reqs=SSL_VERIFY_NONE*/ 0, nullptr, nullptr);
      if (rc != MOSQ_ERR_SUCCESS) return failed("TLS options", rc);
      rc = mosquitto_tls_insecure_set(mosq_, true);
      if (rc != MOSQ_ERR_SUCCESS) return failed("TLS options", rc);
    }
  }
  mosquitto_connect_callback_set(mosq_, &MqttClient::OnConnectCallback);
  mosquitto_publish_callback_set(mosq_, &MqttClient::OnPublishCallback);
  mosquitto_message_callback_set(mosq_, &MqttClient::OnMessageCallback);
  mosquitto_subscribe_callback_set(mosq_, &MqttClient::OnSubscribeCallback);
  return absl::OkStatus();
}

// The callbacks run inside libmosquitto's C frames: nothing may propagate out of them.
void MqttClient::OnConnectCallback(::mosquitto*, void* self, int rc) {
  MqttClient& client = *static_cast<MqttClient*>(self);
  client.connack_code_ = rc;
  if (rc != 0) return;
  // Counted here, not once ConnectOnce returns: a persistent session's queued messages can come
  // in the read that brought the CONNACK, and their handler must see the reconnection counted.
  absl::MutexLock lock(&client.mu_);
  if (client.ever_connected_) client.reconnects_->Increment();
  client.ever_connected_ = true;
}

// The window wakes a message's waiter before anything that could throw (publish_window.h), so
// an exception stopped here never leaves PublishAndWait waiting.
void MqttClient::OnPublishCallback(::mosquitto*, void* self, int mid) {
  MqttClient& client = *static_cast<MqttClient*>(self);
  try {
    client.OnPublished(mid);
  } catch (const std::exception& e) {
    client.CountCallbackException("publish", e.what());
  } catch (...) {
    client.CountCallbackException("publish", "unknown exception");
  }
}

void MqttClient::OnMessageCallback(::mosquitto*, void* self, const ::mosquitto_message* message) {
  MqttClient& client = *static_cast<MqttClient*>(self);
  try {
    client.OnMessage(*message);
  } catch (const std::exception& e) {
    client.CountCallbackException("message", e.what());
  } catch (...) {
    client.CountCallbackException("message", "unknown exception");
  }
}

void MqttClient::OnSubscribeCallback(::mosquitto*, void* self, int mid, int qos_count,
                                     const int* granted_qos) {
  MqttClient& client = *static_cast<MqttClient*>(self);
  try {
    client.OnSubscribed(mid, qos_count, granted_qos);
  } catch (const std::exception& e) {
    client.CountCallbackException("subscribe", e.what());
  } catch (...) {
    client.CountCallbackException("subscribe", "unknown exception");
  }
}

void MqttClient::CountCallbackException(const char* callback, const char* what) {
  uint64_t count = ++callback_exceptions_;
  // spdlog reports its own failures to its error handler instead of throwing.
  if (ShouldLog(count)) {
    spdlog::error("mqtt {} callback failed client_id={} error=\"{}\" count={}", callback,
                  options_.client_id, what, count);
  }
}

void MqttClient::OnLogCallback(::mosquitto*, void* self, int level, const char* text) {
  if ((level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) == 0 || text == nullptr) return;
  MqttClient& client = *static_cast<MqttClient*>(self);
  try {
    absl::MutexLock lock(&client.library_error_mu_);
    std::string& error = client.library_error_;
    if (error.size() >= kMaxLibraryErrorBytes) return;
    if (!error.empty()) error += "; ";
    error += text;
  } catch (const std::exception& e) {
    client.CountCallbackException("log", e.what());
  }
}

bool MqttClient::IsSubscribedLocked() const {
  return connected_.load() && subscribed_count_ == subscriptions_.size() && !subscription_refused_;
}

void MqttClient::SetConnectedLocked(bool connected) {
  connected_.store(connected);
  connected_gauge_->Set(connected ? 1 : 0);
  if (!connected) {
    subscribed_count_ = 0;
    subscription_refused_ = false;
  }
}

bool MqttClient::OnNetworkThread() const {
  return std::this_thread::get_id() == network_thread_id_.load(std::memory_order_relaxed);
}

int MqttClient::LoopOnce(int timeout_ms) { return poll_loop_.RunOnce(mosq_, timeout_ms); }

void MqttClient::WakeNetworkThread() { poll_loop_.Wake(); }

void MqttClient::SleepUnlessStopped(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  auto stopping = [this] { return stop_requested_.load(); };
  mu_.AwaitWithTimeout(absl::Condition(&stopping), delay);
}

std::string MqttClient::DescribeError(int rc, int saved_errno) {
  std::string text =
      rc == MOSQ_ERR_ERRNO && saved_errno != 0 ? ErrnoText(saved_errno) : mosquitto_strerror(rc);
  absl::MutexLock lock(&library_error_mu_);
  if (!library_error_.empty()) absl::StrAppend(&text, " (", library_error_, ")");
  return text;
}

void MqttClient::RunNetworkLoop() {
  network_thread_id_.store(std::this_thread::get_id());
  base::ExponentialBackoff backoff(options_.reconnect_min_delay, options_.reconnect_max_delay);
  int failures = 0;
  while (!stop_requested_.load()) {
    absl::Status status = ConnectOnce();
    if (!status.ok()) {
      if (stop_requested_.load()) break;
      ++failures;
      connect_failures_->Increment();
      absl::Duration delay = backoff.NextDelay(random_);
      // One line per attempt: attempts are spaced by the backoff.
      spdlog::warn(
          "mqtt connect failed client_id={} broker={} attempt={} error=\"{}\" retry_in_ms={}",
          options_.client_id, ServerUri(options_), failures, std::string(status.message()),
          absl::ToInt64Milliseconds(delay));
      SleepUnlessStopped(delay);
      continue;
    }
    backoff.Reset();
    failures = 0;
    OnConnected();
    status = RunConnection();
    // Stop() while connected, or a connection that could not subscribe: leave with a DISCONNECT
    // so that the broker does not publish the last will.
    if (mosquitto_socket(mosq_) >= 0) DisconnectCleanly(/*wait_for_in_flight=*/status.ok());
    OnDisconnected(status);
    if (stop_requested_.load()) break;
    // Full jitter here too: clients cut off together by a broker restart come back spread out.
    SleepUnlessStopped(backoff.NextDelay(random_));
  }
}

absl::Status MqttClient::ConnectOnce() {
  connack_code_ = -1;
  {
    absl::MutexLock lock(&library_error_mu_);
    library_error_.clear();
  }
  // Only while connecting: with a log callback set, libmosquitto formats a line per packet.
  mosquitto_log_callback_set(mosq_, &MqttClient::OnLogCallback);
  const int keepalive = options_.keepalive == absl::ZeroDuration()
                            ? 0
                            : static_cast<int>(std::max(kMinKeepaliveSeconds,
                                                        absl::ToInt64Seconds(options_.keepalive)));
  int rc;
  int saved_errno;
  {
    absl::MutexLock lock(&connection_mu_);
    // A new connection discards the QoS 0 messages libmosquitto had not sent yet; QoS 1/2
    // messages are kept and sent again.
    window_.FailPending(absl::UnavailableError("connection lost before the message was sent"),
                        /*qos0_only=*/true);
    // Resolves the name and starts a non-blocking TCP connect; the TLS handshake and CONNECT
    // happen in LoopOnce.
    errno = 0;
    rc = mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port, keepalive);
    saved_errno = errno;
  }
  const absl::Time deadline = absl::Now() + options_.connect_timeout;
  absl::Time stop_deadline = absl::InfiniteFuture();
  std::string closed;
  while (rc == MOSQ_ERR_SUCCESS && connack_code_ < 0) {
    const absl::Time now = absl::Now();
    if (stop_requested_.load() && stop_deadline == absl::InfiniteFuture()) {
      // Let a connection in progress finish, so that Stop() can end it with a DISCONNECT
      // instead of dropping it (which would make the broker publish the last will). Before
      // the TCP connection is up the broker knows nothing of us: no need to wait.
      if (!TcpConnected(mosquitto_socket(mosq_))) break;
      stop_deadline = now + kDisconnectTimeout;
    }
    if (now >= deadline || now >= stop_deadline) break;
    errno = 0;
    rc = LoopOnce(kLoopSliceMs);
    saved_errno = errno;
    if (rc == MOSQ_ERR_SUCCESS && connack_code_ < 0) {
      closed = ClosedSocketError(mosquitto_socket(mosq_));
      if (!closed.empty()) break;
    }
  }
  mosquitto_log_callback_set(mosq_, nullptr);
  if (absl::Status failed = poll_loop_.TakeHandOffFailure(); !failed.ok()) return failed;
  if (connack_code_ == 0 && rc == MOSQ_ERR_SUCCESS) return absl::OkStatus();
  if (connack_code_ > 0) {
    return absl::UnavailableError(
        absl::StrCat("broker refused the connection: ", mosquitto_connack_string(connack_code_)));
  }
  if (!closed.empty()) return absl::UnavailableError(closed);
  if (rc == MOSQ_ERR_SUCCESS) {
    if (stop_requested_.load()) return absl::CancelledError("client is stopping");
    return absl::DeadlineExceededError(absl::StrCat(
        "no answer from the broker in ", absl::FormatDuration(options_.connect_timeout)));
  }
  return absl::UnavailableError(DescribeError(rc, saved_errno));
}

void MqttClient::OnConnected() {
  size_t subscriptions;
  {
    absl::MutexLock lock(&mu_);
    SetConnectedLocked(true);
    subscriptions = subscriptions_.size();
  }
  known_subscriptions_ = 0;
  subscribe_mids_.clear();
  spdlog::info("mqtt connected client_id={} broker={} subscriptions={}", options_.client_id,
               ServerUri(options_), subscriptions);
}

void MqttClient::OnDisconnected(const absl::Status& cause) {
  bool announce;
  {
    absl::MutexLock lock(&mu_);
    SetConnectedLocked(false);
    announce = announced_connected_.load();
    announced_connected_.store(false);
  }
  subscribe_mids_.clear();
  if (!cause.ok()) {
    spdlog::warn("mqtt connection lost client_id={} broker={} cause=\"{}\"", options_.client_id,
                 ServerUri(options_), std::string(cause.message()));
  }
  if (announce) NotifyConnection(false);
}

absl::Status MqttClient::RunConnection() {
  while (!stop_requested_.load(std::memory_order_relaxed)) {
    if (subscribe_mids_.empty() &&
        known_subscriptions_ != subscription_count_.load(std::memory_order_acquire)) {
      absl::Status status = SubscribeNewFilters();
      if (!status.ok()) {
        spdlog::warn("mqtt subscribe failed client_id={} error=\"{}\"", options_.client_id,
                     std::string(status.message()));
        return status;
      }
    }
    if (!subscribe_mids_.empty() && absl::Now() >= subscribe_deadline_) {
      absl::Status status = absl::DeadlineExceededError(absl::StrCat(
          "no SUBACK from the broker in ", absl::FormatDuration(options_.connect_timeout)));
      spdlog::warn("mqtt subscribe failed client_id={} error=\"{}\"", options_.client_id,
                   std::string(status.message()));
      return status;
    }
    if (!announced_connected_.load(std::memory_order_relaxed) && subscribe_mids_.empty() &&
        known_subscriptions_ == subscription_count_.load(std::memory_order_acquire)) {
      {
        absl::MutexLock lock(&mu_);
        announced_connected_.store(true);
      }
      NotifyConnection(true);
    }
    errno = 0;
    const int rc = LoopOnce(kLoopSliceMs);
    const int saved_errno = errno;
    if (absl::Status failed = poll_loop_.TakeHandOffFailure(); !failed.ok()) return failed;
    if (rc != MOSQ_ERR_SUCCESS) return absl::UnavailableError(DescribeError(rc, saved_errno));
    if (mosquitto_socket(mosq_) < 0) return absl::UnavailableError("connection closed");
  }
  return absl::OkStatus();
}

absl::Status MqttClient::SubscribeNewFilters() {
  std::vector<Subscription> batch;
  size_t begin;
  {
    absl::MutexLock lock(&mu_);
    begin = subscribed_count_;
    batch.assign(subscriptions_.begin() + static_cast<ptrdiff_t>(begin), subscriptions_.end());
    known_subscriptions_ = subscriptions_.size();
  }
  subscribe_batch_end_ = begin + batch.size();
  subscribe_batch_refused_ = false;
  subscribe_deadline_ = absl::Now() + options_.connect_timeout;
  // One SUBSCRIBE per filter: each has its own QoS, and each SUBACK says whether it was granted.
  for (size_t i = 0; i < batch.size(); ++i) {
    int mid = 0;
    const int rc = mosquitto_subscribe(mosq_, &mid, batch[i].filter.c_str(), batch[i].qos);
    if (rc != MOSQ_ERR_SUCCESS) {
      subscribe_mids_.clear();
      return absl::UnavailableError(
          absl::StrCat("cannot subscribe ", batch[i].filter, ": ", mosquitto_strerror(rc)));
    }
    subscribe_mids_[mid] = begin + i;
  }
  return absl::OkStatus();
}

void MqttClient::OnSubscribed(int mid, int qos_count, const int* granted_qos) {
  auto it = subscribe_mids_.find(mid);
  if (it == subscribe_mids_.end()) return;  // from an earlier connection
  const size_t index = it->second;
  subscribe_mids_.erase(it);
  const bool granted =
      qos_count >= 1 && granted_qos != nullptr && granted_qos[0] >= 0 && granted_qos[0] <= 2;
  if (!granted) {
    subscribe_batch_refused_ = true;
    std::string filter;
    {
      absl::MutexLock lock(&mu_);
      if (index < subscriptions_.size()) filter = subscriptions_[index].filter;
    }
    spdlog::error("mqtt subscription refused by the broker client_id={} filter={} code={}",
                  options_.client_id, filter,
                  qos_count >= 1 && granted_qos != nullptr ? granted_qos[0] : kSubscriptionRefused);
  }
  if (subscribe_mids_.empty()) {
    absl::MutexLock lock(&mu_);
    subscribed_count_ = subscribe_batch_end_;
    if (subscribe_batch_refused_) subscription_refused_ = true;
  }
}

void MqttClient::DisconnectCleanly(bool wait_for_in_flight) {
  const absl::Time deadline = absl::Now() + kDisconnectTimeout;
  if (wait_for_in_flight) {
    while (window_.HasPending() && absl::Now() < deadline) {
      if (LoopOnce(kLoopSliceMs) != MOSQ_ERR_SUCCESS) return;
      if (mosquitto_socket(mosq_) < 0) return;
    }
  }
  if (mosquitto_disconnect(mosq_) != MOSQ_ERR_SUCCESS) return;
  // libmosquitto closes the socket once the DISCONNECT is written.
  const absl::Time written_deadline = absl::Now() + kDisconnectTimeout;
  while (mosquitto_socket(mosq_) >= 0 && absl::Now() < written_deadline) {
    if (LoopOnce(kLoopSliceMs) != MOSQ_ERR_SUCCESS) break;
  }
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

void MqttClient::OnMessage(const ::mosquitto_message& m) {
  received_->Increment();
  poll_loop_.MessageHandled();
  // libmosquitto frees `m` after this callback: one copy of topic and payload, in one buffer
  // that the message and its copies share.
  const size_t topic_size = m.topic != nullptr ? std::strlen(m.topic) : 0;
  const size_t payload_size = m.payload != nullptr && m.payloadlen > 0 ? m.payloadlen : 0;
  std::shared_ptr<char> bytes(new char[topic_size + payload_size + 1],
                              std::default_delete<char[]>());
  if (topic_size > 0) std::memcpy(bytes.get(), m.topic, topic_size);
  if (payload_size > 0) std::memcpy(bytes.get() + topic_size, m.payload, payload_size);
  const std::string_view topic(bytes.get(), topic_size);
  const std::string_view payload(bytes.get() + topic_size, payload_size);
  const MqttMessage message(std::move(bytes), topic, payload, m.qos, m.retain,
                            /*duplicate=*/false);

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

void MqttClient::OnPublished(int mid) { window_.Acknowledge(mid); }

void MqttClient::CountPublishDone(const absl::Status& status) {
  if (status.ok()) {
    published_->Increment();
    return;
  }
  publish_errors_->Increment();
  uint64_t count = ++publish_failures_logged_;
  if (ShouldLog(count)) {
    spdlog::warn("mqtt publish failed client_id={} error=\"{}\" count={}", options_.client_id,
                 std::string(status.message()), count);
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
  return PublishInternal(std::move(topic), std::move(payload), qos, retained,
                         std::max(timeout, absl::Nanoseconds(1)));
}

absl::Status MqttClient::PublishInternal(std::string topic, std::string payload, int qos,
                                         bool retained, absl::Duration wait) {
  if (qos < 0 || qos > 2) {
    return RejectPublish(absl::InvalidArgumentError(absl::StrCat("QoS must be 0..2, got ", qos)));
  }
  absl::Status valid = ValidateTopicName(topic);
  if (!valid.ok()) return RejectPublish(valid);
  if (payload.size() > kMaxPayloadBytes) {
    return RejectPublish(absl::InvalidArgumentError("MQTT payload larger than 268435455 bytes"));
  }
  if (!started_flag_.load()) {
    return RejectPublish(absl::FailedPreconditionError("MQTT client not started"));
  }
  if (stop_requested_.load(std::memory_order_relaxed)) {
    return RejectPublish(absl::FailedPreconditionError("MQTT client stopped"));
  }
  if (wait > absl::ZeroDuration() && OnNetworkThread()) {
    return RejectPublish(absl::FailedPreconditionError(
        "PublishAndWait from a handler would wait for the thread that runs the handler"));
  }
  if (!connected_.load(std::memory_order_relaxed)) {
    return RejectPublish(absl::UnavailableError("not connected to the MQTT broker"));
  }
  // Allocated before the slot and the lock are taken: nothing below may throw while they are held.
  std::shared_ptr<PublishWindow::Waiter> completion;
  if (wait > absl::ZeroDuration()) completion = PublishWindow::NewWaiter();
  if (absl::Status room = window_.Reserve(); !room.ok()) return RejectPublish(room);
  if (!connection_mu_.ReaderTryLock()) {
    window_.Release();
    return RejectPublish(absl::UnavailableError("reconnecting to the MQTT broker"));
  }
  if (stop_requested_.load()) {  // Stop() may have failed the pending messages already
    connection_mu_.ReaderUnlock();
    window_.Release();
    return RejectPublish(absl::FailedPreconditionError("MQTT client stopped"));
  }
  int mid = 0;
  const int rc = mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, retained);
  // A QoS 1/2 message is queued even when libmosquitto could not send it right away (the
  // connection just dropped): it is sent after reconnecting and reported done then.
  const bool taken =
      rc == MOSQ_ERR_SUCCESS ||
      (qos > 0 && (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO));
  if (taken) window_.Register(mid, qos, completion);
  connection_mu_.ReaderUnlock();
  if (taken) WakeNetworkThread();
  if (!taken) {
    window_.Release();
    return RejectPublish(PublishError(rc));
  }
  if (completion == nullptr) return absl::OkStatus();
  return PublishWindow::Wait(*completion, wait);  // a failure is counted when it happens
}

bool MqttClient::WaitForRoom(absl::Duration timeout) {
  if (!started_flag_.load() || stop_requested_.load()) return false;
  if (window_.HasRoom()) return true;
  if (OnNetworkThread()) return false;  // only this thread could make room
  return window_.WaitForRoom(timeout, [this] { return stop_requested_.load(); });
}

bool MqttClient::IsConnected() const { return connected_.load(); }

bool MqttClient::IsSubscribed() const {
  absl::MutexLock lock(&mu_);
  return IsSubscribedLocked();
}

bool MqttClient::WaitUntilConnected(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto connected = [this] { return connected_.load(); };
  mu_.AwaitWithTimeout(absl::Condition(&connected), timeout);
  return connected_.load();
}

bool MqttClient::WaitUntilSubscribed(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &MqttClient::IsSubscribedLocked), timeout);
  return IsSubscribedLocked();
}

void MqttClient::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stop_requested_.load()) return;
    stop_requested_.store(true);
  }
  WakeNetworkThread();
  window_.WakeRoomWaiters();
  if (network_thread_.joinable()) network_thread_.join();
  // The network thread is gone: from here on no handler runs. Publish calls that passed their
  // stop check register their message before this lock is granted; later ones are refused.
  {
    absl::MutexLock lock(&connection_mu_);
    window_.FailPending(absl::CancelledError("MQTT client stopped before the message was done"),
                        /*qos0_only=*/false);
  }
  {
    absl::WriterMutexLock lock(&message_handler_mu_);
    message_handler_ = nullptr;
  }
  {
    absl::MutexLock lock(&mu_);
    SetConnectedLocked(false);
    announced_connected_.store(false);
  }
  spdlog::info("mqtt client stopped client_id={}", options_.client_id);
}

}  // namespace wm::mqtt
