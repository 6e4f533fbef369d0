// Any bytes as a provisioning frame: decodes or reports an error, never crashes; a decoded
// frame has the body of its type and the lengths the protocol requires.
#include <cstdint>
#include <string_view>

#include "libs/decoders/fuzz/fuzz_checks.h"
#include "libs/decoders/provisioning_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::ProvisioningFrame out;
  const auto error = wm::decoders::DecodeProvisioningFrame(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  if (error.has_value()) return 0;
  switch (out.body_case()) {
    case wm::v1::ProvisioningFrame::kStart:
      fuzz::Check(out.msg_type() == 1 && out.start().iv().size() == 16 &&
                      !out.start().uid().empty() && 23 + out.start().uid().size() == size,
                  "START layout");
      break;
    case wm::v1::ProvisioningFrame::kData:
      fuzz::Check(out.msg_type() == 2 && 9 + out.data().data().size() == size, "DATA layout");
      break;
    case wm::v1::ProvisioningFrame::kDataAck:
      fuzz::Check(out.msg_type() == 3 && size == 6, "DATA_ACK layout");
      break;
    case wm::v1::ProvisioningFrame::kNack:
      fuzz::Check(out.msg_type() == 4 && size == 7, "NACK layout");
      break;
    default:
      fuzz::Check(false, "a decoded frame has a body");
  }
  return 0;
}
