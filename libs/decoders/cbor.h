#pragma once

// A small bounded CBOR (RFC 8949) reader and writer.
//
// Why our own rather than libcbor: diagnostics v2 payloads arrive at ingest rates, and libcbor's
// decoder builds a heap-allocated item tree per payload (one allocation per item) that we would
// walk once and throw away. This reader never allocates: it hands out each item's head and
// string contents as views into the payload, checks every length against the bytes that remain
// before using it, and leaves nesting to the caller, who bounds it. That makes it cheap enough
// for >= 1 million payloads/s per core and trivial to fuzz. The provisioning service needs to
// encode an int-keyed map (docs/provisioning.md, "DATA content"), so the writer lives here
// too: one small library for both directions, with no new system dependency.
//
// Supported: every major type with definite and indefinite lengths (arrays and maps ended by a
// break, byte and text strings made of chunks), floats (half, single, double), simple values.
// Rejected (reported as errors with their offset): reserved additional information 28..30,
// additional information 31 on an integer or tag, a break where no item ends, a string chunk
// that is not a definite-length string of its string's type, two-byte simple values below 32,
// and text strings that are not UTF-8. docs/diagnostics-v2.md lists the forms real nodes send.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wm::decoders {

// The eight CBOR major types (the top 3 bits of an item's first byte).
enum class CborMajorType : uint8_t {
  kUnsigned = 0,
  kNegative = 1,
  kBytes = 2,
  kText = 3,
  kArray = 4,
  kMap = 5,
  kTag = 6,
  kSimple = 7,  // simple values and floats
};

// "an unsigned integer", "a byte string", ...: for error messages about an unexpected item.
std::string_view CborMajorTypeName(CborMajorType major);

// The head of one CBOR data item as read by CborReader::Next.
struct CborItem {
  CborMajorType major = CborMajorType::kUnsigned;
  // kUnsigned: the value. kNegative: n for the value -1 - n. kBytes, kText: the length of the
  // content (for a chunked string, the sum of its chunks' lengths). kArray: the element count.
  // kMap: the number of key/value pairs. kTag: the tag number. kSimple: the simple value
  // (20 false, 21 true, 22 null, 23 undefined), unless is_float. An indefinite-length array or
  // map has argument 0: read its elements with CborReader::HasNext.
  uint64_t argument = 0;
  // kArray, kMap: the elements end with a break (0xff) rather than after `argument` of them.
  // kBytes, kText: the content comes in chunks (`chunks`, not `string`).
  // (Next the `is_float` flag, so that the fast path clears both in one store.)
  bool indefinite = false;
  // kSimple with additional information 25..27: a half, single or double float.
  bool is_float = false;
  // kBytes, kText of definite length: the content, a view into the payload. Empty for a
  // chunked string: read its content with CborStringChunks or AppendCborString, which work
  // for both forms.
  std::string_view string;
  // kBytes, kText of indefinite length: the encoded chunks (their heads and contents, without
  // the string's head and break), a view into the payload that CborReader::Next has checked.
  std::string_view chunks;
  // kSimple with is_float: the value.
  double float_value = 0;
  // Where the item's head starts in the payload.
  size_t offset = 0;
};

// Why CborReader stopped.
enum class CborErrorKind : uint8_t {
  kNone = 0,
  // The payload ends inside an item head or string, or inside an indefinite-length item
  // before its break (offset: where the next element, chunk or break should be).
  kTruncated,
  // Additional information 28..30, or 31 on an integer or tag.
  kReservedAdditionalInfo,
  // A "break" (0xff) where an item must be: outside any indefinite-length array or map, in a
  // definite-length one, or as the value of a map pair.
  kUnexpectedBreak,
  // An item inside an indefinite-length string that is neither a break nor a definite-length
  // string of the same major type (e.g. an integer, a text chunk in a byte string, or a
  // chunk that is itself indefinite).
  kInvalidChunk,
  // A two-byte simple value below 32 (RFC 8949 §3.3).
  kInvalidSimpleValue,
  // A text string that is not valid UTF-8.
  kInvalidUtf8,
  // Arrays, maps and tags nested deeper than the caller allowed.
  kTooDeep,
};

// What went wrong and where (the offset of the item that could not be read).
struct CborError {
  CborErrorKind kind = CborErrorKind::kNone;
  size_t offset = 0;
};

// A short English description of `kind`, e.g. "item runs past the end of the payload".
std::string_view CborErrorDescription(CborErrorKind kind);

// Reads CBOR items one head at a time from an untrusted payload, never past its end and
// without allocating. Arrays and maps are read by calling Next for each element (maps: key,
// then value) after their head, as long as HasNext says one follows, which covers both the
// definite form (a count) and the indefinite one (elements until a break); the caller decides
// how deep to go. Never reserve memory from an item's count: each element takes at least one
// byte, so reading runs into the end of the payload (kTruncated) long before a huge count
// could matter. Strings come whole from Next: a definite one as a view (`string`), a chunked
// one checked chunk by chunk and handed out as its chunks (`chunks`, see CborStringChunks).
//
//   CborReader r(payload);
//   CborItem map;
//   if (!r.Next(&map) || map.major != CborMajorType::kMap) ...
//   for (CborElements pairs(map); r.HasNext(&pairs);) { CborItem key, value; r.Next(&key); ... }
// Where reading the elements of one array or map stands (see CborReader::HasNext).
class CborElements {
 public:
  // `container` is the head of an array or map just read by CborReader::Next.
  explicit CborElements(const CborItem& container)
      : declared_(container.indefinite ? 0 : container.argument),
        remaining_(declared_),
        indefinite_(container.indefinite) {}

  // How many elements (maps: key/value pairs) HasNext has announced so far.
  uint64_t count() const { return declared_ - remaining_ + indefinite_count_; }

 private:
  friend class CborReader;

  // Definite: the count, and how many of them HasNext has not announced yet.
  uint64_t declared_;
  uint64_t remaining_;
  // Indefinite: until its break is read. Then cleared, so that HasNext stays false.
  bool indefinite_;
  uint64_t indefinite_count_ = 0;
};

class CborReader {
 public:
  explicit CborReader(std::string_view bytes) : bytes_(bytes) {}

  // Reads the next item's head (and a string's content) into `item`. Only the fields that
  // apply to the item's type are set (`string` for strings, `float_value` for floats). On
  // failure returns false, sets error() and leaves offset() at the item that failed; `item` is
  // then unspecified.
  bool Next(CborItem* item) {
    // Fast path, inline: the head of an integer, array, map or tag (most items of a
    // diagnostics payload) with its argument in full, and the head of an indefinite-length
    // array or map (real nodes' form; tested only once the definite test failed). Strings,
    // simple values, floats, errors and anything unusual go the long way.
    if (offset_ < bytes_.size()) {
      const auto* p = reinterpret_cast<const uint8_t*>(bytes_.data()) + offset_;
      const auto major = static_cast<CborMajorType>(p[0] >> 5);
      const uint8_t info = p[0] & 0x1F;
      const bool plain = major != CborMajorType::kBytes && major != CborMajorType::kText &&
                         major != CborMajorType::kSimple;
      if (plain && info <= 27) {
        const size_t extra = info < 24 ? 0 : size_t{1} << (info - 24);
        if (bytes_.size() - offset_ > extra) {
          uint64_t argument = info;
          if (extra > 0) {
            argument = 0;
            for (size_t i = 1; i <= extra; ++i) argument = argument << 8 | p[i];
          }
          item->major = major;
          item->argument = argument;
          item->offset = offset_;
          item->is_float = false;
          item->indefinite = false;
          offset_ += 1 + extra;
          return true;
        }
      } else if (info == 31 && (major == CborMajorType::kArray || major == CborMajorType::kMap)) {
        item->major = major;
        item->argument = 0;
        item->offset = offset_;
        item->is_float = false;
        item->indefinite = true;
        offset_ += 1;
        return true;
      }
    }
    return NextSlow(item);
  }

  // True when another element (maps: key/value pair) of the array or map that `elements`
  // walks follows, counting it; false after the last. A definite-length container has
  // `argument` elements; an indefinite-length one ends at its break, which the call that
  // returns false consumes. Calling again after false keeps returning false without reading.
  // When the payload ends before the break, HasNext returns true and the Next call for the
  // element reports kTruncated at the end of the payload.
  bool HasNext(CborElements* elements) {
    // One comparison per element of a definite-length container, as a counted loop has.
    if (elements->remaining_ > 0) {
      --elements->remaining_;
      return true;
    }
    if (!elements->indefinite_) return false;
    if (offset_ < bytes_.size() && static_cast<uint8_t>(bytes_[offset_]) == 0xFF) {
      ++offset_;
      elements->indefinite_ = false;
      return false;
    }
    ++elements->indefinite_count_;
    return true;
  }

  // Skips everything inside `item` (just read by Next): array elements, map pairs or the
  // tagged item, recursively, in either length form. At most `max_depth` arrays, maps and
  // tags may nest, `item` included (deeper: kTooDeep at the first container too deep).
  // Strings (chunked ones too: Next read them whole) and scalars have nothing inside;
  // skipping them is a no-op.
  bool SkipContent(const CborItem& item, int max_depth);

  // Moves back to `offset` (one returned by offset() earlier), e.g. to read a value again in
  // another way. Clears the error.
  void Rewind(size_t offset);

  const CborError& error() const { return error_; }
  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  bool AtEnd() const { return offset_ == bytes_.size(); }

 private:
  bool NextSlow(CborItem* item);
  // Checks the chunks of an indefinite-length string of type `major` whose head is at `start`,
  // up to and including its break; fills `item` and moves past the break.
  bool ReadChunkedString(CborMajorType major, size_t start, CborItem* item);
  bool Fail(CborErrorKind kind, size_t offset);

  std::string_view bytes_;
  size_t offset_ = 0;
  CborError error_;
};

// The content of a byte or text string item (read by CborReader::Next) piece by piece, without
// allocating: a definite-length string is one piece (none when empty), a chunked string one
// piece per non-empty chunk, each a view into the payload. Concatenated, the pieces are the
// content (item.argument bytes; for text, valid UTF-8: every chunk was checked on its own).
//
//   for (CborStringChunks c(item); auto piece = c.Next();) Write(*piece);
class CborStringChunks {
 public:
  explicit CborStringChunks(const CborItem& item);

  // The next piece, or nullopt after the last.
  std::optional<std::string_view> Next();

 private:
  std::string_view rest_;   // chunked: encoded chunks not yet handed out
  std::string_view whole_;  // definite: the content, until handed out
  bool chunked_;
};

// Appends the content of a byte or text string item to `out`: item.argument bytes, which the
// payload holds (so a caller may reserve them). This is the one way to get a chunked string's
// content in one piece; it allocates only what `out` needs to grow.
void AppendCborString(const CborItem& item, std::string* out);

// Appends CBOR items to a byte string, always in the shortest (preferred) encoding. Arrays and
// maps are written as a header with their count followed by that many items (maps: key, then
// value), which the caller writes next; or, as real nodes send them, as an indefinite-length
// header, the items, then Break(). Indefinite-length strings are IndefiniteBytes or
// IndefiniteText, then definite-length chunks of that type, then Break().
//
//   CborWriter w;
//   w.MapHeader(2).Unsigned(0).Bytes(key).Unsigned(3).Unsigned(11);   // {0: h'..', 3: 11}
//   std::string encoded = w.Release();
class CborWriter {
 public:
  CborWriter& Unsigned(uint64_t value);
  // A signed integer: major type 0 when >= 0, 1 otherwise.
  CborWriter& Int(int64_t value);
  CborWriter& Bytes(std::string_view value);
  // `value` must be UTF-8; the writer does not check it.
  CborWriter& Text(std::string_view value);
  CborWriter& ArrayHeader(uint64_t count);
  CborWriter& MapHeader(uint64_t pairs);
  CborWriter& IndefiniteArray();
  CborWriter& IndefiniteMap();
  CborWriter& IndefiniteBytes();
  CborWriter& IndefiniteText();
  // Ends the innermost indefinite-length item.
  CborWriter& Break();
  CborWriter& Tag(uint64_t tag);
  CborWriter& Bool(bool value);
  CborWriter& Null();

  const std::string& bytes() const { return bytes_; }
  // The encoded bytes, leaving the writer empty.
  std::string Release();

 private:
  void Head(CborMajorType major, uint64_t argument);

  std::string bytes_;
};

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values > U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace wm::decoders
