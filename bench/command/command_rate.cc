// Drives wm-command's wm.v1.Commands with GetConfigs or SendData calls and reports their round
// trip and rate (a benchmark client, not a test). The gateways must exist: run wm-gateway-sim
// against the same broker first (bench/command/command_bench.sh does it all).
//
//   # one call after another: latency of a whole round trip
//   command_rate --wm_command=127.0.0.1:7003 --mode=round_trip --method=GetConfigs --count=2000
//   # `concurrency` calls always in flight, spread over every gateway and sink: sustained rate
//   command_rate --mode=throughput --method=SendData --concurrency=64 --duration_s=10
//       --gateway_prefix=bench-gw- --gateways=2 --sinks=2   (one command line)
//
// Waits (up to --ready_timeout_s) until every target answers OK, prints "ready", then one line:
//   mode=.. method=.. calls=.. ok=.. failed=.. seconds=.. calls_per_s=.. p50_us=.. p90_us=..
//   p99_us=.. p999_us=.. max_us=..
// plus, when calls failed, one line per gRPC status or gateway result seen. Exit code 1 when
// any call failed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "libs/config/settings.h"
#include "libs/grpcutil/channel.h"
#include "protos/wm/v1/commands.grpc.pb.h"

namespace wm::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One gateway and sink that calls go to.
struct Target {
  std::string gateway_id;
  std::string sink_id;
};

// What one finished call says: "ok", a gRPC status name, or a gateway result name.
std::string Outcome(const grpc::Status& status, const wm::v1::GatewayResult& result) {
  if (!status.ok()) return absl::StrCat("grpc_", static_cast<int>(status.error_code()));
  if (result.code() != wm::v1::GATEWAY_RESULT_OK) return "gateway_" + result.name();
  return "ok";
}

// Latencies in microseconds and outcomes of a run.
struct Run {
  std::vector<double> latencies_us;
  std::map<std::string, int64_t> outcomes;
  double seconds = 0;

  void Add(double latency_us, const std::string& outcome) {
    latencies_us.push_back(latency_us);
    ++outcomes[outcome];
  }
};

double Percentile(std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1,
                                static_cast<size_t>(fraction * static_cast<double>(sorted.size())));
  return sorted[index];
}

void Report(const std::string& mode, const std::string& method, Run& run) {
  std::sort(run.latencies_us.begin(), run.latencies_us.end());
  const int64_t calls = static_cast<int64_t>(run.latencies_us.size());
  const int64_t ok = run.outcomes.count("ok") ? run.outcomes["ok"] : 0;
  std::printf(
      "mode=%s method=%s calls=%lld ok=%lld failed=%lld seconds=%.3f calls_per_s=%.0f "
      "p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f\n",
      mode.c_str(), method.c_str(), static_cast<long long>(calls), static_cast<long long>(ok),
      static_cast<long long>(calls - ok), run.seconds,
      run.seconds > 0 ? static_cast<double>(calls) / run.seconds : 0.0,
      Percentile(run.latencies_us, 0.50), Percentile(run.latencies_us, 0.90),
      Percentile(run.latencies_us, 0.99), Percentile(run.latencies_us, 0.999),
      run.latencies_us.empty() ? 0.0 : run.latencies_us.back());
  for (const auto& [outcome, count] : run.outcomes) {
    if (outcome != "ok")
      std::printf("failed outcome=%s calls=%lld\n", outcome.c_str(), static_cast<long long>(count));
  }
  std::fflush(stdout);
}

wm::v1::SendDataRequest SendDataRequest(const Target& target) {
  wm::v1::SendDataRequest request;
  request.set_gateway_id(target.gateway_id);
  request.set_sink_id(target.sink_id);
  request.set_destination_address(1);
  request.set_source_endpoint(10);
  request.set_destination_endpoint(10);
  request.set_payload("0123456789");
  return request;
}

wm::v1::GetConfigsRequest GetConfigsRequest(const Target& target) {
  wm::v1::GetConfigsRequest request;
  request.set_gateway_id(target.gateway_id);
  return request;
}

// One blocking call; returns its outcome.
std::string CallOnce(wm::v1::Commands::Stub& stub, const std::string& method, const Target& target,
                     absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (method == "SendData") {
    wm::v1::SendDataResponse response;
    const grpc::Status status = stub.SendData(&context, SendDataRequest(target), &response);
    return Outcome(status, response.result());
  }
  wm::v1::GetConfigsResponse response;
  const grpc::Status status = stub.GetConfigs(&context, GetConfigsRequest(target), &response);
  return Outcome(status, response.result());
}

// Calls one after another, `count` of them, cycling over the targets.
Run RoundTrip(wm::v1::Commands::Stub& stub, const std::string& method,
              const std::vector<Target>& targets, int64_t count) {
  Run run;
  run.latencies_us.reserve(static_cast<size_t>(count));
  const Clock::time_point begin = Clock::now();
  for (int64_t i = 0; i < count; ++i) {
    const Target& target = targets[static_cast<size_t>(i) % targets.size()];
    const Clock::time_point start = Clock::now();
    const std::string outcome = CallOnce(stub, method, target, absl::Seconds(10));
    run.Add(std::chrono::duration<double, std::micro>(Clock::now() - start).count(), outcome);
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return run;
}

// One asynchronous call in flight.
struct AsyncCall {
  grpc::ClientContext context;
  Clock::time_point start;
  grpc::Status status;
  wm::v1::SendDataResponse send_data;
  wm::v1::GetConfigsResponse get_configs;
  std::unique_ptr<grpc::ClientAsyncResponseReader<wm::v1::SendDataResponse>> send_data_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<wm::v1::GetConfigsResponse>> get_configs_reader;
};

// Keeps `concurrency` calls in flight for `duration`, cycling over the targets; every
// completion starts the next call at once.
Run Throughput(wm::v1::Commands::Stub& stub, const std::string& method,
               const std::vector<Target>& targets, int concurrency, absl::Duration duration) {
  grpc::CompletionQueue queue;
  size_t next_target = 0;
  const auto start_call = [&]() {
    auto* call = new AsyncCall();
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    const Target& target = targets[next_target++ % targets.size()];
    call->start = Clock::now();
    if (method == "SendData") {
      call->send_data_reader =
          stub.PrepareAsyncSendData(&call->context, SendDataRequest(target), &queue);
      call->send_data_reader->StartCall();
      call->send_data_reader->Finish(&call->send_data, &call->status, call);
    } else {
      call->get_configs_reader =
          stub.PrepareAsyncGetConfigs(&call->context, GetConfigsRequest(target), &queue);
      call->get_configs_reader->StartCall();
      call->get_configs_reader->Finish(&call->get_configs, &call->status, call);
    }
  };

  Run run;
  const Clock::time_point begin = Clock::now();
  const Clock::time_point stop = begin + absl::ToChronoNanoseconds(duration);
  int in_flight = 0;
  for (; in_flight < concurrency; ++in_flight) start_call();
  void* tag = nullptr;
  bool ok = false;
  while (in_flight > 0 && queue.Next(&tag, &ok)) {
    std::unique_ptr<AsyncCall> call(static_cast<AsyncCall*>(tag));
    const Clock::time_point now = Clock::now();
    const wm::v1::GatewayResult& result =
        method == "SendData" ? call->send_data.result() : call->get_configs.result();
    run.Add(std::chrono::duration<double, std::micro>(now - call->start).count(),
            Outcome(call->status, result));
    --in_flight;
    if (now < stop) {
      start_call();
      ++in_flight;
    }
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return run;
}

int Main(int argc, char** argv) {
  config::Schema schema;
  grpcutil::AddAddressSetting(schema, "wm_command", "127.0.0.1:7003", "wm-command's address.");
  schema.Add({.key = "mode",
              .default_value = "round_trip",
              .help = "round_trip (one call after another) or throughput (concurrent calls)",
              .choices = {"round_trip", "throughput"}});
  schema.Add({.key = "method", .default_value = "SendData", .choices = {"SendData", "GetConfigs"}});
  schema.Add({.key = "count",
              .type = config::SettingType::kInt,
              .default_value = "2000",
              .help = "round_trip: calls measured",
              .min = 1});
  schema.Add({.key = "warmup",
              .type = config::SettingType::kInt,
              .default_value = "200",
              .help = "Calls made and not measured first",
              .min = 0});
  schema.Add({.key = "concurrency",
              .type = config::SettingType::kInt,
              .default_value = "64",
              .help = "throughput: calls in flight",
              .min = 1,
              .max = 100000});
  schema.Add({.key = "duration_s",
              .type = config::SettingType::kDouble,
              .default_value = "10",
              .help = "throughput: how long calls are started",
              .min = 0.1});
  schema.Add({.key = "gateway_prefix",
              .default_value = "bench-gw-",
              .help = "Gateway ids are <prefix>1 .. <prefix><gateways>"});
  schema.Add({.key = "gateways",
              .type = config::SettingType::kInt,
              .default_value = "1",
              .min = 1,
              .max = 1000});
  schema.Add({.key = "sinks",
              .type = config::SettingType::kInt,
              .default_value = "1",
              .help = "Sinks per gateway: sink0 ..",
              .min = 1,
              .max = 100});
  schema.Add({.key = "ready_timeout_s",
              .type = config::SettingType::kDouble,
              .default_value = "30",
              .min = 0});
  absl::StatusOr<config::Settings> settings = config::Settings::FromCommandLine(schema, argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "command_rate: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  if (settings->help_requested()) {
    std::fputs(config::Settings::Usage(schema, "command_rate").c_str(), stdout);
    return 0;
  }
  absl::StatusOr<std::string> address = grpcutil::AddressFromSettings(*settings, "wm_command");
  if (!address.ok()) {
    std::fprintf(stderr, "command_rate: %s\n", std::string(address.status().message()).c_str());
    return 2;
  }
  const std::string mode = settings->GetString("mode");
  const std::string method = settings->GetString("method");
  std::vector<Target> targets;
  for (int64_t g = 1; g <= settings->GetInt("gateways"); ++g) {
    for (int64_t s = 0; s < settings->GetInt("sinks"); ++s) {
      targets.push_back(
          {absl::StrCat(settings->GetString("gateway_prefix"), g), absl::StrCat("sink", s)});
    }
  }

  std::unique_ptr<wm::v1::Commands::Stub> stub =
      wm::v1::Commands::NewStub(grpcutil::CreateChannel(*address, {}));
  // Ready once every target answers: wm-command is up and has heard each gateway.
  const absl::Time ready_deadline =
      absl::Now() + absl::Seconds(settings->GetDouble("ready_timeout_s"));
  for (const Target& target : targets) {
    std::string outcome;
    while ((outcome = CallOnce(*stub, method, target, absl::Seconds(1))) != "ok") {
      if (absl::Now() > ready_deadline) {
        std::fprintf(stderr, "command_rate: %s/%s never answered OK (last: %s)\n",
                     target.gateway_id.c_str(), target.sink_id.c_str(), outcome.c_str());
        return 1;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  RoundTrip(*stub, method, targets, settings->GetInt("warmup"));
  std::printf("ready\n");
  std::fflush(stdout);

  Run run = mode == "round_trip" ? RoundTrip(*stub, method, targets, settings->GetInt("count"))
                                 : Throughput(*stub, method, targets,
                                              static_cast<int>(settings->GetInt("concurrency")),
                                              absl::Seconds(settings->GetDouble("duration_s")));
  Report(mode, method, run);
  return run.outcomes.size() == 1 && run.outcomes.count("ok") == 1 ? 0 : 1;
}

}  // namespace
}  // namespace wm::bench

int main(int argc, char** argv) { return wm::bench::Main(argc, argv); }
