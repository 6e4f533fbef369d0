// wm-ingest decodes every payload kind the simulator sends: a real mosquitto, the real
// wm-ingest and the real wm-gateway-sim, watched through a Subscribe stream and /metrics.
#include <signal.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/subprocess.h"
#include "protos/wm/v1/events.pb.h"
#include "tests/harness/event_collector.h"
#include "tests/harness/service_process.h"

namespace wm::ingest {
namespace {

using ::wm::testing::EventCollector;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::ServiceProcess;
using ::wm::testing::Subprocess;

constexpr absl::Duration kTimeout = absl::Seconds(30);

using EndpointPair = std::pair<uint32_t, uint32_t>;

// Every pair the simulator sends besides application data (1->1 or 10->10, per node).
const std::set<EndpointPair> kKindPairs = {
    {251, 255}, {252, 255}, {253, 255}, {254, 255}, {247, 255},
    {246, 255}, {200, 200}, {238, 238}, {11, 11},   {100, 100},
};

bool IsAppData(const EndpointPair& pair) {
  return pair == EndpointPair{1, 1} || pair == EndpointPair{10, 10};
}

EndpointPair PairOf(const wm::v1::PacketReceived& packet) {
  return {packet.source_endpoint(), packet.destination_endpoint()};
}

std::string Describe(const EndpointPair& pair) {
  return absl::StrCat(pair.first, "->", pair.second);
}

// Equal weights for every kind of the simulator's payload_mix, so that a small count covers
// them all.
std::string EqualMix() {
  return "app_data=1,traffic_diagnostics=1,neighbor_diagnostics=1,node_diagnostics=1,"
         "diagnostics_v2=1,advertiser=1,positioning=1,ruuvi=1,test_network=1,"
         "provisioning_start=1";
}

// The sum of every sample of the metric family `name` in Prometheus text, and how many there
// were.
std::pair<double, int> SumOfSamples(const std::string& text, const std::string& name) {
  double sum = 0;
  int samples = 0;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
    ++samples;
  }
  return {sum, samples};
}

// What a well-formed payload of each kind decodes to, with values in the simulator's ranges.
void ExpectPlausible(const wm::v1::PacketReceived& packet) {
  const EndpointPair pair = PairOf(packet);
  SCOPED_TRACE(Describe(pair));
  ASSERT_FALSE(packet.has_decode_error())
      << packet.decode_error().reason() << " at " << packet.decode_error().offset() << ": "
      << packet.decode_error().message();
  ASSERT_FALSE(packet.payload().empty());
  EXPECT_EQ(packet.payload_size(), packet.payload().size());
  const wm::v1::DecodedPayload& decoded = packet.decoded();
  if (IsAppData(pair)) {
    EXPECT_FALSE(packet.has_decoded()) << "no decoder for application data";
    EXPECT_EQ(packet.payload().size(), 6u);
    return;
  }
  switch (pair.first) {
    case 251: {
      ASSERT_TRUE(decoded.has_traffic_diagnostics());
      const wm::v1::TrafficDiagnostics& d = decoded.traffic_diagnostics();
      EXPECT_EQ(d.access_cycles(), 30u);
      EXPECT_GE(d.cluster_channel(), 1u);
      EXPECT_LE(d.cluster_channel(), 40u);
      EXPECT_GE(d.channel_reliability(), 80u);
      EXPECT_LE(d.channel_reliability(), 100u);
      EXPECT_GT(d.rx_amount(), 0u);
      break;
    }
    case 252: {
      ASSERT_TRUE(decoded.has_neighbor_diagnostics());
      const wm::v1::NeighborDiagnostics& d = decoded.neighbor_diagnostics();
      ASSERT_GE(d.neighbors_size(), 1);
      EXPECT_LE(d.neighbors_size(), 8);
      EXPECT_EQ(d.neighbors(0).node_info(), 1u) << "the next hop first";
      for (const wm::v1::NeighborInfo& neighbor : d.neighbors()) {
        EXPECT_NE(neighbor.address(), 0u);
        EXPECT_GE(neighbor.cluster_channel(), 1u);
        EXPECT_LE(neighbor.cluster_channel(), 40u);
      }
      break;
    }
    case 253: {
      ASSERT_TRUE(decoded.has_node_diagnostics());
      const wm::v1::NodeDiagnostics& d = decoded.node_diagnostics();
      EXPECT_GE(d.voltage(), 2.9);
      EXPECT_LE(d.voltage(), 3.15);
      EXPECT_EQ(d.access_cycle(), 2000u);
      EXPECT_TRUE((d.role() & 0x0F) == 2 || (d.role() & 0x0F) == 3) << d.role();
      EXPECT_NE(d.route_address(), 0u);
      EXPECT_GE(d.cost_info_cost_0(), 1u);
      // The 4.2+ form carries the pending queues; 4.0's 59 bytes do not.
      EXPECT_EQ(d.has_pending_ucast_cluster(), packet.payload().size() == 67u);
      break;
    }
    case 254: {
      ASSERT_TRUE(decoded.has_boot_diagnostics());
      const wm::v1::BootDiagnostics& d = decoded.boot_diagnostics();
      EXPECT_GE(d.boot_count(), 1u);
      EXPECT_TRUE(d.sw_major_version() == 4 || d.sw_major_version() == 5)
          << d.firmware_version_string();
      EXPECT_EQ(d.firmware_version_string(),
                absl::StrCat(d.sw_major_version(), ".", d.sw_minor_version(), ".",
                             d.sw_maint_version(), ".", d.sw_dev_version()));
      break;
    }
    case 200: {
      ASSERT_TRUE(decoded.has_advertiser());
      const wm::v1::AdvertiserReport& d = decoded.advertiser();
      EXPECT_TRUE(d.adv_type() == 2 || d.adv_type() == 3 || d.adv_type() == 6) << d.adv_type();
      ASSERT_GE(d.adv_size(), 1);
      for (const wm::v1::AdvertiserEntry& entry : d.adv()) {
        EXPECT_EQ(entry.value_size(), 0);
        for (double rss : entry.rss()) {
          EXPECT_GE(rss, -95);
          EXPECT_LE(rss, -40);
        }
      }
      break;
    }
    case 238: {
      ASSERT_TRUE(decoded.has_positioning());
      const wm::v1::PositioningReport& d = decoded.positioning();
      ASSERT_GE(d.nb_measurements(), 2u);
      EXPECT_EQ(d.unknown_records_size(), 0);
      const wm::v1::PositioningMeasurement& voltage = d.measurements(d.measurements_size() - 1);
      EXPECT_EQ(voltage.name(), "POS_APP_MEAS_VOLTAGE");
      EXPECT_GE(voltage.voltage(), 2700u);  // mV
      EXPECT_LE(voltage.voltage(), 3400u);
      for (int i = 0; i + 1 < d.measurements_size(); ++i) {
        EXPECT_LE(d.measurements(i).rss(), -40);
        EXPECT_GE(d.measurements(i).rss(), -95);
      }
      break;
    }
    case 11: {
      ASSERT_TRUE(decoded.has_ruuvi());
      const wm::v1::RuuviReport& d = decoded.ruuvi();
      ASSERT_TRUE(d.has_temperature() && d.has_humidity() && d.has_pressure() && d.has_acc_z());
      EXPECT_GE(d.temperature(), -25);
      EXPECT_LE(d.temperature(), 27);
      EXPECT_GE(d.humidity(), 25);
      EXPECT_LE(d.humidity(), 75);
      EXPECT_GE(d.pressure(), 990);
      EXPECT_LE(d.pressure(), 1030);
      EXPECT_NEAR(d.acc_z(), 1.0, 0.05);
      break;
    }
    case 100: {
      ASSERT_TRUE(decoded.has_test_network());
      const wm::v1::TestNetworkReport& d = decoded.test_network();
      ASSERT_GE(d.row_count(), 2u);
      EXPECT_EQ(d.rows(0).testdata_id(), 1u);
      EXPECT_EQ(d.rows(0).datafields_size(), 1);
      break;
    }
    case 247: {
      ASSERT_TRUE(decoded.has_diagnostics_v2());
      const wm::v1::DiagnosticsV2& d = decoded.diagnostics_v2();
      EXPECT_TRUE(d.has_role());
      EXPECT_TRUE(d.role_bits().base_role_name() == "headnode" ||
                  d.role_bits().base_role_name() == "subnode")
          << d.role();
      EXPECT_GE(d.voltage(), 2700u);  // mV
      EXPECT_LE(d.voltage(), 3400u);
      // One of the two views the simulator sends, whole.
      if (d.nexthop_details_size() > 0) {
        EXPECT_EQ(d.buffer_usage_size(), 1);
        EXPECT_EQ(d.cbmac_details_size(), 1);
        EXPECT_LT(d.nexthop_details(0).next_hop_rssi(), 0);
      } else {
        EXPECT_EQ(d.events_size(), 1);
        // Only stack-5 nodes send diagnostics v2.
        EXPECT_EQ(d.firmware_stack_string().rfind("5.", 0), 0u) << d.firmware_stack_string();
      }
      EXPECT_EQ(d.repeated_ids_size(), 0);
      for (const wm::v1::DiagnosticsV2UnknownField& unknown : d.unknown_fields()) {
        EXPECT_EQ(unknown.id(), 74) << "the one id the simulator sends that the map lacks";
      }
      break;
    }
    case 246: {
      ASSERT_TRUE(decoded.has_provisioning());
      const wm::v1::ProvisioningFrame& d = decoded.provisioning();
      EXPECT_EQ(d.msg_type(), decoders::kProvisioningStart);
      EXPECT_EQ(d.node_address(), packet.source_address());
      ASSERT_TRUE(d.has_start());
      EXPECT_TRUE(d.start().method_name() == "SECURED" || d.start().method_name() == "UNSECURED")
          << d.start().method();
      EXPECT_EQ(d.start().iv().size(), 16u);
      EXPECT_EQ(d.start().uid().rfind("sim-", 0), 0u) << d.start().uid();
      break;
    }
    default:
      ADD_FAILURE() << "the simulator sent an unexpected endpoint pair";
  }
}

class IngestDecodingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = MosquittoProcess::Start();
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    auto ingest = ServiceProcess::Start(
        "services/ingest/wm-ingest",
        {"--mqtt_hostname=127.0.0.1", absl::StrCat("--mqtt_port=", broker_->port()),
         "--mqtt_force_unsecure", "--mqtt_reconnect_max_s=0.5"});
    ASSERT_TRUE(ingest.ok()) << ingest.status();
    ingest_ = *std::move(ingest);
    ASSERT_TRUE(ingest_->WaitReady(kTimeout).ok()) << ingest_->process().Output();

    // Packets only, from the moment the hub has registered the stream.
    wm::v1::SubscribeRequest request;
    request.add_kinds(wm::v1::EVENT_KIND_PACKET_RECEIVED);
    request.set_skip_snapshot(true);
    packets_ = std::make_unique<EventCollector>(ingest_->grpc_address(), request);
    ASSERT_TRUE(ingest_->WaitForMetric("wm_ingest_subscribers", "", 1, kTimeout).ok());
  }

  void TearDown() override {
    if (sim_ != nullptr && sim_->Signal(SIGTERM).ok()) {
      EXPECT_EQ(sim_->Wait(kTimeout).value_or(-1), 0) << sim_->Output();
    }
  }

  // Runs wm-gateway-sim against the broker: 2 gateways x 2 sinks x 10 nodes (and one joining
  // node per sink), as fast as the broker takes it, with equal weights for every kind.
  void StartSimulator(int count, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--mqtt_hostname=127.0.0.1",
                                     absl::StrCat("--mqtt_port=", broker_->port()),
                                     "--mqtt_force_unsecure",
                                     "--gateways=2",
                                     "--sinks_per_gateway=2",
                                     "--nodes_per_sink=10",
                                     "--seed=3",
                                     "--rate=0",
                                     absl::StrCat("--count=", count),
                                     absl::StrCat("--payload_mix=", EqualMix())};
    args.insert(args.end(), extra.begin(), extra.end());
    auto sim =
        Subprocess::Start(wm::testing::RunfilePath("tools/gateway_sim/wm-gateway-sim"), args);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
  }

  std::string Output() { return sim_->Output() + ingest_->process().Output(); }

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<ServiceProcess> ingest_;
  std::unique_ptr<EventCollector> packets_;
  std::unique_ptr<Subprocess> sim_;
};

TEST_F(IngestDecodingTest, EveryKindTheSimulatorSendsArrivesDecoded) {
  constexpr int kCount = 300;
  ASSERT_NO_FATAL_FAILURE(StartSimulator(kCount));

  // Collect until every endpoint pair has arrived, then until the whole run has.
  const auto seen_pairs = [](const std::vector<wm::v1::Event>& events) {
    std::set<EndpointPair> pairs;
    for (const wm::v1::Event& e : events) pairs.insert(PairOf(e.packet()));
    return pairs;
  };
  const absl::Status every_pair = packets_->WaitFor(
      [&](const std::vector<wm::v1::Event>& events) {
        const std::set<EndpointPair> pairs = seen_pairs(events);
        for (const EndpointPair& pair : kKindPairs) {
          if (pairs.count(pair) == 0) return false;
        }
        return pairs.count({1, 1}) + pairs.count({10, 10}) > 0;
      },
      kTimeout);
  if (!every_pair.ok()) {
    std::vector<std::string> seen;
    for (const EndpointPair& pair : seen_pairs(packets_->events())) seen.push_back(Describe(pair));
    FAIL() << "seen only " << absl::StrJoin(seen, " ") << "\n" << Output();
  }
  ASSERT_TRUE(packets_->WaitForCount(kCount, kTimeout).ok())
      << packets_->size() << " of " << kCount << "\n"
      << Output();

  std::map<EndpointPair, int> per_pair;
  std::set<size_t> node_diagnostics_sizes;
  std::set<bool> advertiser_address_forms;
  for (const wm::v1::Event& event : packets_->events()) {
    ASSERT_EQ(event.kind(), wm::v1::EVENT_KIND_PACKET_RECEIVED);
    const wm::v1::PacketReceived& packet = event.packet();
    ++per_pair[PairOf(packet)];
    ExpectPlausible(packet);
    if (packet.decoded().has_node_diagnostics()) {
      node_diagnostics_sizes.insert(packet.payload().size());
    }
    if (packet.decoded().has_advertiser()) {
      advertiser_address_forms.insert(packet.decoded().advertiser().four_byte_addresses());
    }
  }
  EXPECT_EQ(packets_->size(), static_cast<size_t>(kCount)) << "no more than the simulator sent";
  // Both node diagnostics forms (stacks 4.0 and 5.x) and both advertiser address widths.
  EXPECT_EQ(node_diagnostics_sizes, (std::set<size_t>{59, 67}));
  EXPECT_EQ(advertiser_address_forms, (std::set<bool>{false, true}));

  // Nothing failed to decode, at any level.
  absl::StatusOr<std::string> metrics = ingest_->ScrapeMetrics();
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const auto [errors, samples] = SumOfSamples(*metrics, "wm_ingest_decode_errors_total");
  EXPECT_GT(samples, 0) << "the metric is exported";
  EXPECT_EQ(errors, 0) << *metrics;
}

TEST_F(IngestDecodingTest, GarbageIsCountedAndGoodPacketsStillArrive) {
  constexpr int kCount = 40;
  // floor(40 * 0.25) undecodable messages on received_data topics.
  ASSERT_NO_FATAL_FAILURE(StartSimulator(kCount, {"--garbage_ratio=0.25"}));
  ASSERT_TRUE(packets_->WaitForCount(kCount, kTimeout).ok())
      << packets_->size() << " of " << kCount << "\n"
      << Output();
  ASSERT_TRUE(
      ingest_->WaitForMetric("wm_ingest_decode_errors_total", "reason=\"protobuf\"", 10, kTimeout)
          .ok())
      << Output();
  for (const wm::v1::Event& event : packets_->events()) ExpectPlausible(event.packet());

  absl::StatusOr<std::string> metrics = ingest_->ScrapeMetrics();
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  // The garbage, and nothing else: every payload inside a well-formed message decoded.
  EXPECT_EQ(SumOfSamples(*metrics, "wm_ingest_decode_errors_total").first, 10) << *metrics;
  EXPECT_EQ(packets_->size(), static_cast<size_t>(kCount));
}

}  // namespace
}  // namespace wm::ingest
