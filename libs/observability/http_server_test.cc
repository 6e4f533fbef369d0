#include "libs/observability/http_server.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/observability/metrics.h"
#include "libs/observability/readiness.h"
#include "prometheus/counter.h"

namespace wm::observability {
namespace {

using ::testing::HasSubstr;

struct Reply {
  int status = -1;  // -1: no connection
  std::string body;
  std::string content_type;
};

Reply Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  httplib::Result result = client.Get(path.c_str());
  if (!result) return {};
  return {result->status, result->body, result->get_header_value("Content-Type")};
}

TEST(HttpServerTest, ServesMetricsHealthAndReadiness) {
  auto registry = NewMetricsRegistry("wm-test");
  prometheus::BuildCounter()
      .Name("wm_test_events_total")
      .Help("test")
      .Register(*registry)
      .Add({})
      .Increment(3);
  Readiness readiness;
  readiness.Declare("mqtt", "connecting");
  HttpServer server(registry, readiness);
  absl::StatusOr<int> port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_GT(*port, 0);

  Reply metrics = Get(*port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics.body, HasSubstr("wm_build_info{service=\"wm-test\""));
  EXPECT_THAT(metrics.body, HasSubstr("wm_test_events_total 3"));

  EXPECT_EQ(Get(*port, "/healthz").status, 200);

  Reply not_ready = Get(*port, "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_THAT(not_ready.body, HasSubstr("mqtt: connecting"));

  readiness.Set("mqtt", true);
  Reply ready = Get(*port, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");

  readiness.SetDraining();
  Reply draining = Get(*port, "/readyz");
  EXPECT_EQ(draining.status, 503);
  EXPECT_THAT(draining.body, HasSubstr("draining"));
  EXPECT_EQ(Get(*port, "/healthz").status, 200);  // alive while draining

  EXPECT_EQ(Get(*port, "/nope").status, 404);

  server.Stop();
  EXPECT_EQ(Get(*port, "/healthz").status, -1);
  server.Stop();  // idempotent
}

TEST(HttpServerTest, BusyPortIsUnavailable) {
  auto registry = NewMetricsRegistry("wm-test");
  Readiness readiness;
  HttpServer first(registry, readiness);
  absl::StatusOr<int> port = first.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  HttpServer second(registry, readiness);
  absl::StatusOr<int> again = second.Start("127.0.0.1", *port);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr(std::to_string(*port)));
  EXPECT_EQ(first.Start("127.0.0.1", 0).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HttpServerTest, StopRightAfterStartReturns) {
  auto registry = NewMetricsRegistry("wm-test");
  Readiness readiness;
  for (int i = 0; i < 20; ++i) {
    HttpServer server(registry, readiness);
    ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
    server.Stop();
  }
}

TEST(HttpSettingsTest, Keys) {
  config::Schema schema;
  AddHttpSettings(schema, 9101);
  absl::StatusOr<config::Settings> defaults = config::Settings::Load(schema, {}, {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->GetInt("http_port"), 9101);
  EXPECT_EQ(defaults->GetString("http_host"), "0.0.0.0");
  EXPECT_FALSE(config::Settings::Load(schema, {"--http_port=70000"}, {}).ok());
  EXPECT_EQ(config::Settings::Load(schema, {"--http_port=0"}, {})->GetInt("http_port"), 0);
}

}  // namespace
}  // namespace wm::observability
