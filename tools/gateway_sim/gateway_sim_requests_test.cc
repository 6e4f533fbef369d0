// Sends real requests over a private mosquitto to the real wm-gateway-sim binary and checks the
// answers as a backend sees them: every request topic, the announcements after a change, nodes'
// MSAP answers, a chunked scratchpad reassembled byte for byte, dropped answers, hidden features.
#include <signal.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/decoders/msap_encoder.h"
#include "libs/decoders/msap_responses.h"
#include "libs/testing/files.h"
#include "libs/testing/mosquitto.h"
#include "libs/testing/subprocess.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/scratchpad_image.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/broker_observer.h"
#include "tools/gateway_sim/sim_random.h"

namespace wm::gateway_sim {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;
using wirepas::Method;
using ::wm::testing::MosquittoProcess;
using ::wm::testing::Subprocess;

constexpr absl::Duration kTimeout = absl::Seconds(20);
constexpr char kGw[] = "sim-gw-1";

std::string SimBinary() { return wm::testing::RunfilePath("tools/gateway_sim/wm-gateway-sim"); }

// One simulated gateway with sinks sink0 and sink1 of 3 nodes each, one traffic packet, and a
// backend's client on the same broker.
class RequestsTest : public ::testing::Test {
 protected:
  void StartSim(std::vector<std::string> extra) {
    absl::StatusOr<std::unique_ptr<MosquittoProcess>> broker = MosquittoProcess::Start();
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
    live_ = std::make_unique<BrokerObserver>(broker_->port());
    ASSERT_TRUE(live_->subscribed());
    std::vector<std::string> args = {"--mqtt_hostname=127.0.0.1",
                                     absl::StrCat("--mqtt_port=", broker_->port()),
                                     "--mqtt_force_unsecure",
                                     "--gateways=1",
                                     "--sinks_per_gateway=2",
                                     "--nodes_per_sink=3",
                                     "--count=1",
                                     "--rate=0",
                                     "--log_level=debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    absl::StatusOr<std::unique_ptr<Subprocess>> sim = Subprocess::Start(SimBinary(), args);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    ASSERT_TRUE(Eventually([&] { return live_->LatestStateIs(kGw, gwapi::ON); })) << sim_->Output();
  }

  void Publish(Method method, const wirepas::GenericMessage& request,
               const std::string& sink_id = "sink0") {
    ASSERT_TRUE(live_->client()
                    .Publish(wirepas::RequestTopic(method, kGw, sink_id),
                             request.SerializeAsString(), 2, false)
                    .ok());
  }

  // Publishes `request` and waits for the answer carrying its req_id.
  wirepas::GenericMessage Ask(Method method, const wirepas::GenericMessage& request,
                              const std::string& sink_id = "sink0") {
    Publish(method, request, sink_id);
    const uint64_t req_id = wirepas::RequestHeaderOf(request)->req_id();
    EXPECT_TRUE(Eventually([&] { return live_->ResponseTo(req_id).has_value(); }))
        << "no answer to " << wirepas::MethodName(method) << "\n"
        << sim_->Output();
    auto response = live_->ResponseTo(req_id);
    if (!response.has_value()) return {};
    EXPECT_EQ(response->first, wirepas::ResponseTopic(method, kGw, sink_id));
    return response->second;
  }

  static int32_t Res(const wirepas::GenericMessage& response) {
    const gwapi::ResponseHeader* header = wirepas::ResponseHeaderOf(response);
    return header == nullptr ? -2 : wirepas::ResultCode(*header);
  }

  uint64_t NextReqId() { return ++req_id_; }

  gwapi::RequestHeader Header(const std::string& sink_id = "sink0") {
    gwapi::RequestHeader header;
    header.set_req_id(NextReqId());
    if (!sink_id.empty()) header.set_sink_id(sink_id);
    return header;
  }

  std::string Stop() {
    EXPECT_TRUE(sim_->Signal(SIGTERM).ok());
    absl::StatusOr<int> exit_code = sim_->Wait(kTimeout);
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(exit_code.value_or(-1), 0) << sim_->Output();
    return sim_->Output();
  }

  std::unique_ptr<MosquittoProcess> broker_;
  std::unique_ptr<BrokerObserver> live_;
  std::unique_ptr<Subprocess> sim_;
  uint64_t req_id_ = 0x5000;
};

TEST_F(RequestsTest, ConfigurationRequestsAndTheirAnnouncements) {
  ASSERT_NO_FATAL_FAILURE(StartSim({}));

  wirepas::GenericMessage info;
  *info.mutable_wirepas()->mutable_get_gateway_info_req()->mutable_header() = Header("");
  const wirepas::GenericMessage info_resp = Ask(Method::kGetGwInfo, info, "");
  EXPECT_EQ(info_resp.wirepas().get_gateway_info_resp().info().gw_features_size(), 3);
  EXPECT_EQ(info_resp.wirepas().get_gateway_info_resp().info().max_scratchpad_size(), 1024u);

  // A new app config: answered with the whole new config, then announced.
  wirepas::GenericMessage set;
  gwapi::SetConfigReq* req = set.mutable_wirepas()->mutable_set_config_req();
  *req->mutable_header() = Header();
  req->mutable_config()->set_sink_id("sink0");
  gwapi::AppConfigData* app_config = req->mutable_config()->mutable_app_config();
  app_config->set_seq(2);
  app_config->set_diag_interval_s(300);
  app_config->set_app_config_data(std::string("\xF6\x7E\x00", 3));
  wirepas::GenericMessage resp = Ask(Method::kSetConfig, set);
  EXPECT_EQ(Res(resp), gwapi::OK);
  EXPECT_EQ(resp.wirepas().set_config_resp().config().app_config().seq(), 2u);
  EXPECT_EQ(resp.wirepas().set_config_resp().config().app_config().diag_interval_s(), 300u);
  EXPECT_TRUE(resp.wirepas().set_config_resp().config().has_max_mtu());  // the full config
  ASSERT_TRUE(Eventually([&] {
    auto statuses = live_->Statuses(kGw);
    return statuses.back().has_value() && statuses.back()->configs_size() == 2 &&
           statuses.back()->configs(0).app_config().seq() == 2;
  }));
  ASSERT_TRUE(Eventually([&] {
    int unsolicited = 0;
    for (const auto& [topic, message] : live_->ParsedOn("gw-response/")) {
      const gwapi::ResponseHeader* header = wirepas::ResponseHeaderOf(message);
      if (header != nullptr && header->req_id() == 0) ++unsolicited;
    }
    return unsolicited == 2;  // get_configs and set_config of sink0
  }));

  // The same sequence again.
  *req->mutable_header() = Header();
  EXPECT_EQ(Res(Ask(Method::kSetConfig, set)), gwapi::INVALID_SEQUENCE_NUMBER);

  // Configuration data items, set then read, and reported in the status.
  wirepas::GenericMessage set_item;
  gwapi::SetConfigurationDataItemReq* item_req =
      set_item.mutable_wirepas()->mutable_set_configuration_data_item_req();
  *item_req->mutable_header() = Header();
  item_req->mutable_configuration_data_item()->set_endpoint(0x4242);
  item_req->mutable_configuration_data_item()->set_payload("cdd-payload");
  EXPECT_EQ(Res(Ask(Method::kSetConfigurationDataItem, set_item)), gwapi::OK);
  ASSERT_TRUE(Eventually([&] {
    auto statuses = live_->Statuses(kGw);
    return statuses.back().has_value() && statuses.back()->configs_size() == 2 &&
           statuses.back()->configs(0).configuration_data_content_size() == 1;
  }));
  wirepas::GenericMessage get_item;
  *get_item.mutable_wirepas()->mutable_get_configuration_data_item_req()->mutable_header() =
      Header();
  get_item.mutable_wirepas()->mutable_get_configuration_data_item_req()->set_endpoint(0x4242);
  resp = Ask(Method::kGetConfigurationDataItem, get_item);
  EXPECT_EQ(Res(resp), gwapi::OK);
  EXPECT_EQ(resp.wirepas().get_configuration_data_item_resp().configuration_data_item().payload(),
            "cdd-payload");

  // send_data checks the topic's sink and the hop limit.
  wirepas::GenericMessage send;
  gwapi::SendPacketReq* send_req = send.mutable_wirepas()->mutable_send_packet_req();
  *send_req->mutable_header() = Header();
  send_req->set_destination_address(1);
  send_req->set_source_endpoint(10);
  send_req->set_destination_endpoint(10);
  send_req->set_qos(0);
  send_req->set_payload("hi");
  EXPECT_EQ(Res(Ask(Method::kSendData, send, "sink9")), gwapi::INVALID_SINK_ID);
  *send_req->mutable_header() = Header();
  send_req->set_hop_limit(16);
  EXPECT_EQ(Res(Ask(Method::kSendData, send)), gwapi::INVALID_MAX_HOP_COUNT);

  const std::string output = Stop();
  EXPECT_NE(output.find("responses_dropped=0"), std::string::npos) << output;
}

TEST_F(RequestsTest, NodesAnswerScratchpadStatusRequests) {
  ASSERT_NO_FATAL_FAILURE(StartSim({}));
  wirepas::GenericMessage send;
  gwapi::SendPacketReq* req = send.mutable_wirepas()->mutable_send_packet_req();
  *req->mutable_header() = Header();
  req->set_destination_address(0xFFFFFFFF);
  req->set_source_endpoint(255);
  req->set_destination_endpoint(240);
  req->set_qos(1);
  req->set_payload(decoders::EncodeMsapScratchpadStatus());
  EXPECT_EQ(Res(Ask(Method::kSendData, send)), gwapi::OK);
  ASSERT_TRUE(Eventually([&] {
    size_t answers = 0;
    for (const auto& [topic, message] : live_->ParsedOn("gw-event/received_data/sim-gw-1/sink0/")) {
      if (message.wirepas().packet_received_event().source_endpoint() == 240) ++answers;
    }
    return answers == 3;
  })) << sim_->Output();
  std::set<uint32_t> sources;
  for (const auto& [topic, message] : live_->ParsedOn("gw-event/received_data/sim-gw-1/sink0/")) {
    const gwapi::PacketReceivedEvent& event = message.wirepas().packet_received_event();
    if (event.source_endpoint() != 240) continue;
    EXPECT_EQ(event.destination_endpoint(), 255u);
    EXPECT_GE(event.hop_count(), 1u);
    EXPECT_GT(event.travel_time_ms(), 0u);
    sources.insert(event.source_address());
    wm::v1::MsapResponses decoded;
    EXPECT_FALSE(decoders::DecodeMsapResponses(event.payload(), &decoded).has_value());
    ASSERT_EQ(decoded.frames_size(), 1);
    EXPECT_EQ(decoded.frames(0).scratchpad_status().version(), 3u);
    EXPECT_EQ(decoded.frames(0).scratchpad_status().stored_seq(), 12u);
  }
  EXPECT_EQ(sources.size(), 3u);
  Stop();
}

TEST_F(RequestsTest, AChunkedScratchpadIsReassembledIdentically) {
  absl::StatusOr<std::string> dir = wm::testing::MakeTempDir("scratchpad");
  ASSERT_TRUE(dir.ok()) << dir.status();
  ASSERT_NO_FATAL_FAILURE(StartSim({"--max_scratchpad_size=1000",
                                    "--scratchpad_file=" + *dir + "/{gw_id}_{sink_id}.bin",
                                    "--drop_responses=otap_process_scratchpad"}));
  // A valid image, sent in chunks from the last to the first: the reference gateway places each
  // chunk at its offset.
  const std::string image =
      wirepas::BuildScratchpadImage(SimRandom(11).Bytes(4320 - wirepas::kScratchpadHeaderSize));
  // Offset 0 starts an upload, so it goes first.
  for (size_t offset : {0, 4000, 3000, 2000, 1000}) {
    wirepas::GenericMessage load;
    gwapi::UploadScratchpadReq* req = load.mutable_wirepas()->mutable_upload_scratchpad_req();
    *req->mutable_header() = Header("sink1");
    req->set_seq(77);
    req->set_scratchpad(image.substr(offset, 1000));
    req->mutable_chunk_info()->set_scratchpad_total_size(image.size());
    req->mutable_chunk_info()->set_start_offset(offset);
    EXPECT_EQ(Res(Ask(Method::kOtapLoadScratchpad, load, "sink1")), gwapi::OK) << offset;
  }
  // A chunk beyond the image.
  wirepas::GenericMessage stray;
  gwapi::UploadScratchpadReq* stray_req = stray.mutable_wirepas()->mutable_upload_scratchpad_req();
  *stray_req->mutable_header() = Header("sink1");
  stray_req->set_seq(77);
  stray_req->set_scratchpad("x");
  stray_req->mutable_chunk_info()->set_scratchpad_total_size(image.size());
  stray_req->mutable_chunk_info()->set_start_offset(image.size());
  EXPECT_EQ(Res(Ask(Method::kOtapLoadScratchpad, stray, "sink1")),
            gwapi::INVALID_SCRATCHPAD_CHUNK_OFFSET);

  wirepas::GenericMessage status;
  *status.mutable_wirepas()->mutable_get_scratchpad_status_req()->mutable_header() =
      Header("sink1");
  const wirepas::GenericMessage status_resp = Ask(Method::kOtapStatus, status, "sink1");
  const gwapi::GetScratchpadStatusResp& otap = status_resp.wirepas().get_scratchpad_status_resp();
  EXPECT_EQ(otap.stored_scratchpad().len(), image.size());
  EXPECT_EQ(otap.stored_scratchpad().crc(), wirepas::ParseScratchpadHeader(image)->crc);
  EXPECT_EQ(otap.stored_scratchpad().seq(), 77u);
  absl::StatusOr<std::string> written = wm::testing::ReadFile(*dir + "/sim-gw-1_sink1.bin");
  ASSERT_TRUE(written.ok()) << written.status();
  std::string expected = image;
  wirepas::SetScratchpadSequence(77, expected);  // as the sink keeps it
  EXPECT_TRUE(*written == expected) << written->size();

  // Processing is dropped: no answer, though a later request is answered.
  wirepas::GenericMessage process;
  *process.mutable_wirepas()->mutable_process_scratchpad_req()->mutable_header() = Header("sink1");
  const uint64_t process_id = process.wirepas().process_scratchpad_req().header().req_id();
  Publish(Method::kOtapProcessScratchpad, process, "sink1");
  *status.mutable_wirepas()->mutable_get_scratchpad_status_req()->mutable_header() =
      Header("sink1");
  const wirepas::GenericMessage after = Ask(Method::kOtapStatus, status, "sink1");
  EXPECT_FALSE(live_->ResponseTo(process_id).has_value());
  // The request took effect all the same.
  EXPECT_EQ(after.wirepas().get_scratchpad_status_resp().processed_scratchpad().seq(), 77u);

  // The target and action, defaulting to the stored scratchpad.
  wirepas::GenericMessage target;
  gwapi::SetScratchpadTargetAndActionReq* target_req =
      target.mutable_wirepas()->mutable_set_scratchpad_target_and_action_req();
  *target_req->mutable_header() = Header("sink1");
  target_req->mutable_target_and_action()->set_action(gwapi::PROPAGATE_ONLY);
  EXPECT_EQ(Res(Ask(Method::kOtapSetTargetScratchpad, target, "sink1")), gwapi::OK);
  ASSERT_TRUE(Eventually([&] {
    auto statuses = live_->Statuses(kGw);
    return statuses.back().has_value() && statuses.back()->configs_size() == 2 &&
           statuses.back()->configs(1).target_and_action().target_sequence() == 77;
  }));

  const std::string output = Stop();
  EXPECT_NE(output.find("responses_dropped=1"), std::string::npos) << output;
}

TEST_F(RequestsTest, HiddenFeaturesAreNotAdvertisedNorServed) {
  ASSERT_NO_FATAL_FAILURE(StartSim({"--features=none", "--max_scratchpad_size=0"}));
  const gwapi::StatusEvent online = *live_->Statuses(kGw).back();
  EXPECT_EQ(online.gw_features_size(), 0);
  EXPECT_FALSE(online.has_max_scratchpad_size());

  wirepas::GenericMessage get_item;
  *get_item.mutable_wirepas()->mutable_get_configuration_data_item_req()->mutable_header() =
      Header();
  get_item.mutable_wirepas()->mutable_get_configuration_data_item_req()->set_endpoint(1);
  const uint64_t item_id = get_item.wirepas().get_configuration_data_item_req().header().req_id();
  Publish(Method::kGetConfigurationDataItem, get_item);
  wirepas::GenericMessage info;
  *info.mutable_wirepas()->mutable_get_gateway_info_req()->mutable_header() = Header("");
  const wirepas::GenericMessage info_resp = Ask(Method::kGetGwInfo, info, "");
  EXPECT_EQ(info_resp.wirepas().get_gateway_info_resp().info().gw_features_size(), 0);
  EXPECT_FALSE(info_resp.wirepas().get_gateway_info_resp().info().has_max_scratchpad_size());
  EXPECT_FALSE(live_->ResponseTo(item_id).has_value());
  Stop();
}

}  // namespace
}  // namespace wm::gateway_sim
