// The registry's own work, in process: applying packets to the inventory, building a page of
// nodes, and writing changed nodes to SQLite or to a local PostgreSQL (a benchmark, not a
// test).
//
//   bazel run -c opt //bench/registry:registry_state_benchmark
#include <unistd.h>

#include <filesystem>
#include <string>

#include "benchmark/benchmark.h"
#include "libs/testing/postgres.h"
#include "services/registry/postgres_store.h"
#include "services/registry/registry_state.h"
#include "services/registry/sqlite_store.h"

namespace wm::registry {
namespace {

constexpr uint64_t kNetwork = 0x123456;

wm::v1::Event Packet(uint32_t source, int64_t time_ms) {
  wm::v1::Event event;
  event.set_kind(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  event.set_gateway_id("bench-gw-1");
  event.set_sink_id("sink0");
  event.set_ingest_time_ms_epoch(time_ms);
  wm::v1::PacketReceived* packet = event.mutable_packet();
  packet->set_network_address(kNetwork);
  packet->set_source_address(source);
  packet->set_rx_time_ms_epoch(time_ms);
  packet->set_travel_time_ms(40);
  packet->set_hop_count(2);
  packet->set_source_endpoint(10);
  packet->set_destination_endpoint(10);
  packet->set_payload("123456");
  return event;
}

// A state holding `nodes` nodes (one packet each).
void Fill(RegistryState& state, int nodes) {
  for (int i = 0; i < nodes; ++i) state.Apply(Packet(1000 + i, 1'000'000));
}

// A packet from a known node: the common case at high rates.
void BM_ApplyPacket(benchmark::State& bench) {
  RegistryState state({}, nullptr);
  const int nodes = static_cast<int>(bench.range(0));
  Fill(state, nodes);
  std::vector<wm::v1::Event> events;
  for (int i = 0; i < 1024; ++i) events.push_back(Packet(1000 + (i * 7919) % nodes, 2'000'000 + i));
  size_t i = 0;
  for (auto _ : bench) state.Apply(events[i++ & 1023]);
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_ApplyPacket)->Arg(1000)->Arg(100000);

// Node diagnostics (role and voltage) from a known node.
void BM_ApplyNodeDiagnostics(benchmark::State& bench) {
  RegistryState state({}, nullptr);
  Fill(state, 100000);
  std::vector<wm::v1::Event> events;
  for (int i = 0; i < 1024; ++i) {
    wm::v1::Event event = Packet(1000 + (i * 7919) % 100000, 2'000'000 + i);
    auto* diagnostics = event.mutable_packet()->mutable_decoded()->mutable_node_diagnostics();
    diagnostics->set_role(0x82);
    diagnostics->set_voltage(2.9 + (i % 10) / 100.0);
    events.push_back(std::move(event));
  }
  size_t i = 0;
  for (auto _ : bench) state.Apply(events[i++ & 1023]);
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_ApplyNodeDiagnostics);

// A packet whose node diagnostics change a known node's voltage every time: one change per
// event. Arg 0: no feed; 1: a feed without change log and without watchers (messages are not
// built); 2: a feed with the default change log (every change built and kept).
void BM_ApplyChangingDiagnostics(benchmark::State& bench) {
  prometheus::Counter dropped;
  prometheus::Gauge watchers;
  const int mode = static_cast<int>(bench.range(0));
  ChangeFeed feed(10000, ChangeLog::Options{.max_changes = mode == 2 ? 100000u : 0u},
                  ChangeFeedMetrics{.dropped = &dropped, .watchers = &watchers});
  RegistryState state({}, mode == 0 ? nullptr : &feed);
  Fill(state, 100000);
  std::vector<wm::v1::Event> events;
  for (int i = 0; i < 2048; ++i) {
    wm::v1::Event event = Packet(1000 + ((i & 1023) * 7919) % 100000, 2'000'000 + i);
    auto* diagnostics = event.mutable_packet()->mutable_decoded()->mutable_node_diagnostics();
    diagnostics->set_role(0x82);
    diagnostics->set_voltage(i < 1024 ? 2.9 : 3.1);  // each pass changes every node it hits
    events.push_back(std::move(event));
  }
  const uint64_t changes_before = state.change_sequence();
  // Node values are ordered by rx time: every event is the node's newest.
  int64_t rx_ms = 3'000'000;
  size_t i = 0;
  for (auto _ : bench) {
    wm::v1::Event& event = events[i++ & 2047];
    event.mutable_packet()->set_rx_time_ms_epoch(rx_ms++);
    state.Apply(event);
  }
  bench.SetItemsProcessed(bench.iterations());
  const uint64_t changes = state.change_sequence() - changes_before;
  bench.counters["changes_per_event"] = static_cast<double>(changes) / bench.iterations();
  // What one kept change holds: the message (SpaceUsedLong, the node as the change carries it),
  // the shared_ptr's control block, and the log's entry (pointer and time).
  wm::v1::RegistryChange sample;
  *sample.mutable_node() = *state.GetNode(kNetwork, 1000);
  bench.counters["bytes_per_kept_change"] = static_cast<double>(
      sample.SpaceUsedLong() + 16 + sizeof(std::shared_ptr<void>) + sizeof(absl::Time));
}
BENCHMARK(BM_ApplyChangingDiagnostics)->Arg(0)->Arg(1)->Arg(2);

// One ListNodes page of 10000 out of 100000 nodes, without gRPC.
void BM_ListNodesPage(benchmark::State& bench) {
  RegistryState state({}, nullptr);
  Fill(state, 100000);
  wm::v1::ListNodesRequest request;
  request.set_page_size(static_cast<int>(bench.range(0)));
  for (auto _ : bench) {
    wm::v1::ListNodesResponse response;
    benchmark::DoNotOptimize(state.ListNodes(request, &response));
  }
  bench.SetItemsProcessed(bench.iterations() * bench.range(0));
}
BENCHMARK(BM_ListNodesPage)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Flushes of bench.range(0) changed nodes, taken from the state and written to `store` in one
// transaction each (every node changed since the previous flush: the worst case).
void RunFlushes(benchmark::State& bench, RegistryStore& store) {
  RegistryState state({}, nullptr);
  const int nodes = static_cast<int>(bench.range(0));
  Fill(state, nodes);
  if (!store.Write(state.TakeDirty()).ok()) {
    bench.SkipWithError("the first write failed");
    return;
  }
  int64_t time_ms = 2'000'000;
  for (auto _ : bench) {
    bench.PauseTiming();
    ++time_ms;
    for (int i = 0; i < nodes; ++i) state.Apply(Packet(1000 + i, time_ms));
    bench.ResumeTiming();
    StoreBatch batch = state.TakeDirty();
    if (!store.Write(batch).ok()) bench.SkipWithError("write failed");
  }
  bench.SetItemsProcessed(bench.iterations() * nodes);
}

// SQLite (WAL, synchronous=NORMAL), the default store.
void BM_FlushNodes(benchmark::State& bench) {
  char dir[] = "/tmp/registry-flush-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    bench.SkipWithError("mkdtemp failed");
    return;
  }
  auto store = SqliteRegistryStore::Open(std::string(dir) + "/registry.db");
  if (!store.ok()) {
    bench.SkipWithError("cannot open the store");
    return;
  }
  RunFlushes(bench, **store);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
BENCHMARK(BM_FlushNodes)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// PostgreSQL: a private local server (over TCP on 127.0.0.1, its data under /tmp), configured
// by the second argument:
//   0  fsync off, as the tests run it;
//   1  fsync on, synchronous_commit off: a commit does not wait for its WAL flush (what
//      SQLite's synchronous=NORMAL does);
//   2  the server's defaults: every commit waits for its WAL fsync.
void BM_FlushNodesPostgres(benchmark::State& bench) {
  wm::testing::PostgresOptions options;
  options.fsync = bench.range(1) != 0;
  if (bench.range(1) == 1) options.settings = {{"synchronous_commit", "off"}};
  auto server = wm::testing::PostgresProcess::Start(options);
  if (!server.ok()) {
    bench.SkipWithError(std::string(server.status().message()).c_str());
    return;
  }
  auto store = PostgresRegistryStore::Open((*server)->conninfo());
  if (!store.ok()) {
    bench.SkipWithError(std::string(store.status().message()).c_str());
    return;
  }
  RunFlushes(bench, **store);
}
BENCHMARK(BM_FlushNodesPostgres)
    ->ArgNames({"nodes", "durability"})
    ->ArgsProduct({{1000, 10000}, {0, 1, 2}})
    ->UseRealTime()  // the work is the server's: the benchmark's own CPU time says little
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wm::registry
