// Test helper for ack_after_handler_test: subscribes with a persistent session (fixed client
// id) and, in the message handler, kills its own process (SIGKILL) on the first message before
// the handler returns. Whatever the broker redelivers to the same client id afterwards was
// never acknowledged. Prints "subscribed" once subscribed, and "handling <payload>" just
// before it dies.
//
// Usage: ack_probe PORT CLIENT_ID FILTER QOS [plain]
//   plain: the same with libmosquitto used directly in its unthreaded mode (mosquitto_loop),
//   which writes a QoS 1 PUBACK before it calls the handler: the control case of the test.
#include <mosquitto.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "libs/mqtt/client.h"

namespace {

struct ProbeArgs {
  int port = 0;
  std::string client_id;
  std::string filter;
  int qos = 1;
};

void SayAndFlush(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// Reports the message and dies inside the handler: no acknowledgement written after it.
[[noreturn]] void DieHandling(const char* payload, size_t size) {
  SayAndFlush("handling " + std::string(payload, size));
  raise(SIGKILL);
  std::abort();  // not reached
}

int RunWithMqttClient(const ProbeArgs& args) {
  wm::mqtt::MqttOptions options;
  options.host = "127.0.0.1";
  options.port = args.port;
  options.force_unsecure = true;
  options.client_id = args.client_id;
  options.persist_session = true;
  wm::mqtt::MqttClient client(options);
  client.SetMessageHandler([](const wm::mqtt::MqttMessage& message) {
    DieHandling(message.payload().data(), message.payload().size());
  });
  client.SetConnectionHandler([](bool connected) {
    if (connected) SayAndFlush("subscribed");
  });
  if (absl::Status s = client.AddSubscription(args.filter, args.qos); !s.ok()) {
    std::fprintf(stderr, "subscription: %s\n", s.ToString().c_str());
    return 2;
  }
  if (absl::Status s = client.Start(); !s.ok()) {
    std::fprintf(stderr, "start: %s\n", s.ToString().c_str());
    return 1;
  }
  while (true) pause();
}

int RunWithPlainLibmosquitto(const ProbeArgs& args) {
  mosquitto_lib_init();
  mosquitto* mosq =
      mosquitto_new(args.client_id.c_str(), /*clean_session=*/false, const_cast<ProbeArgs*>(&args));
  if (mosq == nullptr) return 1;
  mosquitto_connect_callback_set(mosq, [](mosquitto* m, void* user, int rc) {
    const auto* probe = static_cast<const ProbeArgs*>(user);
    if (rc == 0) mosquitto_subscribe(m, nullptr, probe->filter.c_str(), probe->qos);
  });
  mosquitto_subscribe_callback_set(
      mosq, [](mosquitto*, void*, int, int, const int*) { SayAndFlush("subscribed"); });
  mosquitto_message_callback_set(mosq, [](mosquitto*, void*, const mosquitto_message* message) {
    DieHandling(static_cast<const char*>(message->payload), message->payloadlen);
  });
  if (mosquitto_connect(mosq, "127.0.0.1", args.port, 20) != MOSQ_ERR_SUCCESS) return 1;
  // Unthreaded: packets queued inside a callback are written at once, PUBACK included.
  const int rc = mosquitto_loop_forever(mosq, -1, 1);
  std::fprintf(stderr, "loop ended: %s\n", mosquitto_strerror(rc));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && !(argc == 6 && std::strcmp(argv[5], "plain") == 0)) {
    std::fprintf(stderr, "usage: %s PORT CLIENT_ID FILTER QOS [plain]\n", argv[0]);
    return 2;
  }
  ProbeArgs args{std::atoi(argv[1]), argv[2], argv[3], std::atoi(argv[4])};
  return argc == 6 ? RunWithPlainLibmosquitto(args) : RunWithMqttClient(args);
}
