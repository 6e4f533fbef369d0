#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "libs/config/settings.h"
#include "libs/observability/readiness.h"
#include "prometheus/registry.h"

namespace httplib {
class Server;
}

namespace wm::observability {

// Declares `http_port` (0 picks a free port) and `http_host` (default "0.0.0.0") for the
// service's observability endpoint.
void AddHttpSettings(config::Schema& schema, int default_port);

// The HTTP endpoint every long-running service exposes:
//   GET /metrics  the registry in Prometheus text format
//   GET /healthz  200 "ok" while the process serves requests at all (liveness)
//   GET /readyz   200 "ready", or 503 listing the failing readiness conditions
//
//   HttpServer http(registry, readiness);
//   absl::StatusOr<int> port = http.Start(settings.GetString("http_host"),
//                                         settings.GetInt("http_port"));
class HttpServer {
 public:
  // `readiness` must outlive the server.
  HttpServer(std::shared_ptr<prometheus::Registry> registry, const Readiness& readiness);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Stops the server.
  ~HttpServer();

  // Listens on host:port (port 0 picks a free port) and serves from a background thread.
  // Returns the bound port. Unavailable when the address cannot be bound; FailedPrecondition
  // when already started.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // Stops accepting, waits for the serving thread. Idempotent.
  void Stop();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  const Readiness& readiness_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> loop_done_{false};  // the serving thread's accept loop has returned
};

}  // namespace wm::observability
