#include "libs/observability/http_server.h"

#include <sys/socket.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "prometheus/text_serializer.h"
#include "spdlog/spdlog.h"

namespace wm::observability {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kTextContentType[] = "text/plain; charset=utf-8";
// Scrapes and probes are few; a small pool keeps the thread count low.
constexpr size_t kWorkerThreads = 4;

}  // namespace

void AddHttpSettings(config::Schema& schema, int default_port) {
  schema.Add({.key = "http_port",
              .type = config::SettingType::kInt,
              .default_value = std::to_string(default_port),
              .help = "Port of /metrics, /healthz and /readyz; 0 picks a free port.",
              .min = 0,
              .max = 65535});
  schema.Add({.key = "http_host",
              .default_value = "0.0.0.0",
              .help = "Address the HTTP endpoint listens on."});
}

HttpServer::HttpServer(std::shared_ptr<prometheus::Registry> registry, const Readiness& readiness)
    : registry_(std::move(registry)), readiness_(readiness) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<int> HttpServer::Start(const std::string& host, int port) {
  if (server_ != nullptr) return absl::FailedPreconditionError("HTTP server already started");
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second instance bind the
  // same port and silently take half the scrapes. SO_REUSEADDR alone allows quick restarts.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  server->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    prometheus::TextSerializer serializer;
    res.set_content(serializer.Serialize(registry_->Collect()), kMetricsContentType);
  });
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", kTextContentType);
  });
  server->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    std::vector<std::string> failing = readiness_.FailingConditions();
    if (failing.empty()) {
      res.set_content("ready\n", kTextContentType);
      return;
    }
    res.status = 503;
    res.set_content(absl::StrCat("not ready\n", absl::StrJoin(failing, "\n"), "\n"),
                    kTextContentType);
  });

  int bound = port;
  if (port == 0) {
    bound = server->bind_to_any_port(host);
  } else if (!server->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("HTTP server cannot listen on ", host, ":", port));
  }

  httplib::Server* raw = server.get();
  server_ = std::move(server);
  loop_done_ = false;
  thread_ = std::thread([this, raw] {
    raw->listen_after_bind();
    loop_done_ = true;
  });
  // cpp-httplib's stop() is a no-op until the accept loop runs; wait for the loop so that a
  // Stop() right after Start() is not lost. The socket already listens meanwhile.
  while (!raw->is_running() && !loop_done_) absl::SleepFor(absl::Milliseconds(1));
  if (!raw->is_running()) {
    Stop();
    return absl::InternalError(absl::StrCat("HTTP server on ", host, ":", bound, " stopped"));
  }
  spdlog::info("http server listening host={} port={}", host, bound);
  return bound;
}

void HttpServer::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace wm::observability
