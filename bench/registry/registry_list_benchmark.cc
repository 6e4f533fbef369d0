// ListNodes latency and memory of the real wm-registry with a large inventory (a benchmark,
// not a test).
//
//   bazel build -c opt //services/registry:wm-registry //bench/registry:registry_list_benchmark
//   bazel-bin/bench/registry/registry_list_benchmark
//       --registry_binary=bazel-bin/services/registry/wm-registry --nodes=100000   (one line)
//
// Writes `nodes` nodes (over 10 gateways x 4 sinks, 5 networks, every diagnostics value set)
// into a new database through the registry's own store, starts wm-registry on it (pointed at
// an ingest that does not exist: the inventory is all it serves), then lists every node
// `repetitions` times per page size over gRPC. Prints one line per measurement.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/channel.h"
#include "libs/testing/files.h"
#include "libs/testing/ports.h"
#include "libs/testing/subprocess.h"
#include "protos/wm/v1/registry.grpc.pb.h"
#include "services/registry/sqlite_store.h"

namespace {

using wm::registry::NodeRecord;
using wm::registry::StoreBatch;
using wm::registry::StoredNode;

// A line of /proc/<pid>/status, e.g. "VmRSS", in MiB.
double ProcStatusMib(int pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    int64_t kib = 0;
    std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib / 1024.0;
  }
  return -1;
}

StoreBatch Inventory(int nodes) {
  StoreBatch batch;
  for (int g = 0; g < 10; ++g) {
    wm::v1::Gateway gateway;
    gateway.set_id(absl::StrCat("bench-gw-", g));
    gateway.set_state(wm::v1::GATEWAY_STATE_ONLINE);
    gateway.set_model("bench");
    gateway.set_version("1.6.0");
    batch.gateways.push_back({gateway});
    for (int s = 0; s < 4; ++s) {
      wm::v1::Sink sink;
      sink.set_gateway_id(gateway.id());
      sink.set_sink_id(absl::StrCat("sink", s));
      sink.mutable_config()->set_sink_id(sink.sink_id());
      sink.mutable_config()->set_network_address(0x100000 + g % 5);
      sink.mutable_config()->set_node_address(g * 4 + s + 1);
      batch.sinks.push_back({sink});
    }
  }
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  for (int i = 0; i < nodes; ++i) {
    StoredNode node;
    const int gateway = i % 10;
    node.key = {static_cast<uint64_t>(0x100000 + gateway % 5), static_cast<uint32_t>(1000 + i)};
    node.gateway_id = absl::StrCat("bench-gw-", gateway);
    node.sink_id = absl::StrCat("sink", i / 10 % 4);
    NodeRecord& r = node.record;
    r.first_seen_ms = now_ms - 86'400'000;
    r.last_seen_ms = now_ms - i % 600'000;
    r.last_rx_ms = r.role_rx_ms = r.voltage_rx_ms = r.boot_rx_ms = r.last_seen_ms;
    r.packets = 1000 + i % 5000;
    r.travel_time_ms = 20 + i % 300;
    r.hop_count = 1 + i % 6;
    r.role = i % 8 == 0 ? 0x82 : 0x83;
    r.voltage_mv = 2800 + i % 400;
    r.firmware = 0x05010014;
    r.boot_count = i % 20;
    r.scratchpad_sequence = 12;
    r.present = wm::registry::kHasRole | wm::registry::kHasVoltage | wm::registry::kHasFirmware |
                wm::registry::kHasBootCount | wm::registry::kHasScratchpadSequence;
    batch.nodes.push_back(std::move(node));
  }
  return batch;
}

}  // namespace

int main(int argc, char** argv) {
  wm::config::Schema schema;
  schema.Add(
      {.key = "registry_binary", .default_value = "bazel-bin/services/registry/wm-registry"});
  schema.Add(
      {.key = "nodes", .type = wm::config::SettingType::kInt, .default_value = "100000", .min = 1});
  schema.Add({.key = "page_sizes", .default_value = "1000,10000"});
  schema.Add({.key = "repetitions",
              .type = wm::config::SettingType::kInt,
              .default_value = "5",
              .min = 1});
  auto settings = wm::config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "registry_list_benchmark: %s\n",
                 std::string(settings.status().message()).c_str());
    return 2;
  }
  const int nodes = static_cast<int>(settings->GetInt("nodes"));
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("registry-bench");
  if (!dir.ok()) return 1;
  const std::string db_path = *dir + "/registry.db";

  {
    auto store = wm::registry::SqliteRegistryStore::Open(db_path);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
      return 1;
    }
    StoreBatch batch = Inventory(nodes);
    const absl::Time start = absl::Now();
    if (absl::Status s = (*store)->Write(batch); !s.ok()) return 1;
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::printf("store_write rows=%zu seconds=%.3f rows_per_s=%.0f\n", batch.size(), seconds,
                batch.size() / seconds);
  }

  const int grpc_port = wm::testing::FreeLoopbackPort();
  const int nowhere = wm::testing::FreeLoopbackPort();  // no ingest there
  const absl::Time launch = absl::Now();
  auto registry = wm::testing::Subprocess::Start(
      settings->GetString("registry_binary"),
      {"--registry_db=" + db_path, absl::StrCat("--grpc_port=", grpc_port), "--http_port=0",
       "--grpc_host=127.0.0.1", "--http_host=127.0.0.1",
       absl::StrCat("--wm_ingest=127.0.0.1:", nowhere)});
  if (!registry.ok()) {
    std::fprintf(stderr, "%s\n", std::string(registry.status().message()).c_str());
    return 1;
  }
  auto stub = wm::v1::Registry::NewStub(
      wm::grpcutil::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port), {}));
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    wm::v1::ListNetworksResponse networks;
    if (stub->ListNetworks(&context, {}, &networks).ok()) break;
    if (!(*registry)->running() || absl::Now() - launch > absl::Seconds(60)) {
      std::fprintf(stderr, "wm-registry did not serve:\n%s\n", (*registry)->Output().c_str());
      return 1;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  const int pid = (*registry)->pid();
  // The registry's own account of reading the file and building its state.
  const std::string output = (*registry)->Output();
  const size_t loaded = output.find("registry_loaded");
  const size_t load_ms = output.find("load_ms=", loaded);
  std::printf("load nodes=%d ms=%s\n", nodes,
              loaded == std::string::npos || load_ms == std::string::npos
                  ? "?"
                  : output.substr(load_ms + 8, output.find('\n', load_ms) - load_ms - 8).c_str());
  std::printf("memory_after_load rss_mib=%.1f\n", ProcStatusMib(pid, "VmRSS"));

  for (const absl::string_view size_text :
       absl::StrSplit(settings->GetString("page_sizes"), ',', absl::SkipEmpty())) {
    int page_size = 0;
    if (!absl::SimpleAtoi(size_text, &page_size)) return 2;
    std::vector<double> listings_ms;
    for (int64_t r = 0; r < settings->GetInt("repetitions"); ++r) {
      wm::v1::ListNodesRequest request;
      request.set_page_size(page_size);
      size_t listed = 0;
      int pages = 0;
      const absl::Time start = absl::Now();
      while (true) {
        grpc::ClientContext context;
        wm::v1::ListNodesResponse response;
        grpc::Status status = stub->ListNodes(&context, request, &response);
        if (!status.ok()) {
          std::fprintf(stderr, "ListNodes: %s\n", status.error_message().c_str());
          return 1;
        }
        ++pages;
        listed += response.nodes_size();
        if (response.next_page_token().empty()) break;
        request.set_page_token(response.next_page_token());
      }
      listings_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      if (listed != static_cast<size_t>(nodes)) {
        std::fprintf(stderr, "listed %zu nodes, expected %d\n", listed, nodes);
        return 1;
      }
      if (r == 0) std::printf("list_all page_size=%d pages=%d\n", page_size, pages);
    }
    std::sort(listings_ms.begin(), listings_ms.end());
    std::printf("list_all page_size=%d nodes=%d min_ms=%.1f median_ms=%.1f max_ms=%.1f\n",
                page_size, nodes, listings_ms.front(), listings_ms[listings_ms.size() / 2],
                listings_ms.back());
  }
  std::printf("memory_after_listing rss_mib=%.1f peak_rss_mib=%.1f\n", ProcStatusMib(pid, "VmRSS"),
              ProcStatusMib(pid, "VmHWM"));
  (*registry)->Signal(SIGTERM).IgnoreError();
  (*registry)->Wait(absl::Seconds(10)).IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(*dir, ignored);
  return 0;
}
