#include "libs/decoders/cbor.h"

#include <cmath>
#include <cstring>

namespace wm::decoders {

std::string_view CborMajorTypeName(CborMajorType major) {
  switch (major) {
    case CborMajorType::kUnsigned:
      return "an unsigned integer";
    case CborMajorType::kNegative:
      return "a negative integer";
    case CborMajorType::kBytes:
      return "a byte string";
    case CborMajorType::kText:
      return "a text string";
    case CborMajorType::kArray:
      return "an array";
    case CborMajorType::kMap:
      return "a map";
    case CborMajorType::kTag:
      return "a tag";
    case CborMajorType::kSimple:
      return "a simple value or float";
  }
  return "an unknown item";
}
namespace {

// Half-precision float to double (RFC 8949 Appendix D).
double HalfToDouble(uint16_t half) {
  const int exponent = (half >> 10) & 0x1F;
  const int mantissa = half & 0x3FF;
  double value;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent != 31) {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  } else {
    value = mantissa == 0 ? INFINITY : NAN;
  }
  return (half & 0x8000) ? -value : value;
}

}  // namespace

std::string_view CborErrorDescription(CborErrorKind kind) {
  switch (kind) {
    case CborErrorKind::kNone:
      return "no error";
    case CborErrorKind::kTruncated:
      return "item runs past the end of the payload";
    case CborErrorKind::kReservedAdditionalInfo:
      return "reserved additional information";
    case CborErrorKind::kUnexpectedBreak:
      return "break where an item must be";
    case CborErrorKind::kInvalidChunk:
      return "indefinite-length string chunk is not a definite-length string of its type";
    case CborErrorKind::kInvalidSimpleValue:
      return "two-byte simple value below 32";
    case CborErrorKind::kInvalidUtf8:
      return "text string is not valid UTF-8";
    case CborErrorKind::kTooDeep:
      return "nesting is too deep";
  }
  return "unknown error";
}

bool CborReader::Fail(CborErrorKind kind, size_t offset) {
  error_ = CborError{kind, offset};
  offset_ = offset;
  return false;
}

void CborReader::Rewind(size_t offset) {
  offset_ = offset <= bytes_.size() ? offset : bytes_.size();
  error_ = CborError{};
}

bool CborReader::NextSlow(CborItem* item) {
  const size_t start = offset_;
  if (remaining() < 1) return Fail(CborErrorKind::kTruncated, start);
  const uint8_t initial = static_cast<uint8_t>(bytes_[start]);
  const auto major = static_cast<CborMajorType>(initial >> 5);
  const uint8_t info = initial & 0x1F;

  uint64_t argument = info;
  size_t head_size = 1;
  if (info >= 24 && info <= 27) {
    const size_t extra = size_t{1} << (info - 24);  // 1, 2, 4 or 8 bytes, big-endian
    if (remaining() < 1 + extra) return Fail(CborErrorKind::kTruncated, start);
    argument = 0;
    for (size_t i = 0; i < extra; ++i) {
      argument = argument << 8 | static_cast<uint8_t>(bytes_[start + 1 + i]);
    }
    head_size += extra;
  } else if (info >= 28 && info <= 30) {
    return Fail(CborErrorKind::kReservedAdditionalInfo, start);
  } else if (info == 31) {
    switch (major) {
      case CborMajorType::kBytes:
      case CborMajorType::kText:
        return ReadChunkedString(major, start, item);
      case CborMajorType::kArray:
      case CborMajorType::kMap:
        item->major = major;
        item->argument = 0;
        item->offset = start;
        item->is_float = false;
        item->indefinite = true;
        offset_ = start + 1;
        return true;
      case CborMajorType::kSimple:
        return Fail(CborErrorKind::kUnexpectedBreak, start);
      default:
        return Fail(CborErrorKind::kReservedAdditionalInfo, start);
    }
  }

  // Fields are written in place: building a local item and copying it out costs a
  // store-forwarding stall per field on x86, which dominated decoding time.
  item->major = major;
  item->argument = argument;
  item->offset = start;
  item->is_float = false;
  item->indefinite = false;
  switch (major) {
    case CborMajorType::kBytes:
    case CborMajorType::kText: {
      // Compare against what remains rather than adding: `argument` may be near 2^64.
      if (argument > remaining() - head_size) return Fail(CborErrorKind::kTruncated, start);
      const std::string_view content =
          bytes_.substr(start + head_size, static_cast<size_t>(argument));
      if (major == CborMajorType::kText && !IsValidUtf8(content)) {
        return Fail(CborErrorKind::kInvalidUtf8, start);
      }
      item->string = content;
      head_size += static_cast<size_t>(argument);
      break;
    }
    case CborMajorType::kSimple:
      if (info == 24 && argument < 32) return Fail(CborErrorKind::kInvalidSimpleValue, start);
      if (info == 25) {
        item->is_float = true;
        item->float_value = HalfToDouble(static_cast<uint16_t>(argument));
      } else if (info == 26) {
        float f;
        const auto bits = static_cast<uint32_t>(argument);
        std::memcpy(&f, &bits, sizeof f);
        item->is_float = true;
        item->float_value = f;
      } else if (info == 27) {
        double d;
        std::memcpy(&d, &argument, sizeof d);
        item->is_float = true;
        item->float_value = d;
      }
      break;
    default:
      break;
  }
  offset_ = start + head_size;
  return true;
}

bool CborReader::ReadChunkedString(CborMajorType major, size_t start, CborItem* item) {
  size_t at = start + 1;
  uint64_t total = 0;
  for (;;) {
    if (at >= bytes_.size()) return Fail(CborErrorKind::kTruncated, at);
    const uint8_t initial = static_cast<uint8_t>(bytes_[at]);
    if (initial == 0xFF) break;
    const uint8_t info = initial & 0x1F;
    if (static_cast<CborMajorType>(initial >> 5) != major || info == 31) {
      return Fail(CborErrorKind::kInvalidChunk, at);
    }
    // A chunk is a definite-length string of the same type: read it as one.
    offset_ = at;
    CborItem chunk;
    if (!NextSlow(&chunk)) return false;  // error and offset are the chunk's
    total += chunk.argument;              // bounded by the payload's size: no overflow
    at = offset_;
  }
  item->major = major;
  item->argument = total;
  item->offset = start;
  item->is_float = false;
  item->indefinite = true;
  item->string = std::string_view();
  item->chunks = bytes_.substr(start + 1, at - start - 1);
  offset_ = at + 1;
  return true;
}

bool CborReader::SkipContent(const CborItem& item, int max_depth) {
  switch (item.major) {
    case CborMajorType::kArray:
    case CborMajorType::kMap:
    case CborMajorType::kTag:
      break;
    default:
      return true;
  }
  if (max_depth <= 0) return Fail(CborErrorKind::kTooDeep, item.offset);
  if (item.major == CborMajorType::kTag) {
    CborItem child;
    return Next(&child) && SkipContent(child, max_depth - 1);
  }
  const int items_per_element = item.major == CborMajorType::kMap ? 2 : 1;
  for (CborElements elements(item); HasNext(&elements);) {
    for (int i = 0; i < items_per_element; ++i) {
      CborItem child;
      if (!Next(&child) || !SkipContent(child, max_depth - 1)) return false;
    }
  }
  return true;
}

CborStringChunks::CborStringChunks(const CborItem& item)
    : rest_(item.indefinite ? item.chunks : std::string_view()),
      whole_(item.indefinite ? std::string_view() : item.string),
      chunked_(item.indefinite) {}

std::optional<std::string_view> CborStringChunks::Next() {
  if (!chunked_) {
    if (whole_.empty()) return std::nullopt;
    const std::string_view piece = whole_;
    whole_ = std::string_view();
    return piece;
  }
  // The reader checked these chunks: each is a definite-length head and its content, all
  // within `rest_`. Empty chunks are passed over.
  while (!rest_.empty()) {
    const uint8_t info = static_cast<uint8_t>(rest_[0]) & 0x1F;
    uint64_t length = info;
    size_t head = 1;
    if (info >= 24) {
      const size_t extra = size_t{1} << (info - 24);
      length = 0;
      for (size_t i = 1; i <= extra; ++i) length = length << 8 | static_cast<uint8_t>(rest_[i]);
      head += extra;
    }
    const std::string_view piece = rest_.substr(head, static_cast<size_t>(length));
    rest_.remove_prefix(head + static_cast<size_t>(length));
    if (!piece.empty()) return piece;
  }
  return std::nullopt;
}

void AppendCborString(const CborItem& item, std::string* out) {
  if (!item.indefinite) {
    out->append(item.string);
    return;
  }
  out->reserve(out->size() + static_cast<size_t>(item.argument));
  CborStringChunks chunks(item);
  while (const std::optional<std::string_view> piece = chunks.Next()) out->append(*piece);
}

CborWriter& CborWriter::Unsigned(uint64_t value) {
  Head(CborMajorType::kUnsigned, value);
  return *this;
}

CborWriter& CborWriter::Int(int64_t value) {
  if (value >= 0) {
    Head(CborMajorType::kUnsigned, static_cast<uint64_t>(value));
  } else {
    // -1 - value, computed without overflow for INT64_MIN.
    Head(CborMajorType::kNegative, ~static_cast<uint64_t>(value));
  }
  return *this;
}

CborWriter& CborWriter::Bytes(std::string_view value) {
  Head(CborMajorType::kBytes, value.size());
  bytes_.append(value);
  return *this;
}

CborWriter& CborWriter::Text(std::string_view value) {
  Head(CborMajorType::kText, value.size());
  bytes_.append(value);
  return *this;
}

CborWriter& CborWriter::ArrayHeader(uint64_t count) {
  Head(CborMajorType::kArray, count);
  return *this;
}

CborWriter& CborWriter::MapHeader(uint64_t pairs) {
  Head(CborMajorType::kMap, pairs);
  return *this;
}

CborWriter& CborWriter::IndefiniteArray() {
  bytes_.push_back(static_cast<char>(0x9F));
  return *this;
}

CborWriter& CborWriter::IndefiniteMap() {
  bytes_.push_back(static_cast<char>(0xBF));
  return *this;
}

CborWriter& CborWriter::IndefiniteBytes() {
  bytes_.push_back(static_cast<char>(0x5F));
  return *this;
}

CborWriter& CborWriter::IndefiniteText() {
  bytes_.push_back(static_cast<char>(0x7F));
  return *this;
}

CborWriter& CborWriter::Break() {
  bytes_.push_back(static_cast<char>(0xFF));
  return *this;
}

CborWriter& CborWriter::Tag(uint64_t tag) {
  Head(CborMajorType::kTag, tag);
  return *this;
}

CborWriter& CborWriter::Bool(bool value) {
  Head(CborMajorType::kSimple, value ? 21 : 20);
  return *this;
}

CborWriter& CborWriter::Null() {
  Head(CborMajorType::kSimple, 22);
  return *this;
}

std::string CborWriter::Release() {
  std::string out;
  out.swap(bytes_);
  return out;
}

void CborWriter::Head(CborMajorType major, uint64_t argument) {
  const auto top = static_cast<uint8_t>(static_cast<uint8_t>(major) << 5);
  int extra;
  if (argument < 24) {
    bytes_.push_back(static_cast<char>(top | argument));
    return;
  } else if (argument <= 0xFF) {
    bytes_.push_back(static_cast<char>(top | 24));
    extra = 1;
  } else if (argument <= 0xFFFF) {
    bytes_.push_back(static_cast<char>(top | 25));
    extra = 2;
  } else if (argument <= 0xFFFFFFFF) {
    bytes_.push_back(static_cast<char>(top | 26));
    extra = 4;
  } else {
    bytes_.push_back(static_cast<char>(top | 27));
    extra = 8;
  }
  for (int i = extra - 1; i >= 0; --i) {
    bytes_.push_back(static_cast<char>((argument >> (8 * i)) & 0xFF));
  }
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (n - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto cc = static_cast<uint8_t>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = code << 6 | (cc & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace wm::decoders
