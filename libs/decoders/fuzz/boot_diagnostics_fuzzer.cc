// Any bytes as a boot diagnostics payload: decodes exactly 31 bytes, reports every other
// length, never crashes.
#include <cstdint>
#include <string_view>

#include "libs/decoders/boot_diagnostics.h"
#include "libs/decoders/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::BootDiagnostics out;
  const auto error = wm::decoders::DecodeBootDiagnostics(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  fuzz::Check(error.has_value() == (size != 31), "only 31 bytes decode");
  if (!error.has_value()) {
    fuzz::Check(
        out.firmware_version_string().size() >= 7 && out.firmware_version_string().size() <= 15,
        "a.b.c.d version text");
  }
  return 0;
}
