#include "libs/mqtt/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/certificate_authority.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/ports.h"
#include "libs/testing/subprocess.h"
#include "prometheus/registry.h"

namespace wm::mqtt {
namespace {

using ::wm::testing::CertificateAuthority;
using ::wm::testing::CertificateFiles;
using ::wm::testing::MosquittoOptions;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::MosquittoTls;

constexpr absl::Duration kTimeout = absl::Seconds(10);

// Polls `condition` until it holds or `timeout` passes; returns its last value.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout = kTimeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return condition();
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// Collects the messages a client receives; keeps MqttMessage copies, which must stay valid.
class Inbox {
 public:
  MqttClient::MessageHandler Handler() {
    return [this](const MqttMessage& message) {
      absl::MutexLock lock(&mu_);
      messages_.push_back(message);
    };
  }
  // Waits until `count` messages have arrived; returns all received so far.
  std::vector<MqttMessage> WaitFor(size_t count, absl::Duration timeout = kTimeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return messages_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return messages_;
  }
  bool WaitForPayload(std::string_view payload, absl::Duration timeout = kTimeout) {
    absl::MutexLock lock(&mu_);
    auto seen = [this, payload]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const MqttMessage& m : messages_) {
        if (m.payload() == payload) return true;
      }
      return false;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }
  std::vector<MqttMessage> messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }

 private:
  absl::Mutex mu_;
  std::vector<MqttMessage> messages_ ABSL_GUARDED_BY(mu_);
};

// The value of an unlabelled counter or gauge, or -1 when absent.
double MetricValue(const prometheus::Registry& registry, const std::string& name) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name || family.metric.empty()) continue;
    const prometheus::ClientMetric& metric = family.metric.front();
    return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                          : metric.gauge.value;
  }
  return -1;
}

// Plain-TCP options for a broker on 127.0.0.1, with quick reconnection.
MqttOptions LocalOptions(int port) {
  MqttOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.force_unsecure = true;
  options.connect_timeout = absl::Seconds(2);
  options.reconnect_min_delay = absl::Milliseconds(20);
  options.reconnect_max_delay = absl::Milliseconds(200);
  return options;
}

std::unique_ptr<MosquittoProcess> StartBroker(MosquittoOptions options = {}) {
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker =
      MosquittoProcess::Start(std::move(options));
  EXPECT_TRUE(broker.ok()) << broker.status();
  return broker.ok() ? *std::move(broker) : nullptr;
}

// A started client with its own metrics registry and inbox.
struct TestClient {
  explicit TestClient(MqttOptions options) : client(std::move(options), &registry) {
    client.SetMessageHandler(inbox.Handler());
  }
  double Metric(const std::string& name) const { return MetricValue(registry, name); }

  prometheus::Registry registry;
  Inbox inbox;
  MqttClient client;
};

std::unique_ptr<TestClient> StartSubscriber(MqttOptions options, const std::string& filter,
                                            int qos) {
  auto subscriber = std::make_unique<TestClient>(std::move(options));
  EXPECT_TRUE(subscriber->client.AddSubscription(filter, qos).ok());
  EXPECT_TRUE(subscriber->client.Start().ok());
  EXPECT_TRUE(subscriber->client.WaitUntilSubscribed(kTimeout));
  return subscriber;
}

std::unique_ptr<TestClient> StartPublisher(MqttOptions options) {
  auto publisher = std::make_unique<TestClient>(std::move(options));
  EXPECT_TRUE(publisher->client.Start().ok());
  EXPECT_TRUE(publisher->client.WaitUntilConnected(kTimeout));
  return publisher;
}

class QosRoundTripTest : public ::testing::TestWithParam<int> {};

TEST_P(QosRoundTripTest, MessageArrivesWithTopicPayloadAndQos) {
  const int qos = GetParam();
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto subscriber = StartSubscriber(LocalOptions(broker->port()), "rt/#", qos);
  auto publisher = StartPublisher(LocalOptions(broker->port()));

  std::string payload("bin\0ary", 7);
  ASSERT_TRUE(publisher->client.PublishAndWait("rt/a/b", payload, qos, false, kTimeout).ok());
  std::vector<MqttMessage> received = subscriber->inbox.WaitFor(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].topic(), "rt/a/b");
  EXPECT_EQ(received[0].payload(), payload);
  EXPECT_EQ(received[0].qos(), qos);
  EXPECT_FALSE(received[0].retained());
  EXPECT_EQ(publisher->Metric("wm_mqtt_messages_published_total"), 1);
  EXPECT_EQ(publisher->Metric("wm_mqtt_publish_errors_total"), 0);
  EXPECT_EQ(subscriber->Metric("wm_mqtt_messages_received_total"), 1);
  EXPECT_EQ(subscriber->Metric("wm_mqtt_connected"), 1);
}

INSTANTIATE_TEST_SUITE_P(AllQos, QosRoundTripTest, ::testing::Values(0, 1, 2));

TEST(MqttClientTest, ManyMessagesArriveInOrderAtQos1) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto subscriber = StartSubscriber(LocalOptions(broker->port()), "seq", 1);
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  constexpr int kCount = 500;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(publisher->client.Publish("seq", std::to_string(i), 1, false).ok()) << i;
  }
  std::vector<MqttMessage> received = subscriber->inbox.WaitFor(kCount);
  ASSERT_EQ(received.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(received[i].payload(), std::to_string(i));
  EXPECT_TRUE(
      Eventually([&] { return publisher->Metric("wm_mqtt_messages_published_total") == kCount; }));
}

// Holds open descriptors until the lowest free one is at least `above`, so that the next
// socket gets a number that select() cannot watch (FD_SETSIZE is 1024).
class DescriptorFiller {
 public:
  // False when the process may not hold that many descriptors.
  bool Fill(int above) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    const rlim_t wanted = static_cast<rlim_t>(above) + 256;
    if (limit.rlim_cur < wanted) {
      if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) return false;
      limit.rlim_cur = wanted;
      if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    }
    while (true) {
      const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return false;
      fds_.push_back(fd);
      if (fd >= above) return true;
    }
  }
  ~DescriptorFiller() {
    for (int fd : fds_) close(fd);
  }

 private:
  std::vector<int> fds_;
};

TEST(MqttClientTest, WorksWhenItsSocketsAreNumberedAboveFdSetSize) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  DescriptorFiller filler;
  if (!filler.Fill(1100)) GTEST_SKIP() << "this process may not open 1,100 descriptors";
  auto subscriber = StartSubscriber(LocalOptions(broker->port()), "high/#", 1);
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  ASSERT_TRUE(subscriber->client.IsConnected());
  for (int qos = 0; qos <= 2; ++qos) {
    ASSERT_TRUE(publisher->client
                    .PublishAndWait(absl::StrCat("high/", qos), absl::StrCat("q", qos), qos, false,
                                    kTimeout)
                    .ok());
  }
  std::vector<MqttMessage> received = subscriber->inbox.WaitFor(3);
  ASSERT_EQ(received.size(), 3u);
  for (int qos = 0; qos <= 2; ++qos) EXPECT_EQ(received[qos].payload(), absl::StrCat("q", qos));
}

TEST(MqttClientTest, RetainedMessageArrivesOnSubscribeFlaggedRetained) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  ASSERT_TRUE(
      publisher->client.PublishAndWait("gw-event/status/gw1", "online", 1, true, kTimeout).ok());

  auto subscriber = StartSubscriber(LocalOptions(broker->port()), "gw-event/status/+", 1);
  std::vector<MqttMessage> received = subscriber->inbox.WaitFor(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].payload(), "online");
  EXPECT_TRUE(received[0].retained());

  // The same topic published live reaches a subscriber without the retained flag.
  ASSERT_TRUE(
      publisher->client.PublishAndWait("gw-event/status/gw1", "again", 1, true, kTimeout).ok());
  received = subscriber->inbox.WaitFor(2);
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1].payload(), "again");
  EXPECT_FALSE(received[1].retained());
}

TEST(MqttClientTest, ResubscribesAndResumesTrafficAfterBrokerRestart) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  // Declared before the client, whose Stop() in its destructor still reports the disconnection.
  absl::Mutex events_mu;
  std::vector<bool> events;
  auto subscriber = std::make_unique<TestClient>(LocalOptions(broker->port()));
  subscriber->client.SetConnectionHandler([&](bool connected) {
    absl::MutexLock lock(&events_mu);
    events.push_back(connected);
  });
  ASSERT_TRUE(subscriber->client.AddSubscription("restart/#", 1).ok());
  ASSERT_TRUE(subscriber->client.Start().ok());
  ASSERT_TRUE(subscriber->client.WaitUntilSubscribed(kTimeout));
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  ASSERT_TRUE(publisher->client.PublishAndWait("restart/x", "before", 1, false, kTimeout).ok());
  ASSERT_TRUE(subscriber->inbox.WaitForPayload("before"));
  EXPECT_EQ(subscriber->Metric("wm_mqtt_reconnects_total"), 0);

  ASSERT_TRUE(broker->Stop().ok());
  ASSERT_TRUE(Eventually([&] { return !subscriber->client.IsConnected(); }));
  EXPECT_EQ(subscriber->Metric("wm_mqtt_connected"), 0);
  EXPECT_EQ(publisher->client.Publish("restart/x", "lost", 1, false).code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(broker->StartAgain().ok());

  // Nothing is called on the clients: they reconnect and re-subscribe by themselves. The
  // publisher keeps trying until the subscriber gets a message.
  EXPECT_TRUE(Eventually([&] {
    publisher->client.Publish("restart/x", "after", 1, false).IgnoreError();
    return subscriber->inbox.WaitForPayload("after", absl::Milliseconds(20));
  }));
  EXPECT_GE(subscriber->Metric("wm_mqtt_reconnects_total"), 1);
  EXPECT_GE(publisher->Metric("wm_mqtt_reconnects_total"), 1);
  EXPECT_EQ(subscriber->Metric("wm_mqtt_connected"), 1);
  absl::MutexLock lock(&events_mu);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0], true);
  EXPECT_EQ(events[1], false);
  EXPECT_EQ(events.back(), true);
}

TEST(MqttClientTest, ConnectsWhenTheBrokerStartsAfterTheClient) {
  int port = ::wm::testing::FreeLoopbackPort();
  TestClient subscriber(LocalOptions(port));
  ASSERT_TRUE(subscriber.client.AddSubscription("late/#", 1).ok());
  ASSERT_TRUE(subscriber.client.Start().ok());
  EXPECT_FALSE(subscriber.client.IsConnected());
  ASSERT_TRUE(Eventually([&] { return subscriber.Metric("wm_mqtt_connect_failures_total") >= 2; }));
  EXPECT_FALSE(subscriber.client.IsSubscribed());

  auto broker = StartBroker({.port = port});
  ASSERT_NE(broker, nullptr);
  ASSERT_TRUE(subscriber.client.WaitUntilSubscribed(kTimeout));
  auto publisher = StartPublisher(LocalOptions(port));
  ASSERT_TRUE(publisher->client.PublishAndWait("late/x", "hello", 1, false, kTimeout).ok());
  EXPECT_TRUE(subscriber.inbox.WaitForPayload("hello"));
  // The first successful connection is not a reconnection.
  EXPECT_EQ(subscriber.Metric("wm_mqtt_reconnects_total"), 0);
}

TEST(MqttClientTest, LastWillIsPublishedWhenTheClientDiesWithoutDisconnecting) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto watcher = StartSubscriber(LocalOptions(broker->port()), "gw-event/status/+", 1);
  auto child = ::wm::testing::Subprocess::Start(
      ::wm::testing::RunfilePath("libs/mqtt/will_client"),
      {std::to_string(broker->port()), "gw-dies", "gw-event/status/gw-dies", "OFFLINE"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::Status connected = (*child)->WaitForOutput("connected", kTimeout);
  ASSERT_TRUE(connected.ok()) << connected;
  EXPECT_TRUE(watcher->inbox.messages().empty());

  ASSERT_TRUE((*child)->Signal(SIGKILL).ok());
  std::vector<MqttMessage> received = watcher->inbox.WaitFor(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].topic(), "gw-event/status/gw-dies");
  EXPECT_EQ(received[0].payload(), "OFFLINE");
}

TEST(MqttClientTest, LastWillIsNotPublishedOnStop) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto watcher = StartSubscriber(LocalOptions(broker->port()), "will/#", 1);
  MqttOptions options = LocalOptions(broker->port());
  options.client_id = "leaves-cleanly";
  options.will = MqttWill{"will/leaves-cleanly", "OFFLINE", 1, false};
  auto leaving = StartPublisher(options);
  leaving->client.Stop();
  EXPECT_FALSE(leaving->client.IsConnected());
  EXPECT_EQ(leaving->Metric("wm_mqtt_connected"), 0);

  // Once the broker has handled the DISCONNECT, any will would be queued for the watcher
  // before a message published afterwards.
  absl::Status handled = broker->WaitForLog("Client leaves-cleanly disconnected.", kTimeout);
  ASSERT_TRUE(handled.ok()) << handled;
  ASSERT_TRUE(watcher->client.PublishAndWait("will/marker", "marker", 1, false, kTimeout).ok());
  ASSERT_TRUE(watcher->inbox.WaitForPayload("marker"));
  std::vector<MqttMessage> received = watcher->inbox.messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].payload(), "marker");
}

TEST(MqttClientTest, SharedSubscriptionGivesEachMessageToExactlyOneMember) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  std::string filter = MqttClient::SharedFilter("wm-ingest", "gw-event/received_data/#");
  EXPECT_EQ(filter, "$share/wm-ingest/gw-event/received_data/#");
  auto first = StartSubscriber(LocalOptions(broker->port()), filter, 1);
  auto second = StartSubscriber(LocalOptions(broker->port()), filter, 1);
  auto publisher = StartPublisher(LocalOptions(broker->port()));

  constexpr int kCount = 100;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(publisher->client
                    .PublishAndWait("gw-event/received_data/gw/sink0/1/2/3", std::to_string(i), 1,
                                    false, kTimeout)
                    .ok());
  }
  ASSERT_TRUE(Eventually(
      [&] { return first->inbox.messages().size() + second->inbox.messages().size() >= kCount; }));
  std::multiset<std::string> all;
  for (const MqttMessage& m : first->inbox.messages()) all.insert(std::string(m.payload()));
  for (const MqttMessage& m : second->inbox.messages()) all.insert(std::string(m.payload()));
  EXPECT_EQ(all.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(all.count(std::to_string(i)), 1u) << i;
  EXPECT_GT(first->inbox.messages().size(), 0u);
  EXPECT_GT(second->inbox.messages().size(), 0u);
}

TEST(MqttClientTest, PersistentSessionKeepsMessagesWhileTheClientIsAway) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttOptions options = LocalOptions(broker->port());
  options.client_id = "durable";
  options.persist_session = true;
  {
    auto first = StartSubscriber(options, "durable/#", 1);
    first->client.Stop();
  }
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  ASSERT_TRUE(publisher->client.PublishAndWait("durable/x", "queued", 1, false, kTimeout).ok());

  // Same client id, no subscription of its own: the broker kept the session.
  TestClient second(options);
  ASSERT_TRUE(second.client.Start().ok());
  EXPECT_TRUE(second.inbox.WaitForPayload("queued"));
}

TEST(MqttClientTest, SubscriptionAddedWhileConnectedTakesEffect) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto client = StartPublisher(LocalOptions(broker->port()));
  EXPECT_TRUE(client->client.IsSubscribed());  // nothing to subscribe yet
  ASSERT_TRUE(client->client.AddSubscription("added/#", 1).ok());
  ASSERT_TRUE(client->client.WaitUntilSubscribed(kTimeout));
  ASSERT_TRUE(client->client.PublishAndWait("added/1", "self", 1, false, kTimeout).ok());
  EXPECT_TRUE(client->inbox.WaitForPayload("self"));
}

// A one-connection MQTT 3.1.1 broker that refuses (SUBACK 0x80) every filter starting with
// "denied", as brokers with subscription ACLs do; mosquitto's ACLs never refuse a SUBSCRIBE.
class RefusingBroker {
 public:
  RefusingBroker() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 1);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RefusingBroker() {
    shutdown(listen_fd_, SHUT_RDWR);
    int connection = connection_fd_.load();
    if (connection >= 0) shutdown(connection, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
    if (connection >= 0) close(connection);
  }
  int port() const { return port_; }

 private:
  static bool ReadExact(int fd, char* data, size_t size) {
    while (size > 0) {
      ssize_t n = read(fd, data, size);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }
  static void WriteAll(int fd, const std::string& bytes) {
    ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }

  void Serve() {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    connection_fd_.store(fd);
    while (true) {
      char header;
      if (!ReadExact(fd, &header, 1)) return;
      size_t length = 0;
      size_t multiplier = 1;
      char byte;
      do {
        if (!ReadExact(fd, &byte, 1)) return;
        length += (static_cast<uint8_t>(byte) & 127) * multiplier;
        multiplier *= 128;
      } while (static_cast<uint8_t>(byte) & 128);
      std::string body(length, '\0');
      if (!ReadExact(fd, body.data(), length)) return;
      switch (static_cast<uint8_t>(header) >> 4) {
        case 1:  // CONNECT: accept
          WriteAll(fd, std::string("\x20\x02\x00\x00", 4));
          break;
        case 8: {  // SUBSCRIBE: packet id, then (length, filter, qos) per filter
          std::string codes;
          for (size_t pos = 2; pos + 2 < body.size();) {
            size_t size =
                (static_cast<uint8_t>(body[pos]) << 8) | static_cast<uint8_t>(body[pos + 1]);
            std::string filter = body.substr(pos + 2, size);
            char qos = body[pos + 2 + size];
            codes.push_back(filter.rfind("denied", 0) == 0 ? '\x80' : qos);
            pos += 3 + size;
          }
          std::string suback = {'\x90', static_cast<char>(2 + codes.size())};
          WriteAll(fd, suback + body.substr(0, 2) + codes);
          break;
        }
        case 12:  // PINGREQ
          WriteAll(fd, std::string("\xd0\x00", 2));
          break;
        case 14:  // DISCONNECT
          return;
      }
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connection_fd_{-1};
  std::thread thread_;
};

// Connects to a RefusingBroker with `filters` and reports IsSubscribed() once the client has
// announced the connection, which it does after handling the SUBACK.
bool SubscribedAfterAnnouncement(const std::vector<std::string>& filters) {
  RefusingBroker broker;
  MqttClient client(LocalOptions(broker.port()));
  absl::Notification announced;
  client.SetConnectionHandler([&](bool connected) {
    if (connected && !announced.HasBeenNotified()) announced.Notify();
  });
  for (const std::string& filter : filters) EXPECT_TRUE(client.AddSubscription(filter, 1).ok());
  EXPECT_TRUE(client.Start().ok());
  EXPECT_TRUE(announced.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_TRUE(client.IsConnected());
  bool subscribed = client.IsSubscribed();
  client.Stop();
  return subscribed;
}

TEST(MqttClientTest, RefusedSubscriptionKeepsTheClientNotReady) {
  EXPECT_TRUE(SubscribedAfterAnnouncement({"allowed/#", "also-allowed/#"}));
  EXPECT_FALSE(SubscribedAfterAnnouncement({"allowed/#", "denied/#"}));
  // A lone refused filter too (one SUBACK, code 0x80).
  EXPECT_FALSE(SubscribedAfterAnnouncement({"denied/#"}));
}

TEST(MqttClientTest, ThrowingMessageHandlerDoesNotStopTheStream) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  Inbox inbox;
  MqttClient client(LocalOptions(broker->port()));
  client.SetMessageHandler([&](const MqttMessage& message) {
    if (message.payload() == "bad") throw std::runtime_error("cannot handle");
    inbox.Handler()(message);
  });
  ASSERT_TRUE(client.AddSubscription("h/#", 1).ok());
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(client.WaitUntilSubscribed(kTimeout));
  ASSERT_TRUE(client.PublishAndWait("h/1", "bad", 1, false, kTimeout).ok());
  ASSERT_TRUE(client.PublishAndWait("h/1", "good", 1, false, kTimeout).ok());
  EXPECT_TRUE(inbox.WaitForPayload("good"));
  EXPECT_TRUE(client.IsConnected());
}

TEST(MqttClientTest, NoHandlerRunsAfterStop) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  std::atomic<bool> stopped{false};
  std::atomic<int> after_stop{0};
  auto subscriber = std::make_unique<MqttClient>(LocalOptions(broker->port()));
  subscriber->SetMessageHandler([&](const MqttMessage&) {
    if (stopped.load()) ++after_stop;
  });
  ASSERT_TRUE(subscriber->AddSubscription("flood", 0).ok());
  ASSERT_TRUE(subscriber->Start().ok());
  ASSERT_TRUE(subscriber->WaitUntilSubscribed(kTimeout));
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  for (int i = 0; i < 2000; ++i) publisher->client.Publish("flood", "x", 0, false).IgnoreError();
  subscriber->Stop();
  stopped.store(true);
  ASSERT_TRUE(publisher->client.PublishAndWait("flood", "x", 1, false, kTimeout).ok());
  subscriber.reset();
  EXPECT_EQ(after_stop.load(), 0);
}

TEST(MqttClientTest, PublishWhileDisconnectedIsAnErrorNotAnException) {
  MqttOptions options = LocalOptions(::wm::testing::FreeLoopbackPort());  // nobody listens
  TestClient client(options);
  EXPECT_EQ(client.client.Publish("t", "x", 1, false).code(),
            absl::StatusCode::kFailedPrecondition);  // not started
  ASSERT_TRUE(client.client.Start().ok());
  EXPECT_EQ(client.client.Publish("t", "x", 1, false).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client.client.PublishAndWait("t", "x", 2, false, absl::Seconds(1)).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(client.Metric("wm_mqtt_publish_errors_total"), 3);
}

TEST(MqttClientTest, PublishChecksTopicAndQos) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto client = StartPublisher(LocalOptions(broker->port()));
  EXPECT_EQ(client->client.Publish("a/+/b", "x", 0, false).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client->client.Publish("a/#", "x", 0, false).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client->client.Publish("", "x", 0, false).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client->client.Publish("a", "x", 3, false).code(), absl::StatusCode::kInvalidArgument);
  // The connection survived: nothing malformed reached the broker.
  EXPECT_TRUE(client->client.PublishAndWait("a", "x", 1, false, kTimeout).ok());
  EXPECT_EQ(client->Metric("wm_mqtt_reconnects_total"), 0);
}

TEST(MqttClientTest, PublishReportsAFullQueueWhenTheBrokerStopsAcknowledging) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttOptions options = LocalOptions(broker->port());
  options.max_queued_publishes = 5;
  auto client = StartPublisher(options);
  ASSERT_TRUE(broker->Signal(SIGSTOP).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->client.Publish("q", "x", 1, false).ok()) << i;
  EXPECT_EQ(client->client.Publish("q", "x", 1, false).code(),
            absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(broker->Signal(SIGCONT).ok());
  EXPECT_TRUE(Eventually([&] { return client->Metric("wm_mqtt_messages_published_total") == 5; }));
  EXPECT_TRUE(client->client.Publish("q", "x", 1, false).ok());
}

TEST(MqttClientTest, WaitForRoomReturnsOnceTheBrokerAcknowledgesAgain) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttOptions options = LocalOptions(broker->port());
  options.max_queued_publishes = 8;
  auto client = StartPublisher(options);
  EXPECT_TRUE(client->client.WaitForRoom(absl::ZeroDuration()));  // empty queue: at once
  ASSERT_TRUE(broker->Signal(SIGSTOP).ok());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(client->client.Publish("q", "x", 1, false).ok()) << i;
  ASSERT_EQ(client->client.Publish("q", "x", 1, false).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(client->client.WaitForRoom(absl::Milliseconds(50)));

  std::atomic<bool> room{false};
  std::thread waiter([&] { room = client->client.WaitForRoom(kTimeout); });
  ASSERT_TRUE(broker->Signal(SIGCONT).ok());
  waiter.join();
  EXPECT_TRUE(room.load());
  EXPECT_TRUE(client->client.Publish("q", "x", 1, false).ok());
}

TEST(MqttClientTest, StopWakesAPublisherWaitingForRoom) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttOptions options = LocalOptions(broker->port());
  options.max_queued_publishes = 2;
  auto client = StartPublisher(options);
  ASSERT_TRUE(broker->Signal(SIGSTOP).ok());
  ASSERT_TRUE(client->client.Publish("q", "x", 1, false).ok());
  ASSERT_TRUE(client->client.Publish("q", "x", 1, false).ok());
  absl::Notification returned;
  std::atomic<bool> room{true};
  std::thread waiter([&] {
    room = client->client.WaitForRoom(absl::Seconds(60));
    returned.Notify();
  });
  client->client.Stop();  // gives up on the two messages after a short wait
  EXPECT_TRUE(returned.WaitForNotificationWithTimeout(kTimeout));
  waiter.join();
  EXPECT_FALSE(room.load());
  EXPECT_EQ(client->Metric("wm_mqtt_publish_errors_total"), 2);  // lost at Stop
  ASSERT_TRUE(broker->Signal(SIGCONT).ok());
}

TEST(MqttClientTest, UnacknowledgedQos1MessagesAreSentAgainAfterReconnecting) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  auto client = StartPublisher(LocalOptions(broker->port()));
  ASSERT_TRUE(broker->Signal(SIGSTOP).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->client.Publish("q", "x", 1, false).ok()) << i;
  // The broker dies with the messages unacknowledged; a new one comes up on the same port.
  ASSERT_TRUE(broker->Signal(SIGKILL).ok());
  ASSERT_TRUE(Eventually([&] { return !broker->running(); }));
  ASSERT_TRUE(Eventually([&] { return !client->client.IsConnected(); }));
  ASSERT_TRUE(broker->StartAgain().ok());
  EXPECT_TRUE(Eventually([&] { return client->Metric("wm_mqtt_messages_published_total") == 3; }));
  EXPECT_EQ(client->Metric("wm_mqtt_publish_errors_total"), 0);
  EXPECT_GE(client->Metric("wm_mqtt_reconnects_total"), 1);
}

TEST(MqttClientTest, HandOffRunsOnceTheHandlersOfAReadReturned) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  absl::Mutex mu;
  std::vector<std::string> calls;  // "m<payload>" per message, "h" per hand-off
  TestClient subscriber(LocalOptions(broker->port()));
  subscriber.client.SetMessageHandler([&](const MqttMessage& m) {
    absl::MutexLock lock(&mu);
    calls.push_back("m" + std::string(m.payload()));
  });
  subscriber.client.SetHandOffHandler([&] {
    absl::MutexLock lock(&mu);
    calls.push_back("h");
    return absl::OkStatus();
  });
  ASSERT_TRUE(subscriber.client.AddSubscription("handoff/#", 1).ok());
  ASSERT_TRUE(subscriber.client.Start().ok());
  ASSERT_TRUE(subscriber.client.WaitUntilSubscribed(kTimeout));
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(publisher->client.Publish("handoff/x", std::to_string(i), 1, false).ok());
  }
  // Every message is followed by a hand-off, and a hand-off only follows messages.
  ASSERT_TRUE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return calls.size() > kCount && calls.back() == "h" &&
           std::count(calls.begin(), calls.end(), "h") + kCount == static_cast<long>(calls.size());
  }));
  absl::MutexLock lock(&mu);
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i] != "h") continue;
    ASSERT_TRUE(i > 0 && calls[i - 1] != "h") << "hand-off without messages at " << i;
  }
  EXPECT_EQ(subscriber.Metric("wm_mqtt_hand_off_failures_total"), 0);
}

// While the hand-off handler runs, the message is not acknowledged: a client that takes the
// session over (same id) gets it again from the broker.
TEST(MqttClientTest, AMessageIsNotAcknowledgedBeforeItsHandOffReturned) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttOptions options = LocalOptions(broker->port());
  options.client_id = "handoff-session";
  options.persist_session = true;
  options.reconnect_min_delay = absl::Seconds(5);  // let the second client keep the session
  options.reconnect_max_delay = absl::Seconds(5);
  absl::Notification in_hand_off;
  absl::Notification release;
  TestClient first(options);
  first.client.SetHandOffHandler([&] {
    if (!in_hand_off.HasBeenNotified()) in_hand_off.Notify();
    release.WaitForNotificationWithTimeout(kTimeout);
    return absl::OkStatus();
  });
  ASSERT_TRUE(first.client.AddSubscription("held/#", 1).ok());
  ASSERT_TRUE(first.client.Start().ok());
  ASSERT_TRUE(first.client.WaitUntilSubscribed(kTimeout));
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  ASSERT_TRUE(publisher->client.PublishAndWait("held/x", "held", 1, false, kTimeout).ok());
  ASSERT_TRUE(in_hand_off.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_EQ(first.inbox.messages().size(), 1u);  // the handler already had it

  TestClient second(options);
  ASSERT_TRUE(second.client.Start().ok());
  EXPECT_TRUE(second.inbox.WaitForPayload("held"));
  release.Notify();
  first.client.Stop();
}

// A failed hand-off drops the connection without acknowledging; with a persistent session the
// broker delivers the message again, and once a hand-off succeeded it is acknowledged.
TEST(MqttClientTest, AFailedHandOffLeavesTheMessagesUnacknowledged) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttOptions options = LocalOptions(broker->port());
  options.client_id = "handoff-retry";
  options.persist_session = true;
  std::atomic<int> hand_offs{0};
  TestClient subscriber(options);
  subscriber.client.SetHandOffHandler([&] {
    return ++hand_offs == 1 ? absl::UnavailableError("disk full") : absl::OkStatus();
  });
  ASSERT_TRUE(subscriber.client.AddSubscription("retry/#", 1).ok());
  ASSERT_TRUE(subscriber.client.Start().ok());
  ASSERT_TRUE(subscriber.client.WaitUntilSubscribed(kTimeout));
  auto publisher = StartPublisher(LocalOptions(broker->port()));
  ASSERT_TRUE(publisher->client.PublishAndWait("retry/x", "once", 1, false, kTimeout).ok());

  std::vector<MqttMessage> got = subscriber.inbox.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload(), "once");
  EXPECT_EQ(got[1].payload(), "once");
  EXPECT_EQ(subscriber.Metric("wm_mqtt_hand_off_failures_total"), 1);
  EXPECT_GE(subscriber.Metric("wm_mqtt_reconnects_total"), 1);
  ASSERT_TRUE(Eventually([&] { return subscriber.client.IsSubscribed(); }));

  // Acknowledged now: after the session is resumed once more, only new messages arrive.
  subscriber.client.Stop();
  TestClient again(options);
  ASSERT_TRUE(again.client.Start().ok());
  ASSERT_TRUE(again.client.WaitUntilConnected(kTimeout));
  ASSERT_TRUE(publisher->client.PublishAndWait("retry/x", "after", 1, false, kTimeout).ok());
  ASSERT_TRUE(again.inbox.WaitForPayload("after"));
  std::vector<MqttMessage> resumed = again.inbox.messages();
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].payload(), "after");
}

TEST(MqttClientTest, WaitingCallsFromAHandlerReturnAtOnce) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttClient client(LocalOptions(broker->port()));
  absl::Notification handled;
  absl::Status from_handler;
  client.SetMessageHandler([&](const MqttMessage& message) {
    if (message.payload() != "ping" || handled.HasBeenNotified()) return;
    from_handler = client.PublishAndWait("h/2", "pong", 1, false, absl::Seconds(30));
    handled.Notify();
  });
  ASSERT_TRUE(client.AddSubscription("h/1", 1).ok());
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(client.WaitUntilSubscribed(kTimeout));
  absl::Time start = absl::Now();
  ASSERT_TRUE(client.PublishAndWait("h/1", "ping", 1, false, kTimeout).ok());
  ASSERT_TRUE(handled.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // did not wait out its 30 s
  EXPECT_EQ(from_handler.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(client.IsConnected());
}

TEST(MqttClientTest, ShortKeepaliveStillConnects) {
  auto broker = StartBroker();
  ASSERT_NE(broker, nullptr);
  MqttOptions options = LocalOptions(broker->port());
  options.keepalive = absl::Seconds(2);  // below libmosquitto's minimum of 5 s
  auto client = StartPublisher(options);
  EXPECT_TRUE(client->client.IsConnected());
  EXPECT_TRUE(client->client.PublishAndWait("k", "x", 1, false, kTimeout).ok());
}

TEST(MqttClientTest, UsernameAndPasswordAreAcceptedOrRejected) {
  auto broker = StartBroker({.users = {{"alice", "s3cret"}}});
  ASSERT_NE(broker, nullptr);
  MqttOptions good = LocalOptions(broker->port());
  good.username = "alice";
  good.password = "s3cret";
  auto accepted = StartPublisher(good);
  EXPECT_TRUE(accepted->client.IsConnected());

  MqttOptions wrong = good;
  wrong.password = "guess";
  TestClient rejected(wrong);
  ASSERT_TRUE(rejected.client.Start().ok());
  EXPECT_TRUE(Eventually([&] { return rejected.Metric("wm_mqtt_connect_failures_total") >= 2; }));
  EXPECT_FALSE(rejected.client.IsConnected());
  // The password never appears in the broker's log either way; here we check our own
  // refusal path stays an error, not a crash, and Stop() works while retrying.
  rejected.client.Stop();

  TestClient anonymous(LocalOptions(broker->port()));
  ASSERT_TRUE(anonymous.client.Start().ok());
  EXPECT_TRUE(Eventually([&] { return anonymous.Metric("wm_mqtt_connect_failures_total") >= 2; }));
  EXPECT_FALSE(anonymous.client.IsConnected());
}

TEST(MqttClientTest, StartChecksOptions) {
  MqttOptions options = LocalOptions(1883);
  options.certfile = "/tmp/cert.pem";  // without keyfile
  EXPECT_EQ(MqttClient(options).Start().code(), absl::StatusCode::kInvalidArgument);
  options = LocalOptions(0);
  EXPECT_EQ(MqttClient(options).Start().code(), absl::StatusCode::kInvalidArgument);
  options = LocalOptions(1883);
  options.password = "secret";  // without username
  EXPECT_EQ(MqttClient(options).Start().code(), absl::StatusCode::kInvalidArgument);
  options = LocalOptions(1883);
  options.reconnect_max_delay = absl::Milliseconds(1);
  EXPECT_EQ(MqttClient(options).Start().code(), absl::StatusCode::kInvalidArgument);
  options = LocalOptions(1883);
  options.will = MqttWill{"status/#", "x", 1, false};
  EXPECT_EQ(MqttClient(options).Start().code(), absl::StatusCode::kInvalidArgument);

  MqttClient client(LocalOptions(::wm::testing::FreeLoopbackPort()));
  ASSERT_TRUE(client.Start().ok());
  EXPECT_EQ(client.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(MqttClientTest, SubscriptionFiltersMustBeUtf8) {
  MqttClient client(LocalOptions(1883));
  EXPECT_EQ(client.AddSubscription("a/\xff/#", 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(client.AddSubscription("a/\xc3\xa9/#", 1).ok());  // "é"
}

TEST(MqttClientTest, ClientIdIsRandomWhenNotGiven) {
  MqttClient a(LocalOptions(1883));
  MqttClient b(LocalOptions(1883));
  EXPECT_EQ(a.client_id().rfind("wm-", 0), 0u);
  EXPECT_LE(a.client_id().size(), 23u);  // the length every MQTT 3.1.1 broker accepts
  EXPECT_NE(a.client_id(), b.client_id());
  MqttOptions named = LocalOptions(1883);
  named.client_id = "gw-1";
  EXPECT_EQ(MqttClient(named).client_id(), "gw-1");
}

// ValidateTopicName and ValidateTopicFilter: topic_test.cc.

TEST(MqttMessageTest, CopiesShareTheBytesAndKeepThemAlive) {
  std::optional<MqttMessage> copy;
  {
    MqttMessage original("t/1", std::string(1000, 'p'), 1, true, true);
    copy = original;
    EXPECT_EQ(copy->payload().data(), original.payload().data());  // no payload copy
  }
  EXPECT_EQ(copy->topic(), "t/1");
  EXPECT_EQ(copy->payload(), std::string(1000, 'p'));
  EXPECT_EQ(copy->qos(), 1);
  EXPECT_TRUE(copy->retained());
  EXPECT_TRUE(copy->duplicate());
}

// TLS: one CA for the suite; brokers per test.
class MqttTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto ca = CertificateAuthority::Create("mqtt-test-ca");
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto other = CertificateAuthority::Create("unrelated-ca");
    ASSERT_TRUE(other.ok()) << other.status();
    auto server = ca->IssueServerCertificate();
    ASSERT_TRUE(server.ok()) << server.status();
    auto client = ca->IssueClientCertificate("wm-test-client");
    ASSERT_TRUE(client.ok()) << client.status();
    auto self_signed = CertificateAuthority::SelfSignedServerCertificate();
    ASSERT_TRUE(self_signed.ok()) << self_signed.status();
    ca_ = new CertificateAuthority(*std::move(ca));
    other_ca_ = new CertificateAuthority(*std::move(other));
    server_ = new CertificateFiles(*server);
    client_ = new CertificateFiles(*client);
    self_signed_ = new CertificateFiles(*self_signed);
  }

  static MqttOptions TlsOptions(const MosquittoProcess& broker) {
    MqttOptions options = LocalOptions(broker.tls_port());
    options.force_unsecure = false;
    return options;
  }

  static std::unique_ptr<MosquittoProcess> StartTlsBroker(bool require_certificate) {
    return StartBroker({.tls = MosquittoTls{ca_->ca_cert_file(), server_->cert_file,
                                            server_->key_file, require_certificate}});
  }

  // Round trip through the broker on the client's own subscription.
  static void ExpectRoundTrip(TestClient& client) {
    ASSERT_TRUE(client.client.WaitUntilSubscribed(kTimeout));
    ASSERT_TRUE(client.client.PublishAndWait("tls/x", "secure", 1, false, kTimeout).ok());
    EXPECT_TRUE(client.inbox.WaitForPayload("secure"));
  }

  static void ExpectKeepsFailing(TestClient& client) {
    EXPECT_TRUE(Eventually([&] { return client.Metric("wm_mqtt_connect_failures_total") >= 2; }));
    EXPECT_FALSE(client.client.IsConnected());
    client.client.Stop();
  }

  static CertificateAuthority* ca_;
  static CertificateAuthority* other_ca_;
  static CertificateFiles* server_;
  static CertificateFiles* client_;
  static CertificateFiles* self_signed_;
};

CertificateAuthority* MqttTlsTest::ca_ = nullptr;
CertificateAuthority* MqttTlsTest::other_ca_ = nullptr;
CertificateFiles* MqttTlsTest::server_ = nullptr;
CertificateFiles* MqttTlsTest::client_ = nullptr;
CertificateFiles* MqttTlsTest::self_signed_ = nullptr;

TEST_F(MqttTlsTest, ConnectsWhenTheServerCertificateIsFromTheTrustedCa) {
  auto broker = StartTlsBroker(false);
  ASSERT_NE(broker, nullptr);
  MqttOptions options = TlsOptions(*broker);
  options.ca_certs = ca_->ca_cert_file();
  TestClient client(options);
  ASSERT_TRUE(client.client.AddSubscription("tls/#", 1).ok());
  ASSERT_TRUE(client.client.Start().ok());
  ExpectRoundTrip(client);
}

TEST_F(MqttTlsTest, WrongCaFailsAndKeepsRetrying) {
  auto broker = StartTlsBroker(false);
  ASSERT_NE(broker, nullptr);
  MqttOptions options = TlsOptions(*broker);
  options.ca_certs = other_ca_->ca_cert_file();
  TestClient client(options);
  ASSERT_TRUE(client.client.Start().ok());
  ExpectKeepsFailing(client);
}

TEST_F(MqttTlsTest, ServerNameMustMatchTheCertificate) {
  // The certificate names 127.0.0.1 and localhost; reach it under another address.
  auto ca = CertificateAuthority::Create("names-ca");
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto server = ca->IssueServerCertificate({"broker.example"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto broker =
      StartBroker({.tls = MosquittoTls{ca->ca_cert_file(), server->cert_file, server->key_file}});
  ASSERT_NE(broker, nullptr);
  MqttOptions options = TlsOptions(*broker);
  options.ca_certs = ca->ca_cert_file();
  TestClient client(options);
  ASSERT_TRUE(client.client.Start().ok());
  ExpectKeepsFailing(client);
}

TEST_F(MqttTlsTest, AllowUntrustedConnectsToASelfSignedServer) {
  auto broker = StartBroker({.tls = MosquittoTls{self_signed_->cert_file, self_signed_->cert_file,
                                                 self_signed_->key_file}});
  ASSERT_NE(broker, nullptr);
  MqttOptions options = TlsOptions(*broker);
  options.allow_untrusted = true;
  TestClient client(options);
  ASSERT_TRUE(client.client.AddSubscription("tls/#", 1).ok());
  ASSERT_TRUE(client.client.Start().ok());
  ExpectRoundTrip(client);
}

TEST_F(MqttTlsTest, SelfSignedServerIsRefusedWithoutAllowUntrusted) {
  auto broker = StartBroker({.tls = MosquittoTls{self_signed_->cert_file, self_signed_->cert_file,
                                                 self_signed_->key_file}});
  ASSERT_NE(broker, nullptr);
  TestClient client(TlsOptions(*broker));  // system CAs only
  ASSERT_TRUE(client.client.Start().ok());
  ExpectKeepsFailing(client);
}

TEST_F(MqttTlsTest, MutualTlsWorksWithAClientCertificate) {
  auto broker = StartTlsBroker(true);
  ASSERT_NE(broker, nullptr);
  MqttOptions options = TlsOptions(*broker);
  options.ca_certs = ca_->ca_cert_file();
  options.certfile = client_->cert_file;
  options.keyfile = client_->key_file;
  TestClient client(options);
  ASSERT_TRUE(client.client.AddSubscription("tls/#", 1).ok());
  ASSERT_TRUE(client.client.Start().ok());
  ExpectRoundTrip(client);
}

TEST_F(MqttTlsTest, MutualTlsFailsWithoutAClientCertificate) {
  auto broker = StartTlsBroker(true);
  ASSERT_NE(broker, nullptr);
  MqttOptions options = TlsOptions(*broker);
  options.ca_certs = ca_->ca_cert_file();
  TestClient client(options);
  ASSERT_TRUE(client.client.Start().ok());
  ExpectKeepsFailing(client);
}

TEST_F(MqttTlsTest, RetriesPromptlyWhenNobodyListens) {
  // libmosquitto keeps "handshaking" on a refused connection; the client must notice at once
  // rather than after connect_timeout.
  MqttOptions options = LocalOptions(::wm::testing::FreeLoopbackPort());
  options.force_unsecure = false;
  options.ca_certs = ca_->ca_cert_file();
  options.connect_timeout = absl::Seconds(20);
  TestClient client(options);
  ASSERT_TRUE(client.client.Start().ok());
  EXPECT_TRUE(Eventually([&] { return client.Metric("wm_mqtt_connect_failures_total") >= 3; },
                         absl::Seconds(5)));
  client.client.Stop();
}

TEST_F(MqttTlsTest, PlainTcpClientCannotTalkToATlsListener) {
  auto broker = StartTlsBroker(false);
  ASSERT_NE(broker, nullptr);
  TestClient client(LocalOptions(broker->tls_port()));
  ASSERT_TRUE(client.client.Start().ok());
  ExpectKeepsFailing(client);
}

}  // namespace
}  // namespace wm::mqtt
