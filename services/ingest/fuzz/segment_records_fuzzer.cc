// Any bytes as the records of a disk replay log segment (docs/event-stream.md "The disk log"):
// the reader visits intact records or stops at a torn or corrupt one, never crashes, and what
// it accepted frames back to exactly the bytes it consumed. Accepted records are parsed as
// events, as the hub does when it loads the log.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protos/wm/v1/events.pb.h"
#include "services/ingest/segment_log.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "check failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string reframed;
  size_t visited = 0;
  const wm::ingest::SegmentReadResult result =
      wm::ingest::ReadSegmentRecords(bytes, [&](std::string_view record) {
        Check(record.size() <= wm::ingest::kMaxSegmentRecordBytes, "record within the limit");
        wm::ingest::AppendSegmentRecord(record, &reframed);
        ++visited;
        wm::v1::Event event;
        (void)event.ParseFromArray(record.data(), static_cast<int>(record.size()));
      });
  Check(result.valid_bytes <= size, "valid bytes within the input");
  Check(result.records == visited, "every record counted is visited");
  Check(reframed == bytes.substr(0, result.valid_bytes), "accepted records frame the prefix");
  Check((result.tail == wm::ingest::SegmentTail::kClean) == (result.valid_bytes == size),
        "a clean tail consumes everything");
  return 0;
}
