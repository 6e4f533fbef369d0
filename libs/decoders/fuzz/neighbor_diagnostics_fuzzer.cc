// Any bytes as a neighbor diagnostics payload: decodes or reports an error, never crashes;
// every kept record is a whole 7-byte record with a non-zero address.
#include <cstdint>
#include <string_view>

#include "libs/decoders/fuzz/fuzz_checks.h"
#include "libs/decoders/neighbor_diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::NeighborDiagnostics out;
  const auto error = wm::decoders::DecodeNeighborDiagnostics(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  fuzz::Check(out.neighbors_size() * wm::decoders::kNeighborRecordSize <= size,
              "records fit in the payload");
  for (const auto& n : out.neighbors()) {
    fuzz::Check(n.address() != 0 && n.address() <= 0xFFFFFF, "24-bit non-zero address");
  }
  return 0;
}
