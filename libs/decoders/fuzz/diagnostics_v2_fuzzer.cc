// Any bytes as a diagnostics v2 (CBOR) payload: decodes or reports an error, never crashes,
// never allocates beyond what the payload holds, and always yields a message that serializes
// and parses back (text fields stay valid UTF-8).
#include <cstdint>
#include <string>
#include <string_view>

#include "libs/decoders/diagnostics_v2.h"
#include "libs/decoders/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::DiagnosticsV2 out;
  const auto error = wm::decoders::DecodeDiagnosticsV2(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  // Every map entry takes at least two bytes (key and value).
  const size_t entries =
      out.unknown_fields_size() + out.repeated_ids_size() + out.trace_options_size() +
      out.nexthop_details_size() + out.buffer_usage_size() + out.cbmac_details_size() +
      out.ftdma_table_size() + out.role_api_size() + out.events_size() +
      out.neighbor_device_info_associated_size() + out.neighbor_device_info_neighbor_size() +
      out.neighbor_device_router_member_size() + out.scan_results_size() +
      out.cbmac_cca_channels_size();
  fuzz::Check(2 * entries <= size, "entries fit the payload");
  const std::string serialized = out.SerializeAsString();
  wm::v1::DiagnosticsV2 parsed;
  fuzz::Check(parsed.ParseFromString(serialized), "the decoded message parses back");
  return 0;
}
