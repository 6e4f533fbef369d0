// wm-command: wm.v1.Commands over gRPC in, gateway API requests over MQTT out.
#include "libs/observability/service_main.h"
#include "services/command/command_app.h"

int main(int argc, char** argv) {
  return wm::observability::RunService<wm::command::CommandApp>(argc, argv, "wm-command", wm::command::AddCommandSettings);
}
