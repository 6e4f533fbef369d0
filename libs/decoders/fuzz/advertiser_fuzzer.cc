// Any bytes as an advertiser report: decodes or reports an error, never crashes; every record
// lands in exactly one list.
#include <cstdint>
#include <string_view>

#include "libs/decoders/advertiser.h"
#include "libs/decoders/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = wm::decoders::fuzz;
  wm::v1::AdvertiserReport out;
  const auto error = wm::decoders::DecodeAdvertiser(
      std::string_view(reinterpret_cast<const char*>(data), size), &out);
  fuzz::CheckError(error, size);
  size_t records = 0;
  for (const auto& e : out.adv()) {
    records += e.rss_size() + e.otap_size() + e.sequence_size() + e.value_size();
    for (double rss : e.rss()) fuzz::Check(rss >= -127.0 && rss <= 0.5, "rss in -127..0.5 dBm");
  }
  const size_t record_size = out.four_byte_addresses() ? 5 : 4;
  fuzz::Check(size < 2 || records == (size - 2) / record_size, "every whole record kept");
  return 0;
}
