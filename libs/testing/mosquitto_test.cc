#include "libs/testing/mosquitto.h"

#include <signal.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/certificate_authority.h"
#include "libs/testing/subprocess.h"

namespace wm::testing {
namespace {

// Runs a mosquitto command-line client to completion; returns its exit code and output.
std::pair<int, std::string> RunClient(const std::string& binary,
                                      const std::vector<std::string>& args) {
  auto client = Subprocess::Start(binary, args);
  if (!client.ok()) return {-1, std::string(client.status().message())};
  int code = (*client)->Wait(absl::Seconds(20)).value_or(-1);
  return {code, (*client)->Output()};
}

// Publishes one QoS 1 message ("hello" on test/topic unless `extra` gives -t and -m).
std::pair<int, std::string> Publish(int port, std::vector<std::string> extra) {
  std::vector<std::string> args = {"-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1"};
  bool has_topic = std::find(extra.begin(), extra.end(), "-t") != extra.end();
  if (!has_topic) args.insert(args.end(), {"-t", "test/topic", "-m", "hello"});
  args.insert(args.end(), extra.begin(), extra.end());
  return RunClient("/usr/bin/mosquitto_pub", args);
}

// Subscribes and returns the first message (waits at most 5 s).
std::pair<int, std::string> ReceiveOne(int port, const std::string& topic,
                                       std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"-h", "127.0.0.1", "-p", std::to_string(port), "-t", topic, "-C",
                                   "1",  "-W",        "5"};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunClient("/usr/bin/mosquitto_sub", args);
}

TEST(MosquittoProcessTest, AcceptsAnonymousClientsOnItsPort) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  EXPECT_TRUE((*broker)->running());
  EXPECT_GT((*broker)->port(), 0);
  EXPECT_EQ((*broker)->tls_port(), 0);
  auto [code, output] = Publish((*broker)->port(), {});
  EXPECT_EQ(code, 0) << output;
}

TEST(MosquittoProcessTest, TwoBrokersGetDifferentPorts) {
  auto a = MosquittoProcess::Start();
  auto b = MosquittoProcess::Start();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE((*a)->port(), (*b)->port());
}

TEST(MosquittoProcessTest, RestartsOnTheSamePort) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  int port = (*broker)->port();
  ASSERT_TRUE((*broker)->Stop().ok());
  EXPECT_FALSE((*broker)->running());
  EXPECT_NE(Publish(port, {}).first, 0);
  ASSERT_TRUE((*broker)->StartAgain().ok());
  EXPECT_EQ((*broker)->port(), port);
  auto [code, output] = Publish(port, {});
  EXPECT_EQ(code, 0) << output;
}

TEST(MosquittoProcessTest, StartsOnAGivenPort) {
  auto first = MosquittoProcess::Start();
  ASSERT_TRUE(first.ok()) << first.status();
  int port = (*first)->port();
  ASSERT_TRUE((*first)->Stop().ok());
  auto second = MosquittoProcess::Start({.port = port});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->port(), port);
}

TEST(MosquittoProcessTest, StartFailsWhenThePortIsTaken) {
  auto first = MosquittoProcess::Start();
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = MosquittoProcess::Start({.port = (*first)->port()});
  EXPECT_FALSE(second.ok());
}

TEST(MosquittoProcessTest, RetainedMessagesSurviveARestartWithPersistence) {
  auto broker = MosquittoProcess::Start({.persistence = true});
  ASSERT_TRUE(broker.ok()) << broker.status();
  ASSERT_EQ(Publish((*broker)->port(), {"-r", "-t", "kept", "-m", "still here"}).first, 0);
  ASSERT_TRUE((*broker)->Stop().ok());
  ASSERT_TRUE((*broker)->StartAgain().ok());
  auto [code, output] = ReceiveOne((*broker)->port(), "kept");
  EXPECT_EQ(code, 0);
  EXPECT_EQ(output, "still here\n");
}

TEST(MosquittoProcessTest, RetainedMessagesAreLostOnRestartWithoutPersistence) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  ASSERT_EQ(Publish((*broker)->port(), {"-r", "-t", "kept", "-m", "gone"}).first, 0);
  ASSERT_TRUE((*broker)->Stop().ok());
  ASSERT_TRUE((*broker)->StartAgain().ok());
  // mosquitto_sub -W exits with 27 when its timeout expires without a message.
  auto [code, output] = ReceiveOne((*broker)->port(), "kept", {"-W", "1"});
  EXPECT_NE(code, 0);
  EXPECT_EQ(output.find("gone"), std::string::npos);
}

TEST(MosquittoProcessTest, PasswordsAreChecked) {
  auto broker = MosquittoProcess::Start({.users = {{"alice", "s3cret"}}});
  ASSERT_TRUE(broker.ok()) << broker.status();
  int port = (*broker)->port();
  EXPECT_EQ(Publish(port, {"-u", "alice", "-P", "s3cret"}).first, 0);
  EXPECT_NE(Publish(port, {"-u", "alice", "-P", "wrong"}).first, 0);
  EXPECT_NE(Publish(port, {}).first, 0);
}

TEST(MosquittoProcessTest, TlsListenerServesCertificatesOfTheGivenCa) {
  auto ca = CertificateAuthority::Create();
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto other_ca = CertificateAuthority::Create("other");
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  auto server = ca->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  auto broker = MosquittoProcess::Start(
      {.tls = MosquittoTls{ca->ca_cert_file(), server->cert_file, server->key_file}});
  ASSERT_TRUE(broker.ok()) << broker.status();
  ASSERT_GT((*broker)->tls_port(), 0);
  int tls_port = (*broker)->tls_port();
  auto [code, output] = Publish(tls_port, {"--cafile", ca->ca_cert_file()});
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(Publish(tls_port, {"--cafile", other_ca->ca_cert_file()}).first, 0);
  // The plain listener is still there.
  EXPECT_EQ(Publish((*broker)->port(), {}).first, 0);
}

TEST(MosquittoProcessTest, RequireCertificateRefusesClientsWithoutOne) {
  auto ca = CertificateAuthority::Create();
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto server = ca->IssueServerCertificate();
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = ca->IssueClientCertificate("client");
  ASSERT_TRUE(client.ok()) << client.status();
  auto broker = MosquittoProcess::Start(
      {.tls = MosquittoTls{ca->ca_cert_file(), server->cert_file, server->key_file,
                           /*require_certificate=*/true}});
  ASSERT_TRUE(broker.ok()) << broker.status();
  int tls_port = (*broker)->tls_port();
  auto [code, output] = Publish(tls_port, {"--cafile", ca->ca_cert_file(), "--cert",
                                           client->cert_file, "--key", client->key_file});
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(Publish(tls_port, {"--cafile", ca->ca_cert_file()}).first, 0);
}

TEST(MosquittoProcessTest, LogShowsClientConnections) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  ASSERT_EQ(Publish((*broker)->port(), {"-i", "log-probe"}).first, 0);
  absl::Status seen = (*broker)->WaitForLog("Client log-probe disconnected", absl::Seconds(5));
  EXPECT_TRUE(seen.ok()) << seen;
}

TEST(MosquittoProcessTest, StopsWhilePaused) {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  ASSERT_TRUE((*broker)->Signal(SIGSTOP).ok());
  EXPECT_TRUE((*broker)->Stop().ok());
  EXPECT_FALSE((*broker)->running());
}

}  // namespace
}  // namespace wm::testing
