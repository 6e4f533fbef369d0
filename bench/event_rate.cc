// Counts wm.v1.Events from wm-ingest and reports the rate (a benchmark client, not a test).
//
//   event_rate --wm_ingest=127.0.0.1:7001 --count=300000 [--kind=packet] [--timeout_s=120]
//
// Prints "subscribed" once the stream is open, then, after `count` events or the timeout, one
// line: events=.. seconds=.. events_per_s=.. lost=.. (events ingest dropped for this reader
// because it read too slowly, from STREAM_GAP events).
#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/channel.h"
#include "protos/wm/v1/events.grpc.pb.h"

int main(int argc, char** argv) {
  wm::config::Schema schema;
  wm::grpcutil::AddAddressSetting(schema, "wm_ingest", "127.0.0.1:7001", "wm-ingest address");
  schema.Add({.key = "count", .type = wm::config::SettingType::kInt, .default_value = "100000",
              .min = 1});
  schema.Add({.key = "timeout_s", .type = wm::config::SettingType::kDouble,
              .default_value = "120", .min = 0});
  auto settings = wm::config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "event_rate: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  auto address = wm::grpcutil::AddressFromSettings(*settings, "wm_ingest");
  if (!address.ok()) return 2;
  const int64_t count = settings->GetInt("count");

  auto stub = wm::v1::Events::NewStub(wm::grpcutil::CreateChannel(*address, {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoSeconds(absl::Seconds(settings->GetDouble("timeout_s"))));
  wm::v1::SubscribeRequest request;
  request.add_kinds(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  request.set_skip_snapshot(true);
  auto reader = stub->Subscribe(&context, request);
  reader->WaitForInitialMetadata();
  std::printf("subscribed\n");
  std::fflush(stdout);

  wm::v1::Event event;
  int64_t received = 0;
  uint64_t lost = 0;
  absl::Time first, last;
  while (received + static_cast<int64_t>(lost) < count && reader->Read(&event)) {
    if (event.kind() == wm::v1::EVENT_KIND_STREAM_GAP) {
      lost += event.gap().dropped();
      continue;
    }
    last = absl::Now();
    if (received++ == 0) first = last;
  }
  context.TryCancel();
  reader->Finish();
  const double seconds = received > 1 ? absl::ToDoubleSeconds(last - first) : 0;
  std::printf("events=%lld seconds=%.3f events_per_s=%.0f lost=%llu\n",
              static_cast<long long>(received), seconds,
              seconds > 0 ? (received - 1) / seconds : 0.0,
              static_cast<unsigned long long>(lost));
  return received == count ? 0 : 1;
}
