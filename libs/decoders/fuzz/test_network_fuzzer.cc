// Any bytes as a test-network payload: decodes or reports an error, never crashes.
#include <cstdint>
#include <string_view>

#include "libs/decoders/fuzz/fuzz_checks.h"
#include "libs/decoders/test_network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::TestNetworkReport out;
  const auto error = wm::decoders::DecodeTestNetwork(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  fuzz::Check(out.row_count() == static_cast<uint32_t>(out.rows_size()), "row_count");
  size_t bytes = 0;
  for (const auto& row : out.rows()) {
    fuzz::Check(row.datafields_size() == static_cast<int>(row.number_of_fields()), "fields");
    fuzz::Check(row.bytes_per_field() >= 1 && row.bytes_per_field() <= 4, "field width");
    bytes += 2 + row.number_of_fields() * row.bytes_per_field();
  }
  fuzz::Check(bytes <= size, "rows fit the payload");
  return 0;
}
