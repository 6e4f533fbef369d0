// wm-ingest: gateway MQTT traffic in, decoded and sequenced wm.v1.Events streams out.
#include "libs/observability/service_main.h"
#include "services/ingest/ingest_app.h"

int main(int argc, char** argv) {
  return wm::observability::RunService<wm::ingest::IngestApp>(argc, argv, "wm-ingest", wm::ingest::AddIngestSettings);
}
