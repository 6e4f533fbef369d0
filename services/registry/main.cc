// wm-registry: the live inventory of gateways, sinks, networks and nodes, from wm-ingest's
// event stream, persisted, served as wm.v1.Registry.
#include "libs/observability/service_main.h"
#include "services/registry/registry_app.h"

int main(int argc, char** argv) {
  return wm::observability::RunService<wm::registry::RegistryApp>(argc, argv, "wm-registry", wm::registry::AddRegistrySettings);
}
