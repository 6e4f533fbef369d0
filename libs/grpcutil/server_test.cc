#include "libs/grpcutil/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "libs/grpcutil/channel.h"
#include "libs/grpcutil/health_client.h"
#include "libs/grpcutil/status.h"
#include "libs/grpcutil/testdata/test_certs.h"
#include "libs/grpcutil/testdata/test_service.h"
#include "libs/observability/readiness.h"

namespace wm::grpcutil {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::CallbackTestEcho;
using testing::EchoReply;
using testing::EchoRequest;
using testing::SyncTestEcho;
using testing::TestEcho;

constexpr char kTestService[] = "wm.grpcutil.testing.TestEcho";

GrpcServerOptions Loopback() {
  GrpcServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  return options;
}

std::shared_ptr<grpc::Channel> Plaintext(int port) {
  return CreateChannel("127.0.0.1:" + std::to_string(port), ChannelOptions{});
}

absl::StatusOr<std::string> Echo(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& text,
                                 absl::Duration timeout = absl::Seconds(10)) {
  auto stub = TestEcho::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  EchoRequest request;
  request.set_text(text);
  EchoReply reply;
  grpc::Status status = stub->Echo(&context, request, &reply);
  if (!status.ok()) return FromGrpcStatus(status);
  return reply.text();
}

TEST(GrpcServerTest, ServesCallbackServiceOverTcp) {
  CallbackTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  EXPECT_THAT(server.service_names(), ::testing::ElementsAre(kTestService));

  auto channel = Plaintext(*port);
  EXPECT_EQ(*Echo(channel, "hello"), "hello");
  // absl::Status crosses the wire with its code and message.
  absl::StatusOr<std::string> refused = Echo(channel, "fail");
  EXPECT_EQ(refused.status(), absl::InvalidArgumentError("echo refused: fail"));
  server.Shutdown(absl::Seconds(1));
  EXPECT_EQ(Echo(channel, "after", absl::Seconds(2)).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(GrpcServerTest, ServesSyncService) {
  SyncTestEcho service;
  service.release.Notify();
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(*Echo(Plaintext(*port), "sync"), "sync");
}

TEST(GrpcServerTest, StartErrors) {
  CallbackTestEcho service;
  GrpcServer first;
  first.AddService(&service);
  absl::StatusOr<int> port = first.Start(Loopback());
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(first.Start(Loopback()).status().code(), absl::StatusCode::kFailedPrecondition);

  GrpcServer second;
  GrpcServerOptions busy = Loopback();
  busy.port = *port;
  absl::StatusOr<int> again = second.Start(busy);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr(std::to_string(*port)));

  GrpcServer third;
  GrpcServerOptions half_tls = Loopback();
  half_tls.tls_cert_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_EQ(third.Start(half_tls).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GrpcServerTest, HealthFollowsReadiness) {
  observability::Readiness readiness;
  readiness.Declare("mqtt", "connecting");
  CallbackTestEcho service;
  GrpcServer server(&readiness);
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok());
  auto channel = Plaintext(*port);

  EXPECT_EQ(*IsServing(*channel, "", absl::Seconds(5)), false);
  EXPECT_EQ(*IsServing(*channel, kTestService, absl::Seconds(5)), false);

  readiness.Set("mqtt", true);
  EXPECT_EQ(*IsServing(*channel, "", absl::Seconds(5)), true);
  EXPECT_EQ(*IsServing(*channel, kTestService, absl::Seconds(5)), true);

  readiness.SetDraining();
  EXPECT_EQ(*IsServing(*channel, "", absl::Seconds(5)), false);
  EXPECT_EQ(*IsServing(*channel, kTestService, absl::Seconds(5)), false);
  // Calls are still served while draining; only health says "stop sending".
  EXPECT_EQ(*Echo(channel, "still here"), "still here");

  EXPECT_EQ(IsServing(*channel, "no.such.Service", absl::Seconds(5)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(GrpcServerTest, ReadinessOutlivingServerIsSafe) {
  observability::Readiness readiness;
  {
    CallbackTestEcho service;
    GrpcServer server(&readiness);
    server.AddService(&service);
    ASSERT_TRUE(server.Start(Loopback()).ok());
  }
  // The server removed its listener; changing readiness must not touch the gone server.
  readiness.Set("mqtt", false);
  readiness.Set("mqtt", true);
}

TEST(GrpcServerTest, HealthWithoutReadinessServes) {
  CallbackTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok());
  auto channel = Plaintext(*port);
  EXPECT_EQ(*IsServing(*channel, "", absl::Seconds(5)), true);
  EXPECT_EQ(*IsServing(*channel, kTestService, absl::Seconds(5)), true);
}

// Lists services through /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo with
// hand-encoded messages (the reflection library's generated classes are not installed).
std::vector<std::string> ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](intptr_t expected) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
    return ok;
  };
  std::vector<std::string> names;
  call->StartCall(reinterpret_cast<void*>(1));
  if (step(1)) {
    // ServerReflectionRequest{list_services (field 7, length-delimited) = ""}.
    const std::string request("\x3a\x00", 2);
    grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    step(2);
    call->WritesDone(reinterpret_cast<void*>(3));
    step(3);
    grpc::ByteBuffer response;
    call->Read(&response, reinterpret_cast<void*>(4));
    if (step(4)) {
      std::vector<grpc::Slice> slices;
      EXPECT_TRUE(response.Dump(&slices).ok());
      std::string bytes;
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      // ServerReflectionResponse.list_services_response (6) -> ListServiceResponse.service (1)
      // -> ServiceResponse.name (1).
      google::protobuf::UnknownFieldSet top;
      EXPECT_TRUE(top.ParseFromString(bytes));
      for (int i = 0; i < top.field_count(); ++i) {
        if (top.field(i).number() != 6) continue;
        google::protobuf::UnknownFieldSet list;
        EXPECT_TRUE(list.ParseFromString(top.field(i).length_delimited()));
        for (int j = 0; j < list.field_count(); ++j) {
          if (list.field(j).number() != 1) continue;
          google::protobuf::UnknownFieldSet service;
          EXPECT_TRUE(service.ParseFromString(list.field(j).length_delimited()));
          for (int k = 0; k < service.field_count(); ++k) {
            if (service.field(k).number() == 1) names.push_back(service.field(k).length_delimited());
          }
        }
      }
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return names;
}

TEST(GrpcServerTest, ReflectionListsServices) {
  CallbackTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok());
  std::vector<std::string> names = ListServicesByReflection(Plaintext(*port));
  EXPECT_THAT(names, Contains(kTestService));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
}

TEST(GrpcServerTest, ShutdownReturnsWithinDeadlineWhileStreamIsOpen) {
  CallbackTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok());

  auto stub = TestEcho::NewStub(Plaintext(*port));
  grpc::ClientContext context;
  testing::TicksRequest request;
  request.set_count(0);  // one tick, then open until cancelled
  auto reader = stub->Ticks(&context, request);
  testing::Tick tick;
  ASSERT_TRUE(reader->Read(&tick));

  const absl::Duration deadline = absl::Milliseconds(500);
  absl::Time start = absl::Now();
  server.Shutdown(deadline);
  absl::Duration took = absl::Now() - start;
  // Generous slack for a loaded 2-core machine; without cancellation at the deadline this
  // would block forever.
  EXPECT_LT(took, deadline + absl::Seconds(3));

  EXPECT_FALSE(reader->Read(&tick));
  EXPECT_FALSE(reader->Finish().ok());
}

TEST(GrpcServerTest, ShutdownLetsCallsInFlightFinish) {
  SyncTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok());
  auto channel = Plaintext(*port);

  absl::StatusOr<std::string> in_flight;
  std::thread caller([&] { in_flight = Echo(channel, "block"); });
  service.entered.WaitForNotification();

  absl::Time start = absl::Now();
  std::thread stopper([&] { server.Shutdown(absl::Seconds(20)); });
  // Wait until Shutdown has begun (health stops reporting SERVING first); the call in flight
  // must still complete normally.
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    absl::StatusOr<bool> serving = IsServing(*channel, "", absl::Seconds(1));
    if (!serving.ok() || !*serving) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  service.release.Notify();
  caller.join();
  stopper.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.status();
  EXPECT_EQ(*in_flight, "block");
  // It returned when the last call ended, not at the deadline.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// A client that opens an HTTP/2 connection and then never reads from it again, as a client does
// that has no call in progress and does not poll its connection: it never answers the ping
// that comes with the server's GOAWAY. Returns the socket once the server's SETTINGS arrived
// (the server has the connection), or -1.
int IdleHttp2Connection(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // The client preface, then an empty SETTINGS frame.
  static constexpr char kPreface[] =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
  const size_t preface_size = sizeof(kPreface) - 1;
  unsigned char header[9];
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      write(fd, kPreface, preface_size) != static_cast<ssize_t>(preface_size) ||
      recv(fd, header, sizeof(header), MSG_WAITALL) != static_cast<ssize_t>(sizeof(header)) ||
      header[3] != 0x04) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(GrpcServerTest, ShutdownDoesNotWaitForConnectionsWithoutCalls) {
  CallbackTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok());
  // A call that ended, on a connection of its own that stays open.
  auto channel = Plaintext(*port);
  ASSERT_TRUE(Echo(channel, "done").ok());
  const int idle = IdleHttp2Connection(*port);
  ASSERT_GE(idle, 0);

  // gRPC waits up to 20 s for an idle client to answer its GOAWAY's ping; nothing is left to
  // drain here, so the shutdown must not wait for that.
  const absl::Duration deadline = absl::Seconds(30);
  const absl::Time start = absl::Now();
  server.Shutdown(deadline);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  close(idle);
}

TEST(GrpcServerTest, ShutdownEndsHealthWatchesAtOnce) {
  CallbackTestEcho service;
  GrpcServer server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(Loopback());
  ASSERT_TRUE(port.ok());
  auto stub = grpc::health::v1::Health::NewStub(Plaintext(*port));
  grpc::ClientContext context;
  auto watch = stub->Watch(&context, grpc::health::v1::HealthCheckRequest());
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  const absl::Time start = absl::Now();
  server.Shutdown(absl::Seconds(30));
  // A watch hears NOT_SERVING, then ends with the server: it is not a call to wait for.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  while (watch->Read(&response)) {
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  }
  watch->Finish().IgnoreError();
}

// TLS ---------------------------------------------------------------------------------------

class GrpcServerTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<testing::TestPki> pki = testing::GenerateTestPki(std::getenv("TEST_TMPDIR"));
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testing::TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  int StartTls(bool mutual) {
    GrpcServerOptions options = Loopback();
    options.tls_cert_pem = pki_->server_cert;
    options.tls_key_pem = pki_->server_key;
    if (mutual) options.tls_client_ca_pem = pki_->ca_cert;
    absl::StatusOr<int> port = server_.Start(options);
    EXPECT_TRUE(port.ok()) << port.status();
    return port.ok() ? *port : 0;
  }

  std::shared_ptr<grpc::Channel> TlsChannel(int port, const std::string& ca, bool client_cert) {
    ChannelOptions options;
    options.tls = true;
    options.tls_ca_pem = ca;
    if (client_cert) {
      options.tls_client_cert_pem = pki_->client_cert;
      options.tls_client_key_pem = pki_->client_key;
    }
    return CreateChannel("127.0.0.1:" + std::to_string(port), options);
  }

  static testing::TestPki* pki_;
  CallbackTestEcho service_;
  GrpcServer server_;

  void SetUp() override { server_.AddService(&service_); }
};

testing::TestPki* GrpcServerTlsTest::pki_ = nullptr;

TEST_F(GrpcServerTlsTest, ClientWithTheRightCaWorks) {
  int port = StartTls(false);
  EXPECT_EQ(*Echo(TlsChannel(port, pki_->ca_cert, false), "secure"), "secure");
  // The server name can also be checked against a DNS name when connecting by IP.
  ChannelOptions by_name;
  by_name.tls = true;
  by_name.tls_ca_pem = pki_->ca_cert;
  by_name.tls_server_name = "localhost";
  EXPECT_EQ(*Echo(CreateChannel("127.0.0.1:" + std::to_string(port), by_name), "named"), "named");
}

TEST_F(GrpcServerTlsTest, ClientWithTheWrongCaFails) {
  int port = StartTls(false);
  absl::StatusOr<std::string> reply =
      Echo(TlsChannel(port, pki_->other_ca_cert, false), "x", absl::Seconds(5));
  EXPECT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(GrpcServerTlsTest, PlaintextClientIsRejected) {
  int port = StartTls(false);
  EXPECT_FALSE(Echo(Plaintext(port), "x", absl::Seconds(5)).ok());
}

TEST_F(GrpcServerTlsTest, MutualTlsRequiresAClientCertificate) {
  int port = StartTls(true);
  EXPECT_EQ(*Echo(TlsChannel(port, pki_->ca_cert, true), "mutual"), "mutual");
  absl::StatusOr<std::string> without = Echo(TlsChannel(port, pki_->ca_cert, false), "x",
                                             absl::Seconds(5));
  EXPECT_FALSE(without.ok());
}

// Settings ----------------------------------------------------------------------------------

absl::StatusOr<config::Settings> LoadServerSettings(const std::vector<std::string>& args) {
  config::Schema schema;
  AddGrpcServerSettings(schema, 7001);
  return config::Settings::Load(schema, args, {});
}

TEST(GrpcServerSettingsTest, DefaultsArePlaintextOnTheDefaultPort) {
  absl::StatusOr<config::Settings> settings = LoadServerSettings({});
  ASSERT_TRUE(settings.ok());
  absl::StatusOr<GrpcServerOptions> options = GrpcServerOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "0.0.0.0");
  EXPECT_EQ(options->port, 7001);
  EXPECT_EQ(options->tls_cert_pem, "");
  EXPECT_FALSE(LoadServerSettings({"--grpc_port=65536"}).ok());
}

TEST_F(GrpcServerTlsTest, OptionsFromSettingsReadTheFiles) {
  absl::StatusOr<config::Settings> settings = LoadServerSettings(
      {"--grpc_port=0", "--grpc_tls_cert=" + pki_->server_cert_path,
       "--grpc_tls_key=" + pki_->server_key_path, "--grpc_tls_client_ca=" + pki_->ca_cert_path});
  ASSERT_TRUE(settings.ok());
  absl::StatusOr<GrpcServerOptions> options = GrpcServerOptionsFromSettings(*settings);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->tls_cert_pem, pki_->server_cert);
  EXPECT_EQ(options->tls_key_pem, pki_->server_key);
  EXPECT_EQ(options->tls_client_ca_pem, pki_->ca_cert);
  options->host = "127.0.0.1";
  absl::StatusOr<int> port = server_.Start(*options);
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(*Echo(TlsChannel(*port, pki_->ca_cert, true), "from settings"), "from settings");
}

TEST_F(GrpcServerTlsTest, OptionsFromSettingsErrorsNameTheKey) {
  absl::StatusOr<GrpcServerOptions> missing = GrpcServerOptionsFromSettings(*LoadServerSettings(
      {"--grpc_tls_cert=" + pki_->server_cert_path, "--grpc_tls_key=/nonexistent/server.key"}));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              AllOf(HasSubstr("grpc_tls_key"), HasSubstr("/nonexistent/server.key")));

  absl::StatusOr<GrpcServerOptions> cert_only = GrpcServerOptionsFromSettings(
      *LoadServerSettings({"--grpc_tls_cert=" + pki_->server_cert_path}));
  EXPECT_EQ(cert_only.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cert_only.status().message()), HasSubstr("grpc_tls_key"));

  absl::StatusOr<GrpcServerOptions> ca_only = GrpcServerOptionsFromSettings(
      *LoadServerSettings({"--grpc_tls_client_ca=" + pki_->ca_cert_path}));
  EXPECT_THAT(std::string(ca_only.status().message()), HasSubstr("grpc_tls_client_ca"));

  // A key given where the certificate belongs: rejected, and the key is not echoed.
  absl::StatusOr<GrpcServerOptions> swapped = GrpcServerOptionsFromSettings(*LoadServerSettings(
      {"--grpc_tls_cert=" + pki_->server_key_path, "--grpc_tls_key=" + pki_->server_key_path}));
  EXPECT_EQ(swapped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(swapped.status().message()),
              AllOf(HasSubstr("grpc_tls_cert"), Not(HasSubstr("PRIVATE KEY"))));
}

}  // namespace
}  // namespace wm::grpcutil
