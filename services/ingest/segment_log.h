#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/ingest/ingest_metrics.h"

namespace wm::ingest {

// The bytes every segment file starts with (format version 1).
inline constexpr std::string_view kSegmentMagic = "WMSEGv1\n";
// A record longer than this is taken for corruption (an event is a few hundred bytes).
inline constexpr size_t kMaxSegmentRecordBytes = 16 << 20;

// CRC-32C (Castagnoli) of `bytes`, continuing from `crc` (0 to start).
uint32_t Crc32c(std::string_view bytes, uint32_t crc = 0);

// Appends one framed record to `out`: its length (4 bytes, little endian), the CRC-32C of the
// record (4 bytes, little endian), then the record. See docs/event-stream.md "The disk log".
void AppendSegmentRecord(std::string_view record, std::string* out);

// What ReadSegmentRecords found after the last whole, intact record.
enum class SegmentTail {
  kClean,    // the bytes end right after a record
  kTorn,     // a record is cut short by the end of the bytes (a write cut by a crash)
  kCorrupt,  // a checksum that does not match, or a length beyond kMaxSegmentRecordBytes
};

struct SegmentReadResult {
  // Bytes of `records` made of whole, intact records (where a torn or corrupt tail starts).
  size_t valid_bytes = 0;
  size_t records = 0;
  SegmentTail tail = SegmentTail::kClean;
};

// Calls `visit` with every intact record of `records` (the bytes of a segment after its
// magic), in order, up to the first torn or corrupt one. Any bytes are safe.
SegmentReadResult ReadSegmentRecords(std::string_view records,
                                     const std::function<void(std::string_view)>& visit);

// wm-ingest's on-disk replay log: an append-only sequence of records (serialized wm.v1.Event)
// in segment files "<first sequence, 20 digits>.seg" under one directory. Appends go to a
// buffer; Flush writes it to the current segment with one write() and, with `fsync`, makes it
// durable with fdatasync. StartSegment rolls to a new file (the caller decides when, see
// ShouldStartSegment); DeleteSegmentsBefore removes whole segments whose events are no longer
// wanted. The directory is locked (flock) for as long as the log is open, so that two ingest
// processes never write one log. See docs/event-stream.md "The disk log".
//
// Thread-safe; Append, StartSegment and Flush are cheap enough for the MQTT network thread.
//
//   auto log = SegmentLog::Open({.directory = dir}, [&](std::string_view record) { ... });
//   if ((*log)->ShouldStartSegment()) (*log)->StartSegment(event.sequence());
//   (*log)->Append(event.SerializeAsString());
//   absl::Status written = (*log)->Flush();   // before acknowledging
class SegmentLog {
 public:
  struct Options {
    std::string directory;
    // A segment reaching this size is closed and a new one started.
    size_t segment_bytes = 64 << 20;
    // Flush also calls fdatasync (and a new segment syncs the directory).
    bool fsync = false;
    // Counts bytes, segments, errors and corrupt records; may be null.
    IngestMetrics* metrics = nullptr;
  };

  // What Open read.
  struct LoadReport {
    size_t segments = 0;
    size_t records = 0;
    // Records found damaged (one per damaged place: the rest of that segment is unreadable).
    size_t corrupt = 0;
    // Bytes cut from the end of the last segment (a torn or corrupt tail).
    size_t truncated_bytes = 0;
  };

  // Creates `directory` if needed, locks it, and calls `visit` with every intact record of
  // every segment, oldest first. A torn or corrupt tail of the last segment is cut off
  // (logged, counted); damage inside an older segment ends that segment (logged, counted).
  // FailedPrecondition when another process holds the directory; other errors when it
  // cannot be created, locked or read.
  static absl::StatusOr<std::unique_ptr<SegmentLog>> Open(
      Options options, const std::function<void(std::string_view record)>& visit,
      LoadReport* report = nullptr);

  SegmentLog(const SegmentLog&) = delete;
  SegmentLog& operator=(const SegmentLog&) = delete;
  // Flushes (errors are logged) and unlocks.
  ~SegmentLog();

  // True when no segment is open for appending yet or the current one reached segment_bytes.
  bool ShouldStartSegment() const;
  // Writes what is buffered to the open segment (durably with `fsync`), closes it, then
  // opens "<first_sequence>.seg" for the appends that follow. A segment of an earlier run with
  // that name (it held nothing from `first_sequence` on, only a snapshot) is replaced. On error the open segment stays
  // and so does the buffer (for the next Flush).
  absl::Status StartSegment(uint64_t first_sequence);
  // Buffers `record` for the open segment (before the first StartSegment, for the segment it
  // opens).
  void Append(std::string_view record);
  // Writes the buffer with one write() (fdatasync with `fsync`). On error the bytes not
  // written stay buffered and are written by the next Flush; the error is counted.
  absl::Status Flush();
  // Deletes every closed segment whose events all have a sequence below `sequence` (the
  // segment after it starts at or below `sequence`). The current segment is never deleted.
  void DeleteSegmentsBefore(uint64_t sequence);

  size_t segment_count() const;
  // Bytes in the segment files plus the buffer.
  uint64_t bytes() const;
  size_t buffered_bytes() const;

 private:
  struct Segment {
    uint64_t first_sequence;
    std::string path;
    uint64_t bytes;
  };

  SegmentLog(Options options, int lock_fd);
  absl::Status FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteBufferLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateMetricsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const int lock_fd_;

  // Taken after EventHub::mu_ when the hub writes (docs/architecture.md, threads).
  mutable absl::Mutex mu_;
  // Oldest first; the last one is open when fd_ >= 0.
  std::vector<Segment> segments_ ABSL_GUARDED_BY(mu_);
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  bool unsynced_ ABSL_GUARDED_BY(mu_) = false;  // written since the last fdatasync
};

}  // namespace wm::ingest
