// `wm-gw-cli events` end to end: a real mosquitto, the real wm-ingest, an MQTT publisher
// playing gateways, and the real wm-gw-cli binary whose output is checked line by line.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/mqtt/client.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/subprocess.h"
#include "tests/gw_cli/cli_runner.h"
#include "tests/harness/metrics_text.h"
#include "tests/harness/service_process.h"
#include "tests/ingest/gateway_messages.h"

namespace wm::gw_cli {
namespace {

using ::wm::testing::Field;
using ::wm::testing::GatewayPacket;
using ::wm::testing::LinesStartingWith;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::ServiceProcess;
using ::wm::testing::Subprocess;

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr absl::Duration kPollInterval = absl::Milliseconds(20);
constexpr char kIngest[] = "services/ingest/wm-ingest";

// Events printed as text start with "#", as JSON with "{" (LinesStartingWith). The CLI's own
// messages (reconnecting, errors) go to stderr, into the same output, and start with
// "wm-gw-cli:".

class GwCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = MosquittoProcess::Start();
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("replay-log");
    ASSERT_TRUE(dir.ok()) << dir.status();
    replay_log_dir_ = *dir;
    auto ingest = ServiceProcess::Start(kIngest, IngestArgs());
    ASSERT_TRUE(ingest.ok()) << ingest.status();
    ingest_ = *std::move(ingest);
    ASSERT_TRUE(ingest_->WaitReady(kTimeout).ok()) << ingest_->process().Output();
    grpc_port_ = ingest_->grpc_port();
    http_port_ = ingest_->http_port();

    mqtt::MqttOptions options;
    options.host = "127.0.0.1";
    options.port = broker_->port();
    options.force_unsecure = true;
    publisher_ = std::make_unique<mqtt::MqttClient>(options);
    ASSERT_TRUE(publisher_->Start().ok());
    ASSERT_TRUE(publisher_->WaitUntilConnected(kTimeout));
  }

  // A persistent session and a disk log, so that a restarted ingest gets what was published
  // while it was down and continues the same stream.
  std::vector<std::string> IngestArgs() const {
    return {"--mqtt_hostname=127.0.0.1", "--mqtt_port=" + std::to_string(broker_->port()),
            "--mqtt_force_unsecure", "--mqtt_persist_session", "--mqtt_client_id=wm-ingest-test",
            "--replay_log_dir=" + replay_log_dir_};
  }

  std::string IngestAddress() const { return absl::StrCat("127.0.0.1:", grpc_port_); }

  // Starts `wm-gw-cli events` with --wm_ingest and `args`.
  std::unique_ptr<Subprocess> StartCli(std::vector<std::string> args) {
    args.insert(args.begin(), {"events", "--wm_ingest=" + IngestAddress()});
    return wm::testing::StartCli(args);
  }

  // Waits for the CLI to exit by itself; its exit code, or -1.
  int WaitForExit(Subprocess& cli) { return wm::testing::FinishCli(cli, kTimeout).code; }

  void Publish(const std::string& topic, const std::string& payload, bool retained = false) {
    ASSERT_TRUE(publisher_->PublishAndWait(topic, payload, 1, retained, kTimeout).ok()) << topic;
  }
  void Publish(const GatewayPacket& packet) { Publish(packet.Topic(), packet.Bytes()); }

  // Publishes the retained ONLINE status of `gateway_id` and waits until ingest has it, so a
  // client started afterwards gets it in its snapshot.
  void PublishOnlineStatus(const std::string& gateway_id) {
    ASSERT_NO_FATAL_FAILURE(Publish(wm::testing::GatewayStatusTopic(gateway_id),
                                    wm::testing::GatewayStatusBytes(gateway_id, true),
                                    /*retained=*/true));
    ASSERT_TRUE(WaitForIngestMetric("wm_ingest_messages_total", "kind=\"status\"",
                                   ++statuses_published_)
                    .ok());
  }

  // Polls ingest's /metrics (on the current ingest's port) until the sample reaches `value`.
  absl::Status WaitForIngestMetric(const std::string& name, const std::string& labels,
                                  double value) {
    const absl::Time deadline = absl::Now() + kTimeout;
    while (absl::Now() < deadline) {
      httplib::Client client("127.0.0.1", http_port_);
      client.set_connection_timeout(1);
      auto result = client.Get("/metrics");
      if (result && result->status == 200 &&
          wm::testing::MetricValue(result->body, name, labels).value_or(-1) >= value) {
        return absl::OkStatus();
      }
      absl::SleepFor(kPollInterval);
    }
    return absl::DeadlineExceededError(absl::StrCat(name, "{", labels, "} never reached ", value));
  }

  // Waits until `count` Subscribe streams are open on ingest: a CLI started before is
  // listening, so what is published next reaches it.
  void WaitForSubscribers(int count) {
    ASSERT_TRUE(WaitForIngestMetric("wm_ingest_subscribers", "", count).ok());
  }

  // Stops wm-ingest, runs `while_down`, and starts it again on the same gRPC and HTTP ports, as
  // a restart of the service does; returns once the new one is ready.
  void RestartIngest(const std::function<void()>& while_down = [] {}) {
    ingest_->process().Stop();
    while_down();
    std::vector<std::string> args = IngestArgs();
    args.insert(args.end(), {"--grpc_host=127.0.0.1", absl::StrCat("--grpc_port=", grpc_port_),
                             "--http_host=127.0.0.1", absl::StrCat("--http_port=", http_port_)});
    auto restarted = Subprocess::Start(wm::testing::RunfilePath(kIngest), args);
    ASSERT_TRUE(restarted.ok()) << restarted.status();
    restarted_ingest_ = *std::move(restarted);
    const absl::Time deadline = absl::Now() + kTimeout;
    while (true) {
      httplib::Client client("127.0.0.1", http_port_);
      client.set_connection_timeout(1);
      auto result = client.Get("/readyz");
      if (result && result->status == 200) return;
      ASSERT_TRUE(restarted_ingest_->running()) << restarted_ingest_->Output();
      ASSERT_LT(absl::Now(), deadline) << "restarted ingest not ready:\n"
                                       << restarted_ingest_->Output();
      absl::SleepFor(kPollInterval);
    }
  }

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<ServiceProcess> ingest_;
  std::unique_ptr<Subprocess> restarted_ingest_;
  std::unique_ptr<mqtt::MqttClient> publisher_;
  std::string replay_log_dir_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  int statuses_published_ = 0;
};

TEST_F(GwCliTest, PrintsTheSnapshotThenLivePacketsAndExitsAfterCount) {
  ASSERT_NO_FATAL_FAILURE(PublishOnlineStatus("gw-cli-1"));
  auto cli = StartCli({"--count=4"});
  ASSERT_NE(cli, nullptr);
  ASSERT_TRUE(cli->WaitForOutput("(snapshot)", kTimeout).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForSubscribers(1));

  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-cli-1", .event_id = 1, .source_address = 1001}));
  ASSERT_NO_FATAL_FAILURE(Publish(GatewayPacket{.gateway_id = "gw-cli-1",
                                                .event_id = 2,
                                                .source_address = 1002,
                                                .source_endpoint = 251,
                                                .destination_endpoint = 255,
                                                .payload = wm::testing::TrafficDiagnosticsPayload(
                                                    42)}));
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-cli-1", .event_id = 3, .source_address = 1003}));
  // One more than --count: must not be printed.
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-cli-1", .event_id = 4, .source_address = 1004}));

  EXPECT_EQ(WaitForExit(*cli), 0);
  const std::string output = cli->Output();
  std::vector<std::string> lines = LinesStartingWith(output, "#");
  ASSERT_EQ(lines.size(), 4u) << output;
  EXPECT_NE(lines[0].find("status   gw-cli-1 ONLINE"), std::string::npos) << lines[0];
  EXPECT_TRUE(absl::EndsWith(lines[0], "(snapshot)")) << lines[0];
  EXPECT_NE(lines[1].find("packet   gw-cli-1/sink0 net=77 node=1001 ep=10->10"),
            std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find("node=1002 ep=251->255"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("18B traffic_diagnostics {"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("rx_amount: 42"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find("node=1003"), std::string::npos) << lines[3];
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].find("(snapshot)"), std::string::npos) << lines[i];
  }
  EXPECT_EQ(output.find("node=1004"), std::string::npos) << output;
}

TEST_F(GwCliTest, JsonPrintsOneObjectPerEvent) {
  ASSERT_NO_FATAL_FAILURE(PublishOnlineStatus("gw-json"));
  auto cli = StartCli({"--json", "--count=2"});
  ASSERT_NE(cli, nullptr);
  ASSERT_NO_FATAL_FAILURE(WaitForSubscribers(1));
  ASSERT_NO_FATAL_FAILURE(Publish(GatewayPacket{.gateway_id = "gw-json",
                                                .event_id = 5,
                                                .source_address = 3003,
                                                .source_endpoint = 251,
                                                .destination_endpoint = 255,
                                                .payload = wm::testing::TrafficDiagnosticsPayload(
                                                    7)}));
  EXPECT_EQ(WaitForExit(*cli), 0);
  const std::string output = cli->Output();
  std::vector<std::string> lines = LinesStartingWith(output, "{");
  ASSERT_EQ(lines.size(), 2u) << output;
  std::vector<google::protobuf::Struct> events(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[i], &events[i]).ok())
        << lines[i];
    EXPECT_EQ(Field(events[i], "gateway_id").string_value(), "gw-json") << lines[i];
  }
  EXPECT_TRUE(Field(events[0], "snapshot").bool_value()) << lines[0];
  EXPECT_EQ(Field(Field(events[0], "status").struct_value(), "state").string_value(),
            "GATEWAY_STATE_ONLINE")
      << lines[0];
  const google::protobuf::Struct& packet = Field(events[1], "packet").struct_value();
  EXPECT_EQ(Field(packet, "source_address").number_value(), 3003) << lines[1];
  EXPECT_EQ(Field(packet, "source_endpoint").number_value(), 251) << lines[1];
  const google::protobuf::Struct& traffic =
      Field(Field(packet, "decoded").struct_value(), "traffic_diagnostics").struct_value();
  EXPECT_EQ(Field(traffic, "rx_amount").number_value(), 7) << lines[1];
}

TEST_F(GwCliTest, FiltersNarrowTheOutput) {
  ASSERT_NO_FATAL_FAILURE(PublishOnlineStatus("gw-a"));
  ASSERT_NO_FATAL_FAILURE(PublishOnlineStatus("gw-b"));
  auto cli = StartCli({"--gateway=gw-b", "--kind=packet", "--count=2"});
  ASSERT_NE(cli, nullptr);
  ASSERT_NO_FATAL_FAILURE(WaitForSubscribers(1));

  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-a", .event_id = 1, .source_address = 1001}));
  ASSERT_NO_FATAL_FAILURE(Publish(wm::testing::GatewayStatusTopic("gw-b"),
                                  wm::testing::GatewayStatusBytes("gw-b", false, 2)));
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-b", .event_id = 2, .source_address = 2002}));
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-a", .event_id = 3, .source_address = 1003}));
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-b", .event_id = 4, .source_address = 2004}));

  EXPECT_EQ(WaitForExit(*cli), 0);
  const std::string output = cli->Output();
  std::vector<std::string> lines = LinesStartingWith(output, "#");
  ASSERT_EQ(lines.size(), 2u) << output;
  EXPECT_NE(lines[0].find("packet   gw-b/sink0 net=77 node=2002"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("packet   gw-b/sink0 net=77 node=2004"), std::string::npos) << lines[1];
}

TEST_F(GwCliTest, UnknownKindExitsWithCodeTwoNamingTheSetting) {
  auto cli = StartCli({"--kind=bogus"});
  ASSERT_NE(cli, nullptr);
  EXPECT_EQ(WaitForExit(*cli), 2);
  const std::string output = cli->Output();
  EXPECT_NE(output.find("kind"), std::string::npos) << output;
  EXPECT_NE(output.find("bogus"), std::string::npos) << output;
  EXPECT_TRUE(LinesStartingWith(output, "#").empty()) << output;
}

TEST_F(GwCliTest, DurationEndsTheStreamByItself) {
  ASSERT_NO_FATAL_FAILURE(PublishOnlineStatus("gw-dur"));
  const absl::Time start = absl::Now();
  auto cli = StartCli({"--duration_s=1"});
  ASSERT_NE(cli, nullptr);
  EXPECT_EQ(WaitForExit(*cli), 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  std::vector<std::string> lines = LinesStartingWith(cli->Output(), "#");
  ASSERT_EQ(lines.size(), 1u) << cli->Output();
  EXPECT_NE(lines[0].find("gw-dur ONLINE"), std::string::npos) << lines[0];
}

TEST_F(GwCliTest, ReconnectsWhenIngestRestarts) {
  auto cli = StartCli({"--count=2"});
  ASSERT_NE(cli, nullptr);
  ASSERT_NO_FATAL_FAILURE(WaitForSubscribers(1));
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-r", .event_id = 1, .source_address = 1001}));
  ASSERT_TRUE(cli->WaitForOutput("node=1001", kTimeout).ok());

  ASSERT_NO_FATAL_FAILURE(RestartIngest());
  ASSERT_TRUE(cli->WaitForOutput("reconnecting", kTimeout).ok());
  ASSERT_NO_FATAL_FAILURE(WaitForSubscribers(1));  // the CLI's stream on the new ingest
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-r", .event_id = 2, .source_address = 1002}));

  EXPECT_EQ(WaitForExit(*cli), 0);
  std::vector<std::string> lines = LinesStartingWith(cli->Output(), "#");
  ASSERT_EQ(lines.size(), 2u) << cli->Output();
  EXPECT_NE(lines[0].find("node=1001"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("node=1002"), std::string::npos) << lines[1];
}

// A packet published while ingest is down reaches it when it comes back, before the CLI has
// reconnected: only a stream that resumes after the last event printed shows it.
TEST_F(GwCliTest, ResumesAfterTheLastEventPrintedWhenIngestRestarts) {
  auto cli = StartCli({"--count=3"});
  ASSERT_NE(cli, nullptr);
  ASSERT_NO_FATAL_FAILURE(WaitForSubscribers(1));
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-r", .event_id = 1, .source_address = 1001}));
  ASSERT_TRUE(cli->WaitForOutput("node=1001", kTimeout).ok());

  ASSERT_NO_FATAL_FAILURE(RestartIngest([&] {
    Publish(GatewayPacket{.gateway_id = "gw-r", .event_id = 2, .source_address = 1002});
  }));
  ASSERT_TRUE(WaitForIngestMetric("wm_ingest_messages_total", "kind=\"packet\"", 1).ok())
      << "the restarted ingest got the packet the broker kept";
  ASSERT_NO_FATAL_FAILURE(WaitForSubscribers(1));  // the CLI's stream on the new ingest
  ASSERT_NO_FATAL_FAILURE(
      Publish(GatewayPacket{.gateway_id = "gw-r", .event_id = 3, .source_address = 1003}));

  EXPECT_EQ(WaitForExit(*cli), 0);
  std::vector<std::string> lines = LinesStartingWith(cli->Output(), "#");
  ASSERT_EQ(lines.size(), 3u) << cli->Output();
  EXPECT_NE(lines[0].find("node=1001"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("node=1002"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("node=1003"), std::string::npos) << lines[2];
}

}  // namespace
}  // namespace wm::gw_cli
