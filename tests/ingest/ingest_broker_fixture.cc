#include "tests/ingest/ingest_broker_fixture.h"

#include <utility>

namespace wm::testing {

void IngestBrokerTest::SetUp() {
  auto broker = MosquittoProcess::Start();
  ASSERT_TRUE(broker.ok()) << broker.status();
  broker_ = *std::move(broker);
  mqtt::MqttOptions options;
  options.host = "127.0.0.1";
  options.port = broker_->port();
  options.force_unsecure = true;
  options.reconnect_max_delay = absl::Milliseconds(500);
  publisher_ = std::make_unique<mqtt::MqttClient>(options);
  ASSERT_TRUE(publisher_->Start().ok());
  ASSERT_TRUE(publisher_->WaitUntilConnected(kStartTimeout));
}

void IngestBrokerTest::StartIngest(std::vector<std::string> extra) {
  std::vector<std::string> args = {"--mqtt_hostname=127.0.0.1",
                                   "--mqtt_port=" + std::to_string(broker_->port()),
                                   "--mqtt_force_unsecure", "--mqtt_reconnect_max_s=0.5"};
  args.insert(args.end(), extra.begin(), extra.end());
  ingest_.reset();
  auto ingest = ServiceProcess::Start("services/ingest/wm-ingest", args);
  ASSERT_TRUE(ingest.ok()) << ingest.status();
  ingest_ = *std::move(ingest);
  ASSERT_TRUE(ingest_->WaitReady(kStartTimeout).ok()) << ingest_->process().Output();
}

}  // namespace wm::testing
