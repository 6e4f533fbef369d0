// Plays a provisioning server against the real wm-gateway-sim binary over a private mosquitto,
// as wm-provisioning will: it reads the joining nodes' START frames from
// gw-event/received_data/+/+/+/246/255, runs one libs/provisioning Session per session key,
// publishes what each session sends as send_data requests to the gateway and sink that heard
// the node, and feeds the gateways' send_data answers and the nodes' DATA_ACK or NACK back. The
// config is the one the simulator wrote with --provisioning_config_out, less one UID.
#include <signal.h>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/mqtt/client.h"
#include "libs/provisioning/frames.h"
#include "libs/provisioning/provisioning_config.h"
#include "libs/provisioning/session.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/broker_observer.h"

namespace wm::gateway_sim {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;
namespace prov = ::wm::provisioning;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::Subprocess;

constexpr absl::Duration kTimeout = absl::Seconds(30);

std::string SimBinary() { return wm::testing::RunfilePath("tools/gateway_sim/wm-gateway-sim"); }

// `yaml` (as the simulator writes it: each entry a "uid": line, then indented fields) without
// the entry of `uid`.
std::string WithoutEntry(const std::string& yaml, const std::string& uid) {
  const std::string entry = absl::StrCat("\"", uid, "\":");
  std::string out;
  bool skipping = false;
  for (absl::string_view line : absl::StrSplit(yaml, '\n')) {
    if (!line.empty() && line[0] != ' ') skipping = line == entry;
    if (!skipping) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

// The server side: sessions keyed as wm-provisioning keys them, downlinks sent through the
// gateway and sink that last heard the node (docs/provisioning.md "Endpoints and routing").
class ProvisioningServer {
 public:
  ProvisioningServer(int port, std::shared_ptr<const prov::ProvisioningConfig> config)
      : config_(std::move(config)) {
    mqtt::MqttOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.force_unsecure = true;
    options.client_id = "provisioning-server-test";
    client_ = std::make_unique<mqtt::MqttClient>(options);
    client_->SetMessageHandler([this](const mqtt::MqttMessage& message) {
      absl::MutexLock lock(&mu_);
      inbox_.push_back(message);
    });
    if (client_->AddSubscription("gw-event/received_data/+/+/+/246/255", 1).ok() &&
        client_->AddSubscription("gw-response/send_data/#", 1).ok() && client_->Start().ok()) {
      subscribed_ = client_->WaitUntilSubscribed(absl::Seconds(20));
    }
  }

  bool subscribed() const { return subscribed_; }

  // Handles every message received so far.
  void Poll() {
    std::deque<mqtt::MqttMessage> messages;
    {
      absl::MutexLock lock(&mu_);
      messages.swap(inbox_);
    }
    for (const mqtt::MqttMessage& message : messages) Handle(message);
  }

  // The status of every finished session, by UID.
  std::map<std::string, std::multiset<prov::SessionStatus>> Finished() const {
    std::map<std::string, std::multiset<prov::SessionStatus>> finished;
    for (const auto& [key, tracked] : sessions_) {
      if (tracked.session->finished()) {
        finished[tracked.session->uid()].insert(tracked.session->status());
      }
    }
    return finished;
  }

  // STARTs received, by UID, in order.
  const std::vector<std::string>& starts() const { return starts_; }
  int frames_not_for_a_session() const { return frames_not_for_a_session_; }

 private:
  struct Tracked {
    std::unique_ptr<prov::Session> session;
    // Where the node was last heard: the reply goes back that way.
    std::string gw_id;
    std::string sink_id;
  };

  void Handle(const mqtt::MqttMessage& message) {
    absl::StatusOr<wirepas::Topic> topic = wirepas::ParseTopic(message.topic());
    absl::StatusOr<wirepas::GenericMessage> parsed =
        wirepas::ParseGenericMessage(message.payload());
    ASSERT_TRUE(topic.ok() && parsed.ok()) << message.topic();
    if (topic->kind == wirepas::TopicKind::kResponse) {
      OnSendResult(parsed->wirepas().send_packet_resp().header());
      return;
    }
    ASSERT_TRUE(parsed->wirepas().has_packet_received_event()) << message.topic();
    OnUplink(*topic, parsed->wirepas().packet_received_event());
  }

  void OnUplink(const wirepas::Topic& topic, const gwapi::PacketReceivedEvent& event) {
    absl::StatusOr<wm::v1::ProvisioningFrame> frame = prov::DecodeUplinkFrame(event.payload());
    ASSERT_TRUE(frame.ok()) << frame.status();
    const prov::SessionKey key = prov::SessionKeyOf(event.source_address(), *frame);
    const absl::Time now = absl::Now();
    auto it = sessions_.find(key);
    if (frame->has_start()) {
      starts_.push_back(frame->start().uid());
      // A START opens a session (the node starts over with a new session id each time).
      if (it == sessions_.end()) {
        Tracked tracked;
        tracked.session = std::make_unique<prov::Session>(
            key, config_, [this] { return static_cast<uint16_t>(++counter_ * 7919); }, now);
        it = sessions_.emplace(key, std::move(tracked)).first;
      }
    }
    if (it == sessions_.end()) {
      ++frames_not_for_a_session_;
      return;
    }
    it->second.gw_id = topic.gw_id;
    it->second.sink_id = topic.sink_id;
    Act(it->first, it->second, it->second.session->OnFrame(*frame, now));
  }

  void OnSendResult(const gwapi::ResponseHeader& header) {
    const auto sent = sends_.find(header.req_id());
    if (sent == sends_.end()) return;
    const auto [key, send_id] = sent->second;
    sends_.erase(sent);
    Tracked& tracked = sessions_.at(key);
    Act(key, tracked,
        tracked.session->OnSendResult(send_id, wirepas::ResultCode(header) == gwapi::OK,
                                      absl::Now()));
  }

  // Sends what a session asked for: send_data 255->246 to the node's address, packet QoS 1,
  // MQTT QoS 2, through the gateway and sink that heard it.
  void Act(const prov::SessionKey& key, const Tracked& tracked, const prov::SessionStep& step) {
    if (!step.send.has_value()) return;
    const uint64_t req_id = ++next_req_id_;
    wirepas::GenericMessage request;
    gwapi::SendPacketReq* send = request.mutable_wirepas()->mutable_send_packet_req();
    send->mutable_header()->set_req_id(req_id);
    send->mutable_header()->set_sink_id(tracked.sink_id);
    send->set_destination_address(key.source_address);
    send->set_source_endpoint(decoders::kProvisioningServerEndpoint);
    send->set_destination_endpoint(decoders::kProvisioningNodeEndpoint);
    send->set_qos(1);
    send->set_payload(step.send->payload);
    sends_[req_id] = {key, step.send->send_id};
    ASSERT_TRUE(client_
                    ->Publish(wirepas::RequestTopic(wirepas::Method::kSendData, tracked.gw_id,
                                                    tracked.sink_id),
                              request.SerializeAsString(), 2, false)
                    .ok());
  }

  std::shared_ptr<const prov::ProvisioningConfig> config_;
  std::unique_ptr<mqtt::MqttClient> client_;
  bool subscribed_ = false;
  absl::Mutex mu_;
  std::deque<mqtt::MqttMessage> inbox_ ABSL_GUARDED_BY(mu_);
  std::map<prov::SessionKey, Tracked> sessions_;
  // send_data req_id -> the session and send id it carries.
  std::map<uint64_t, std::pair<prov::SessionKey, uint64_t>> sends_;
  uint64_t next_req_id_ = 0x7000;
  uint16_t counter_ = 0;
  std::vector<std::string> starts_;
  int frames_not_for_a_session_ = 0;
};

TEST(GatewaySimProvisioningTest, JoiningNodesAreProvisionedByASessionDrivenServer) {
  absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("provisioning");
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string config_path = *dir + "/provisioning_config.yml";

  // 2 gateways x 2 sinks, 2 joining nodes each; secured and unsecured nodes; half STARTs.
  absl::StatusOr<std::unique_ptr<Subprocess>> sim = Subprocess::Start(
      SimBinary(),
      {"--mqtt_hostname=127.0.0.1", absl::StrCat("--mqtt_port=", (*broker)->port()),
       "--mqtt_force_unsecure", "--gateways=2", "--sinks_per_gateway=2", "--nodes_per_sink=2",
       "--joining_nodes_per_sink=2", "--provisioning_method=mixed", "--seed=3",
       "--payload_mix=provisioning_start=1,app_data=1", "--rate=20",
       "--provisioning_config_out=" + config_path, "--log_level=debug"});
  ASSERT_TRUE(sim.ok()) << sim.status();
  ASSERT_TRUE(Eventually([&] { return wm::testing::ReadFile(config_path).ok(); }))
      << (*sim)->Output();

  const std::string written = *wm::testing::ReadFile(config_path);
  absl::StatusOr<prov::ProvisioningConfig> all = prov::ProvisioningConfig::Parse(written);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 8u);
  std::set<prov::ProvisioningMethod> methods;
  for (const auto& [uid, entry] : all->entries()) methods.insert(entry.method);
  ASSERT_EQ(methods.size(), 2u) << "seed 3 gives both methods";
  // One node the server does not know.
  const std::string refused = all->entries().begin()->first;
  absl::StatusOr<prov::ProvisioningConfig> allowed =
      prov::ProvisioningConfig::Parse(WithoutEntry(written, refused));
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  ASSERT_EQ(allowed->size(), 7u);
  ASSERT_EQ(allowed->Find(refused), nullptr);
  // STARTs sent before the server subscribed are lost, as with a real server that starts
  // late: the nodes start over.
  auto server = std::make_unique<ProvisioningServer>(
      (*broker)->port(), std::make_shared<const prov::ProvisioningConfig>(*std::move(allowed)));
  ASSERT_TRUE(server->subscribed());

  // Every allowed node's session succeeds; the refused node's ends NOT_AUTHORIZED.
  const auto done = [&] {
    server->Poll();
    const auto finished = server->Finished();
    for (const auto& [uid, entry] : all->entries()) {
      const auto it = finished.find(uid);
      if (it == finished.end()) return false;
      const prov::SessionStatus wanted =
          uid == refused ? prov::SessionStatus::kErrorNotAuthorized : prov::SessionStatus::kSuccess;
      if (it->second.count(wanted) == 0) return false;
    }
    return true;
  };
  ASSERT_TRUE(Eventually(done, kTimeout)) << (*sim)->Output();
  for (const auto& [uid, statuses] : server->Finished()) {
    if (uid == refused) {
      EXPECT_EQ(statuses.count(prov::SessionStatus::kErrorNotAuthorized), statuses.size()) << uid;
    } else {
      EXPECT_EQ(statuses.count(prov::SessionStatus::kSuccess), 1u) << uid << " once";
    }
  }

  // Provisioned nodes send no more START: the next ones all come from the refused node.
  const size_t seen = server->starts().size();
  ASSERT_TRUE(Eventually([&] {
    server->Poll();
    return server->starts().size() >= seen + 10;
  })) << (*sim)->Output();
  // (A node's STARTs all come before its DATA_ACK, which comes tens of ms after the node took
  // the DATA.)
  for (size_t i = seen; i < server->starts().size(); ++i) {
    EXPECT_EQ(server->starts()[i], refused) << i;
  }

  ASSERT_TRUE((*sim)->Signal(SIGTERM).ok());
  absl::StatusOr<int> exit_code = (*sim)->Wait(kTimeout);
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << (*sim)->Output();
  const std::string output = (*sim)->Output();
  EXPECT_NE(output.find("provisioned=7 provisioning_nacks_sent=0"), std::string::npos) << output;
  EXPECT_EQ(output.find("provisioning_nacks_received=0"), std::string::npos)
      << "the refused node counts its NACKs\n"
      << output;
  EXPECT_NE(output.find(absl::StrCat("provisioning nack received gw_id=")), std::string::npos)
      << output;
  EXPECT_NE(output.find(absl::StrCat("uid=", refused)), std::string::npos) << output;
  size_t provisioned_lines = 0;
  for (size_t at = output.find("node provisioned "); at != std::string::npos;
       at = output.find("node provisioned ", at + 1)) {
    ++provisioned_lines;
  }
  EXPECT_EQ(provisioned_lines, 7u) << output;
  // No key reaches the log, in any form the config writes it.
  for (const auto& [uid, entry] : all->entries()) {
    for (const std::string& secret :
         {entry.factory_key, entry.content.encryption_key, entry.content.authentication_key}) {
      if (secret.empty()) continue;
      const std::string hex = absl::BytesToHexString(secret);
      EXPECT_EQ(output.find(hex.substr(0, 12)), std::string::npos) << "a key leaked";
      EXPECT_EQ(output.find(secret), std::string::npos) << "a key leaked";
    }
  }
}

}  // namespace
}  // namespace wm::gateway_sim
