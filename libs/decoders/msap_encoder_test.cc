#include "libs/decoders/msap_encoder.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/decoders/msap_responses.h"

namespace wm::decoders {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

void ExpectInvalidArgument(const absl::StatusOr<std::string>& result, const std::string& text) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(text), std::string::npos) << result.status();
}

// Bytes from the request table in docs/msap.md, "Requests and their answers".
TEST(MsapEncoder, BodilessRequests) {
  EXPECT_EQ(EncodeMsapBegin(), B({0x01, 0x00}));
  EXPECT_EQ(EncodeMsapEnd(), B({0x03, 0x00}));
  EXPECT_EQ(EncodeMsapCancel(), B({0x04, 0x00}));
  EXPECT_EQ(EncodeMsapScratchpadStatus(), B({0x19, 0x00}));
}

TEST(MsapEncoder, Ping) {
  EXPECT_EQ(*EncodeMsapPing("\x2a"), B({0x00, 0x01, 0x2a}));
  const std::string sixteen(16, 'r');
  EXPECT_EQ(*EncodeMsapPing(sixteen), B({0x00, 0x10}) + sixteen);
  ExpectInvalidArgument(EncodeMsapPing(""), "reference: a ping reference is 1..16 bytes, got 0");
  ExpectInvalidArgument(EncodeMsapPing(std::string(17, 'r')), "reference");
}

TEST(MsapEncoder, UpdateCountdownBounds) {
  EXPECT_EQ(*EncodeMsapUpdate(10), B({0x05, 0x02, 0x0a, 0x00}));
  EXPECT_EQ(*EncodeMsapUpdate(300), B({0x05, 0x02, 0x2c, 0x01}));
  EXPECT_EQ(*EncodeMsapUpdate(32767), B({0x05, 0x02, 0xff, 0x7f}));
  ExpectInvalidArgument(EncodeMsapUpdate(9), "countdown_s: the update countdown is 10..32767");
  ExpectInvalidArgument(EncodeMsapUpdate(32768), "got 32768");
  ExpectInvalidArgument(EncodeMsapUpdate(0), "countdown_s");
}

TEST(MsapEncoder, ScratchpadUpdateSequenceBounds) {
  EXPECT_EQ(*EncodeMsapScratchpadUpdate(1), B({0x1a, 0x01, 0x01}));
  EXPECT_EQ(*EncodeMsapScratchpadUpdate(255), B({0x1a, 0x01, 0xff}));
  ExpectInvalidArgument(EncodeMsapScratchpadUpdate(0),
                        "sequence: the scratchpad sequence is 1..255");
  ExpectInvalidArgument(EncodeMsapScratchpadUpdate(256), "got 256");
}

TEST(MsapEncoder, DiagnosticControl) {
  EXPECT_EQ(*EncodeDiagnosticControl(60, kDiagnosticContentNeighbor),
            B({0x60, 0x03, 0x3c, 0x00, 0x02}));
  EXPECT_EQ(*EncodeDiagnosticControl(1200, kDiagnosticContentNode),
            B({0x60, 0x03, 0xb0, 0x04, 0x01}));
  EXPECT_EQ(*EncodeDiagnosticControl(0, kDiagnosticContentDisableAll),
            B({0x60, 0x03, 0x00, 0x00, 0xff}));
  EXPECT_EQ(*EncodeDiagnosticControl(0, kDiagnosticContentNeighbor),
            B({0x60, 0x03, 0x00, 0x00, 0x02}));
  for (uint32_t interval : {0u, 30u, 60u, 120u, 300u, 600u, 1200u}) {
    EXPECT_TRUE(EncodeDiagnosticControl(interval, kDiagnosticContentScan).ok()) << interval;
  }
  for (uint32_t content : {1u, 2u, 3u, 4u}) {
    EXPECT_TRUE(EncodeDiagnosticControl(300, content).ok()) << content;
  }
}

TEST(MsapEncoder, DiagnosticControlRejectsWhatTheProtocolDoesNot) {
  ExpectInvalidArgument(EncodeDiagnosticControl(45, kDiagnosticContentNeighbor),
                        "interval_s: the diagnostic interval is 0, 30, 60, 120, 300, 600 or 1200");
  ExpectInvalidArgument(EncodeDiagnosticControl(1201, kDiagnosticContentNeighbor), "got 1201");
  ExpectInvalidArgument(EncodeDiagnosticControl(60, 0), "content: the diagnostic content is");
  ExpectInvalidArgument(EncodeDiagnosticControl(60, 5), "got 5");
  ExpectInvalidArgument(EncodeDiagnosticControl(60, kDiagnosticContentDisableAll),
                        "content: 0xFF (disable all diagnostics v2) needs interval_s 0, got 60");
}

TEST(MsapEncoder, CombinedFrames) {
  const auto payload = CombineMsapFrames(
      {EncodeMsapBegin(), *EncodeMsapScratchpadUpdate(7), *EncodeMsapUpdate(10), EncodeMsapEnd()});
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(*payload, B({0x01, 0x00, 0x1a, 0x01, 0x07, 0x05, 0x02, 0x0a, 0x00, 0x03, 0x00}));
}

TEST(MsapEncoder, CombinedFramesRespectThe102ByteLimit) {
  // Five 18-byte pings and a 12-byte one: exactly 102 bytes.
  std::vector<std::string> frames(5, *EncodeMsapPing(std::string(16, 'p')));
  frames.push_back(*EncodeMsapPing(std::string(10, 'q')));
  const auto exact = CombineMsapFrames(frames);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->size(), kMsapMaxRequestPayload);
  // One byte more.
  frames.back() = *EncodeMsapPing(std::string(11, 'q'));
  ExpectInvalidArgument(CombineMsapFrames(frames),
                        "the combined MSAP request is 103 bytes, over the 102-byte limit");
}

TEST(MsapEncoder, CombineChecksItsFrames) {
  ExpectInvalidArgument(CombineMsapFrames({}), "frames: at least one frame");
  ExpectInvalidArgument(CombineMsapFrames({EncodeMsapBegin(), "\x01"}), "frames[1]");
  // Two frames glued together are not one frame.
  ExpectInvalidArgument(CombineMsapFrames({EncodeMsapBegin() + EncodeMsapEnd()}), "frames[0]");
}

// The response a node gives to a request that it mirrors: each frame's type | 0x80, body as is.
std::string Mirror(std::string request) {
  for (size_t i = 0; i + 1 < request.size(); i += 2 + static_cast<uint8_t>(request[i + 1])) {
    request[i] = static_cast<char>(static_cast<uint8_t>(request[i]) | kMsapResponseBit);
  }
  return request;
}

TEST(MsapEncoder, RequestsRoundTripThroughTheResponseDecoder) {
  const std::string reference = "\x01\x02\x03\x04\x05\x06\x07\x08";
  const auto request = CombineMsapFrames(
      {*EncodeMsapPing(reference), EncodeMsapBegin(), *EncodeMsapScratchpadUpdate(200),
       *EncodeMsapUpdate(32767), EncodeMsapEnd(), EncodeMsapCancel(),
       *EncodeDiagnosticControl(600, kDiagnosticContentBoot)});
  ASSERT_TRUE(request.ok()) << request.status();

  wm::v1::MsapResponses responses;
  const DecodeStatus error = DecodeMsapResponses(Mirror(*request), &responses);
  ASSERT_FALSE(error.has_value()) << error->message;
  ASSERT_EQ(responses.frames_size(), 7);
  EXPECT_EQ(responses.frames(0).ping().reference(), reference);
  EXPECT_TRUE(responses.frames(1).has_begin());
  EXPECT_EQ(responses.frames(2).scratchpad_update().seq(), 200u);
  EXPECT_EQ(responses.frames(3).update().countdown(), 32767u);
  EXPECT_TRUE(responses.frames(4).has_end());
  EXPECT_TRUE(responses.frames(5).has_cancel());
  EXPECT_EQ(responses.frames(6).type(), kDiagnosticControlResponse);
  EXPECT_EQ(responses.frames(6).diagnostic_control().interval(), 600u);
  EXPECT_EQ(responses.frames(6).diagnostic_control().content(), kDiagnosticContentBoot);
}

}  // namespace
}  // namespace wm::decoders
