// The disk replay log end to end (docs/event-stream.md "The disk log"): a real mosquitto, the
// real wm-ingest binary with replay_log_dir and a persistent MQTT session, a publisher playing
// a gateway, and a gRPC consumer that resumes from the last position it read after ingest was
// stopped or killed and started again on the same directory.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/mqtt/client.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/files.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/events.grpc.pb.h"
#include "tests/harness/service_process.h"
#include "tests/ingest/gateway_messages.h"
#include "tests/ingest/ingest_broker_fixture.h"
#include "tests/ingest/subscribe_stream.h"

namespace wm::ingest {
namespace {

using ::wm::testing::ResumeAfter;
using ::wm::testing::SubscribeStream;

constexpr absl::Duration kTimeout = absl::Seconds(30);

struct Restart {
  int signal;
  bool fsync;
  uint64_t packets;      // the gateway publishes this many
  size_t read_before;    // the consumer reads this many before ingest goes
};

std::string Name(const ::testing::TestParamInfo<Restart>& info) {
  return absl::StrCat(info.param.signal == SIGKILL ? "Kill9" : "Sigterm",
                      info.param.fsync ? "Fsync" : "NoFsync");
}

class IngestDiskLogTest : public wm::testing::IngestBrokerTest,
                          public ::testing::WithParamInterface<Restart> {
 protected:
  void SetUp() override {
    // A broker that keeps every message for the absent ingest (mosquitto keeps 1000 by
    // default and drops the rest, which no ingest could recover).
    auto broker = wm::testing::MosquittoProcess::Start({.extra_config = {"max_queued_messages 0"}});
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    mqtt::MqttOptions options;
    options.host = "127.0.0.1";
    options.port = broker_->port();
    options.force_unsecure = true;
    publisher_ = std::make_unique<mqtt::MqttClient>(options);
    ASSERT_TRUE(publisher_->Start().ok());
    ASSERT_TRUE(publisher_->WaitUntilConnected(kStartTimeout));
    absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("ingest_disk_log");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }

  std::vector<std::string> Flags(bool fsync) const {
    return {"--replay_log_dir=" + dir_, "--replay_log_segment_mb=1",
            std::string("--replay_log_fsync=") + (fsync ? "true" : "false"),
            "--mqtt_persist_session", "--mqtt_client_id=ingest-disk-log-test",
            "--dedup_window_size=100000"};
  }

  absl::Status PublishPacket(uint64_t id) {
    return publisher_->PublishAndWait(
        wirepas::ReceivedDataTopic("gw", "sink0", 77, 10, 10),
        wm::testing::GatewayPacket{.gateway_id = "gw",
                                   .event_id = id,
                                   .source_address = 1001,
                                   .source_endpoint = 10,
                                   .destination_endpoint = 10,
                                   .payload = "app"}
            .Bytes(),
        1, false, kTimeout);
  }

  std::string dir_;
};

// Ingest stops (SIGTERM) or dies (kill -9) while a gateway publishes; restarted on the same
// directory, it keeps its epoch and continues its sequence, and a consumer resuming from the
// last position it read gets every remaining packet exactly once.
TEST_P(IngestDiskLogTest, AResumingConsumerGetsEveryPacketOnceAcrossARestartOfIngest) {
  const Restart restart = GetParam();
  ASSERT_NO_FATAL_FAILURE(StartIngest(Flags(restart.fsync)));
  const uint64_t kPackets = restart.packets;
  wm::v1::SubscribeRequest live;
  live.set_skip_snapshot(true);
  auto stream = std::make_unique<SubscribeStream>(ingest_->grpc_address(), live);
  ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", 1, kTimeout).ok());

  std::atomic<bool> publish_failed{false};
  std::thread gateway([&] {
    for (uint64_t id = 1; id <= kPackets; ++id) {
      if (!PublishPacket(id).ok()) publish_failed = true;
    }
  });
  std::vector<wm::v1::Event> received;
  wm::v1::Event event;
  while (received.size() < restart.read_before && stream->Read(&event)) received.push_back(event);
  ASSERT_EQ(received.size(), restart.read_before);
  // The consumer goes away, then ingest while the gateway goes on publishing.
  stream->Disconnect();
  ASSERT_TRUE(ingest_->process().Signal(restart.signal).ok());
  absl::StatusOr<int> code = ingest_->process().Wait(kTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, restart.signal == SIGKILL ? 128 + SIGKILL : 0) << ingest_->process().Output();

  ASSERT_NO_FATAL_FAILURE(StartIngest(Flags(restart.fsync)));
  EXPECT_GE(ingest_->Metric("wm_ingest_disk_log_loaded_events").value_or(0), restart.read_before);
  EXPECT_EQ(ingest_->Metric("wm_ingest_disk_log_corrupt_records_total").value_or(-1), 0);
  stream = std::make_unique<SubscribeStream>(ingest_->grpc_address(),
                                               ResumeAfter(received.back()));
  while (received.size() < kPackets && stream->Read(&event)) received.push_back(event);
  gateway.join();
  ASSERT_FALSE(publish_failed);
  ASSERT_EQ(received.size(), kPackets);

  std::map<uint64_t, int> per_packet;
  for (size_t i = 0; i < received.size(); ++i) {
    const wm::v1::Event& e = received[i];
    ASSERT_EQ(e.kind(), wm::v1::EVENT_KIND_PACKET_RECEIVED) << "at " << i;
    ASSERT_EQ(e.stream_epoch(), received.front().stream_epoch()) << "at " << i;
    ASSERT_EQ(e.sequence(), i + 1) << "at " << i;  // no gap, no duplicate
    ++per_packet[e.event_id()];
  }
  ASSERT_EQ(per_packet.size(), kPackets);
  for (const auto& [id, count] : per_packet) ASSERT_EQ(count, 1) << "packet " << id;
  // Nothing beyond: the redelivered packets the old run had written were duplicates.
  EXPECT_EQ(ingest_->Metric("wm_ingest_messages_total", "kind=\"packet\"").value_or(-1),
            static_cast<double>(kPackets - ingest_->Metric("wm_ingest_disk_log_loaded_events")
                                               .value_or(0)));
  EXPECT_EQ(ingest_->Metric("wm_mqtt_hand_off_failures_total").value_or(-1), 0);
}

INSTANTIATE_TEST_SUITE_P(Restarts, IngestDiskLogTest,
                         ::testing::Values(Restart{SIGKILL, false, 3000, 800},
                                           Restart{SIGKILL, true, 1000, 300},
                                           Restart{SIGTERM, false, 3000, 800}),
                         Name);

class IngestDiskLogLockTest : public wm::testing::IngestBrokerTest {};

TEST_F(IngestDiskLogLockTest, ASecondIngestOnTheSameDirectoryFailsToStartClearly) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("ingest_disk_log_lock");
  ASSERT_TRUE(dir.ok()) << dir.status();
  ASSERT_NO_FATAL_FAILURE(StartIngest({"--replay_log_dir=" + *dir}));
  auto second = wm::testing::ServiceProcess::Start(
      "services/ingest/wm-ingest",
      {"--mqtt_hostname=127.0.0.1", "--mqtt_port=" + std::to_string(broker_->port()),
       "--mqtt_force_unsecure", "--replay_log_dir=" + *dir});
  ASSERT_TRUE(second.ok()) << second.status();
  absl::StatusOr<int> code = (*second)->process().Wait(kTimeout);
  ASSERT_TRUE(code.ok()) << (*second)->process().Output();
  EXPECT_NE(*code, 0);
  EXPECT_NE((*second)->process().Output().find("in use by another wm-ingest"), std::string::npos)
      << (*second)->process().Output();
  // The first one is unaffected.
  EXPECT_TRUE(ingest_->WaitReady(kTimeout).ok());
}

}  // namespace
}  // namespace wm::ingest
