// Any bytes as an MSAP response payload: decodes or reports an error, never crashes; frames
// lie inside the payload, in order.
#include <cstdint>
#include <string_view>

#include "libs/decoders/fuzz/fuzz_checks.h"
#include "libs/decoders/msap_responses.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::MsapResponses out;
  const auto error = wm::decoders::DecodeMsapResponses(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  size_t next = 0;
  for (const auto& frame : out.frames()) {
    fuzz::Check(frame.offset() == next, "frames follow each other");
    fuzz::Check(frame.offset() + 2 <= size, "frame header inside the payload");
    next = frame.offset() + 2 + data[frame.offset() + 1];
    fuzz::Check(next <= size, "frame body inside the payload");
    fuzz::Check(frame.body_case() != wm::v1::MsapResponseFrame::BODY_NOT_SET, "frame decoded");
  }
  if (!error.has_value()) fuzz::Check(next == size, "a clean decode covers the payload");
  return 0;
}
