#include "tools/gateway_sim/msap_node.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/decoders/msap_encoder.h"
#include "libs/decoders/msap_responses.h"
#include "tools/gateway_sim/gateway_status.h"
#include "tools/gateway_sim/payloads.h"

namespace wm::gateway_sim {
namespace {

gwapi::SinkReadConfig TestSinkConfig() {
  SimSink sink;
  sink.id = "sink0";
  sink.node_address = 1000;
  sink.network_address = 0x123456;
  sink.network_channel = 5;
  return BuildSinkReadConfig(sink);
}

MeshNode CurrentNode() { return MeshNode{2001, 2, StackVersion{}}; }

// Decodes a node's answer as wm-ingest and wm-command do; fails the test on a decode error.
wm::v1::MsapResponses Decode(const std::string& answer) {
  wm::v1::MsapResponses decoded;
  const decoders::DecodeStatus status = decoders::DecodeMsapResponses(answer, &decoded);
  EXPECT_FALSE(status.has_value()) << status->message;
  return decoded;
}

std::string Answer(const std::string& request,
                   const MsapNodeStatus& status = MeshNodeStatus(CurrentNode(), TestSinkConfig())) {
  std::optional<std::string> answer = AnswerMsapRequest(request, status);
  EXPECT_TRUE(answer.has_value());
  return answer.value_or("");
}

TEST(MsapNodeTest, PingIsEchoed) {
  const std::string reference("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  const wm::v1::MsapResponses decoded = Decode(Answer(*decoders::EncodeMsapPing(reference)));
  ASSERT_EQ(decoded.frames_size(), 1);
  EXPECT_EQ(decoded.frames(0).type(), 0x80u);
  EXPECT_EQ(decoded.frames(0).ping().reference(), reference);
}

TEST(MsapNodeTest, ScratchpadStatusIsTheV3FormWithTheNodesScratchpadsAndFirmware) {
  const std::string answer = Answer(decoders::EncodeMsapScratchpadStatus());
  ASSERT_EQ(answer.size(), 2u + 47u);
  const wm::v1::MsapResponses decoded = Decode(answer);
  ASSERT_EQ(decoded.frames_size(), 1);
  ASSERT_TRUE(decoded.frames(0).has_scratchpad_status());
  const wm::v1::MsapScratchpadStatus& s = decoded.frames(0).scratchpad_status();
  EXPECT_EQ(s.version(), 3u);
  EXPECT_EQ(s.stored_len(), kNetworkScratchpadLength);
  EXPECT_EQ(s.stored_crc(), kNetworkScratchpadCrc);
  EXPECT_EQ(s.stored_seq(), kNetworkScratchpadSequence);
  EXPECT_EQ(s.stored_type(), 1u);    // present
  EXPECT_EQ(s.stored_status(), 0u);  // success
  EXPECT_EQ(s.processed_seq(), kNetworkScratchpadSequence);
  EXPECT_EQ(s.fw_area_id(), kFirmwareAreaId);
  EXPECT_EQ(s.fw_major(), 5u);
  EXPECT_EQ(s.fw_minor(), 4u);
  EXPECT_EQ(s.fw_maint(), 0u);
  EXPECT_EQ(s.fw_devel(), 57u);
  EXPECT_EQ(s.app_area_id(), kAppAreaId);
  EXPECT_EQ(s.app_major(), kAppFirmware.major);
  EXPECT_EQ(s.app_devel(), kAppFirmware.dev);
  EXPECT_EQ(s.action(), 0u);  // NO_OTAP is dual-MCU action 0
  EXPECT_EQ(s.target_seq(), 0u);
}

TEST(MsapNodeTest, ANodeOnAnOlderStackRunsAnOlderImage) {
  const MsapNodeStatus old_node =
      MeshNodeStatus(MeshNode{2003, 3, StackVersion{5, 2, 0, 120}}, TestSinkConfig());
  EXPECT_EQ(old_node.firmware.minor, 2u);
  EXPECT_LT(old_node.processed.seq, kNetworkScratchpadSequence);
  EXPECT_NE(old_node.processed.crc, kNetworkScratchpadCrc);
  const wm::v1::MsapResponses decoded =
      Decode(Answer(decoders::EncodeMsapScratchpadStatus(), old_node));
  EXPECT_EQ(decoded.frames(0).scratchpad_status().processed_seq(), old_node.processed.seq);
  EXPECT_EQ(decoded.frames(0).scratchpad_status().fw_minor(), 2u);
}

TEST(MsapNodeTest, NodesReportTheTargetTheSinkPropagates) {
  gwapi::SinkReadConfig sink = TestSinkConfig();
  sink.mutable_stored_scratchpad()->set_len(5000);
  sink.mutable_stored_scratchpad()->set_crc(0x1234);
  sink.mutable_stored_scratchpad()->set_seq(40);
  gwapi::TargetScratchpadAndAction* target = sink.mutable_target_and_action();
  target->set_action(gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY);
  target->set_target_sequence(40);
  target->set_target_crc(0x1234);
  target->set_delay(gwapi::ONE_HOUR);
  const wm::v1::MsapResponses decoded =
      Decode(Answer(decoders::EncodeMsapScratchpadStatus(), MeshNodeStatus(CurrentNode(), sink)));
  const wm::v1::MsapScratchpadStatus& s = decoded.frames(0).scratchpad_status();
  EXPECT_EQ(s.stored_len(), 5000u);
  EXPECT_EQ(s.stored_crc(), 0x1234u);
  EXPECT_EQ(s.stored_seq(), 40u);
  EXPECT_EQ(s.stored_status(), 255u);  // new: not processed yet
  EXPECT_EQ(s.processed_seq(), kNetworkScratchpadSequence);
  EXPECT_EQ(s.action(), 3u);  // PROPAGATE_AND_PROCESS_WITH_DELAY - 1
  EXPECT_EQ(s.target_seq(), 40u);
  EXPECT_EQ(s.target_crc(), 0x1234u);
  EXPECT_EQ(s.target_delay(), 60u);
  EXPECT_EQ(s.remaining_delay(), 60u);
}

TEST(MsapNodeTest, TheSinkReportsItsOwnConfiguration) {
  gwapi::SinkReadConfig sink = TestSinkConfig();
  sink.mutable_stored_scratchpad()->set_len(0);
  sink.mutable_stored_scratchpad()->set_crc(0);
  sink.mutable_stored_scratchpad()->set_seq(0);
  sink.set_stored_type(gwapi::BLANK);
  sink.set_stored_status(gwapi::NEW);
  const wm::v1::MsapResponses decoded =
      Decode(Answer(decoders::EncodeMsapScratchpadStatus(), SinkNodeStatus(sink)));
  const wm::v1::MsapScratchpadStatus& s = decoded.frames(0).scratchpad_status();
  EXPECT_EQ(s.stored_len(), 0u);
  EXPECT_EQ(s.stored_type(), 0u);
  EXPECT_EQ(s.stored_status(), 255u);
  EXPECT_EQ(s.processed_len(), sink.processed_scratchpad().len());
  EXPECT_EQ(s.fw_major(), sink.firmware_version().major());
  EXPECT_EQ(s.fw_area_id(), sink.firmware_area_id());
}

TEST(MsapNodeTest, EveryFrameOfASessionIsAcknowledgedInOrder) {
  absl::StatusOr<std::string> request = decoders::CombineMsapFrames(
      {decoders::EncodeMsapBegin(), *decoders::EncodeMsapScratchpadUpdate(41),
       *decoders::EncodeMsapUpdate(600), decoders::EncodeMsapEnd()});
  ASSERT_TRUE(request.ok()) << request.status();
  const wm::v1::MsapResponses decoded = Decode(Answer(*request));
  ASSERT_EQ(decoded.frames_size(), 4);
  EXPECT_TRUE(decoded.frames(0).has_begin());
  EXPECT_EQ(decoded.frames(1).scratchpad_update().seq(), 41u);
  EXPECT_EQ(decoded.frames(2).update().countdown(), 600u);
  EXPECT_TRUE(decoded.frames(3).has_end());
  EXPECT_TRUE(Decode(Answer(decoders::EncodeMsapCancel())).frames(0).has_cancel());
}

TEST(MsapNodeTest, DiagnosticControlIsAcknowledgedWithItsSettings) {
  absl::StatusOr<std::string> request =
      decoders::EncodeDiagnosticControl(300, decoders::kDiagnosticContentNeighbor);
  ASSERT_TRUE(request.ok()) << request.status();
  const wm::v1::MsapResponses decoded = Decode(Answer(*request));
  ASSERT_EQ(decoded.frames_size(), 1);
  EXPECT_EQ(decoded.frames(0).type(), 0xE0u);
  EXPECT_EQ(decoded.frames(0).diagnostic_control().interval(), 300u);
  EXPECT_EQ(decoded.frames(0).diagnostic_control().content(), decoders::kDiagnosticContentNeighbor);
}

TEST(MsapNodeTest, BadRequestsGetErrorFramesAndUndecodableOnesNoAnswer) {
  // Unknown type, a begin with a body, a countdown out of range, scratchpad update seq 0.
  const std::string request("\x42\x00\x01\x01\x00\x05\x02\x05\x00\x1A\x01\x00", 12);
  const wm::v1::MsapResponses decoded = Decode(Answer(request));
  ASSERT_EQ(decoded.frames_size(), 4);
  EXPECT_EQ(decoded.frames(0).error().error_name(), "UNKNOWN_REQUEST");
  EXPECT_EQ(decoded.frames(0).error().body(), "\x42");
  EXPECT_EQ(decoded.frames(1).error().error_name(), "INVALID_LENGTH");
  EXPECT_EQ(decoded.frames(2).error().error_name(), "INVALID_VALUE");
  EXPECT_EQ(decoded.frames(3).error().error_name(), "INVALID_VALUE");

  const MsapNodeStatus status = MeshNodeStatus(CurrentNode(), TestSinkConfig());
  EXPECT_FALSE(AnswerMsapRequest("", status).has_value());
  EXPECT_FALSE(AnswerMsapRequest(std::string("\x00", 1), status).has_value());
  EXPECT_FALSE(AnswerMsapRequest(std::string("\x00\x05\x01", 3), status).has_value());
}

TEST(MsapNodeTest, LongAnswersAreSplitBetweenFrames) {
  const std::string status_request = decoders::EncodeMsapScratchpadStatus();
  const std::string answer = Answer(status_request + status_request + status_request);
  ASSERT_EQ(answer.size(), 3u * 49u);
  const std::vector<std::string> payloads = SplitMsapFrames(answer, kMaxPayloadSize);
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_EQ(payloads[0].size(), 98u);
  EXPECT_EQ(payloads[1].size(), 49u);
  EXPECT_EQ(Decode(payloads[0]).frames_size(), 2);
  EXPECT_EQ(Decode(payloads[1]).frames_size(), 1);
  EXPECT_EQ(SplitMsapFrames(std::string("\x80\x01\x07", 3), 102).size(), 1u);
}

}  // namespace
}  // namespace wm::gateway_sim
