// Any bytes as a traffic diagnostics payload: decodes or reports an error, never crashes.
#include <cstdint>
#include <string_view>

#include "libs/decoders/traffic_diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wm::v1::TrafficDiagnostics out;
  wm::decoders::DecodeTrafficDiagnostics(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  return 0;
}
