// Any bytes as a Ruuvi sensor report: decodes or reports an error, never crashes.
#include <cstdint>
#include <string_view>

#include "libs/decoders/fuzz/fuzz_checks.h"
#include "libs/decoders/ruuvi.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::RuuviReport out;
  const auto error =
      wm::decoders::DecodeRuuvi(std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  size_t unknown_bytes = 0;
  for (const auto& u : out.unknown_records()) unknown_bytes += 2 + u.value().size();
  fuzz::Check(unknown_bytes <= size, "unknown records fit the payload");
  return 0;
}
