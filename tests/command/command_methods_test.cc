// Every wm.v1.Commands method end to end: a real mosquitto, the real wm-command and the real
// wm-gateway-sim, over real gRPC. What the client gets back is checked against what the
// simulated network is (its topology, built from the same options) and against what went over
// the broker (every request wm-command published, seen by an observer on gw-request/#).
#include <signal.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/files.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/scratchpad_image.h"
#include "libs/wirepas/topic.h"
#include "protos/wm/v1/commands.grpc.pb.h"
#include "tests/command/command_stack.h"
#include "tests/command/command_stack_fixture.h"
#include "tools/gateway_sim/broker_observer.h"

namespace wm::testing {
namespace {

namespace gwapi = ::wirepas::proto::gateway_api;
using wirepas::Method;

constexpr uint64_t kNetworkAddress = 0x123456;
constexpr uint32_t kBroadcast = 0xFFFFFFFF;
// A node's answer to an MSAP request leaves the simulator at most this long after the request
// per hop: 40 ticks of 1/128 s down, 80 up (tools/gateway_sim/data_handlers.h).
constexpr absl::Duration kMaxAnswerTimePerHop = absl::Milliseconds(120 * 1000 / 128 + 1);
// Plus up to 20 ms of processing in the node.
constexpr absl::Duration kMaxNodeProcessing = absl::Milliseconds(20);

// Random bytes: a payload whose every piece differs.
std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// A valid scratchpad image of `size` bytes with random content: every chunk differs.
std::string RandomImage(size_t size, uint32_t seed) {
  return wirepas::BuildScratchpadImage(RandomBytes(size - wirepas::kScratchpadHeaderSize, seed));
}

// What the sink keeps of `image` uploaded with `seq`: the sequence in its header.
std::string AsStored(std::string image, uint8_t seq) {
  wirepas::SetScratchpadSequence(seq, image);
  return image;
}

uint16_t HeaderCrc(const std::string& image) {
  return wirepas::ParseScratchpadHeader(image).value().crc;
}

// Reads a server stream to its end.
template <typename Message>
grpc::Status ReadAll(grpc::ClientReader<Message>& reader, std::vector<Message>* messages) {
  Message message;
  while (reader.Read(&message)) messages->push_back(message);
  return reader.Finish();
}

class CommandMethodsTest : public CommandStackFixture {
 protected:
  // The requests of `method` published to the gateway, once the one carrying `last_req_id`
  // (the last the test caused) has reached the observer: the broker delivers them in order.
  std::vector<wirepas::GenericMessage> RequestsUpTo(uint64_t last_req_id, Method method) {
    absl::StatusOr<CommandStack::SeenRequest> last = stack_->WaitForRequest(last_req_id);
    EXPECT_TRUE(last.ok()) << last.status();
    return stack_->RequestsTo(gw(), method);
  }

  wm::v1::Commands::Stub& commands() { return stack_->commands(); }

  // A quiet period (ms) long enough for every node of `sink` to answer an MSAP request (the
  // deepest takes longest), with a margin for the processes in between.
  static uint32_t QuietPeriodMsFor(const gateway_sim::SimSink& sink) {
    uint32_t max_hops = 0;
    for (const gateway_sim::SimNode& node : sink.nodes) {
      max_hops = std::max(max_hops, node.hop_count);
    }
    return static_cast<uint32_t>(absl::ToInt64Milliseconds(
        kMaxAnswerTimePerHop * max_hops + kMaxNodeProcessing + absl::Milliseconds(300)));
  }

  static std::set<uint32_t> NodeAddresses(const gateway_sim::SimSink& sink) {
    std::set<uint32_t> addresses;
    for (const gateway_sim::SimNode& node : sink.nodes) addresses.insert(node.address);
    return addresses;
  }

  wm::v1::GetConfigsResponse GetConfigs() {
    wm::v1::GetConfigsRequest request;
    request.set_gateway_id(gw());
    wm::v1::GetConfigsResponse response;
    const grpc::Status status = commands().GetConfigs(CallContext().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  wm::v1::SinkConfig SinkConfig(const std::string& sink_id) {
    const wm::v1::GetConfigsResponse response = GetConfigs();
    for (const wm::v1::SinkConfig& config : response.configs()) {
      if (config.sink_id() == sink_id) return config;
    }
    ADD_FAILURE() << "no sink " << sink_id;
    return {};
  }

  wm::v1::SendDataRequest SendDataTo(const std::string& sink_id, uint32_t destination) {
    wm::v1::SendDataRequest request;
    request.set_gateway_id(gw());
    request.set_sink_id(sink_id);
    request.set_destination_address(destination);
    request.set_source_endpoint(10);
    request.set_destination_endpoint(10);
    request.set_payload("downlink");
    return request;
  }

  wm::v1::SendDataResponse SendData(const wm::v1::SendDataRequest& request) {
    wm::v1::SendDataResponse response;
    const grpc::Status status = commands().SendData(CallContext().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  wm::v1::GetScratchpadStatusResponse ScratchpadStatus(const std::string& sink_id) {
    wm::v1::GetScratchpadStatusRequest request;
    request.set_gateway_id(gw());
    request.set_sink_id(sink_id);
    wm::v1::GetScratchpadStatusResponse response;
    const grpc::Status status =
        commands().GetScratchpadStatus(CallContext().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
    return response;
  }

  wm::v1::ProcessScratchpadResponse ProcessScratchpad(const std::string& sink_id) {
    wm::v1::ProcessScratchpadRequest request;
    request.set_gateway_id(gw());
    request.set_sink_id(sink_id);
    wm::v1::ProcessScratchpadResponse response;
    const grpc::Status status =
        commands().ProcessScratchpad(CallContext().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Streams `image` to sink0 in pieces of `piece` bytes.
  grpc::Status Upload(const std::string& image, uint32_t seq, size_t piece,
                      wm::v1::UploadScratchpadResponse* response) {
    auto context = CallContext();
    std::unique_ptr<grpc::ClientWriter<wm::v1::UploadScratchpadRequest>> writer =
        commands().UploadScratchpad(context.get(), response);
    wm::v1::UploadScratchpadRequest message;
    message.set_gateway_id(gw());
    message.set_sink_id("sink0");
    message.set_seq(seq);
    size_t offset = 0;
    do {
      message.set_data(image.substr(offset, piece));
      offset += piece;
      if (!writer->Write(message)) break;
      message.Clear();
    } while (offset < image.size());
    writer->WritesDone();
    return writer->Finish();
  }

  // Where the simulator writes each sink's stored scratchpad.
  std::string ScratchpadFileTemplate() {
    absl::StatusOr<std::string> dir = MakeTempDir("scratchpads");
    EXPECT_TRUE(dir.ok()) << dir.status();
    scratchpad_dir_ = dir.value_or(TestTmpDir());
    return scratchpad_dir_ + "/{gw_id}-{sink_id}.bin";
  }
  std::string ScratchpadFile(const std::string& sink_id) {
    return absl::StrCat(scratchpad_dir_, "/", gw(), "-", sink_id, ".bin");
  }

  std::string scratchpad_dir_;
};

// ---- gateway requests ----

TEST_F(CommandMethodsTest, GetConfigsReturnsEverySinkAsTheSimulatorRunsIt) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const wm::v1::GetConfigsResponse response = GetConfigs();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.result().name(), "OK");
  ASSERT_EQ(response.configs_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const gateway_sim::SimSink& sink = sim().sink(0, i);
    const wm::v1::SinkConfig& config = response.configs(i);
    EXPECT_EQ(config.sink_id(), sink.id);
    EXPECT_EQ(config.node_address(), sink.node_address);
    EXPECT_EQ(config.network_address(), kNetworkAddress);
    EXPECT_EQ(config.network_channel(), sink.network_channel);
    EXPECT_EQ(config.node_role().base(), wm::v1::BASE_ROLE_SINK);
    EXPECT_TRUE(config.started());
    EXPECT_EQ(config.app_config().seq(), 1u);
    EXPECT_EQ(config.app_config_max_size(), 80u);
  }
  // One get_configs went to the gateway, at QoS 2, with the req_id the client got back.
  absl::StatusOr<CommandStack::SeenRequest> seen =
      stack_->WaitForRequest(response.result().request_id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->topic, "gw-request/get_configs/" + gw());
  EXPECT_EQ(seen->qos, 2);
  EXPECT_TRUE(seen->message.wirepas().has_get_configs_req());
}

TEST_F(CommandMethodsTest, SetConfigStopsTheStackAndStartsItAgain) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  wm::v1::SetConfigRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink1");
  request.mutable_config()->set_started(false);
  wm::v1::SetConfigResponse response;
  grpc::Status status = commands().SetConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.config().sink_id(), "sink1");
  EXPECT_FALSE(response.config().started());
  // Only the stack state was sent.
  absl::StatusOr<CommandStack::SeenRequest> seen =
      stack_->WaitForRequest(response.result().request_id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->topic, absl::StrCat("gw-request/set_config/", gw(), "/sink1"));
  const gwapi::SinkNewConfig& sent = seen->message.wirepas().set_config_req().config();
  EXPECT_EQ(sent.sink_state(), gwapi::OFF);
  EXPECT_FALSE(sent.has_node_address());
  EXPECT_FALSE(sent.has_app_config());
  EXPECT_FALSE(sent.has_network_channel());

  // The stopped sink refuses downlinks; the other one still takes them.
  EXPECT_FALSE(SinkConfig("sink1").started());
  EXPECT_TRUE(SinkConfig("sink0").started());
  EXPECT_EQ(SendData(SendDataTo("sink1", kBroadcast)).result().code(),
            wm::v1::GATEWAY_RESULT_INVALID_SINK_STATE);
  EXPECT_EQ(SendData(SendDataTo("sink0", kBroadcast)).result().code(), wm::v1::GATEWAY_RESULT_OK);

  // Started again, with a new channel in the same request.
  request.mutable_config()->set_started(true);
  request.mutable_config()->set_network_channel(7);
  status = commands().SetConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_TRUE(response.config().started());
  EXPECT_EQ(response.config().network_channel(), 7u);
  EXPECT_TRUE(SinkConfig("sink1").started());
  EXPECT_EQ(SendData(SendDataTo("sink1", kBroadcast)).result().code(), wm::v1::GATEWAY_RESULT_OK);

  // A change without `started` leaves the stack as it was.
  request.mutable_config()->clear_started();
  request.mutable_config()->set_network_channel(9);
  status = commands().SetConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.config().started());
  EXPECT_EQ(response.config().network_channel(), 9u);
}

TEST_F(CommandMethodsTest, AnInvalidParamNamesTheFieldTheSinkRefused) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  wm::v1::SetConfigRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  // 0xFFFFFFFE addresses any sink: no node's address, which only the sink knows to refuse.
  // The channel is fine and is written.
  request.mutable_config()->set_node_address(0xFFFFFFFE);
  request.mutable_config()->set_network_channel(7);
  wm::v1::SetConfigResponse response;
  grpc::Status status = commands().SetConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The reference gateway's code, whatever the field: INVALID_PARAM ...
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_INVALID_PARAM);
  EXPECT_EQ(response.result().raw_code(), 21);
  // ... and wm-command says which field it was.
  EXPECT_EQ(response.result().detail(), "the sink refused config.node_address");
  EXPECT_EQ(response.config().network_channel(), 7u);
  EXPECT_NE(response.config().node_address(), 0xFFFFFFFEu);

  // A channel outside the limits the sink reported is refused by wm-command before anything
  // is sent, naming the field and the limits.
  request.mutable_config()->clear_node_address();
  request.mutable_config()->set_network_channel(41);
  status = commands().SetConfig(CallContext().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "config.network_channel"))
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "1..40")) << status.error_message();
}

TEST_F(CommandMethodsTest, AShortAppConfigReadsBackPaddedToTheSinksSize) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  wm::v1::SetConfigRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink1");
  wm::v1::AppConfig* app = request.mutable_config()->mutable_app_config();
  app->set_seq(2);
  app->set_diag_interval_s(60);
  app->set_data(std::string("\xF6\x7E\x05", 3));
  wm::v1::SetConfigResponse response;
  grpc::Status status = commands().SetConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.result().detail(), "");
  const std::string padded = std::string("\xF6\x7E\x05", 3) + std::string(77, '\0');
  EXPECT_EQ(response.config().app_config_max_size(), 80u);
  EXPECT_EQ(response.config().app_config().data(), padded);
  // Every later read returns the same 80 bytes.
  EXPECT_EQ(SinkConfig("sink1").app_config().data(), padded);
  EXPECT_EQ(SinkConfig("sink1").app_config().seq(), 2u);
}

TEST_F(CommandMethodsTest, SetAppConfigExplicitThenAutomaticSequenceWrapping254To1) {
  ASSERT_NO_FATAL_FAILURE(StartSim());  // every sink starts with app config sequence 1
  wm::v1::SetAppConfigRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  request.set_seq(254);
  request.set_diag_interval_s(300);
  const std::string data("\xF6\x7E\x01\x02\x03", 5);
  request.set_data(data);
  wm::v1::SetAppConfigResponse response;
  grpc::Status status = commands().SetAppConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.seq(), 254u);
  EXPECT_EQ(response.config().app_config().seq(), 254u);
  EXPECT_EQ(response.config().app_config().diag_interval_s(), 300u);
  // Read back as a sink reads it: the data followed by zeros up to its 80-byte app config.
  EXPECT_EQ(response.config().app_config().data(), data + std::string(80 - data.size(), '\0'));
  // An explicit sequence is one round trip.
  EXPECT_EQ(RequestsUpTo(response.result().request_id(), Method::kGetConfigs).size(), 0u);

  // Automatic: the sink's current sequence, read fresh, plus one: 254 wraps to 1.
  request.clear_seq();
  request.set_diag_interval_s(60);
  response.Clear();
  status = commands().SetAppConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.seq(), 1u);
  EXPECT_EQ(response.config().app_config().seq(), 1u);
  EXPECT_EQ(response.config().app_config().diag_interval_s(), 60u);
  EXPECT_EQ(RequestsUpTo(response.result().request_id(), Method::kGetConfigs).size(), 1u);
  std::vector<wirepas::GenericMessage> set_configs =
      RequestsUpTo(response.result().request_id(), Method::kSetConfig);
  ASSERT_EQ(set_configs.size(), 2u);
  EXPECT_EQ(set_configs[1].wirepas().set_config_req().config().app_config().seq(), 1u);

  // And on: 1 -> 2, with the longest diagnostic interval a sink takes (30 minutes).
  request.set_diag_interval_s(1800);
  response.Clear();
  status = commands().SetAppConfig(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.seq(), 2u);
  EXPECT_EQ(SinkConfig("sink0").app_config().seq(), 2u);
  EXPECT_EQ(SinkConfig("sink0").app_config().diag_interval_s(), 1800u);
  // The other sink was not touched.
  EXPECT_EQ(SinkConfig("sink1").app_config().seq(), 1u);
}

TEST_F(CommandMethodsTest, GetGatewayInfoReportsWhatTheGatewayAdvertises) {
  SimulatorSpec spec;
  spec.extra_args = {"--features=SCRATCHPAD_CHUNK_V1,CONFIGURATION_DATA_V1",
                     "--max_scratchpad_size=2048"};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  wm::v1::GetGatewayInfoRequest request;
  request.set_gateway_id(gw());
  wm::v1::GetGatewayInfoResponse response;
  const grpc::Status status = commands().GetGatewayInfo(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  const wm::v1::GatewayInfo& info = response.info();
  EXPECT_EQ(info.model(), "wm-gateway-sim");
  EXPECT_EQ(info.version(), "1.6.0");
  EXPECT_EQ(info.implemented_api_version(), 2u);
  EXPECT_EQ(info.max_scratchpad_size(), 2048u);
  ASSERT_EQ(info.features_size(), 2);
  EXPECT_EQ(info.features(0), wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1);
  EXPECT_EQ(info.features(1), wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  EXPECT_NEAR(static_cast<double>(info.current_time_s_epoch()), static_cast<double>(now), 60);
  absl::StatusOr<CommandStack::SeenRequest> seen =
      stack_->WaitForRequest(response.result().request_id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->topic, "gw-request/get_gw_info/" + gw());
}

TEST_F(CommandMethodsTest, SendDataGoesOutAtQos2WithEveryField) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const uint32_t node = sim().sink(0, 0).nodes[0].address;
  wm::v1::SendDataRequest request = SendDataTo("sink0", node);
  request.set_source_endpoint(1);
  request.set_destination_endpoint(255);
  request.set_qos(1);
  request.set_payload(RandomBytes(1500, 3));
  request.set_initial_delay_ms(250);
  request.set_unack_csma_ca(true);
  request.set_hop_limit(15);
  const wm::v1::SendDataResponse response = SendData(request);
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);

  absl::StatusOr<CommandStack::SeenRequest> seen =
      stack_->WaitForRequest(response.result().request_id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->topic, absl::StrCat("gw-request/send_data/", gw(), "/sink0"));
  EXPECT_EQ(seen->qos, 2);
  const gwapi::SendPacketReq& packet = seen->message.wirepas().send_packet_req();
  EXPECT_EQ(packet.header().sink_id(), "sink0");
  EXPECT_EQ(packet.destination_address(), node);
  EXPECT_EQ(packet.source_endpoint(), 1u);
  EXPECT_EQ(packet.destination_endpoint(), 255u);
  EXPECT_EQ(packet.qos(), 1u);
  EXPECT_EQ(packet.payload(), request.payload());
  EXPECT_EQ(packet.initial_delay_ms(), 250u);
  EXPECT_TRUE(packet.is_unack_csma_ca());
  EXPECT_EQ(packet.hop_limit(), 15u);
}

// ---- scratchpads ----

TEST_F(CommandMethodsTest, LargeImageGoesUpInChunksAndTheSinkHoldsIdenticalBytes) {
  SimulatorSpec spec;
  spec.extra_args = {"--max_scratchpad_size=1024", "--scratchpad_file=" + ScratchpadFileTemplate()};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  const std::string image = RandomImage(20000, 11);
  wm::v1::UploadScratchpadResponse response;
  // Streamed in pieces that do not line up with the chunks.
  const grpc::Status status = Upload(image, 21, 777, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.size(), 20000u);
  EXPECT_EQ(response.chunk_size(), 1024u);
  EXPECT_EQ(response.requests_sent(), 20u);  // 19 x 1024 + 544

  // The chunks went in order, each at most 1024 bytes, and together they are the image.
  std::vector<wirepas::GenericMessage> chunks =
      RequestsUpTo(response.result().request_id(), Method::kOtapLoadScratchpad);
  ASSERT_EQ(chunks.size(), 20u);
  std::string sent;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const gwapi::UploadScratchpadReq& chunk = chunks[i].wirepas().upload_scratchpad_req();
    EXPECT_EQ(chunk.header().sink_id(), "sink0");
    EXPECT_EQ(chunk.seq(), 21u);
    EXPECT_EQ(chunk.chunk_info().scratchpad_total_size(), 20000u);
    EXPECT_EQ(chunk.chunk_info().start_offset(), i * 1024);
    EXPECT_LE(chunk.scratchpad().size(), 1024u);
    sent += chunk.scratchpad();
  }
  EXPECT_TRUE(sent == image);

  // The simulated sink reassembled exactly the image.
  absl::StatusOr<std::string> stored = ReadFile(ScratchpadFile("sink0"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->size(), image.size());
  EXPECT_TRUE(*stored == AsStored(image, 21)) << "the stored scratchpad differs from the image";

  const wm::v1::GetScratchpadStatusResponse after_upload = ScratchpadStatus("sink0");
  EXPECT_EQ(after_upload.stored_scratchpad().len(), 20000u);
  EXPECT_EQ(after_upload.stored_scratchpad().seq(), 21u);
  EXPECT_EQ(after_upload.stored_scratchpad().crc(), HeaderCrc(image));
  EXPECT_EQ(after_upload.stored_type(), wm::v1::SCRATCHPAD_TYPE_PRESENT);
  EXPECT_EQ(after_upload.stored_status(), wm::v1::SCRATCHPAD_STATUS_NEW);
  // The other sink still has the network's scratchpad.
  EXPECT_NE(ScratchpadStatus("sink1").stored_scratchpad().len(), 20000u);

  // Processing makes the stored scratchpad the processed one.
  EXPECT_EQ(ProcessScratchpad("sink0").result().code(), wm::v1::GATEWAY_RESULT_OK);
  const wm::v1::GetScratchpadStatusResponse after_process = ScratchpadStatus("sink0");
  EXPECT_EQ(after_process.processed_scratchpad().len(), 20000u);
  EXPECT_EQ(after_process.processed_scratchpad().seq(), 21u);
  EXPECT_EQ(after_process.processed_scratchpad().crc(), HeaderCrc(image));
  EXPECT_EQ(after_process.stored_status(), wm::v1::SCRATCHPAD_STATUS_SUCCESS);
}

TEST_F(CommandMethodsTest, ImageGoesWholeWithoutAChunkSizeAndAnEmptyUploadClears) {
  SimulatorSpec spec;
  spec.extra_args = {"--max_scratchpad_size=0", "--features=CONFIGURATION_DATA_V1",
                     "--scratchpad_file=" + ScratchpadFileTemplate()};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  const std::string image = RandomImage(5000, 5);
  wm::v1::UploadScratchpadResponse response;
  grpc::Status status = Upload(image, 3, 1000, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.size(), 5000u);
  EXPECT_EQ(response.chunk_size(), 0u);
  EXPECT_EQ(response.requests_sent(), 1u);
  std::vector<wirepas::GenericMessage> sent =
      RequestsUpTo(response.result().request_id(), Method::kOtapLoadScratchpad);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0].wirepas().upload_scratchpad_req().has_chunk_info());
  absl::StatusOr<std::string> stored = ReadFile(ScratchpadFile("sink0"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(*stored == AsStored(image, 3)) << "the stored scratchpad differs from the image";
  EXPECT_EQ(ScratchpadStatus("sink0").stored_scratchpad().len(), 5000u);

  // An empty upload clears the stored scratchpad: nothing left to process.
  response.Clear();
  status = Upload("", 0, 1, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(response.size(), 0u);
  sent = RequestsUpTo(response.result().request_id(), Method::kOtapLoadScratchpad);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_FALSE(sent[1].wirepas().upload_scratchpad_req().has_scratchpad());
  stored = ReadFile(ScratchpadFile("sink0"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->size(), 0u);
  const wm::v1::GetScratchpadStatusResponse cleared = ScratchpadStatus("sink0");
  EXPECT_EQ(cleared.stored_type(), wm::v1::SCRATCHPAD_TYPE_BLANK);
  EXPECT_EQ(cleared.stored_scratchpad().len(), 0u);
  EXPECT_EQ(ProcessScratchpad("sink0").result().code(),
            wm::v1::GATEWAY_RESULT_NO_SCRATCHPAD_PRESENT);
}

TEST_F(CommandMethodsTest, SetScratchpadTargetAndActionIsWhatTheSinkThenReports) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const wm::v1::GetScratchpadStatusResponse before = ScratchpadStatus("sink0");
  ASSERT_EQ(before.target_and_action().action(), wm::v1::SCRATCHPAD_ACTION_NO_OTAP);

  wm::v1::SetScratchpadTargetAndActionRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  wm::v1::TargetScratchpadAndAction* target = request.mutable_target_and_action();
  target->set_action(wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  target->set_target_sequence(12);
  target->set_delay(wm::v1::PROCESSING_DELAY_SIX_HOURS);
  wm::v1::SetScratchpadTargetAndActionResponse response;
  grpc::Status status =
      commands().SetScratchpadTargetAndAction(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);

  const wm::v1::TargetScratchpadAndAction reported = ScratchpadStatus("sink0").target_and_action();
  EXPECT_EQ(reported.action(), wm::v1::SCRATCHPAD_ACTION_PROPAGATE_AND_PROCESS_WITH_DELAY);
  EXPECT_EQ(reported.target_sequence(), 12u);
  // No CRC given: the stored scratchpad's.
  EXPECT_EQ(reported.target_crc(), before.stored_scratchpad().crc());
  EXPECT_EQ(reported.delay(), wm::v1::PROCESSING_DELAY_SIX_HOURS);
  // The configuration says the same.
  EXPECT_EQ(SinkConfig("sink0").target_and_action().target_sequence(), 12u);

  // Back to no OTAP: the gateway forces sequence and CRC to 0.
  request.mutable_target_and_action()->Clear();
  request.mutable_target_and_action()->set_action(wm::v1::SCRATCHPAD_ACTION_NO_OTAP);
  status = commands().SetScratchpadTargetAndAction(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  const wm::v1::TargetScratchpadAndAction none = ScratchpadStatus("sink0").target_and_action();
  EXPECT_EQ(none.action(), wm::v1::SCRATCHPAD_ACTION_NO_OTAP);
  EXPECT_EQ(none.target_sequence(), 0u);
  EXPECT_EQ(none.target_crc(), 0u);
}

// ---- configuration data items and gateway status ----

TEST_F(CommandMethodsTest, ConfigurationDataItemsAreSetReadAndCleared) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  wm::v1::SetConfigurationDataItemRequest set;
  set.set_gateway_id(gw());
  set.set_sink_id("sink0");
  set.set_endpoint(0x1234);
  set.set_payload(std::string(80, 'c'));  // the largest item
  wm::v1::SetConfigurationDataItemResponse set_response;
  grpc::Status status =
      commands().SetConfigurationDataItem(CallContext().get(), set, &set_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(set_response.result().code(), wm::v1::GATEWAY_RESULT_OK);

  wm::v1::GetConfigurationDataItemRequest get;
  get.set_gateway_id(gw());
  get.set_sink_id("sink0");
  get.set_endpoint(0x1234);
  wm::v1::GetConfigurationDataItemResponse got;
  status = commands().GetConfigurationDataItem(CallContext().get(), get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(got.item().endpoint(), 0x1234u);
  EXPECT_EQ(got.item().payload(), std::string(80, 'c'));
  // The sink's configuration lists it.
  const wm::v1::SinkConfig config = SinkConfig("sink0");
  ASSERT_EQ(config.configuration_data_content_size(), 1);
  EXPECT_EQ(config.configuration_data_content(0).endpoint(), 0x1234u);

  // An empty payload clears it.
  set.clear_payload();
  status = commands().SetConfigurationDataItem(CallContext().get(), set, &set_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(set_response.result().code(), wm::v1::GATEWAY_RESULT_OK);
  got.Clear();
  status = commands().GetConfigurationDataItem(CallContext().get(), get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.result().code(), wm::v1::GATEWAY_RESULT_INVALID_PARAM);
  EXPECT_FALSE(got.has_item());
  EXPECT_EQ(SinkConfig("sink0").configuration_data_content_size(), 0);
}

TEST_F(CommandMethodsTest, ConfigurationDataItemsNeedAGatewayAdvertisingThem) {
  SimulatorSpec spec;
  spec.extra_args = {"--features=SCRATCHPAD_CHUNK_V1"};
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  wm::v1::SetConfigurationDataItemRequest set;
  set.set_gateway_id(gw());
  set.set_sink_id("sink0");
  set.set_endpoint(7);
  set.set_payload("item");
  wm::v1::SetConfigurationDataItemResponse response;
  const grpc::Status status =
      commands().SetConfigurationDataItem(CallContext().get(), set, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  // Nothing went out: a request sent afterwards is the first the gateway gets.
  const uint64_t next = GetConfigs().result().request_id();
  EXPECT_EQ(RequestsUpTo(next, Method::kSetConfigurationDataItem).size(), 0u);
}

TEST_F(CommandMethodsTest, ClearGatewayStatusMakesTheBrokerForgetAGatewayThatIsGone) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  wm::v1::ClearGatewayStatusRequest request;
  request.set_gateway_id(gw());
  wm::v1::ClearGatewayStatusResponse response;
  // Refused while the gateway is online.
  grpc::Status status = commands().ClearGatewayStatus(CallContext().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_TRUE(stack_->observer().LatestStateIs(gw(), gwapi::ON));

  // The gateway shuts down: it says OFFLINE itself, and the retained status stays behind.
  ASSERT_TRUE(sim().process().Signal(SIGTERM).ok());
  ASSERT_EQ(sim().process().Wait(absl::Seconds(20)).value_or(-1), 0);
  ASSERT_TRUE(
      gateway_sim::Eventually([&] { return stack_->observer().LatestStateIs(gw(), gwapi::OFF); }));
  ASSERT_TRUE(stack_->SyncWithCommand().ok());

  status = commands().ClearGatewayStatus(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.previous_state(), wm::v1::GATEWAY_STATE_OFFLINE);
  ASSERT_TRUE(gateway_sim::Eventually([&] {
    auto statuses = stack_->observer().Statuses(gw());
    return !statuses.empty() && !statuses.back().has_value();
  })) << "no empty status was published";

  // A backend connecting now hears nothing of the gateway: a marker published after its
  // subscription arrives after any retained status would have.
  gateway_sim::BrokerObserver late(stack_->broker().port());
  ASSERT_TRUE(late.subscribed());
  ASSERT_TRUE(late.client()
                  .PublishAndWait("gw-event/wm-test-marker", "x", 1, false, absl::Seconds(10))
                  .ok());
  ASSERT_TRUE(gateway_sim::Eventually([&] {
    for (const mqtt::MqttMessage& m : late.Messages()) {
      if (m.topic() == "gw-event/wm-test-marker") return true;
    }
    return false;
  }));
  EXPECT_TRUE(late.Statuses(gw()).empty());

  // Commands to a removed gateway fail at once.
  wm::v1::GetConfigsRequest get;
  get.set_gateway_id(gw());
  wm::v1::GetConfigsResponse configs;
  status = commands().GetConfigs(CallContext().get(), get, &configs);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
}

// ---- node commands (MSAP, 255 -> 240 and back) ----

TEST_F(CommandMethodsTest, PingStreamsEveryNodesReplyWithItsHopCount) {
  SimulatorSpec spec;
  spec.nodes_per_sink = 5;
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  const gateway_sim::SimSink& sink = sim().sink(0, 0);
  std::map<uint32_t, uint32_t> expected_hops;
  for (const gateway_sim::SimNode& node : sink.nodes) expected_hops[node.address] = node.hop_count;

  wm::v1::PingRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  request.set_quiet_period_ms(QuietPeriodMsFor(sink));
  auto context = CallContext();
  std::unique_ptr<grpc::ClientReader<wm::v1::PingResponse>> reader =
      commands().Ping(context.get(), request);
  std::vector<wm::v1::PingResponse> messages;
  const grpc::Status status = ReadAll(*reader, &messages);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_FALSE(messages.empty());
  ASSERT_TRUE(messages[0].has_sent());
  EXPECT_EQ(messages[0].sent().destination_address(), kBroadcast);
  EXPECT_EQ(messages[0].sent().result().code(), wm::v1::GATEWAY_RESULT_OK);
  std::map<uint32_t, uint32_t> hops;
  for (size_t i = 1; i < messages.size(); ++i) {
    ASSERT_TRUE(messages[i].has_reply());
    const wm::v1::PingReply& reply = messages[i].reply();
    EXPECT_TRUE(hops.emplace(reply.source_address(), reply.hop_count()).second)
        << "two replies from " << reply.source_address();
    EXPECT_EQ(reply.gateway_id(), gw());
    EXPECT_EQ(reply.sink_id(), "sink0");
    EXPECT_EQ(reply.network_address(), kNetworkAddress);
    // The round trip holds the reply's way through the mesh.
    EXPECT_GE(reply.round_trip_ms(), reply.travel_time_ms());
    EXPECT_LT(reply.round_trip_ms(), 10000u);
  }
  EXPECT_EQ(hops, expected_hops);
  std::set<uint32_t> distinct_hops;
  for (const auto& [address, hop_count] : hops) distinct_hops.insert(hop_count);
  EXPECT_GT(distinct_hops.size(), 1u) << "the network should have nodes at several depths";

  // The ping went out as one broadcast from endpoint 255 to 240.
  std::vector<wirepas::GenericMessage> sent =
      RequestsUpTo(messages[0].sent().result().request_id(), Method::kSendData);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].wirepas().send_packet_req().source_endpoint(), 255u);
  EXPECT_EQ(sent[0].wirepas().send_packet_req().destination_endpoint(), 240u);
  EXPECT_EQ(sent[0].wirepas().send_packet_req().destination_address(), kBroadcast);
}

TEST_F(CommandMethodsTest, PingOfOneNodeHearsThatNodeOnly) {
  SimulatorSpec spec;
  spec.nodes_per_sink = 5;
  ASSERT_NO_FATAL_FAILURE(StartSim(spec));
  const gateway_sim::SimSink& sink = sim().sink(0, 1);
  const gateway_sim::SimNode& deepest =
      *std::max_element(sink.nodes.begin(), sink.nodes.end(),
                        [](const auto& a, const auto& b) { return a.hop_count < b.hop_count; });
  wm::v1::PingRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink1");
  request.set_destination_address(deepest.address);
  request.set_quiet_period_ms(QuietPeriodMsFor(sink));
  auto context = CallContext();
  std::unique_ptr<grpc::ClientReader<wm::v1::PingResponse>> reader =
      commands().Ping(context.get(), request);
  std::vector<wm::v1::PingResponse> messages;
  const grpc::Status status = ReadAll(*reader, &messages);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].sent().destination_address(), deepest.address);
  EXPECT_EQ(messages[1].reply().source_address(), deepest.address);
  EXPECT_EQ(messages[1].reply().hop_count(), deepest.hop_count);
  EXPECT_EQ(messages[1].reply().sink_id(), "sink1");
}

TEST_F(CommandMethodsTest, GetNodesScratchpadStatusAsksTheSinkThenEveryNode) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const gateway_sim::SimSink& sink = sim().sink(0, 1);
  const wm::v1::GetScratchpadStatusResponse sink_status = ScratchpadStatus("sink1");

  wm::v1::GetNodesScratchpadStatusRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink1");
  request.set_quiet_period_ms(QuietPeriodMsFor(sink));
  auto context = CallContext();
  std::unique_ptr<grpc::ClientReader<wm::v1::GetNodesScratchpadStatusResponse>> reader =
      commands().GetNodesScratchpadStatus(context.get(), request);
  std::vector<wm::v1::GetNodesScratchpadStatusResponse> messages;
  const grpc::Status status = ReadAll(*reader, &messages);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(messages[0].sent().destination_address(), sink.node_address);
  EXPECT_EQ(messages[0].sent().result().code(), wm::v1::GATEWAY_RESULT_OK);
  EXPECT_EQ(messages[1].sent().destination_address(), kBroadcast);
  EXPECT_EQ(messages[1].sent().result().code(), wm::v1::GATEWAY_RESULT_OK);
  std::set<uint32_t> sources;
  for (size_t i = 2; i < messages.size(); ++i) {
    ASSERT_TRUE(messages[i].has_node());
    const wm::v1::NodeScratchpadStatus& node = messages[i].node();
    EXPECT_TRUE(sources.insert(node.source_address()).second);
    EXPECT_EQ(node.sink_id(), "sink1");
    EXPECT_EQ(node.network_address(), kNetworkAddress);
    if (node.source_address() == sink.node_address) {
      // The sink describes the scratchpad otap_status reports.
      EXPECT_EQ(node.hop_count(), 0u);
      EXPECT_EQ(node.status().stored_len(), sink_status.stored_scratchpad().len());
      EXPECT_EQ(node.status().stored_crc(), sink_status.stored_scratchpad().crc());
      EXPECT_EQ(node.status().stored_seq(), sink_status.stored_scratchpad().seq());
    } else {
      EXPECT_GE(node.hop_count(), 1u);
      EXPECT_GT(node.status().stored_len(), 0u);
    }
  }
  std::set<uint32_t> expected = NodeAddresses(sink);
  expected.insert(sink.node_address);
  EXPECT_EQ(sources, expected);
}

TEST_F(CommandMethodsTest, UpdateNodesScratchpadIsAcknowledgedByEveryNode) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const gateway_sim::SimSink& sink = sim().sink(0, 0);
  wm::v1::UpdateNodesScratchpadRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  request.set_seq(9);
  request.set_countdown_s(60);
  request.set_ack_quiet_period_ms(QuietPeriodMsFor(sink));
  wm::v1::NodeCommandResponse response;
  const grpc::Status status =
      commands().UpdateNodesScratchpad(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 1);
  EXPECT_EQ(response.sent(0).destination_address(), kBroadcast);
  EXPECT_EQ(response.sent(0).result().code(), wm::v1::GATEWAY_RESULT_OK);
  std::set<uint32_t> acked;
  for (const wm::v1::NodeAck& ack : response.acks()) {
    EXPECT_TRUE(ack.ok()) << ack.source_address() << " " << ack.error();
    EXPECT_EQ(ack.gateway_id(), gw());
    acked.insert(ack.source_address());
  }
  EXPECT_EQ(acked, NodeAddresses(sink));
  // One downlink, 255 -> 240, broadcast.
  std::vector<wirepas::GenericMessage> sent =
      RequestsUpTo(response.sent(0).result().request_id(), Method::kSendData);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].wirepas().send_packet_req().destination_endpoint(), 240u);
}

TEST_F(CommandMethodsTest, CancelNodesUpdateOfOneNode) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const gateway_sim::SimSink& sink = sim().sink(0, 0);
  const uint32_t node = sink.nodes.back().address;
  wm::v1::CancelNodesUpdateRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  request.set_destination_address(node);
  request.set_ack_quiet_period_ms(QuietPeriodMsFor(sink));
  wm::v1::NodeCommandResponse response;
  grpc::Status status = commands().CancelNodesUpdate(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 1);
  EXPECT_EQ(response.sent(0).destination_address(), node);
  EXPECT_EQ(response.sent(0).result().code(), wm::v1::GATEWAY_RESULT_OK);
  ASSERT_EQ(response.acks_size(), 1);
  EXPECT_EQ(response.acks(0).source_address(), node);
  EXPECT_TRUE(response.acks(0).ok());

  // Without a quiet period the call returns once the gateway took the downlink.
  request.clear_ack_quiet_period_ms();
  response.Clear();
  status = commands().CancelNodesUpdate(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.sent_size(), 1);
  EXPECT_EQ(response.acks_size(), 0);
}

TEST_F(CommandMethodsTest, SetNeighborDiagnosticsGoesToTheSinkThenBroadcast) {
  ASSERT_NO_FATAL_FAILURE(StartSim());
  const gateway_sim::SimSink& sink = sim().sink(0, 0);
  wm::v1::SetNeighborDiagnosticsRequest request;
  request.set_gateway_id(gw());
  request.set_sink_id("sink0");
  request.set_interval_s(120);
  request.set_ack_quiet_period_ms(QuietPeriodMsFor(sink));
  wm::v1::NodeCommandResponse response;
  const grpc::Status status =
      commands().SetNeighborDiagnostics(CallContext().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.sent_size(), 2);
  EXPECT_EQ(response.sent(0).destination_address(), sink.node_address);
  EXPECT_EQ(response.sent(1).destination_address(), kBroadcast);
  std::set<uint32_t> acked;
  for (const wm::v1::NodeAck& ack : response.acks()) {
    EXPECT_TRUE(ack.ok()) << ack.source_address() << " " << ack.error();
    acked.insert(ack.source_address());
  }
  std::set<uint32_t> expected = NodeAddresses(sink);
  expected.insert(sink.node_address);
  EXPECT_EQ(acked, expected);

  std::vector<wirepas::GenericMessage> sent =
      RequestsUpTo(response.sent(1).result().request_id(), Method::kSendData);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].wirepas().send_packet_req().destination_address(), sink.node_address);
  EXPECT_EQ(sent[1].wirepas().send_packet_req().destination_address(), kBroadcast);
  // Diagnostic control: type 0x60, length 3, interval 120 little-endian, neighbor diagnostics.
  EXPECT_EQ(sent[0].wirepas().send_packet_req().payload(), std::string("\x60\x03\x78\x00\x02", 5));
}

}  // namespace
}  // namespace wm::testing
