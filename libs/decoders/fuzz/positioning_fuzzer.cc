// Any bytes as a positioning report: decodes or reports an error, never crashes.
#include <cstdint>
#include <string_view>

#include "libs/decoders/fuzz/fuzz_checks.h"
#include "libs/decoders/positioning.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::PositioningReport out;
  const auto error = wm::decoders::DecodePositioning(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  fuzz::Check(out.nb_measurements() == static_cast<uint32_t>(out.measurements_size()),
              "nb_measurements counts the measurements");
  size_t unknown_bytes = 0;
  for (const auto& u : out.unknown_records()) unknown_bytes += 2 + u.value().size();
  fuzz::Check(2 * out.measurements_size() + unknown_bytes <= size, "records fit the payload");
  return 0;
}
