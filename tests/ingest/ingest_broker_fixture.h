#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/mqtt/client.h"
#include "libs/testing/mosquitto.h"
#include "tests/harness/service_process.h"

namespace wm::testing {

// A test that plays the gateways: a private mosquitto, an MQTT client of its own connected to
// it (`publisher_`), and the real wm-ingest binary started on demand against that broker.
//
//   class MyTest : public IngestBrokerTest {};
//   TEST_F(MyTest, ...) { StartIngest({"--replay_log_size=10"}); publisher_->PublishAndWait(...); }
class IngestBrokerTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kStartTimeout = absl::Seconds(20);

  // Starts the broker and connects the publisher.
  void SetUp() override;

  // Starts (or restarts) wm-ingest on the broker with `extra` flags and waits until ready.
  void StartIngest(std::vector<std::string> extra);

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<ServiceProcess> ingest_;
  std::unique_ptr<mqtt::MqttClient> publisher_;
};

}  // namespace wm::testing
