// Measures MqttClient throughput against a running broker (not a test: numbers vary by host).
//
//   throughput receive PORT TOPIC COUNT QOS [CLIENT_ID]  # prints "subscribed", then the rate
//   throughput publish PORT TOPIC COUNT QOS SIZE   # publishes as fast as the queue allows
//                                                  # (waiting for room when it is full)
//
// The receive rate is counted from the first to the COUNT-th message, inside the handler.
// With CLIENT_ID the session is persistent: messages the broker queued for that client while
// it was away are drained, which measures the receive path alone.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "libs/mqtt/client.h"
#include "prometheus/registry.h"

namespace {

wm::mqtt::MqttOptions Options(int port) {
  wm::mqtt::MqttOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.force_unsecure = true;
  return options;
}

double CounterValue(const prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name == name && !family.metric.empty()) return family.metric[0].counter.value;
  }
  return 0;
}

int Receive(int port, const std::string& topic, long count, int qos, const std::string& client_id) {
  wm::mqtt::MqttOptions options = Options(port);
  options.client_id = client_id;
  options.persist_session = !client_id.empty();
  wm::mqtt::MqttClient client(options);
  std::atomic<long> received{0};
  absl::Time first;
  absl::Time last;
  uint64_t bytes = 0;
  absl::Notification done;
  client.SetMessageHandler([&](const wm::mqtt::MqttMessage& message) {
    long n = ++received;
    bytes += message.payload().size();
    if (n == 1) first = absl::Now();
    if (n == count) {
      last = absl::Now();
      done.Notify();
    }
  });
  if (!client.AddSubscription(topic, qos).ok() || !client.Start().ok()) return 1;
  if (!client.WaitUntilSubscribed(absl::Seconds(10))) return 1;
  std::printf("subscribed\n");
  std::fflush(stdout);
  done.WaitForNotification();
  double seconds = absl::ToDoubleSeconds(last - first);
  std::printf("received %ld messages (%llu payload bytes) in %.3f s: %.0f messages/s\n", count,
              static_cast<unsigned long long>(bytes), seconds, (count - 1) / seconds);
  client.Stop();
  return 0;
}

int Publish(int port, const std::string& topic, long count, int qos, int size) {
  prometheus::Registry registry;
  wm::mqtt::MqttClient client(Options(port), &registry);
  if (!client.Start().ok() || !client.WaitUntilConnected(absl::Seconds(10))) return 1;
  std::string payload(static_cast<size_t>(size), 'x');
  long full = 0;
  absl::Time start = absl::Now();
  for (long i = 0; i < count;) {
    absl::Status status = client.Publish(topic, payload, qos, false);
    if (status.ok()) {
      ++i;
    } else if (status.code() == absl::StatusCode::kResourceExhausted) {
      ++full;
      client.WaitForRoom(absl::Seconds(1));
    } else {
      std::fprintf(stderr, "publish failed: %s\n", std::string(status.message()).c_str());
      return 1;
    }
  }
  absl::Time accepted = absl::Now();
  while (CounterValue(registry, "wm_mqtt_messages_published_total") < count) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf(
      "published %ld messages at QoS %d: accepted in %.3f s, done in %.3f s: "
      "%.0f messages/s (queue full %ld times)\n",
      count, qos, absl::ToDoubleSeconds(accepted - start), seconds, count / seconds, full);
  client.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "receive" && (argc == 6 || argc == 7)) {
    return Receive(std::atoi(argv[2]), argv[3], std::atol(argv[4]), std::atoi(argv[5]),
                   argc == 7 ? argv[6] : "");
  }
  if (mode == "publish" && argc == 7) {
    return Publish(std::atoi(argv[2]), argv[3], std::atol(argv[4]), std::atoi(argv[5]),
                   std::atoi(argv[6]));
  }
  std::fprintf(
      stderr,
      "usage: %s receive PORT TOPIC COUNT QOS [CLIENT_ID] | publish PORT TOPIC COUNT QOS SIZE\n",
      argv[0]);
  return 2;
}
