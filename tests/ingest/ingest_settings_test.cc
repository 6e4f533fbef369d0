// wm-ingest's settings as an operator meets them: a backend-client settings.yml, precedence of
// flags, file and environment, secrets kept out of every output, errors that name the key,
// JSON logs, and the health and metrics endpoints that follow the broker.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/grpcutil/health_client.h"
#include "libs/mqtt/client.h"
#include "libs/testing/certificate_authority.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/ports.h"
#include "libs/testing/subprocess.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "tests/harness/event_collector.h"
#include "tests/harness/service_process.h"
#include "tests/ingest/gateway_messages.h"

namespace wm::ingest {
namespace {

using ::wm::testing::EventCollector;
using ::wm::testing::GatewayPacket;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::ServiceProcess;
using ::wm::testing::Subprocess;

constexpr absl::Duration kTimeout = absl::Seconds(20);
// A process that rejects its settings must say so at once.
constexpr absl::Duration kSettingsErrorTimeout = absl::Seconds(5);
constexpr char kIngest[] = "services/ingest/wm-ingest";
constexpr char kUser[] = "wm-backend";
// Distinctive, so that any appearance in an output is this password and nothing else.
constexpr char kPassword[] = "pw-Q7f3c9e1d-s3cret";

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// The HTTP status of GET `path`, or -1 when nothing answers; the body into `body`.
int HttpGet(const ServiceProcess& service, const std::string& path, std::string* body = nullptr) {
  httplib::Client client("127.0.0.1", service.http_port());
  client.set_connection_timeout(1);
  client.set_read_timeout(5);
  auto result = client.Get(path.c_str());
  if (!result) return -1;
  if (body != nullptr) *body = result->body;
  return result->status;
}

// Checks that every line of `output` is one JSON object with ts, level, service and msg.
// Returns the messages; a failure names the first bad line.
std::vector<std::string> ParseJsonLog(const std::string& output) {
  std::vector<std::string> messages;
  for (const std::string& line : Lines(output)) {
    google::protobuf::Struct object;
    auto parsed = google::protobuf::util::JsonStringToMessage(line, &object);
    EXPECT_TRUE(parsed.ok()) << "not a JSON object: " << line;
    if (!parsed.ok()) continue;
    const auto& fields = object.fields();
    for (const char* key : {"ts", "level", "service", "msg"}) {
      EXPECT_TRUE(fields.count(key) == 1 && fields.at(key).has_string_value())
          << "no string \"" << key << "\" in " << line;
    }
    if (fields.count("service") == 1) {
      EXPECT_EQ(fields.at("service").string_value(), "wm-ingest") << line;
    }
    if (fields.count("msg") == 1) messages.push_back(fields.at("msg").string_value());
  }
  return messages;
}

class IngestSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wm::testing::MosquittoOptions options;
    options.users = {{kUser, kPassword}};
    auto broker = MosquittoProcess::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    auto dir = wm::testing::MakeTempDir("settings");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }

  // The settings.yml of a backend-client installation pointing at the test's broker, with
  // `password` and `port` (the broker's when 0).
  std::string BackendClientSettings(const std::string& password = kPassword, int port = 0) {
    return absl::StrCat(
        "# backend-client settings\n"
        "mqtt_hostname: 127.0.0.1\n"
        "mqtt_port: ",
        port == 0 ? broker_->port() : port,
        "\n"
        "mqtt_username: ",
        kUser,
        "\n"
        "mqtt_password: ",
        password,
        "\n"
        "mqtt_force_unsecure: true\n"
        "mqtt_persist_session: false\n"
        "\n"
        "# legacy keys wm-ingest does not use\n"
        "debug_level: debug\n"
        "heartbeat: 2\n"
        "mqtt_topic: \"gw-event/#\"\n"
        "fluentd_hostname: fluentd.example.com\n"
        "fluentd_port: 24224\n");
  }

  std::string WriteSettings(const std::string& contents) {
    const std::string path = absl::StrCat(dir_, "/settings-", ++files_, ".yml");
    absl::Status written = wm::testing::WriteFile(path, contents);
    EXPECT_TRUE(written.ok()) << written;
    return path;
  }

  std::unique_ptr<ServiceProcess> StartIngest(std::vector<std::string> args,
                                              std::map<std::string, std::string> env = {}) {
    auto ingest = ServiceProcess::Start(kIngest, std::move(args), std::move(env));
    EXPECT_TRUE(ingest.ok()) << ingest.status();
    return ingest.ok() ? *std::move(ingest) : nullptr;
  }

  std::unique_ptr<ServiceProcess> StartReadyIngest(std::vector<std::string> args,
                                                   std::map<std::string, std::string> env = {}) {
    auto ingest = StartIngest(std::move(args), std::move(env));
    if (ingest == nullptr) return nullptr;
    absl::Status ready = ingest->WaitReady(kTimeout);
    EXPECT_TRUE(ready.ok()) << ready;
    return ready.ok() ? std::move(ingest) : nullptr;
  }

  void StartPublisher() {
    mqtt::MqttOptions options;
    options.host = "127.0.0.1";
    options.port = broker_->port();
    options.username = kUser;
    options.password = kPassword;
    options.force_unsecure = true;
    options.reconnect_max_delay = absl::Milliseconds(500);
    publisher_ = std::make_unique<mqtt::MqttClient>(options);
    ASSERT_TRUE(publisher_->Start().ok());
    ASSERT_TRUE(publisher_->WaitUntilConnected(kTimeout));
  }

  void Publish(const std::string& topic, const std::string& payload) {
    ASSERT_TRUE(publisher_->PublishAndWait(topic, payload, 1, false, kTimeout).ok()) << topic;
  }

  // Opens a stream, publishes packets, and checks they arrive: the service really works.
  void ExpectPacketsFlow(ServiceProcess& ingest) {
    if (publisher_ == nullptr) {
      ASSERT_NO_FATAL_FAILURE(StartPublisher());
    }
    wm::v1::SubscribeRequest request;
    request.set_skip_snapshot(true);
    const double subscribers = ingest.Metric("wm_ingest_subscribers").value_or(0);
    EventCollector stream(ingest.grpc_address(), request);
    ASSERT_TRUE(ingest.WaitForMetric("wm_ingest_subscribers", "", subscribers + 1, kTimeout).ok());
    for (uint64_t id = 1; id <= 3; ++id) {
      ASSERT_NO_FATAL_FAILURE(Publish(GatewayPacket{.event_id = id}.Topic(),
                                      GatewayPacket{.event_id = id}.Bytes()));
    }
    ASSERT_TRUE(stream.WaitForCount(3, kTimeout).ok()) << ingest.process().Output();
  }

  // SIGTERM, then the exit code must be 0.
  void StopCleanly(ServiceProcess& ingest) {
    ASSERT_TRUE(ingest.process().Signal(SIGTERM).ok());
    absl::StatusOr<int> code = ingest.process().Wait(kTimeout);
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0) << ingest.process().Output();
  }

  // Runs wm-ingest with `args` (no ports added) to its end; its exit code and output.
  std::pair<int, std::string> RunToExit(const std::vector<std::string>& args,
                                        const std::map<std::string, std::string>& env = {}) {
    auto process = Subprocess::Start(wm::testing::RunfilePath(kIngest), args, env);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return {-1, ""};
    absl::StatusOr<int> code = (*process)->Wait(kSettingsErrorTimeout);
    EXPECT_TRUE(code.ok()) << "still running after " << kSettingsErrorTimeout << ":\n"
                           << (*process)->Output();
    return {code.value_or(-1), (*process)->Output()};
  }

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<mqtt::MqttClient> publisher_;
  std::string dir_;
  int files_ = 0;
};

TEST_F(IngestSettingsTest, BackendClientSettingsFileConnectsWithUserAndPassword) {
  const std::string settings = WriteSettings(BackendClientSettings());
  auto ingest = StartReadyIngest({"--settings", settings});
  ASSERT_NE(ingest, nullptr);
  ASSERT_NO_FATAL_FAILURE(ExpectPacketsFlow(*ingest));
  // Legacy keys are accepted and reported once as ignored.
  const std::string output = ingest->process().Output();
  for (const char* key : {"debug_level", "heartbeat", "mqtt_topic", "fluentd_hostname"}) {
    EXPECT_NE(output.find(absl::StrCat("ignoring legacy setting key=", key)), std::string::npos)
        << key << " in:\n" << output;
  }
}

TEST_F(IngestSettingsTest, FlagOverridesFileWhichOverridesEnvironment) {
  const int nothing_there = wm::testing::FreeLoopbackPort();
  const std::string right = std::to_string(broker_->port());
  const std::string wrong = std::to_string(nothing_there);
  const std::string connected_line = "broker=tcp://127.0.0.1:" + right;

  // The file names a port where nothing listens; the flag wins.
  auto flag_wins = StartReadyIngest(
      {"--settings", WriteSettings(BackendClientSettings(kPassword, nothing_there)),
       "--mqtt_port=" + right});
  ASSERT_NE(flag_wins, nullptr);
  EXPECT_NE(flag_wins->process().Output().find(connected_line), std::string::npos);
  flag_wins.reset();

  // The environment names a port where nothing listens; the file wins.
  auto file_wins = StartReadyIngest({"--settings", WriteSettings(BackendClientSettings())},
                                    {{"WM_SERVICES_MQTT_PORT", wrong}});
  ASSERT_NE(file_wins, nullptr);
  EXPECT_NE(file_wins->process().Output().find(connected_line), std::string::npos);
  file_wins.reset();

  // Without a port in the file, the environment's is used (not the default 8883).
  std::string without_port = BackendClientSettings();
  without_port.erase(without_port.find("mqtt_port:"),
                     without_port.find('\n', without_port.find("mqtt_port:")) + 1 -
                         without_port.find("mqtt_port:"));
  ASSERT_EQ(without_port.find("mqtt_port"), std::string::npos);
  auto env_used = StartReadyIngest({"--settings", WriteSettings(without_port)},
                                   {{"WM_SERVICES_MQTT_PORT", right}});
  ASSERT_NE(env_used, nullptr);
  EXPECT_NE(env_used->process().Output().find(connected_line), std::string::npos);
}

TEST_F(IngestSettingsTest, PasswordNeverAppearsInAnyOutput) {
  struct Run {
    std::string name;
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
  };
  const std::string settings = WriteSettings(BackendClientSettings());
  const std::string host_and_port = absl::StrCat("--mqtt_port=", broker_->port());
  const std::vector<Run> runs = {
      {"file, debug text", {"--settings", settings, "--log_level=debug"}, {}},
      {"file, debug json", {"--settings", settings, "--log_level=debug", "--log_json"}, {}},
      {"flag, trace json",
       {"--mqtt_hostname=127.0.0.1", host_and_port, "--mqtt_force_unsecure",
        std::string("--mqtt_username=") + kUser, std::string("--mqtt_password=") + kPassword,
        "--log_level=trace", "--log_json"},
       {}},
      {"environment, debug text",
       {"--mqtt_hostname=127.0.0.1", host_and_port, "--mqtt_force_unsecure", "--log_level=debug"},
       {{"WM_SERVICES_MQTT_USERNAME", kUser}, {"WM_SERVICES_MQTT_PASSWORD", kPassword}}},
  };
  for (const Run& run : runs) {
    SCOPED_TRACE(run.name);
    auto ingest = StartReadyIngest(run.args, run.env);
    ASSERT_NE(ingest, nullptr);
    ASSERT_NO_FATAL_FAILURE(ExpectPacketsFlow(*ingest));
    std::string metrics;
    ASSERT_EQ(HttpGet(*ingest, "/metrics", &metrics), 200);
    EXPECT_EQ(metrics.find(kPassword), std::string::npos);
    ASSERT_NO_FATAL_FAILURE(StopCleanly(*ingest));
    const std::string output = ingest->process().Output();
    EXPECT_GT(Lines(output).size(), 3u);  // it did log
    EXPECT_EQ(output.find(kPassword), std::string::npos) << output;
  }

  // --help lists the setting, never the value given for it.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{std::string("--mqtt_password=") + kPassword, "--help"},
        std::vector<std::string>{"--settings", settings, "--help"}}) {
    auto [code, output] = RunToExit(args, {{"WM_SERVICES_MQTT_PASSWORD", kPassword}});
    EXPECT_EQ(code, 0) << output;
    EXPECT_NE(output.find("--mqtt_password"), std::string::npos) << output;
    EXPECT_EQ(output.find(kPassword), std::string::npos) << output;
  }
}

TEST_F(IngestSettingsTest, WrongPasswordStaysNotReadyAndIsNotPrinted) {
  const std::string wrong_password = "pw-Z0wrong9-guess";
  auto ingest = StartIngest({"--settings", WriteSettings(BackendClientSettings(wrong_password)),
                             "--log_level=debug", "--mqtt_reconnect_min_s=0.05",
                             "--mqtt_reconnect_max_s=0.2"});
  ASSERT_NE(ingest, nullptr);
  ASSERT_TRUE(ingest->WaitForMetric("wm_mqtt_connect_failures_total", "", 3, kTimeout).ok())
      << ingest->process().Output();
  EXPECT_EQ(HttpGet(*ingest, "/readyz"), 503);
  EXPECT_EQ(ingest->Metric("wm_mqtt_connected"), 0);
  EXPECT_TRUE(ingest->process().running());
  const std::string output = ingest->process().Output();
  EXPECT_EQ(output.find(wrong_password), std::string::npos) << output;
  EXPECT_EQ(output.find(kPassword), std::string::npos) << output;
  EXPECT_TRUE(broker_->WaitForLog("not authorised", kTimeout).ok()) << broker_->Log();
  // The operator learns why from wm-ingest itself.
  EXPECT_NE(output.find("not authorised"), std::string::npos) << output;
}

TEST_F(IngestSettingsTest, BadSettingsExitWithCodeTwoNamingTheKey) {
  struct Case {
    std::string name;
    std::string file;  // settings.yml contents, none when empty
    std::vector<std::string> flags;
    std::map<std::string, std::string> env;
    std::string key;  // the error must name it
  };
  const std::string base = "mqtt_hostname: 127.0.0.1\nmqtt_force_unsecure: true\n";
  const std::vector<Case> cases = {
      {"unknown key in the file", base + "mqtt_hostnme: 127.0.0.1\n", {}, {}, "mqtt_hostnme"},
      {"port not a number", base + "mqtt_port: abc\n", {}, {}, "mqtt_port"},
      {"bool not a bool", base + "mqtt_persist_session: perhaps\n", {}, {},
       "mqtt_persist_session"},
      {"gRPC port out of range", base, {"--grpc_port=70000"}, {}, "grpc_port"},
      {"unknown flag", base, {"--mqtt_prot=1883"}, {}, "mqtt_prot"},
      {"bad environment value", base, {}, {{"WM_SERVICES_MQTT_PORT", "abc"}}, "mqtt_port"},
      {"log level not among the choices", base, {"--log_level=loud"}, {}, "log_level"},
      {"disk log segment size out of range", base,
       {"--replay_log_dir=/nonexistent/wm-ingest", "--replay_log_segment_mb=0"}, {},
       "replay_log_segment_mb"},
      {"fsync without a disk log", base, {"--replay_log_fsync=true"}, {}, "replay_log_dir"},
      // A misspelt secret key: named, but its value (a password) never echoed.
      {"unknown key holding a secret", base + "mqtt_pasword: " + kPassword + "\n", {}, {},
       "mqtt_pasword"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args;
    if (!c.file.empty()) args = {"--settings", WriteSettings(c.file)};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const absl::Time start = absl::Now();
    auto [code, output] = RunToExit(args, c.env);
    EXPECT_EQ(code, 2) << output;
    EXPECT_NE(output.find(c.key), std::string::npos) << output;
    EXPECT_EQ(output.find(kPassword), std::string::npos) << output;
    EXPECT_LT(absl::Now() - start, kSettingsErrorTimeout);
  }
}

TEST_F(IngestSettingsTest, JsonLogIsOneObjectPerLine) {
  const std::string settings = WriteSettings(BackendClientSettings());
  auto ingest = StartReadyIngest({"--settings", settings, "--log_json", "--log_level=debug"});
  ASSERT_NE(ingest, nullptr);
  ASSERT_NO_FATAL_FAILURE(ExpectPacketsFlow(*ingest));
  // Input that gets logged with characters JSON must escape: a malformed topic with a quote
  // and a backslash, and a payload that does not decode.
  const std::string odd_topic = "gw-event/received_data/gw\"q\\b/sink0";
  ASSERT_NO_FATAL_FAILURE(Publish(odd_topic, GatewayPacket{}.Bytes()));
  GatewayPacket short_diagnostics{.event_id = 9,
                                  .source_endpoint = 251,
                                  .destination_endpoint = 255,
                                  .payload = std::string(17, '\x01')};
  ASSERT_NO_FATAL_FAILURE(Publish(short_diagnostics.Topic(), short_diagnostics.Bytes()));
  ASSERT_TRUE(
      ingest->WaitForMetric("wm_ingest_decode_errors_total", "reason=\"topic\"", 1, kTimeout).ok());
  ASSERT_TRUE(ingest
                  ->WaitForMetric("wm_ingest_decode_errors_total",
                                  "reason=\"payload_wrong_length\"", 1, kTimeout)
                  .ok());
  ASSERT_NO_FATAL_FAILURE(StopCleanly(*ingest));

  std::vector<std::string> messages = ParseJsonLog(ingest->process().Output());
  EXPECT_GE(messages.size(), 5u);
  auto logged = [&](const std::string& text) {
    for (const std::string& m : messages) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(logged("gw\"q\\b")) << "the odd topic, unescaped again";
  EXPECT_TRUE(logged("ignoring legacy setting key=heartbeat"));
  EXPECT_TRUE(logged("stopped service=wm-ingest"));
}

// gRPC's own error lines (here: a TLS handshake a plaintext client breaks) must be JSON too.
TEST_F(IngestSettingsTest, JsonLogStaysJsonWhenGrpcReportsAnError) {
  auto ca = wm::testing::CertificateAuthority::Create();
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto server = ca->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  auto ingest = StartReadyIngest({"--settings", WriteSettings(BackendClientSettings()),
                                  "--log_json", "--grpc_tls_cert=" + server->cert_file,
                                  "--grpc_tls_key=" + server->key_file});
  ASSERT_NE(ingest, nullptr);

  // The server fails the handshake (and reports it) before the client sees the connection end.
  auto channel = grpc::CreateChannel(ingest->grpc_address(), grpc::InsecureChannelCredentials());
  absl::StatusOr<bool> serving = grpcutil::IsServing(*channel, "", absl::Seconds(5));
  EXPECT_EQ(serving.status().code(), absl::StatusCode::kUnavailable) << serving.status();
  ASSERT_NO_FATAL_FAILURE(StopCleanly(*ingest));

  const std::string output = ingest->process().Output();
  ParseJsonLog(output);
  // What the bad line said, so that a fix keeping the information can be seen.
  EXPECT_NE(output.find("andshake"), std::string::npos) << output;
}

TEST_F(IngestSettingsTest, MetricsAndHealthFollowTheBroker) {
  auto ingest = StartReadyIngest({"--settings", WriteSettings(BackendClientSettings()),
                                  "--mqtt_reconnect_min_s=0.05", "--mqtt_reconnect_max_s=0.2"});
  ASSERT_NE(ingest, nullptr);
  absl::StatusOr<std::string> metrics = ingest->ScrapeMetrics();
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  bool build_info = false;
  for (const std::string& line : Lines(*metrics)) {
    if (line.rfind("wm_build_info{", 0) == 0 &&
        line.find("service=\"wm-ingest\"") != std::string::npos &&
        line.find("version=\"") != std::string::npos &&
        line.substr(line.find('}')) == "} 1") {
      build_info = true;
    }
  }
  EXPECT_TRUE(build_info) << *metrics;
  EXPECT_EQ(ingest->Metric("wm_mqtt_connected"), 1);

  auto channel = grpc::CreateChannel(ingest->grpc_address(), grpc::InsecureChannelCredentials());
  auto health = [&](const std::string& service) {
    absl::StatusOr<bool> serving = grpcutil::IsServing(*channel, service, absl::Seconds(5));
    EXPECT_TRUE(serving.ok()) << serving.status();
    return serving.value_or(false);
  };
  // Polls until the whole server's health is `serving`.
  auto wait_health = [&](bool serving) {
    const absl::Time deadline = absl::Now() + kTimeout;
    while (health("") != serving && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
    return health("") == serving;
  };
  EXPECT_TRUE(health(""));
  EXPECT_TRUE(health("wm.v1.Events"));

  ASSERT_TRUE(broker_->Stop().ok());
  ASSERT_TRUE(ingest->WaitNotReady(kTimeout).ok());
  EXPECT_EQ(HttpGet(*ingest, "/readyz"), 503);
  EXPECT_TRUE(wait_health(false)) << "still SERVING without a broker";
  EXPECT_FALSE(health("wm.v1.Events"));
  EXPECT_EQ(ingest->Metric("wm_mqtt_connected"), 0);
  EXPECT_EQ(HttpGet(*ingest, "/healthz"), 200);  // alive all along

  ASSERT_TRUE(broker_->StartAgain().ok());
  ASSERT_TRUE(ingest->WaitReady(kTimeout).ok()) << ingest->process().Output();
  EXPECT_TRUE(wait_health(true)) << "NOT_SERVING after the broker came back";
  EXPECT_EQ(ingest->Metric("wm_mqtt_connected"), 1);
}

}  // namespace
}  // namespace wm::ingest
