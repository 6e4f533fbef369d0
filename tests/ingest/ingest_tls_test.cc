// wm-ingest with TLS on both sides: MQTT to a mosquitto TLS listener (server verification,
// self-signed brokers, mutual TLS) and its own gRPC server (TLS, client certificates).
#include <grpcpp/grpcpp.h>

#include <optional>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/status.h"
#include "libs/mqtt/client.h"
#include "libs/testing/certificate_authority.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "tests/harness/event_collector.h"
#include "tests/harness/service_process.h"
#include "tests/ingest/gateway_messages.h"

namespace wm::ingest {
namespace {

using ::wm::testing::CertificateAuthority;
using ::wm::testing::CertificateFiles;
using ::wm::testing::EventCollector;
using ::wm::testing::GatewayPacket;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::MosquittoTls;
using ::wm::testing::ServiceProcess;

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr char kIngest[] = "services/ingest/wm-ingest";
// Failed connection attempts after which a client that should never connect is judged.
constexpr double kFailedAttempts = 3;

// The HTTP status of GET /readyz, or -1 when nothing answers.
int ReadyzStatus(const ServiceProcess& service) {
  httplib::Client client("127.0.0.1", service.http_port());
  client.set_connection_timeout(1);
  client.set_read_timeout(5);
  auto result = client.Get("/readyz");
  return result ? result->status : -1;
}

// A Subscribe stream over any channel (EventCollector speaks plaintext only), read on the
// test's thread. Every read is bounded by the deadline given at construction.
class StreamReader {
 public:
  StreamReader(const std::shared_ptr<grpc::Channel>& channel, wm::v1::SubscribeRequest request,
               absl::Duration timeout)
      : stub_(wm::v1::Events::NewStub(channel)) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    reader_ = stub_->Subscribe(&context_, request);
  }
  ~StreamReader() {
    context_.TryCancel();
    wm::v1::Event ignored;
    while (!finished_ && reader_->Read(&ignored)) {
    }
    if (!finished_) reader_->Finish().ok();
  }

  // The next event, or the status the stream ended with.
  absl::StatusOr<wm::v1::Event> Next() {
    wm::v1::Event event;
    if (!finished_ && reader_->Read(&event)) return event;
    if (!finished_) {
      finished_ = true;
      end_ = grpcutil::FromGrpcStatus(reader_->Finish());
      if (end_.ok()) end_ = absl::OutOfRangeError("stream ended with OK");
    }
    return end_;
  }

 private:
  std::unique_ptr<wm::v1::Events::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<wm::v1::Event>> reader_;
  bool finished_ = false;
  absl::Status end_;
};

class IngestTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = CertificateAuthority::Create("wm-test-ca");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_.emplace(*std::move(ca));
  }

  // A broker with a plain listener (for the test's publisher) and a TLS listener presenting
  // `server` (for wm-ingest). With `require_certificate`, TLS clients need a certificate
  // signed by the test CA.
  void StartBroker(const CertificateFiles& server, bool require_certificate = false) {
    wm::testing::MosquittoOptions options;
    options.tls = MosquittoTls{.ca_file = ca_->ca_cert_file(),
                               .cert_file = server.cert_file,
                               .key_file = server.key_file,
                               .require_certificate = require_certificate};
    auto broker = MosquittoProcess::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);

    mqtt::MqttOptions publisher;
    publisher.host = "127.0.0.1";
    publisher.port = broker_->port();
    publisher.force_unsecure = true;
    publisher_ = std::make_unique<mqtt::MqttClient>(publisher);
    ASSERT_TRUE(publisher_->Start().ok());
    ASSERT_TRUE(publisher_->WaitUntilConnected(kTimeout));
  }

  void StartBrokerWithCaSignedCertificate(bool require_certificate = false) {
    auto server = ca_->IssueServerCertificate();
    ASSERT_TRUE(server.ok()) << server.status();
    StartBroker(*server, require_certificate);
  }

  // wm-ingest on the broker's TLS listener (without waiting for it to be ready). Reconnection
  // attempts are fast so that failures show within a second.
  std::unique_ptr<ServiceProcess> StartIngestOnTls(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--mqtt_hostname=127.0.0.1",
                                     "--mqtt_port=" + std::to_string(broker_->tls_port()),
                                     "--mqtt_reconnect_min_s=0.05", "--mqtt_reconnect_max_s=0.2"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto ingest = ServiceProcess::Start(kIngest, args);
    EXPECT_TRUE(ingest.ok()) << ingest.status();
    return ingest.ok() ? *std::move(ingest) : nullptr;
  }

  // wm-ingest on the broker's plain listener with extra (gRPC) settings, ready.
  std::unique_ptr<ServiceProcess> StartIngestWithPlainMqtt(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--mqtt_hostname=127.0.0.1",
                                     "--mqtt_port=" + std::to_string(broker_->port()),
                                     "--mqtt_force_unsecure"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto ingest = ServiceProcess::Start(kIngest, args);
    EXPECT_TRUE(ingest.ok()) << ingest.status();
    if (!ingest.ok()) return nullptr;
    absl::Status ready = (*ingest)->WaitReady(kTimeout);
    EXPECT_TRUE(ready.ok()) << ready;
    return ready.ok() ? *std::move(ingest) : nullptr;
  }

  void Publish(const std::string& topic, const std::string& payload, bool retained = false) {
    ASSERT_TRUE(publisher_->PublishAndWait(topic, payload, 1, retained, kTimeout).ok()) << topic;
  }

  // Proves that MQTT over TLS carries traffic: a packet published on the plain listener
  // reaches a Subscribe stream of `ingest`.
  void ExpectPacketsFlow(ServiceProcess& ingest) {
    wm::v1::SubscribeRequest request;
    request.set_skip_snapshot(true);
    EventCollector stream(ingest.grpc_address(), request);
    ASSERT_TRUE(ingest.WaitForMetric("wm_ingest_subscribers", "", 1, kTimeout).ok());
    for (uint64_t id = 1; id <= 3; ++id) {
      GatewayPacket packet{.gateway_id = "gw-tls", .event_id = id};
      ASSERT_NO_FATAL_FAILURE(Publish(packet.Topic(), packet.Bytes()));
    }
    ASSERT_TRUE(stream.WaitForCount(3, kTimeout).ok()) << ingest.process().Output();
    EXPECT_EQ(stream.events()[2].gateway_id(), "gw-tls");
    EXPECT_EQ(stream.events()[2].event_id(), 3u);
    EXPECT_EQ(ingest.Metric("wm_mqtt_connected"), 1);
  }

  // wm-ingest keeps trying and failing: alive, /readyz 503, wm_mqtt_connected 0.
  void ExpectNeverReady(ServiceProcess& ingest) {
    ASSERT_TRUE(
        ingest.WaitForMetric("wm_mqtt_connect_failures_total", "", kFailedAttempts, kTimeout).ok())
        << ingest.process().Output();
    EXPECT_EQ(ReadyzStatus(ingest), 503);
    EXPECT_EQ(ingest.Metric("wm_mqtt_connected"), 0);
    EXPECT_TRUE(ingest.process().running()) << ingest.process().Output();
  }

  std::string ReadPem(const std::string& path) {
    absl::StatusOr<std::string> pem = wm::testing::ReadFile(path);
    EXPECT_TRUE(pem.ok()) << pem.status();
    return pem.value_or("");
  }

  std::shared_ptr<grpc::Channel> TlsChannel(const ServiceProcess& ingest,
                                            const std::optional<CertificateFiles>& client = {}) {
    grpcutil::ChannelOptions options;
    options.tls = true;
    options.tls_ca_pem = ReadPem(ca_->ca_cert_file());
    if (client.has_value()) {
      options.tls_client_cert_pem = ReadPem(client->cert_file);
      options.tls_client_key_pem = ReadPem(client->key_file);
    }
    return grpcutil::CreateChannel(ingest.grpc_address(), options);
  }

  // Publishes a retained ONLINE status and waits until `ingest` has it, so that every new
  // stream starts with it as a snapshot.
  void PublishStatus(ServiceProcess& ingest, const std::string& gateway_id) {
    ASSERT_NO_FATAL_FAILURE(Publish(wm::testing::GatewayStatusTopic(gateway_id),
                                    wm::testing::GatewayStatusBytes(gateway_id, true),
                                    /*retained=*/true));
    ASSERT_TRUE(
        ingest.WaitForMetric("wm_ingest_messages_total", "kind=\"status\"", 1, kTimeout).ok());
  }

  std::optional<CertificateAuthority> ca_;
  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<mqtt::MqttClient> publisher_;
};

TEST_F(IngestTlsTest, MqttOverTlsWithTheBrokersCaReceivesPackets) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithCaSignedCertificate());
  auto ingest = StartIngestOnTls({"--mqtt_ca_certs=" + ca_->ca_cert_file()});
  ASSERT_NE(ingest, nullptr);
  ASSERT_TRUE(ingest->WaitReady(kTimeout).ok()) << ingest->process().Output();
  ExpectPacketsFlow(*ingest);
  EXPECT_NE(ingest->process().Output().find("broker=ssl://127.0.0.1:" +
                                            std::to_string(broker_->tls_port())),
            std::string::npos);
}

TEST_F(IngestTlsTest, MqttWithAnotherCaNeverBecomesReady) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithCaSignedCertificate());
  auto other_ca = CertificateAuthority::Create("some-other-ca");
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  auto ingest = StartIngestOnTls({"--mqtt_ca_certs=" + other_ca->ca_cert_file()});
  ASSERT_NE(ingest, nullptr);
  ExpectNeverReady(*ingest);
  // The operator learns why.
  EXPECT_TRUE(ingest->process().WaitForOutput("certificate verify failed", kTimeout).ok());
}

TEST_F(IngestTlsTest, SelfSignedBrokerNeedsAllowUntrusted) {
  auto self_signed = CertificateAuthority::SelfSignedServerCertificate();
  ASSERT_TRUE(self_signed.ok()) << self_signed.status();
  ASSERT_NO_FATAL_FAILURE(StartBroker(*self_signed));

  // Verified against the system's CAs (no mqtt_ca_certs), the certificate is refused...
  auto verifying = StartIngestOnTls({});
  ASSERT_NE(verifying, nullptr);
  ExpectNeverReady(*verifying);
  EXPECT_TRUE(verifying->process().WaitForOutput("certificate verify failed", kTimeout).ok());
  verifying.reset();

  // ...and accepted unverified with mqtt_allow_untrusted.
  auto untrusting = StartIngestOnTls({"--mqtt_allow_untrusted"});
  ASSERT_NE(untrusting, nullptr);
  ASSERT_TRUE(untrusting->WaitReady(kTimeout).ok()) << untrusting->process().Output();
  ExpectPacketsFlow(*untrusting);
}

TEST_F(IngestTlsTest, MutualTlsNeedsTheClientCertificate) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithCaSignedCertificate(/*require_certificate=*/true));
  auto client = ca_->IssueClientCertificate("wm-ingest");
  ASSERT_TRUE(client.ok()) << client.status();

  auto without = StartIngestOnTls({"--mqtt_ca_certs=" + ca_->ca_cert_file()});
  ASSERT_NE(without, nullptr);
  ExpectNeverReady(*without);
  EXPECT_TRUE(broker_->WaitForLog("peer did not return a certificate", kTimeout).ok());
  without.reset();

  auto with = StartIngestOnTls({"--mqtt_ca_certs=" + ca_->ca_cert_file(),
                                "--mqtt_certfile=" + client->cert_file,
                                "--mqtt_keyfile=" + client->key_file});
  ASSERT_NE(with, nullptr);
  ASSERT_TRUE(with->WaitReady(kTimeout).ok()) << with->process().Output();
  ExpectPacketsFlow(*with);
}

TEST_F(IngestTlsTest, GrpcOverTlsServesClientsThatTrustTheCa) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithCaSignedCertificate());
  auto server = ca_->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  auto ingest = StartIngestWithPlainMqtt(
      {"--grpc_tls_cert=" + server->cert_file, "--grpc_tls_key=" + server->key_file});
  ASSERT_NE(ingest, nullptr);
  ASSERT_NO_FATAL_FAILURE(PublishStatus(*ingest, "gw-snap"));

  // A TLS client gets the snapshot, then live packets.
  StreamReader tls_stream(TlsChannel(*ingest), {}, kTimeout);
  absl::StatusOr<wm::v1::Event> snapshot = tls_stream.Next();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_TRUE(snapshot->snapshot());
  EXPECT_EQ(snapshot->gateway_id(), "gw-snap");
  ASSERT_TRUE(ingest->WaitForMetric("wm_ingest_subscribers", "", 1, kTimeout).ok());
  GatewayPacket packet{.gateway_id = "gw-live", .event_id = 42};
  ASSERT_NO_FATAL_FAILURE(Publish(packet.Topic(), packet.Bytes()));
  absl::StatusOr<wm::v1::Event> live = tls_stream.Next();
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->gateway_id(), "gw-live");
  EXPECT_EQ(live->event_id(), 42u);

  // A plaintext client gets nothing.
  StreamReader plain_stream(
      grpc::CreateChannel(ingest->grpc_address(), grpc::InsecureChannelCredentials()), {},
      absl::Seconds(5));
  absl::StatusOr<wm::v1::Event> plain = plain_stream.Next();
  EXPECT_EQ(plain.status().code(), absl::StatusCode::kUnavailable) << plain.status();
  EXPECT_TRUE(ingest->process().running());
}

TEST_F(IngestTlsTest, GrpcWithClientCaRequiresAClientCertificate) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithCaSignedCertificate());
  auto server = ca_->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  auto ingest = StartIngestWithPlainMqtt({"--grpc_tls_cert=" + server->cert_file,
                                          "--grpc_tls_key=" + server->key_file,
                                          "--grpc_tls_client_ca=" + ca_->ca_cert_file()});
  ASSERT_NE(ingest, nullptr);
  ASSERT_NO_FATAL_FAILURE(PublishStatus(*ingest, "gw-snap"));

  {
    StreamReader anonymous(TlsChannel(*ingest), {}, absl::Seconds(5));
    absl::StatusOr<wm::v1::Event> refused = anonymous.Next();
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  }
  {
    auto other_ca = CertificateAuthority::Create("some-other-ca");
    ASSERT_TRUE(other_ca.ok()) << other_ca.status();
    auto stranger = other_ca->IssueClientCertificate("stranger");
    ASSERT_TRUE(stranger.ok()) << stranger.status();
    StreamReader foreign(TlsChannel(*ingest, *stranger), {}, absl::Seconds(5));
    absl::StatusOr<wm::v1::Event> refused = foreign.Next();
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  }
  auto client = ca_->IssueClientCertificate("wm-gw-cli");
  ASSERT_TRUE(client.ok()) << client.status();
  StreamReader accepted(TlsChannel(*ingest, *client), {}, kTimeout);
  absl::StatusOr<wm::v1::Event> snapshot = accepted.Next();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->gateway_id(), "gw-snap");
  EXPECT_TRUE(snapshot->snapshot());
}

}  // namespace
}  // namespace wm::ingest
