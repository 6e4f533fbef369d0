// Any bytes as a node diagnostics payload: decodes exactly the 59- and 67-byte forms, reports
// every other length, never crashes.
#include <cstdint>
#include <string_view>

#include "libs/decoders/fuzz/fuzz_checks.h"
#include "libs/decoders/node_diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::NodeDiagnostics out;
  const auto error = wm::decoders::DecodeNodeDiagnostics(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  fuzz::Check(error.has_value() == (size != 59 && size != 67), "only 59 or 67 bytes decode");
  if (!error.has_value()) {
    fuzz::Check(out.events_size() == 15, "15 events");
    fuzz::Check(out.has_pending_ucast_cluster() == (size == 67), "pending_* only in 67 bytes");
    fuzz::Check(out.voltage() >= 2.0 && out.voltage() <= 4.55, "voltage in 2.0..4.55 V");
  }
  return 0;
}
