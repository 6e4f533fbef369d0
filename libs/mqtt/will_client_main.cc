// Test helper: connects with a last will, says "connected" and waits to be killed, so a test
// can make a client vanish without a clean disconnect.
// Usage: will_client PORT CLIENT_ID WILL_TOPIC WILL_PAYLOAD
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "libs/mqtt/client.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s PORT CLIENT_ID WILL_TOPIC WILL_PAYLOAD\n", argv[0]);
    return 2;
  }
  wm::mqtt::MqttOptions options;
  options.host = "127.0.0.1";
  options.port = std::atoi(argv[1]);
  options.force_unsecure = true;
  options.client_id = argv[2];
  options.will = wm::mqtt::MqttWill{argv[3], argv[4], /*qos=*/1, /*retained=*/false};
  wm::mqtt::MqttClient client(options);
  client.SetConnectionHandler([](bool connected) {
    if (connected) {
      std::printf("connected\n");
      std::fflush(stdout);
    }
  });
  if (!client.Start().ok()) return 1;
  while (true) pause();
}
