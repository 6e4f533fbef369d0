// Any bytes as what a joining node receives, through the node-side code the simulator uses:
//  - as DATA content: ParseDataContent returns valid content that re-encodes to bytes parsing
//    to the same content, or InvalidArgument with a message;
//  - as a DATA frame: a secured one opens with the fixed factory key and IV below into a
//    plaintext that seals back to the same bytes, or fails with InvalidArgument or
//    Unauthenticated.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "libs/decoders/provisioning_frame.h"
#include "libs/provisioning/data_content.h"
#include "libs/provisioning/frames.h"
#include "libs/provisioning/secure_data.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "check failed: %s\n", what);
    std::abort();
  }
}

// The known-answer vector's factory key (00..1f) and IV (see secure_data_test.cc), so that the
// seed corpus/node_data/data_secured_kat opens.
std::string FactoryKey() {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  return key;
}
const char kIv[] = "\xce\xff\xff\xff\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb";

void AsContent(std::string_view bytes) {
  namespace p = wm::provisioning;
  const absl::StatusOr<p::DataContent> content = p::ParseDataContent(bytes);
  if (!content.ok()) {
    Check(content.status().code() == absl::StatusCode::kInvalidArgument &&
              !content.status().message().empty(),
          "a parse error is InvalidArgument with a message");
    return;
  }
  Check(p::ValidateDataContent(*content).ok(), "parsed content is valid");
  const absl::StatusOr<std::string> encoded = p::EncodeDataContent(*content);
  Check(encoded.ok(), "parsed content encodes");
  const absl::StatusOr<p::DataContent> again = p::ParseDataContent(*encoded);
  Check(again.ok() && *again == *content, "encoded content parses to the same content");
}

void AsDataFrame(std::string_view bytes) {
  namespace p = wm::provisioning;
  wm::v1::ProvisioningFrame frame;
  if (wm::decoders::DecodeProvisioningFrame(bytes, &frame).has_value() || !frame.has_data()) {
    return;
  }
  const p::DataFrameHeader header{frame.node_address(), static_cast<uint8_t>(frame.session_id()),
                                  static_cast<uint8_t>(frame.data().key_index()),
                                  static_cast<uint16_t>(frame.data().counter())};
  const std::string iv(kIv, p::kIvSize);
  const absl::StatusOr<std::string> opened =
      p::OpenSecuredData(FactoryKey(), header, iv, frame.data().data());
  if (!opened.ok()) {
    const absl::StatusCode code = opened.status().code();
    Check(code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kUnauthenticated,
          "an open error is InvalidArgument or Unauthenticated");
    return;
  }
  const absl::StatusOr<std::string> sealed = p::SealSecuredData(FactoryKey(), header, iv, *opened);
  Check(sealed.ok() && *sealed == frame.data().data(), "opened data seals back to the same bytes");
  AsContent(*opened);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  AsContent(bytes);
  AsDataFrame(bytes);
  return 0;
}
