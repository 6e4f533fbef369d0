#include "services/ingest/segment_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spdlog/spdlog.h"

namespace wm::ingest {
namespace {

constexpr size_t kRecordHeaderBytes = 8;  // length + CRC
constexpr std::string_view kSegmentSuffix = ".seg";
constexpr size_t kSequenceDigits = 20;
constexpr char kLockFile[] = "LOCK";

std::array<uint32_t, 256> MakeCrc32cTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) != 0 ? 0x82F63B78u : 0);
    table[i] = crc;
  }
  return table;
}

void PutLittleEndian32(uint32_t value, char* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

uint32_t GetLittleEndian32(const char* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  return value;
}

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

std::string SegmentName(uint64_t first_sequence) {
  return absl::StrFormat("%020u%s", first_sequence, kSegmentSuffix);
}

// The first sequence a segment file name stands for; false for any other file.
bool ParseSegmentName(std::string_view name, uint64_t* first_sequence) {
  if (name.size() != kSequenceDigits + kSegmentSuffix.size()) return false;
  if (name.substr(kSequenceDigits) != kSegmentSuffix) return false;
  const std::string_view digits = name.substr(0, kSequenceDigits);
  uint64_t value = 0;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *first_sequence = value;
  return true;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot open ", path, ": ", ErrnoText(errno)));
  std::string contents;
  char chunk[1 << 16];
  while (true) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::InternalError(absl::StrCat("cannot read ", path, ": ", ErrnoText(error)));
    }
    if (n == 0) break;
    contents.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  return contents;
}

// fsync of a directory, so that a file created or removed in it survives a host crash.
absl::Status SyncDirectory(const std::string& directory) {
  const int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot open ", directory, ": ", ErrnoText(errno)));
  const int rc = fsync(fd);
  const int error = errno;
  close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat("fsync ", directory, ": ", ErrnoText(error)));
  return absl::OkStatus();
}

}  // namespace

uint32_t Crc32c(std::string_view bytes, uint32_t crc) {
  static const std::array<uint32_t, 256> table = MakeCrc32cTable();
  crc = ~crc;
  for (char c : bytes) crc = table[(crc ^ static_cast<uint8_t>(c)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void AppendSegmentRecord(std::string_view record, std::string* out) {
  char header[kRecordHeaderBytes];
  PutLittleEndian32(static_cast<uint32_t>(record.size()), header);
  PutLittleEndian32(Crc32c(record), header + 4);
  out->append(header, sizeof header);
  out->append(record.data(), record.size());
}

SegmentReadResult ReadSegmentRecords(std::string_view records,
                                     const std::function<void(std::string_view)>& visit) {
  SegmentReadResult result;
  size_t offset = 0;
  while (offset < records.size()) {
    const std::string_view rest = records.substr(offset);
    if (rest.size() < kRecordHeaderBytes) {
      result.tail = SegmentTail::kTorn;
      break;
    }
    const uint32_t length = GetLittleEndian32(rest.data());
    const uint32_t crc = GetLittleEndian32(rest.data() + 4);
    if (length > kMaxSegmentRecordBytes) {
      result.tail = SegmentTail::kCorrupt;
      break;
    }
    if (rest.size() - kRecordHeaderBytes < length) {
      result.tail = SegmentTail::kTorn;
      break;
    }
    const std::string_view record = rest.substr(kRecordHeaderBytes, length);
    if (Crc32c(record) != crc) {
      result.tail = SegmentTail::kCorrupt;
      break;
    }
    visit(record);
    ++result.records;
    offset += kRecordHeaderBytes + length;
  }
  result.valid_bytes = offset;
  return result;
}

absl::StatusOr<std::unique_ptr<SegmentLog>> SegmentLog::Open(
    Options options, const std::function<void(std::string_view record)>& visit,
    LoadReport* report) {
  LoadReport local_report;
  if (report == nullptr) report = &local_report;
  *report = {};
  const std::string directory = options.directory;
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("replay_log_dir ", directory, ": cannot create: ", error.message()));
  }
  const std::string lock_path = absl::StrCat(directory, "/", kLockFile);
  const int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("replay_log_dir ", directory, ": cannot open ", lock_path, ": ", ErrnoText(errno)));
  }
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const int lock_error = errno;
    close(lock_fd);
    if (lock_error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "replay_log_dir ", directory, " is in use by another wm-ingest (", lock_path,
          " is locked); each ingest needs its own directory"));
    }
    return absl::InternalError(
        absl::StrCat("replay_log_dir ", directory, ": cannot lock: ", ErrnoText(lock_error)));
  }
  std::unique_ptr<SegmentLog> log(new SegmentLog(std::move(options), lock_fd));

  std::vector<std::pair<uint64_t, std::string>> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    uint64_t first_sequence = 0;
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && ParseSegmentName(name, &first_sequence)) {
      files.emplace_back(first_sequence, entry.path().string());
    }
  }
  if (error) {
    return absl::InternalError(absl::StrCat("replay_log_dir ", directory, ": ", error.message()));
  }
  std::sort(files.begin(), files.end());

  // Handed to the log at the end: `record` runs without its lock held (it takes the hub's).
  std::vector<Segment> segments;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [first_sequence, path] = files[i];
    const bool last = i + 1 == files.size();
    absl::StatusOr<std::string> contents = ReadWholeFile(path);
    if (!contents.ok()) return contents.status();
    ++report->segments;
    size_t valid = 0;  // bytes of the file that hold a magic and whole records
    bool damaged = false;
    std::string what;
    if (contents->size() < kSegmentMagic.size() ||
        std::string_view(*contents).substr(0, kSegmentMagic.size()) != kSegmentMagic) {
      damaged = !contents->empty();
      what = "no segment header";
    } else {
      const SegmentReadResult read = ReadSegmentRecords(
          std::string_view(*contents).substr(kSegmentMagic.size()), visit);
      report->records += read.records;
      valid = kSegmentMagic.size() + read.valid_bytes;
      damaged = read.tail != SegmentTail::kClean;
      what = read.tail == SegmentTail::kTorn ? "torn record" : "corrupt record";
    }
    uint64_t kept_bytes = contents->size();
    if (damaged) {
      ++report->corrupt;
      if (log->options_.metrics != nullptr) log->options_.metrics->disk_log_corrupt_records.Increment();
      if (last) {
        report->truncated_bytes += contents->size() - valid;
        spdlog::warn("replay log: {} at offset {} of the last segment {}; cutting {} bytes", what,
                     valid, path, contents->size() - valid);
      } else {
        spdlog::error("replay log: {} at offset {} of segment {}; its remaining {} bytes are "
                      "skipped", what, valid, path, contents->size() - valid);
      }
    }
    if (last && (damaged || valid <= kSegmentMagic.size())) {
      // Nothing is ever appended to a segment of an earlier run, but a damaged tail is cut so
      // that the next load reads it clean; a last segment without records goes.
      if (valid <= kSegmentMagic.size()) {
        if (unlink(path.c_str()) != 0) {
          return absl::InternalError(absl::StrCat("cannot remove ", path, ": ", ErrnoText(errno)));
        }
        continue;
      }
      if (truncate(path.c_str(), static_cast<off_t>(valid)) != 0) {
        return absl::InternalError(absl::StrCat("cannot truncate ", path, ": ", ErrnoText(errno)));
      }
      kept_bytes = valid;
    }
    segments.push_back({first_sequence, path, kept_bytes});
  }
  absl::MutexLock lock(&log->mu_);
  log->segments_ = std::move(segments);
  log->UpdateMetricsLocked();
  return log;
}

SegmentLog::SegmentLog(Options options, int lock_fd)
    : options_(std::move(options)), lock_fd_(lock_fd) {}

SegmentLog::~SegmentLog() {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = FlushLocked(); !s.ok()) {
      spdlog::error("replay log: last flush failed: {}", std::string(s.message()));
    }
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  close(lock_fd_);  // releases the lock
}

bool SegmentLog::ShouldStartSegment() const {
  absl::MutexLock lock(&mu_);
  return fd_ < 0 || segments_.back().bytes + buffer_.size() >= options_.segment_bytes;
}

absl::Status SegmentLog::StartSegment(uint64_t first_sequence) {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) {
    if (absl::Status s = FlushLocked(); !s.ok()) return s;
  }
  const std::string path = absl::StrCat(options_.directory, "/", SegmentName(first_sequence));
  if (fd_ < 0 && !segments_.empty() && segments_.back().first_sequence == first_sequence) {
    // A segment of an earlier run that holds no event from `first_sequence` on (it was cut
    // after its snapshot): the new segment, which starts with the current snapshot, replaces it.
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      if (options_.metrics != nullptr) options_.metrics->disk_log_write_errors.Increment();
      return absl::InternalError(absl::StrCat("cannot replace ", path, ": ", ErrnoText(errno)));
    }
    segments_.pop_back();
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (options_.metrics != nullptr) options_.metrics->disk_log_write_errors.Increment();
    return absl::InternalError(absl::StrCat("cannot create ", path, ": ", ErrnoText(errno)));
  }
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  segments_.push_back({first_sequence, path, 0});
  buffer_.insert(0, kSegmentMagic);
  unsynced_ = true;
  if (options_.fsync) {
    if (absl::Status s = SyncDirectory(options_.directory); !s.ok()) {
      if (options_.metrics != nullptr) options_.metrics->disk_log_fsync_errors.Increment();
      spdlog::error("replay log: {}", std::string(s.message()));
    }
  }
  UpdateMetricsLocked();
  return absl::OkStatus();
}

void SegmentLog::Append(std::string_view record) {
  absl::MutexLock lock(&mu_);
  AppendSegmentRecord(record, &buffer_);
}

absl::Status SegmentLog::Flush() {
  absl::MutexLock lock(&mu_);
  return FlushLocked();
}

absl::Status SegmentLog::FlushLocked() {
  if (fd_ < 0) {
    if (buffer_.empty()) return absl::OkStatus();
    return absl::FailedPreconditionError("replay log: no segment open to write to");
  }
  absl::Status written = WriteBufferLocked();
  UpdateMetricsLocked();
  if (!written.ok()) return written;
  if (options_.fsync && unsynced_) {
    if (fdatasync(fd_) != 0) {
      if (options_.metrics != nullptr) options_.metrics->disk_log_fsync_errors.Increment();
      return absl::InternalError(
          absl::StrCat("fdatasync ", segments_.back().path, ": ", ErrnoText(errno)));
    }
    unsynced_ = false;
  }
  return absl::OkStatus();
}

absl::Status SegmentLog::WriteBufferLocked() {
  // One write() for the whole buffer; a short write (a full disk) leaves the rest buffered.
  size_t done = 0;
  absl::Status status;
  while (done < buffer_.size()) {
    const ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (options_.metrics != nullptr) options_.metrics->disk_log_write_errors.Increment();
      status = absl::InternalError(absl::StrCat("write ", segments_.back().path, ": ",
                                                n < 0 ? ErrnoText(errno) : "nothing written"));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (done > 0) {
    segments_.back().bytes += done;
    buffer_.erase(0, done);
    unsynced_ = true;
  }
  return status;
}

void SegmentLog::DeleteSegmentsBefore(uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  size_t deleted = 0;
  while (segments_.size() - deleted >= 2 && segments_[deleted + 1].first_sequence <= sequence) {
    const Segment& segment = segments_[deleted];
    if (unlink(segment.path.c_str()) != 0 && errno != ENOENT) {
      spdlog::warn("replay log: cannot delete {}: {}", segment.path, ErrnoText(errno));
      break;
    }
    ++deleted;
  }
  if (deleted == 0) return;
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(deleted));
  UpdateMetricsLocked();
}

size_t SegmentLog::segment_count() const {
  absl::MutexLock lock(&mu_);
  return segments_.size();
}

uint64_t SegmentLog::bytes() const {
  absl::MutexLock lock(&mu_);
  uint64_t total = buffer_.size();
  for (const Segment& segment : segments_) total += segment.bytes;
  return total;
}

size_t SegmentLog::buffered_bytes() const {
  absl::MutexLock lock(&mu_);
  return buffer_.size();
}

void SegmentLog::UpdateMetricsLocked() {
  if (options_.metrics == nullptr) return;
  uint64_t total = 0;
  for (const Segment& segment : segments_) total += segment.bytes;
  options_.metrics->disk_log_bytes.Set(static_cast<double>(total));
  options_.metrics->disk_log_segments.Set(static_cast<double>(segments_.size()));
}

}  // namespace wm::ingest
