#include "libs/mqtt/poll_loop.h"

#include <mosquitto.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/mosquitto.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace wm::mqtt {
namespace {

using ::wm::testing::MosquittoProcess;

constexpr absl::Duration kTimeout = absl::Seconds(10);
constexpr char kTopic[] = "poll-loop/test";

// A libmosquitto client run by a PollLoop; records what happens, in order.
class LoopedClient {
 public:
  LoopedClient() {
    mosquitto_lib_init();
    mosq_ = mosquitto_new(nullptr, /*clean_session=*/true, this);
    mosquitto_connect_callback_set(mosq_, [](mosquitto*, void* self, int rc) {
      static_cast<LoopedClient*>(self)->connack_ = rc;
    });
    mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* self, int, int, const int*) {
      static_cast<LoopedClient*>(self)->subscribed_ = true;
    });
    mosquitto_message_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message*) {
      auto* client = static_cast<LoopedClient*>(self);
      client->events.push_back("message");
      client->loop.MessageHandled();
    });
  }
  ~LoopedClient() { mosquitto_destroy(mosq_); }

  ::mosquitto* mosq() { return mosq_; }

  // Turns the loop until `done` holds; false after kTimeout or when a turn fails (`last_rc`).
  bool TurnUntil(const std::function<bool()>& done) {
    const absl::Time deadline = absl::Now() + kTimeout;
    while (!done()) {
      if (absl::Now() >= deadline) return false;
      last_rc = loop.RunOnce(mosq_, 50);
      if (last_rc != MOSQ_ERR_SUCCESS) return done();
    }
    return true;
  }

  // Connects to `port` and subscribes kTopic at QoS 1.
  bool ConnectAndSubscribe(int port) {
    if (!loop.Init().ok()) return false;
    if (mosquitto_connect(mosq_, "127.0.0.1", port, 20) != MOSQ_ERR_SUCCESS) return false;
    if (!TurnUntil([this] { return connack_ >= 0; }) || connack_ != 0) return false;
    if (mosquitto_subscribe(mosq_, nullptr, kTopic, 1) != MOSQ_ERR_SUCCESS) return false;
    return TurnUntil([this] { return subscribed_; });
  }

  PollLoop loop;
  std::vector<std::string> events;
  int last_rc = MOSQ_ERR_SUCCESS;

 private:
  ::mosquitto* mosq_;
  int connack_ = -1;
  bool subscribed_ = false;
};

TEST(PollLoopTest, WithoutASocketATurnIsNoConnection) {
  LoopedClient client;
  ASSERT_TRUE(client.loop.Init().ok());
  EXPECT_EQ(client.loop.RunOnce(client.mosq(), 1000), MOSQ_ERR_NO_CONN);
}

TEST(PollLoopTest, AWakeupEndsTheWaitOfATurn) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  LoopedClient client;
  ASSERT_TRUE(client.ConnectAndSubscribe((*broker)->port()));
  client.loop.Wake();  // before the turn: the eventfd stays readable until the turn reads it
  const absl::Time start = absl::Now();
  EXPECT_EQ(client.loop.RunOnce(client.mosq(), /*timeout_ms=*/600000), MOSQ_ERR_SUCCESS);
  EXPECT_LT(absl::Now() - start, kTimeout);
}

TEST(PollLoopTest, HandOffRunsAfterTheMessagesOfATurn) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  LoopedClient client;
  client.loop.SetHandOff([&client] {
    client.events.push_back("hand-off");
    return absl::OkStatus();
  });
  ASSERT_TRUE(client.ConnectAndSubscribe((*broker)->port()));
  EXPECT_TRUE(client.events.empty());  // CONNACK and SUBACK carry no message: no hand-off
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(mosquitto_publish(client.mosq(), nullptr, kTopic, 1, "x", 1, false),
              MOSQ_ERR_SUCCESS);
  }
  ASSERT_TRUE(client.TurnUntil([&client] {
    int messages = 0;
    for (const std::string& event : client.events) messages += event == "message";
    return messages == 3 && client.events.back() == "hand-off";
  })) << client.last_rc;
  // Every turn that handled messages ended with one hand-off, none ran without a message.
  ASSERT_EQ(client.events.front(), "message");
  for (size_t i = 1; i < client.events.size(); ++i) {
    if (client.events[i] == "hand-off") EXPECT_EQ(client.events[i - 1], "message") << i;
  }
}

TEST(PollLoopTest, AFailedHandOffDropsTheConnectionAndSaysWhy) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  prometheus::Registry registry;
  prometheus::Counter& failures =
      prometheus::BuildCounter().Name("hand_off_failures").Register(registry).Add({});
  LoopedClient client;
  client.loop.SetHandOff([] { return absl::DataLossError("disk full"); }, &failures);
  ASSERT_TRUE(client.ConnectAndSubscribe((*broker)->port()));
  EXPECT_TRUE(client.loop.TakeHandOffFailure().ok());
  ASSERT_EQ(mosquitto_publish(client.mosq(), nullptr, kTopic, 1, "x", 1, false), MOSQ_ERR_SUCCESS);
  EXPECT_FALSE(client.TurnUntil([] { return false; }));
  EXPECT_EQ(client.last_rc, MOSQ_ERR_CONN_LOST);
  absl::Status why = client.loop.TakeHandOffFailure();
  EXPECT_EQ(why.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(why.message().find("disk full"), absl::string_view::npos) << why;
  EXPECT_TRUE(client.loop.TakeHandOffFailure().ok());  // taken once
  EXPECT_EQ(failures.Value(), 1);
}

}  // namespace
}  // namespace wm::mqtt
