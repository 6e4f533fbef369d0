// CPU cost in wm-ingest's process of streaming events to one Subscribe client over gRPC
// (a benchmark, not a test). Serves wm.v1.Events from an in-process hub, waits for one
// subscriber (e.g. bench/event_rate in another process), publishes `count` packet events at
// `rate` per second (0: as fast as possible), and prints this process's CPU time per event
// once the client has them all.
//
//   stream_cost --port=7100 --count=200000 --rate=30000 [--gather_ms=2] &
//   event_rate --wm_ingest=127.0.0.1:7100 --count=200000
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "libs/config/settings.h"
#include "prometheus/registry.h"
#include "services/ingest/event_hub.h"
#include "services/ingest/events_service.h"

namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::unique_ptr<wm::v1::Event> Packet(uint64_t i) {
  auto e = std::make_unique<wm::v1::Event>();
  e->set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  e->set_gateway_id("sim-gw-1");
  e->set_sink_id("sink0");
  e->set_event_id(i * 0x9e3779b97f4a7c15ULL);
  e->set_ingest_time_ms_epoch(1'800'000'000'000 + i);
  auto* p = e->mutable_packet();
  p->set_network_address(1193046);
  p->set_source_address(1000 + i % 40);
  p->set_destination_address(1);
  p->set_source_endpoint(251);
  p->set_destination_endpoint(255);
  p->set_travel_time_ms(40);
  p->set_rx_time_ms_epoch(1'800'000'000'000 + i);
  p->set_tx_time_ms_epoch(1'800'000'000'000 + i - 40);
  p->set_hop_count(2);
  p->set_payload(std::string(18, '\x05'));
  p->set_payload_size(18);
  p->mutable_decoded()->mutable_traffic_diagnostics()->set_access_cycles(773);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  wm::config::Schema schema;
  schema.Add({.key = "port", .type = wm::config::SettingType::kInt, .default_value = "7100"});
  schema.Add({.key = "count", .type = wm::config::SettingType::kInt, .default_value = "200000"});
  schema.Add({.key = "rate", .type = wm::config::SettingType::kInt, .default_value = "0"});
  schema.Add({.key = "gather_ms", .type = wm::config::SettingType::kDouble,
              .default_value = "0"});
  auto settings = wm::config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) return 2;
  const int64_t count = settings->GetInt("count");
  const int64_t rate = settings->GetInt("rate");

  prometheus::Registry registry;
  wm::ingest::IngestMetrics metrics(registry);
  wm::ingest::EventHub hub(static_cast<size_t>(count) + 1, metrics,
                           absl::Milliseconds(settings->GetDouble("gather_ms")));
  wm::ingest::EventsService service(hub);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(settings->GetInt("port")),
                           grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  std::printf("listening\n");
  std::fflush(stdout);
  while (hub.subscriber_count() == 0) absl::SleepFor(absl::Milliseconds(1));

  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  for (int64_t i = 0; i < count; ++i) {
    if (rate > 0) {
      const absl::Time due = start + absl::Seconds(static_cast<double>(i) / rate);
      if (absl::Now() < due) absl::SleepFor(due - absl::Now());
    }
    hub.Publish(Packet(static_cast<uint64_t>(i)));
  }
  // The client leaves once it has every event.
  while (hub.subscriber_count() > 0) absl::SleepFor(absl::Microseconds(200));
  const double cpu = CpuSeconds() - cpu_start;
  std::printf("events=%lld rate=%lld gather_ms=%.1f cpu_us_per_event=%.2f seconds=%.2f\n",
              static_cast<long long>(count), static_cast<long long>(rate),
              settings->GetDouble("gather_ms"), cpu * 1e6 / count,
              absl::ToDoubleSeconds(absl::Now() - start));
  server->Shutdown();
  return 0;
}
