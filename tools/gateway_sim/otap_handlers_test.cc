#include "tools/gateway_sim/otap_handlers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/scratchpad_image.h"
#include "tools/gateway_sim/handler_testing.h"
#include "tools/gateway_sim/sim_random.h"

namespace wm::gateway_sim {
namespace {

using testing::Answer;
using testing::ConfigOf;
using ::testing::ElementsAre;
using testing::Header;
using ::testing::IsEmpty;
using testing::TestGatewayState;
using wirepas::Method;
using wirepas::ScratchpadCrc16;

constexpr char kLoadTopic[] = "gw-request/otap_load_scratchpad/sim-gw-1/sink0";

RequestRouter OtapRouter() {
  RequestRouter router;
  router.Register(Method::kOtapStatus, HandleOtapStatus);
  router.Register(Method::kOtapLoadScratchpad, HandleOtapLoadScratchpad);
  router.Register(Method::kOtapProcessScratchpad, HandleOtapProcessScratchpad);
  router.Register(Method::kOtapSetTargetScratchpad, HandleOtapSetTargetScratchpad);
  return router;
}

wirepas::GenericMessage Load(uint32_t seq, const std::string* image,
                             std::optional<std::pair<uint32_t, uint32_t>> chunk = std::nullopt,
                             const std::string& sink_id = "sink0") {
  wirepas::GenericMessage message;
  gwapi::UploadScratchpadReq* req = message.mutable_wirepas()->mutable_upload_scratchpad_req();
  *req->mutable_header() = Header(seq * 1000 + (chunk ? chunk->second : 0), sink_id);
  req->set_seq(seq);
  if (image != nullptr) req->set_scratchpad(*image);
  if (chunk.has_value()) {
    req->mutable_chunk_info()->set_scratchpad_total_size(chunk->first);
    req->mutable_chunk_info()->set_start_offset(chunk->second);
  }
  return message;
}

// Uploads `request` and returns the answer's result code (and the answer in `out`).
gwapi::ErrorCode LoadRes(GatewayState& state, const wirepas::GenericMessage& request,
                         Response* out = nullptr) {
  absl::StatusOr<Response> response = Answer(OtapRouter(), kLoadTopic, request, state);
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok()) return gwapi::UNKNOWN_ERROR_CODE;
  if (out != nullptr) *out = *response;
  return response->message.wirepas().upload_scratchpad_resp().header().res();
}

gwapi::GetScratchpadStatusResp Status(GatewayState& state, const std::string& sink_id = "sink0") {
  wirepas::GenericMessage request;
  *request.mutable_wirepas()->mutable_get_scratchpad_status_req()->mutable_header() =
      Header(71, sink_id);
  absl::StatusOr<Response> response =
      Answer(OtapRouter(), "gw-request/otap_status/sim-gw-1/" + sink_id, request, state);
  EXPECT_TRUE(response.ok()) << response.status();
  return response->message.wirepas().get_scratchpad_status_resp();
}

// A valid scratchpad image of `size` bytes (tag, header, random content).
std::string Image(size_t size, uint64_t seed = 3) {
  return wirepas::BuildScratchpadImage(
      SimRandom(seed).Bytes(size - wirepas::kScratchpadHeaderSize));
}

// `size` random bytes: no scratchpad header.
std::string Junk(size_t size, uint64_t seed = 3) { return SimRandom(seed).Bytes(size); }

// The CRC the header of `image` holds, which the sink reports.
uint16_t HeaderCrc(const std::string& image) {
  absl::StatusOr<wirepas::ScratchpadHeader> header = wirepas::ParseScratchpadHeader(image);
  EXPECT_TRUE(header.ok()) << header.status();
  return header.ok() ? header->crc : 0;
}

// `image` as the sink keeps it after an upload with `seq`: the sequence in its header.
std::string Stored(std::string image, uint8_t seq) {
  wirepas::SetScratchpadSequence(seq, image);
  return image;
}

GatewayIdentity ChunkGateway(uint32_t max_scratchpad_size) {
  GatewayIdentity identity;
  identity.max_scratchpad_size = max_scratchpad_size;
  return identity;
}

gwapi::ErrorCode ProcessRes(GatewayState& state, const std::string& sink_id = "sink0",
                            Response* out = nullptr) {
  wirepas::GenericMessage request;
  *request.mutable_wirepas()->mutable_process_scratchpad_req()->mutable_header() =
      Header(81, sink_id);
  absl::StatusOr<Response> response = Answer(
      OtapRouter(), "gw-request/otap_process_scratchpad/sim-gw-1/" + sink_id, request, state);
  EXPECT_TRUE(response.ok()) << response.status();
  if (out != nullptr) *out = *response;
  return response->message.wirepas().process_scratchpad_resp().header().res();
}

TEST(OtapStatusTest, ReportsTheSinksScratchpadsAndTarget) {
  GatewayState state = TestGatewayState();
  const gwapi::GetScratchpadStatusResp status = Status(state);
  EXPECT_EQ(status.header().req_id(), 71u);
  EXPECT_EQ(status.header().sink_id(), "sink0");
  EXPECT_EQ(status.header().res(), gwapi::OK);
  const gwapi::SinkReadConfig& config = ConfigOf(state, "sink0");
  EXPECT_EQ(status.stored_scratchpad().SerializeAsString(),
            config.stored_scratchpad().SerializeAsString());
  EXPECT_EQ(status.stored_scratchpad().seq(), 12u);
  EXPECT_EQ(status.stored_status(), gwapi::SUCCESS);
  EXPECT_EQ(status.stored_type(), gwapi::PRESENT);
  EXPECT_EQ(status.processed_scratchpad().len(), config.processed_scratchpad().len());
  EXPECT_EQ(status.firmware_area_id(), config.firmware_area_id());
  EXPECT_EQ(status.target_and_action().action(), gwapi::NO_OTAP);
}

TEST(OtapStatusTest, UnknownSinkGetsInvalidSinkIdAndNoBody) {
  GatewayState state = TestGatewayState();
  const gwapi::GetScratchpadStatusResp status = Status(state, "sink3");
  EXPECT_EQ(status.header().res(), gwapi::INVALID_SINK_ID);
  EXPECT_FALSE(status.has_stored_scratchpad());
  EXPECT_FALSE(status.has_processed_scratchpad());
  EXPECT_FALSE(status.has_target_and_action());
}

TEST(OtapLoadTest, AWholeImageIsStoredWithItsLengthAndTheCrcAndSequenceOfItsHeader) {
  GatewayState state = TestGatewayState(ChunkGateway(0));
  const std::string image = Image(5000);
  Response response;
  EXPECT_EQ(LoadRes(state, Load(77, &image), &response), gwapi::OK);
  EXPECT_EQ(response.topic, "gw-response/otap_load_scratchpad/sim-gw-1/sink0");
  EXPECT_EQ(response.message.wirepas().upload_scratchpad_resp().header().req_id(), 77000u);
  EXPECT_THAT(response.changed_sinks, ElementsAre("sink0"));
  const gwapi::GetScratchpadStatusResp status = Status(state);
  EXPECT_EQ(status.stored_scratchpad().len(), 5000u);
  EXPECT_EQ(status.stored_scratchpad().crc(), HeaderCrc(image));
  EXPECT_EQ(status.stored_scratchpad().crc(), ScratchpadCrc16(image.substr(32)));
  EXPECT_EQ(status.stored_scratchpad().seq(), 77u);
  EXPECT_EQ(status.stored_type(), gwapi::PRESENT);
  EXPECT_EQ(status.stored_status(), gwapi::NEW);
  EXPECT_EQ(status.processed_scratchpad().seq(), 12u);  // not processed yet
  // The sink keeps the upload's sequence in the header, where the tool wrote 255.
  EXPECT_EQ(state.FindSink("sink0")->scratchpad, Stored(image, 77));
  EXPECT_EQ(ConfigOf(state, "sink1").stored_scratchpad().seq(), 12u);
}

TEST(OtapLoadTest, WithoutScratchpadTheStoredOneIsCleared) {
  GatewayState state = TestGatewayState();
  Response response;
  EXPECT_EQ(LoadRes(state, Load(5, nullptr), &response), gwapi::OK);
  EXPECT_THAT(response.changed_sinks, ElementsAre("sink0"));
  const gwapi::GetScratchpadStatusResp status = Status(state);
  EXPECT_EQ(status.stored_scratchpad().len(), 0u);
  EXPECT_EQ(status.stored_scratchpad().crc(), 0u);
  EXPECT_EQ(status.stored_scratchpad().seq(), 0u);
  EXPECT_EQ(status.stored_type(), gwapi::BLANK);
  // Clearing again changes nothing.
  EXPECT_EQ(LoadRes(state, Load(5, nullptr), &response), gwapi::OK);
  EXPECT_THAT(response.changed_sinks, IsEmpty());
}

TEST(OtapLoadTest, AnImageWithoutAValidHeaderIsAnInvalidScratchpadAndLeavesTheSinkBlank) {
  GatewayState state = TestGatewayState(ChunkGateway(0));
  const std::string junk = Junk(5000);
  Response response;
  EXPECT_EQ(LoadRes(state, Load(7, &junk), &response), gwapi::INVALID_SCRATCHPAD);
  // The sink erased its scratchpad before it saw the header.
  EXPECT_THAT(response.changed_sinks, ElementsAre("sink0"));
  EXPECT_EQ(Status(state).stored_type(), gwapi::BLANK);
  EXPECT_EQ(Status(state).stored_scratchpad().len(), 0u);

  // A header whose length does not match the image.
  std::string cut = Image(5000).substr(0, 4996);
  EXPECT_EQ(LoadRes(state, Load(7, &cut)), gwapi::INVALID_SCRATCHPAD);

  // Content that does not have the header's CRC: the data are refused.
  std::string corrupt = Image(5000);
  corrupt[4000] = static_cast<char>(corrupt[4000] ^ 0x01);
  EXPECT_EQ(LoadRes(state, Load(7, &corrupt)), gwapi::INVALID_DATA_PAYLOAD);
  EXPECT_EQ(Status(state).stored_type(), gwapi::BLANK);
  EXPECT_EQ(ProcessRes(state), gwapi::NO_SCRATCHPAD_PRESENT);

  const std::string valid = Image(5000);
  EXPECT_EQ(LoadRes(state, Load(7, &valid)), gwapi::OK);
  EXPECT_EQ(Status(state).stored_scratchpad().crc(), HeaderCrc(valid));
}

TEST(OtapLoadTest, SizeAndSequenceErrors) {
  GatewayState state = TestGatewayState(ChunkGateway(1024));
  const std::string too_big_for_one_request = Image(1028);
  EXPECT_EQ(LoadRes(state, Load(7, &too_big_for_one_request)), gwapi::INVALID_SCRATCHPAD_SIZE);
  const std::string fine = Image(100);
  EXPECT_EQ(LoadRes(state, Load(256, &fine)), gwapi::INVALID_PARAM);
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().seq(), 12u);
  EXPECT_EQ(LoadRes(state, Load(255, &fine)), gwapi::OK);

  // Sizes the sink does not take: refused before it erases anything.
  GatewayState unlimited = TestGatewayState(ChunkGateway(0));
  const std::string empty;
  const std::string too_big_for_the_sink = Image(kMaxScratchpadImageSize + 4);
  const std::string too_small = Image(92);
  const std::string not_whole_words = Image(98);
  for (const std::string* image : {&empty, &too_big_for_the_sink, &too_small, &not_whole_words}) {
    EXPECT_EQ(LoadRes(unlimited, Load(7, image)), gwapi::INVALID_PARAM) << image->size();
  }
  EXPECT_EQ(ConfigOf(unlimited, "sink0").stored_scratchpad().seq(), 12u);
  EXPECT_EQ(ConfigOf(unlimited, "sink0").stored_type(), gwapi::PRESENT);
  const std::string smallest = Image(kMinScratchpadImageSize);
  EXPECT_EQ(LoadRes(unlimited, Load(7, &smallest)), gwapi::OK);
}

TEST(OtapLoadTest, ChunksAreReassembledIntoTheSameBytes) {
  GatewayState state = TestGatewayState(ChunkGateway(1024));
  const std::string image = Image(10 * 1024 + 300, 9);
  const uint32_t total = image.size();
  for (uint32_t offset = 0; offset < total; offset += 1024) {
    const std::string chunk = image.substr(offset, 1024);
    Response response;
    EXPECT_EQ(LoadRes(state, Load(42, &chunk, {{total, offset}}), &response), gwapi::OK) << offset;
    const bool last = offset + 1024 >= total;
    // Intermediate chunks change nothing the sink reports; the last one stores the image.
    EXPECT_EQ(response.changed_sinks.empty(), !last) << offset;
    if (!last) {
      EXPECT_EQ(Status(state).stored_scratchpad().seq(), 12u);
    }
  }
  const SinkState& sink = *state.FindSink("sink0");
  EXPECT_EQ(sink.scratchpad, Stored(image, 42));
  EXPECT_FALSE(sink.upload.has_value());
  const gwapi::GetScratchpadStatusResp status = Status(state);
  EXPECT_EQ(status.stored_scratchpad().len(), total);
  EXPECT_EQ(status.stored_scratchpad().crc(), HeaderCrc(image));
  EXPECT_EQ(status.stored_scratchpad().seq(), 42u);
  EXPECT_EQ(status.stored_status(), gwapi::NEW);
}

TEST(OtapLoadTest, ChunksMayComeAtAnyOffsetAndTheImageIsStoredOnceEveryByteCame) {
  GatewayState state = TestGatewayState(ChunkGateway(100));
  const std::string image = Image(252);
  const auto chunk = [&](uint32_t offset, uint32_t size) { return image.substr(offset, size); };
  const std::string c0 = chunk(0, 100), c1 = chunk(100, 100), c2 = chunk(200, 52);
  const std::string overlap = chunk(50, 100);

  // A gap, then an overlapping chunk, then the chunk that fills the gap.
  EXPECT_EQ(LoadRes(state, Load(9, &c0, {{252, 0}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(9, &c2, {{252, 200}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(9, &overlap, {{252, 50}})), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().seq(), 12u);  // bytes 150..199 missing
  Response response;
  EXPECT_EQ(LoadRes(state, Load(9, &c1, {{252, 100}}), &response), gwapi::OK);
  EXPECT_THAT(response.changed_sinks, ElementsAre("sink0"));
  EXPECT_EQ(state.FindSink("sink0")->scratchpad, Stored(image, 9));
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().seq(), 9u);

  // An upload may start at any offset; offset 0, another sequence or another total starts
  // a new one and drops what came before.
  EXPECT_EQ(LoadRes(state, Load(10, &c1, {{252, 100}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(10, &c2, {{252, 200}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(10, &c0, {{252, 0}})), gwapi::OK);    // restarts: only c0 now
  EXPECT_EQ(LoadRes(state, Load(11, &c1, {{252, 100}})), gwapi::OK);  // restarts as seq 11
  EXPECT_EQ(LoadRes(state, Load(10, &c2, {{252, 200}})), gwapi::OK);  // restarts as seq 10
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().seq(), 9u);
  EXPECT_EQ(LoadRes(state, Load(10, &c0, {{252, 0}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(10, &c1, {{252, 100}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(10, &c2, {{252, 200}})), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().seq(), 10u);

  // A chunk starting at or after the total: refused, and the upload in progress stays.
  EXPECT_EQ(LoadRes(state, Load(12, &c0, {{252, 0}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(12, &c1, {{252, 252}})), gwapi::INVALID_SCRATCHPAD_CHUNK_OFFSET);
  EXPECT_EQ(LoadRes(state, Load(12, &c1, {{252, 100}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(12, &c2, {{252, 200}})), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().seq(), 12u);
}

TEST(OtapLoadTest, AChunkedImageIsCheckedAsAWholeOneWhenItIsComplete) {
  GatewayState state = TestGatewayState(ChunkGateway(100));
  const std::string junk = Junk(200);
  const std::string first = junk.substr(0, 100), second = junk.substr(100);
  EXPECT_EQ(LoadRes(state, Load(9, &first, {{200, 0}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(9, &second, {{200, 100}})), gwapi::INVALID_SCRATCHPAD);
  EXPECT_EQ(Status(state).stored_type(), gwapi::BLANK);
  EXPECT_FALSE(state.FindSink("sink0")->upload.has_value());
}

TEST(OtapLoadTest, ChunkSizeErrors) {
  GatewayState state = TestGatewayState(ChunkGateway(100));
  const std::string image = Image(152);
  const std::string big = Junk(101), fine = image.substr(0, 100), last = image.substr(100);
  const std::string empty;
  EXPECT_EQ(LoadRes(state, Load(9, &big, {{300, 0}})), gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE);
  EXPECT_EQ(LoadRes(state, Load(9, &empty, {{300, 0}})), gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE);
  EXPECT_EQ(LoadRes(state, Load(9, nullptr, {{300, 0}})), gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE);
  EXPECT_EQ(LoadRes(state, Load(9, &fine, {{50, 0}})), gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE);
  EXPECT_EQ(LoadRes(state, Load(9, &fine, {{0, 0}})), gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE);
  EXPECT_EQ(LoadRes(state, Load(9, &fine, {{152, 0}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(9, &fine, {{152, 100}})), gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE);
  EXPECT_EQ(LoadRes(state, Load(9, &last, {{152, 100}})), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().len(), 152u);
  EXPECT_EQ(LoadRes(state, Load(9, &fine, {{kMaxScratchpadImageSize + 1, 0}})),
            gwapi::INVALID_SCRATCHPAD_SIZE);
}

TEST(OtapLoadTest, AWholeUploadOrAClearAbandonsAChunkedOne) {
  GatewayState state = TestGatewayState(ChunkGateway(100));
  const std::string chunked = Image(200), whole = Image(96, 5);
  const std::string first = chunked.substr(0, 100), second = chunked.substr(100);
  EXPECT_EQ(LoadRes(state, Load(9, &first, {{200, 0}})), gwapi::OK);
  EXPECT_EQ(LoadRes(state, Load(11, &whole)), gwapi::OK);
  // The second half alone starts a new upload, which is not complete.
  EXPECT_EQ(LoadRes(state, Load(9, &second, {{200, 100}})), gwapi::OK);
  EXPECT_EQ(state.FindSink("sink0")->scratchpad, Stored(whole, 11));
  EXPECT_EQ(LoadRes(state, Load(12, nullptr)), gwapi::OK);
  EXPECT_FALSE(state.FindSink("sink0")->upload.has_value());
}

TEST(OtapLoadTest, AGatewayWithoutChunkSupportTakesAChunkAsAWholeScratchpad) {
  GatewayIdentity identity;
  identity.max_scratchpad_size = 0;
  identity.features = {gwapi::CONFIGURATION_DATA_V1};
  ASSERT_FALSE(AcceptsScratchpadChunks(identity));
  GatewayState state = TestGatewayState(identity);
  const std::string chunk = Image(100);
  EXPECT_EQ(LoadRes(state, Load(9, &chunk, {{300, 100}})), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").stored_scratchpad().len(), 100u);

  identity.features = {gwapi::SCRATCHPAD_CHUNK_V1};
  EXPECT_TRUE(AcceptsScratchpadChunks(identity));
  EXPECT_TRUE(AcceptsScratchpadChunks(ChunkGateway(512)));
}

TEST(OtapLoadTest, UnknownSinkGetsInvalidSinkId) {
  GatewayState state = TestGatewayState();
  const std::string image = Image(100);
  absl::StatusOr<Response> response =
      Answer(OtapRouter(), kLoadTopic, Load(3, &image, std::nullopt, "sink8"), state);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->message.wirepas().upload_scratchpad_resp().header().res(),
            gwapi::INVALID_SINK_ID);
  EXPECT_EQ(response->topic, "gw-response/otap_load_scratchpad/sim-gw-1/sink8");
}

TEST(OtapProcessTest, TheStoredScratchpadBecomesTheProcessedOne) {
  GatewayState state = TestGatewayState(ChunkGateway(0));
  const std::string image = Image(3000);
  ASSERT_EQ(LoadRes(state, Load(20, &image)), gwapi::OK);
  Response response;
  EXPECT_EQ(ProcessRes(state, "sink0", &response), gwapi::OK);
  EXPECT_EQ(response.topic, "gw-response/otap_process_scratchpad/sim-gw-1/sink0");
  EXPECT_THAT(response.changed_sinks, ElementsAre("sink0"));
  const gwapi::GetScratchpadStatusResp status = Status(state);
  EXPECT_EQ(status.processed_scratchpad().seq(), 20u);
  EXPECT_EQ(status.processed_scratchpad().len(), 3000u);
  EXPECT_EQ(status.processed_scratchpad().crc(), HeaderCrc(image));
  EXPECT_EQ(status.stored_status(), gwapi::SUCCESS);
}

TEST(OtapProcessTest, NothingToProcessAndUnknownSink) {
  GatewayState state = TestGatewayState();
  ASSERT_EQ(LoadRes(state, Load(1, nullptr)), gwapi::OK);
  Response response;
  EXPECT_EQ(ProcessRes(state, "sink0", &response), gwapi::NO_SCRATCHPAD_PRESENT);
  EXPECT_THAT(response.changed_sinks, IsEmpty());
  EXPECT_EQ(ProcessRes(state, "sink9"), gwapi::INVALID_SINK_ID);
}

wirepas::GenericMessage SetTarget(const gwapi::TargetScratchpadAndAction& target) {
  wirepas::GenericMessage request;
  gwapi::SetScratchpadTargetAndActionReq* req =
      request.mutable_wirepas()->mutable_set_scratchpad_target_and_action_req();
  *req->mutable_header() = Header(91, "sink0");
  *req->mutable_target_and_action() = target;
  return request;
}

gwapi::ErrorCode SetTargetRes(GatewayState& state, const wirepas::GenericMessage& request,
                              Response* out = nullptr) {
  absl::StatusOr<Response> response =
      Answer(OtapRouter(), "gw-request/otap_set_target_scratchpad/sim-gw-1/sink0", request, state);
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok()) return gwapi::UNKNOWN_ERROR_CODE;
  if (out != nullptr) *out = *response;
  return response->message.wirepas().set_scratchpad_target_and_action_resp().header().res();
}

gwapi::TargetScratchpadAndAction Target(gwapi::ScratchpadAction action) {
  gwapi::TargetScratchpadAndAction target;
  target.set_action(action);
  return target;
}

TEST(OtapSetTargetTest, SequenceAndCrcDefaultToTheStoredScratchpads) {
  GatewayState state = TestGatewayState();
  Response response;
  EXPECT_EQ(SetTargetRes(state, SetTarget(Target(gwapi::PROPAGATE_ONLY)), &response), gwapi::OK);
  EXPECT_EQ(response.topic, "gw-response/otap_set_target_scratchpad/sim-gw-1/sink0");
  EXPECT_THAT(response.changed_sinks, ElementsAre("sink0"));
  const gwapi::TargetScratchpadAndAction& target = ConfigOf(state, "sink0").target_and_action();
  EXPECT_EQ(target.action(), gwapi::PROPAGATE_ONLY);
  EXPECT_EQ(target.target_sequence(), ConfigOf(state, "sink0").stored_scratchpad().seq());
  EXPECT_EQ(target.target_crc(), ConfigOf(state, "sink0").stored_scratchpad().crc());
  EXPECT_EQ(Status(state).target_and_action().action(), gwapi::PROPAGATE_ONLY);
}

TEST(OtapSetTargetTest, GivenValuesAndTheDelay) {
  GatewayState state = TestGatewayState();
  gwapi::TargetScratchpadAndAction target = Target(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  target.set_target_sequence(30);
  target.set_target_crc(0xBEEF);
  target.set_delay(gwapi::ONE_DAY);
  EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").target_and_action().SerializeAsString(),
            target.SerializeAsString());
}

TEST(OtapSetTargetTest, NoOtapAndLegacyForceSequenceCrcAndParameterToZero) {
  for (gwapi::ScratchpadAction action : {gwapi::NO_OTAP, gwapi::LEGACY_OTAP}) {
    GatewayState state = TestGatewayState();
    gwapi::TargetScratchpadAndAction target = Target(action);
    target.set_target_sequence(30);
    target.set_target_crc(0xBEEF);
    target.set_raw(7);
    EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::OK);
    const gwapi::TargetScratchpadAndAction& set = ConfigOf(state, "sink0").target_and_action();
    EXPECT_EQ(set.action(), action);
    EXPECT_EQ(set.target_sequence(), 0u);
    EXPECT_EQ(set.target_crc(), 0u);
    // Read back with parameter 0, as raw.
    ASSERT_EQ(set.param_case(), gwapi::TargetScratchpadAndAction::kRaw);
    EXPECT_EQ(set.raw(), 0u);
    EXPECT_EQ(Status(state).target_and_action().raw(), 0u);
  }
}

TEST(OtapSetTargetTest, ActionsWithoutDelayReadBackTheirParameterAsRaw) {
  GatewayState state = TestGatewayState();
  EXPECT_EQ(SetTargetRes(state, SetTarget(Target(gwapi::PROPAGATE_ONLY))), gwapi::OK);
  const gwapi::TargetScratchpadAndAction& propagate = ConfigOf(state, "sink0").target_and_action();
  ASSERT_EQ(propagate.param_case(), gwapi::TargetScratchpadAndAction::kRaw);
  EXPECT_EQ(propagate.raw(), 0u);
  // A delay given with an action that has none is kept as its code.
  gwapi::TargetScratchpadAndAction process = Target(gwapi::PROPAGATE_AND_PROCESS);
  process.set_delay(gwapi::ONE_HOUR);
  EXPECT_EQ(SetTargetRes(state, SetTarget(process)), gwapi::OK);
  EXPECT_EQ(ConfigOf(state, "sink0").target_and_action().raw(), 0x81u);
}

TEST(OtapSetTargetTest, ARawDelayThatIsAPredefinedDelayReadsBackAsThatDelay) {
  GatewayState state = TestGatewayState();
  gwapi::TargetScratchpadAndAction target = Target(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  target.set_raw(0xC1);  // 1 day
  EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::OK);
  gwapi::TargetScratchpadAndAction reported = Status(state).target_and_action();
  ASSERT_EQ(reported.param_case(), gwapi::TargetScratchpadAndAction::kDelay);
  EXPECT_EQ(reported.delay(), gwapi::ONE_DAY);
  // 3 days is a valid delay but not a predefined one: read back raw.
  target.set_raw(0xC3);
  EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::OK);
  reported = Status(state).target_and_action();
  ASSERT_EQ(reported.param_case(), gwapi::TargetScratchpadAndAction::kRaw);
  EXPECT_EQ(reported.raw(), 0xC3u);
}

TEST(OtapSetTargetTest, TheSinkRefusesTheDelayItAlreadyHas) {
  GatewayState state = TestGatewayState();
  gwapi::TargetScratchpadAndAction target = Target(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  target.set_delay(gwapi::SIX_HOURS);
  EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::OK);
  EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::INVALID_PARAM);
  target.set_raw(0x86);  // the same delay, given raw
  EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::INVALID_PARAM);
  target.set_delay(gwapi::ONE_HOUR);
  EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::OK);
}

TEST(OtapSetTargetTest, ANodeThatIsNoSinkRefusesATarget) {
  GatewayState state = TestGatewayState();
  state.FindSink("sink0")->config.mutable_node_role()->set_role(gwapi::NodeRole::ROUTER);
  EXPECT_EQ(SetTargetRes(state, SetTarget(Target(gwapi::PROPAGATE_ONLY))), gwapi::INVALID_ROLE);
}

TEST(OtapSetTargetTest, InvalidValuesGetInvalidParam) {
  GatewayState state = TestGatewayState();
  const std::string before = ConfigOf(state, "sink0").target_and_action().SerializeAsString();
  gwapi::TargetScratchpadAndAction seq_zero = Target(gwapi::PROPAGATE_ONLY);
  seq_zero.set_target_sequence(0);
  gwapi::TargetScratchpadAndAction seq_255 = Target(gwapi::PROPAGATE_ONLY);
  seq_255.set_target_sequence(255);
  gwapi::TargetScratchpadAndAction big_crc = Target(gwapi::PROPAGATE_ONLY);
  big_crc.set_target_crc(0x10000);
  gwapi::TargetScratchpadAndAction big_raw = Target(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  big_raw.set_raw(256);
  gwapi::TargetScratchpadAndAction no_delay = Target(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  gwapi::TargetScratchpadAndAction unknown_delay = no_delay;
  unknown_delay.set_delay(gwapi::UNKNOWN_DELAY);
  gwapi::TargetScratchpadAndAction zero_minutes = no_delay;
  zero_minutes.set_raw(0x40);
  gwapi::TargetScratchpadAndAction no_unit = no_delay;
  no_unit.set_raw(0x0A);
  for (const gwapi::TargetScratchpadAndAction& target :
       {seq_zero, seq_255, big_crc, big_raw, no_delay, unknown_delay, zero_minutes, no_unit,
        Target(gwapi::UNKNOWN_ACTION)}) {
    EXPECT_EQ(SetTargetRes(state, SetTarget(target)), gwapi::INVALID_PARAM)
        << target.ShortDebugString();
  }
  // Without action (an unknown action value reads as missing) and without target at all: the
  // reference answers these too.
  wirepas::GenericMessage no_action = SetTarget(Target(gwapi::PROPAGATE_ONLY));
  no_action.mutable_wirepas()
      ->mutable_set_scratchpad_target_and_action_req()
      ->mutable_target_and_action()
      ->clear_action();
  EXPECT_EQ(SetTargetRes(state, no_action), gwapi::INVALID_PARAM);
  wirepas::GenericMessage no_target = no_action;
  no_target.mutable_wirepas()
      ->mutable_set_scratchpad_target_and_action_req()
      ->clear_target_and_action();
  EXPECT_EQ(SetTargetRes(state, no_target), gwapi::INVALID_PARAM);
  EXPECT_EQ(ConfigOf(state, "sink0").target_and_action().SerializeAsString(), before);

  // With a blank scratchpad the default sequence is 0.
  ASSERT_EQ(LoadRes(state, Load(1, nullptr)), gwapi::OK);
  EXPECT_EQ(SetTargetRes(state, SetTarget(Target(gwapi::PROPAGATE_ONLY))), gwapi::INVALID_PARAM);
}

}  // namespace
}  // namespace wm::gateway_sim
