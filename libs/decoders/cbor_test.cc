#include "libs/decoders/cbor.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"

namespace wm::decoders {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

CborItem ReadOne(const std::string& bytes) {
  CborReader r(bytes);
  CborItem item;
  EXPECT_TRUE(r.Next(&item)) << CborErrorDescription(r.error().kind);
  EXPECT_TRUE(r.AtEnd());
  return item;
}

CborError ReadError(const std::string& bytes) {
  CborReader r(bytes);
  CborItem item;
  EXPECT_FALSE(r.Next(&item));
  return r.error();
}

// Examples from RFC 8949 Appendix A.
TEST(CborWriter, WritesShortestIntegers) {
  EXPECT_EQ(CborWriter().Unsigned(0).bytes(), Bytes({0x00}));
  EXPECT_EQ(CborWriter().Unsigned(23).bytes(), Bytes({0x17}));
  EXPECT_EQ(CborWriter().Unsigned(24).bytes(), Bytes({0x18, 0x18}));
  EXPECT_EQ(CborWriter().Unsigned(100).bytes(), Bytes({0x18, 0x64}));
  EXPECT_EQ(CborWriter().Unsigned(1000).bytes(), Bytes({0x19, 0x03, 0xe8}));
  EXPECT_EQ(CborWriter().Unsigned(1000000).bytes(), Bytes({0x1a, 0x00, 0x0f, 0x42, 0x40}));
  EXPECT_EQ(CborWriter().Unsigned(1000000000000).bytes(),
            Bytes({0x1b, 0x00, 0x00, 0x00, 0xe8, 0xd4, 0xa5, 0x10, 0x00}));
  EXPECT_EQ(CborWriter().Unsigned(UINT64_MAX).bytes(),
            Bytes({0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(CborWriter().Int(-1).bytes(), Bytes({0x20}));
  EXPECT_EQ(CborWriter().Int(-10).bytes(), Bytes({0x29}));
  EXPECT_EQ(CborWriter().Int(-100).bytes(), Bytes({0x38, 0x63}));
  EXPECT_EQ(CborWriter().Int(-1000).bytes(), Bytes({0x39, 0x03, 0xe7}));
  EXPECT_EQ(CborWriter().Int(INT64_MIN).bytes(),
            Bytes({0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(CborWriter().Int(5).bytes(), Bytes({0x05}));
}

TEST(CborWriter, WritesStringsArraysMapsAndSimpleValues) {
  EXPECT_EQ(CborWriter().Bytes("").bytes(), Bytes({0x40}));
  EXPECT_EQ(CborWriter().Bytes(Bytes({1, 2, 3, 4})).bytes(), Bytes({0x44, 1, 2, 3, 4}));
  EXPECT_EQ(CborWriter().Text("IETF").bytes(), Bytes({0x64, 'I', 'E', 'T', 'F'}));
  EXPECT_EQ(CborWriter().ArrayHeader(0).bytes(), Bytes({0x80}));
  EXPECT_EQ(CborWriter().ArrayHeader(3).Unsigned(1).Unsigned(2).Unsigned(3).bytes(),
            Bytes({0x83, 1, 2, 3}));
  EXPECT_EQ(CborWriter().MapHeader(2).Unsigned(1).Unsigned(2).Unsigned(3).Unsigned(4).bytes(),
            Bytes({0xa2, 1, 2, 3, 4}));
  EXPECT_EQ(CborWriter().Tag(1).Unsigned(1363896240).bytes(),
            Bytes({0xc1, 0x1a, 0x51, 0x4b, 0x67, 0xb0}));
  EXPECT_EQ(CborWriter().Bool(false).Bool(true).Null().bytes(), Bytes({0xf4, 0xf5, 0xf6}));
  std::string long_text(300, 'x');
  const std::string encoded = CborWriter().Text(long_text).bytes();
  EXPECT_EQ(encoded.substr(0, 3), Bytes({0x79, 0x01, 0x2c}));
  EXPECT_EQ(encoded.size(), 303u);
}

TEST(CborWriter, ReleaseEmptiesTheWriter) {
  CborWriter w;
  w.Unsigned(1);
  EXPECT_EQ(w.Release(), Bytes({0x01}));
  EXPECT_TRUE(w.bytes().empty());
}

// The provisioning DATA content: {0: encryption key, 1: authentication key, 2: network
// address, 3: network channel} (docs/provisioning.md, "DATA content"), written and read back.
TEST(Cbor, IntKeyedMapRoundTrips) {
  const std::string key(16, '\x11');
  CborWriter w;
  w.MapHeader(4).Unsigned(0).Bytes(key).Unsigned(1).Bytes(key).Unsigned(2).Unsigned(0x123456);
  w.Unsigned(3).Unsigned(11);
  const std::string encoded = w.Release();

  CborReader r(encoded);
  CborItem map;
  ASSERT_TRUE(r.Next(&map));
  EXPECT_EQ(map.major, CborMajorType::kMap);
  EXPECT_EQ(map.argument, 4u);
  CborItem key0, value0;
  ASSERT_TRUE(r.Next(&key0));
  ASSERT_TRUE(r.Next(&value0));
  EXPECT_EQ(key0.argument, 0u);
  EXPECT_EQ(value0.major, CborMajorType::kBytes);
  EXPECT_EQ(value0.string, key);
  ASSERT_TRUE(r.SkipContent(value0, 1));  // a string: nothing inside
  CborItem item;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(r.Next(&item));  // 1: h'..', 2: 0x123456
  EXPECT_EQ(item.argument, 0x123456u);
  ASSERT_TRUE(r.Next(&item));
  ASSERT_TRUE(r.Next(&item));
  EXPECT_EQ(item.argument, 11u);
  EXPECT_TRUE(r.AtEnd());
}

TEST(CborReader, ReadsIntegerHeads) {
  EXPECT_EQ(ReadOne(Bytes({0x17})).argument, 23u);
  EXPECT_EQ(ReadOne(Bytes({0x18, 0x18})).argument, 24u);
  EXPECT_EQ(ReadOne(Bytes({0x19, 0x03, 0xe8})).argument, 1000u);
  EXPECT_EQ(ReadOne(Bytes({0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})).argument,
            UINT64_MAX);
  const CborItem negative = ReadOne(Bytes({0x38, 0x63}));
  EXPECT_EQ(negative.major, CborMajorType::kNegative);
  EXPECT_EQ(negative.argument, 99u);  // -1 - 99 = -100
}

TEST(CborReader, ReadsStringsAsViews) {
  const std::string bytes = Bytes({0x44, 1, 2, 3, 4});
  CborReader r(bytes);
  CborItem item;
  ASSERT_TRUE(r.Next(&item));
  EXPECT_EQ(item.major, CborMajorType::kBytes);
  EXPECT_EQ(item.string, Bytes({1, 2, 3, 4}));
  EXPECT_EQ(item.string.data(), bytes.data() + 1);
  EXPECT_EQ(ReadOne(Bytes({0x62, 0xc3, 0xbc})).string, "\xc3\xbc");  // "ü"
}

TEST(CborReader, ReadsFloats) {
  EXPECT_EQ(ReadOne(Bytes({0xf9, 0x00, 0x00})).float_value, 0.0);
  EXPECT_EQ(ReadOne(Bytes({0xf9, 0x3c, 0x00})).float_value, 1.0);
  EXPECT_EQ(ReadOne(Bytes({0xf9, 0x3e, 0x00})).float_value, 1.5);
  EXPECT_EQ(ReadOne(Bytes({0xf9, 0x7b, 0xff})).float_value, 65504.0);
  EXPECT_EQ(ReadOne(Bytes({0xf9, 0x00, 0x01})).float_value, 5.960464477539063e-8);
  EXPECT_EQ(ReadOne(Bytes({0xf9, 0xc4, 0x00})).float_value, -4.0);
  EXPECT_TRUE(std::isinf(ReadOne(Bytes({0xf9, 0x7c, 0x00})).float_value));
  EXPECT_TRUE(std::isnan(ReadOne(Bytes({0xf9, 0x7e, 0x00})).float_value));
  EXPECT_EQ(ReadOne(Bytes({0xfa, 0x47, 0xc3, 0x50, 0x00})).float_value, 100000.0);
  EXPECT_EQ(ReadOne(Bytes({0xfb, 0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a})).float_value,
            1.1);
  const CborItem simple = ReadOne(Bytes({0xf8, 0xff}));
  EXPECT_FALSE(simple.is_float);
  EXPECT_EQ(simple.argument, 255u);
}

TEST(CborReader, TruncatedHeadsAndStrings) {
  for (const std::string& bytes :
       {Bytes({}), Bytes({0x18}), Bytes({0x19, 0x03}), Bytes({0x1a, 0, 0, 0}),
        Bytes({0x1b, 0, 0, 0, 0, 0, 0, 0}), Bytes({0x44, 1, 2, 3}), Bytes({0x62, 'a'}),
        Bytes({0xf9, 0x3c})}) {
    const CborError e = ReadError(bytes);
    EXPECT_EQ(e.kind, CborErrorKind::kTruncated) << bytes.size();
    EXPECT_EQ(e.offset, 0u);
  }
}

// A declared length near 2^64 must be compared, not added, to the bytes that remain.
TEST(CborReader, HugeStringLengthIsTruncatedNotOverflow) {
  EXPECT_EQ(ReadError(Bytes({0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2})).kind,
            CborErrorKind::kTruncated);
  EXPECT_EQ(ReadError(Bytes({0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf7})).kind,
            CborErrorKind::kTruncated);
}

TEST(CborReader, RejectsReservedEncodings) {
  EXPECT_EQ(ReadError(Bytes({0x1c})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0x3e})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0x1f})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0xdf})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0xff})).kind, CborErrorKind::kUnexpectedBreak);
  EXPECT_EQ(ReadError(Bytes({0xf8, 0x1f})).kind, CborErrorKind::kInvalidSimpleValue);
  EXPECT_EQ(ReadError(Bytes({0x61, 0xff})).kind, CborErrorKind::kInvalidUtf8);
}

TEST(CborReader, ErrorOffsetIsTheFailingItem) {
  const std::string bytes = Bytes({0x82, 0x01, 0x1c});
  CborReader r(bytes);
  CborItem item;
  ASSERT_TRUE(r.Next(&item));
  ASSERT_TRUE(r.Next(&item));
  EXPECT_FALSE(r.Next(&item));
  EXPECT_EQ(r.error().offset, 2u);
  EXPECT_EQ(r.offset(), 2u);
}

TEST(CborReader, SkipContentIsBoundedByDepth) {
  // [[[1]]]: three levels of arrays.
  const std::string nested = Bytes({0x81, 0x81, 0x81, 0x01});
  {
    CborReader r(nested);
    CborItem top;
    ASSERT_TRUE(r.Next(&top));
    EXPECT_TRUE(r.SkipContent(top, 3));
    EXPECT_TRUE(r.AtEnd());
  }
  {
    CborReader r(nested);
    CborItem top;
    ASSERT_TRUE(r.Next(&top));
    EXPECT_FALSE(r.SkipContent(top, 2));
    EXPECT_EQ(r.error().kind, CborErrorKind::kTooDeep);
    EXPECT_EQ(r.error().offset, 2u);
  }
}

// A count of 2^64 - 1 elements stops at the end of the payload: nothing is sized from it.
TEST(CborReader, HugeCountRunsIntoTheEnd) {
  const std::string bytes = Bytes({0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2});
  CborReader r(bytes);
  CborItem top;
  ASSERT_TRUE(r.Next(&top));
  EXPECT_FALSE(r.SkipContent(top, 4));
  EXPECT_EQ(r.error().kind, CborErrorKind::kTruncated);
  EXPECT_EQ(r.error().offset, 11u);
}

TEST(CborReader, RewindReadsAgain) {
  const std::string bytes = Bytes({0x01, 0x02});
  CborReader r(bytes);
  CborItem item;
  ASSERT_TRUE(r.Next(&item));
  const size_t second = r.offset();
  ASSERT_TRUE(r.Next(&item));
  EXPECT_FALSE(r.Next(&item));
  r.Rewind(second);
  EXPECT_EQ(r.error().kind, CborErrorKind::kNone);
  ASSERT_TRUE(r.Next(&item));
  EXPECT_EQ(item.argument, 2u);
}

// ---- Indefinite lengths --------------------------------------------------------------------

// Renders the item at the reader's position, and everything in it, in diagnostic notation
// without marking the length form: both encodings of the same value read the same. Empty on
// a read error.
std::string Render(CborReader* r, int depth = 8) {
  CborItem item;
  if (!r->Next(&item)) return "";
  switch (item.major) {
    case CborMajorType::kUnsigned:
      return std::to_string(item.argument);
    case CborMajorType::kBytes:
    case CborMajorType::kText: {
      std::string content;
      AppendCborString(item, &content);
      EXPECT_EQ(content.size(), item.argument);
      return (item.major == CborMajorType::kText ? "\"" : "h'") + content +
             (item.major == CborMajorType::kText ? "\"" : "'");
    }
    case CborMajorType::kArray:
    case CborMajorType::kMap: {
      if (depth == 0) return "";
      const bool map = item.major == CborMajorType::kMap;
      std::string out = map ? "{" : "[";
      for (CborElements elements(item); r->HasNext(&elements);) {
        if (elements.count() > 1) out += ", ";
        const std::string first = Render(r, depth - 1);
        if (first.empty()) return "";
        out += first;
        if (map) {
          const std::string second = Render(r, depth - 1);
          if (second.empty()) return "";
          out += ": " + second;
        }
      }
      return out + (map ? "}" : "]");
    }
    default:
      return "?";
  }
}

std::string RenderAll(const std::string& bytes) {
  CborReader r(bytes);
  std::string out = Render(&r);
  EXPECT_TRUE(r.AtEnd()) << out;
  return out;
}

// RFC 8949 Appendix A's indefinite-length examples, each next to its definite form.
TEST(CborReader, ReadsIndefiniteArraysAndMapsLikeDefiniteOnes) {
  // [_ ]
  EXPECT_EQ(RenderAll(Bytes({0x9f, 0xff})), "[]");
  // [_ 1, [2, 3], [_ 4, 5]] and [1, [2, 3], [4, 5]]
  EXPECT_EQ(RenderAll(Bytes({0x9f, 0x01, 0x82, 0x02, 0x03, 0x9f, 0x04, 0x05, 0xff, 0xff})),
            "[1, [2, 3], [4, 5]]");
  EXPECT_EQ(RenderAll(Bytes({0x83, 0x01, 0x82, 0x02, 0x03, 0x82, 0x04, 0x05})),
            "[1, [2, 3], [4, 5]]");
  // [1, [2, 3], [_ 4, 5]] and [1, [_ 2, 3], [4, 5]]
  EXPECT_EQ(RenderAll(Bytes({0x83, 0x01, 0x82, 0x02, 0x03, 0x9f, 0x04, 0x05, 0xff})),
            "[1, [2, 3], [4, 5]]");
  EXPECT_EQ(RenderAll(Bytes({0x83, 0x01, 0x9f, 0x02, 0x03, 0xff, 0x82, 0x04, 0x05})),
            "[1, [2, 3], [4, 5]]");
  // {_ "a": 1, "b": [_ 2, 3]}
  EXPECT_EQ(RenderAll(Bytes({0xbf, 0x61, 'a', 0x01, 0x61, 'b', 0x9f, 0x02, 0x03, 0xff, 0xff})),
            "{\"a\": 1, \"b\": [2, 3]}");
  // ["a", {_ "b": "c"}]
  EXPECT_EQ(RenderAll(Bytes({0x82, 0x61, 'a', 0xbf, 0x61, 'b', 0x61, 'c', 0xff})),
            "[\"a\", {\"b\": \"c\"}]");
  // {_ } and {}
  EXPECT_EQ(RenderAll(Bytes({0xbf, 0xff})), "{}");
}

TEST(CborReader, IndefiniteHeadsAreMarked) {
  const std::string bytes = Bytes({0x9f, 0xff, 0x80, 0xbf, 0xff, 0xa0});
  CborReader r(bytes);
  CborItem item;
  ASSERT_TRUE(r.Next(&item));
  EXPECT_EQ(item.major, CborMajorType::kArray);
  EXPECT_TRUE(item.indefinite);
  EXPECT_EQ(item.argument, 0u);
  CborElements elements(item);
  EXPECT_FALSE(r.HasNext(&elements));
  EXPECT_EQ(elements.count(), 0u);
  // Read into the same item: the definite head clears the mark.
  ASSERT_TRUE(r.Next(&item));
  EXPECT_FALSE(item.indefinite);
  ASSERT_TRUE(r.Next(&item));
  EXPECT_EQ(item.major, CborMajorType::kMap);
  EXPECT_TRUE(item.indefinite);
  CborElements pairs(item);
  EXPECT_FALSE(r.HasNext(&pairs));
  ASSERT_TRUE(r.Next(&item));
  EXPECT_FALSE(item.indefinite);
  EXPECT_TRUE(r.AtEnd());
}

// After the break that ends a container, HasNext does not read the break of its parent.
TEST(CborReader, HasNextStopsAtItsOwnBreak) {
  const std::string bytes = Bytes({0x9f, 0x9f, 0xff, 0xff});  // [_ [_ ]]
  CborReader r(bytes);
  CborItem outer, inner;
  ASSERT_TRUE(r.Next(&outer));
  CborElements outer_elements(outer);
  ASSERT_TRUE(r.HasNext(&outer_elements));
  ASSERT_TRUE(r.Next(&inner));
  CborElements inner_elements(inner);
  EXPECT_FALSE(r.HasNext(&inner_elements));
  EXPECT_EQ(r.offset(), 3u);
  EXPECT_FALSE(r.HasNext(&inner_elements));  // again: nothing read
  EXPECT_EQ(r.offset(), 3u);
  EXPECT_FALSE(r.HasNext(&outer_elements));
  EXPECT_EQ(outer_elements.count(), 1u);
  EXPECT_TRUE(r.AtEnd());
}

TEST(CborReader, ReadsChunkedStrings) {
  // (_ h'0102', h'030405')
  const std::string bytes = Bytes({0x5f, 0x42, 0x01, 0x02, 0x43, 0x03, 0x04, 0x05, 0xff});
  CborReader r(bytes);
  CborItem item;
  ASSERT_TRUE(r.Next(&item));
  EXPECT_TRUE(r.AtEnd());
  EXPECT_EQ(item.major, CborMajorType::kBytes);
  EXPECT_TRUE(item.indefinite);
  EXPECT_EQ(item.argument, 5u);
  EXPECT_TRUE(item.string.empty());
  // The pieces are views into the payload, in order.
  CborStringChunks chunks(item);
  std::optional<std::string_view> piece = chunks.Next();
  ASSERT_TRUE(piece.has_value());
  EXPECT_EQ(*piece, Bytes({1, 2}));
  EXPECT_EQ(piece->data(), bytes.data() + 2);
  piece = chunks.Next();
  ASSERT_TRUE(piece.has_value());
  EXPECT_EQ(*piece, Bytes({3, 4, 5}));
  EXPECT_EQ(piece->data(), bytes.data() + 5);
  EXPECT_FALSE(chunks.Next().has_value());
  std::string content = "x";
  AppendCborString(item, &content);
  EXPECT_EQ(content, "x" + Bytes({1, 2, 3, 4, 5}));

  // (_ "strea", "ming")
  EXPECT_EQ(RenderAll(Bytes({0x7f, 0x65, 's', 't', 'r', 'e', 'a', 0x64, 'm', 'i', 'n', 'g', 0xff})),
            "\"streaming\"");
  // (_ ), (_ h'', h''), (_ "", "\u00fc"): empty chunks and UTF-8 in one chunk.
  EXPECT_EQ(ReadOne(Bytes({0x5f, 0xff})).argument, 0u);
  const std::string empty_chunks_bytes = Bytes({0x5f, 0x40, 0x40, 0xff});
  const CborItem empty_chunks = ReadOne(empty_chunks_bytes);
  EXPECT_FALSE(CborStringChunks(empty_chunks).Next().has_value());
  EXPECT_EQ(RenderAll(Bytes({0x7f, 0x60, 0x62, 0xc3, 0xbc, 0xff})), "\"\xc3\xbc\"");
  // A chunk with a 1-byte length: 24 bytes.
  std::string long_chunk = Bytes({0x5f, 0x58, 24});
  long_chunk.append(24, 'z');
  long_chunk += Bytes({0xff});
  const CborItem long_item = ReadOne(long_chunk);
  EXPECT_EQ(long_item.argument, 24u);
  std::string long_content;
  AppendCborString(long_item, &long_content);
  EXPECT_EQ(long_content, std::string(24, 'z'));
}

TEST(CborReader, DefiniteStringsAreOneChunk) {
  const std::string bytes = Bytes({0x43, 0x01, 0x02, 0x03});
  const CborItem item = ReadOne(bytes);
  CborStringChunks chunks(item);
  const std::optional<std::string_view> piece = chunks.Next();
  ASSERT_TRUE(piece.has_value());
  EXPECT_EQ(*piece, Bytes({1, 2, 3}));
  EXPECT_FALSE(chunks.Next().has_value());
  EXPECT_FALSE(CborStringChunks(ReadOne(Bytes({0x60}))).Next().has_value());
}

// Reads the whole of `bytes` (see Render) and returns the error that stopped it.
CborError RenderError(const std::string& bytes) {
  CborReader r(bytes);
  EXPECT_EQ(Render(&r), "") << "expected an error";
  return r.error();
}

// The payload ends inside an indefinite-length item: truncated where its next element, chunk
// or break should be.
TEST(CborReader, MissingBreakIsTruncated) {
  struct Case {
    std::string bytes;
    size_t offset;
  };
  const Case cases[] = {
      {Bytes({0x9f}), 1},                    // [_
      {Bytes({0x9f, 0x01, 0x02}), 3},        // [_ 1, 2
      {Bytes({0x82, 0x01, 0x9f, 0x02}), 4},  // [1, [_ 2
      {Bytes({0xbf}), 1},                    // {_
      {Bytes({0xbf, 0x01, 0x02}), 3},        // {_ 1: 2
      {Bytes({0xbf, 0x01}), 2},              // {_ 1:
      {Bytes({0x9f, 0x9f, 0xff}), 3},        // [_ [_ ]
      {Bytes({0x5f}), 1},                    // (_
      {Bytes({0x5f, 0x41, 0x01}), 3},        // (_ h'01'
      {Bytes({0x5f, 0x42, 0x01}), 1},        // (_ h'01 (chunk cut off)
      {Bytes({0x7f, 0x61, 'a', 0x61}), 3},   // (_ "a", "  (chunk cut off)
      {Bytes({0x5f, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}), 1},
  };
  for (const Case& c : cases) {
    const CborError e = RenderError(c.bytes);
    EXPECT_EQ(e.kind, CborErrorKind::kTruncated) << testing::PrintToString(c.bytes);
    EXPECT_EQ(e.offset, c.offset) << testing::PrintToString(c.bytes);
  }
}

TEST(CborReader, BreakWhereAnItemMustBe) {
  struct Case {
    std::string bytes;
    size_t offset;
  };
  const Case cases[] = {
      {Bytes({0xff}), 0},                    // a break alone
      {Bytes({0x82, 0x01, 0xff}), 2},        // in a definite-length array
      {Bytes({0xa1, 0x01, 0xff}), 2},        // as a definite map's value
      {Bytes({0xa1, 0xff, 0x01}), 1},        // as a definite map's key
      {Bytes({0xbf, 0x01, 0xff}), 2},        // as an indefinite map's value
      {Bytes({0x9f, 0x82, 0x01, 0xff}), 3},  // ending the wrong (definite) array
  };
  for (const Case& c : cases) {
    const CborError e = RenderError(c.bytes);
    EXPECT_EQ(e.kind, CborErrorKind::kUnexpectedBreak) << testing::PrintToString(c.bytes);
    EXPECT_EQ(e.offset, c.offset) << testing::PrintToString(c.bytes);
  }
  // [_ 1(<break>)]: as a tag's content.
  const std::string tagged = Bytes({0x9f, 0xc1, 0xff});
  CborReader r(tagged);
  CborItem top;
  ASSERT_TRUE(r.Next(&top));
  EXPECT_FALSE(r.SkipContent(top, 4));
  EXPECT_EQ(r.error().kind, CborErrorKind::kUnexpectedBreak);
  EXPECT_EQ(r.error().offset, 2u);
}

TEST(CborReader, ChunksMustBeDefiniteStringsOfTheSameType) {
  struct Case {
    std::string bytes;
    CborErrorKind kind;
    size_t offset;
  };
  const Case cases[] = {
      {Bytes({0x5f, 0x61, 'a', 0xff}), CborErrorKind::kInvalidChunk, 1},  // text in bytes
      {Bytes({0x7f, 0x41, 'a', 0xff}), CborErrorKind::kInvalidChunk, 1},  // bytes in text
      {Bytes({0x5f, 0x01, 0xff}), CborErrorKind::kInvalidChunk, 1},       // an integer
      {Bytes({0x5f, 0x80, 0xff}), CborErrorKind::kInvalidChunk, 1},       // an array
      {Bytes({0x5f, 0xf6, 0xff}), CborErrorKind::kInvalidChunk, 1},       // null
      {Bytes({0x5f, 0x42, 0x01, 0x02, 0x9f, 0xff, 0xff}), CborErrorKind::kInvalidChunk, 4},
      // A chunk that is itself indefinite.
      {Bytes({0x5f, 0x5f, 0x41, 0x01, 0xff, 0xff}), CborErrorKind::kInvalidChunk, 1},
      {Bytes({0x7f, 0x61, 'a', 0x7f, 0xff, 0xff}), CborErrorKind::kInvalidChunk, 3},
      // Reserved additional information on a chunk.
      {Bytes({0x5f, 0x5c, 0xff}), CborErrorKind::kReservedAdditionalInfo, 1},
      // Each text chunk is UTF-8 on its own: a character split across two is not.
      {Bytes({0x7f, 0x61, 0xc3, 0x61, 0xbc, 0xff}), CborErrorKind::kInvalidUtf8, 1},
      {Bytes({0x7f, 0x61, 'a', 0x61, 0xff, 0xff}), CborErrorKind::kInvalidUtf8, 3},
  };
  for (const Case& c : cases) {
    const CborError e = ReadError(c.bytes);
    EXPECT_EQ(e.kind, c.kind) << testing::PrintToString(c.bytes);
    EXPECT_EQ(e.offset, c.offset) << testing::PrintToString(c.bytes);
  }
  // The reader stops at the chunk, where the error is.
  const std::string bad_second_chunk = Bytes({0x5f, 0x41, 0x01, 0x01, 0xff});
  CborReader r(bad_second_chunk);
  CborItem item;
  EXPECT_FALSE(r.Next(&item));
  EXPECT_EQ(r.offset(), 3u);
}

TEST(CborReader, SkipContentHandlesIndefiniteItems) {
  // [_ {_ 1: (_ h'01'), 2: [_ ]}, "x", {3: [_ 4]}] 7
  const std::string bytes = Bytes({0x9f, 0xbf, 0x01, 0x5f, 0x41, 0x01, 0xff, 0x02, 0x9f, 0xff,
                                   0xff, 0x61, 'x',  0xa1, 0x03, 0x9f, 0x04, 0xff, 0xff, 0x07});
  CborReader r(bytes);
  CborItem top;
  ASSERT_TRUE(r.Next(&top));
  ASSERT_TRUE(r.SkipContent(top, 3)) << CborErrorDescription(r.error().kind);
  CborItem last;
  ASSERT_TRUE(r.Next(&last));
  EXPECT_EQ(last.argument, 7u);
  EXPECT_TRUE(r.AtEnd());

  // Missing break: truncated at the end.
  const std::string cut_bytes = Bytes({0x9f, 0x01, 0x9f, 0x02});
  CborReader cut(cut_bytes);
  ASSERT_TRUE(cut.Next(&top));
  EXPECT_FALSE(cut.SkipContent(top, 3));
  EXPECT_EQ(cut.error().kind, CborErrorKind::kTruncated);
  EXPECT_EQ(cut.error().offset, 4u);
}

TEST(CborReader, IndefiniteNestingIsBoundedLikeDefinite) {
  // [_ [_ [_ 1]]] and {_ 1: {_ 2: {_ 3: 4}}}
  for (const std::string& nested :
       {Bytes({0x9f, 0x9f, 0x9f, 0x01, 0xff, 0xff, 0xff}),
        Bytes({0xbf, 0x01, 0xbf, 0x02, 0xbf, 0x03, 0x04, 0xff, 0xff, 0xff})}) {
    CborReader ok(nested);
    CborItem top;
    ASSERT_TRUE(ok.Next(&top));
    EXPECT_TRUE(ok.SkipContent(top, 3));
    EXPECT_TRUE(ok.AtEnd());
    CborReader deep(nested);
    ASSERT_TRUE(deep.Next(&top));
    EXPECT_FALSE(deep.SkipContent(top, 2));
    EXPECT_EQ(deep.error().kind, CborErrorKind::kTooDeep);
    EXPECT_EQ(deep.error().offset, nested[1] == '\x9f' ? 2u : 4u);
  }
  // 100000 nested indefinite arrays stop at the bound, not at the end.
  std::string deep(100000, '\x9f');
  CborReader r(deep);
  CborItem top;
  ASSERT_TRUE(r.Next(&top));
  EXPECT_FALSE(r.SkipContent(top, 16));
  EXPECT_EQ(r.error().kind, CborErrorKind::kTooDeep);
  EXPECT_EQ(r.error().offset, 16u);
}

TEST(CborWriter, WritesIndefiniteLengthItems) {
  // RFC 8949 Appendix A.
  EXPECT_EQ(
      CborWriter().IndefiniteBytes().Bytes(Bytes({1, 2})).Bytes(Bytes({3, 4, 5})).Break().bytes(),
      Bytes({0x5f, 0x42, 0x01, 0x02, 0x43, 0x03, 0x04, 0x05, 0xff}));
  EXPECT_EQ(CborWriter().IndefiniteText().Text("strea").Text("ming").Break().bytes(),
            Bytes({0x7f, 0x65, 's', 't', 'r', 'e', 'a', 0x64, 'm', 'i', 'n', 'g', 0xff}));
  EXPECT_EQ(CborWriter().IndefiniteArray().Break().bytes(), Bytes({0x9f, 0xff}));
  EXPECT_EQ(CborWriter()
                .IndefiniteArray()
                .Unsigned(1)
                .ArrayHeader(2)
                .Unsigned(2)
                .Unsigned(3)
                .IndefiniteArray()
                .Unsigned(4)
                .Unsigned(5)
                .Break()
                .Break()
                .bytes(),
            Bytes({0x9f, 0x01, 0x82, 0x02, 0x03, 0x9f, 0x04, 0x05, 0xff, 0xff}));
  EXPECT_EQ(CborWriter().IndefiniteMap().Text("a").Unsigned(1).Break().bytes(),
            Bytes({0xbf, 0x61, 'a', 0x01, 0xff}));
}

TEST(Cbor, ErrorDescriptionsNameEveryKind) {
  for (CborErrorKind kind :
       {CborErrorKind::kTruncated, CborErrorKind::kReservedAdditionalInfo,
        CborErrorKind::kUnexpectedBreak, CborErrorKind::kInvalidChunk,
        CborErrorKind::kInvalidSimpleValue, CborErrorKind::kInvalidUtf8, CborErrorKind::kTooDeep}) {
    const std::string_view text = CborErrorDescription(kind);
    EXPECT_NE(text, "unknown error");
    EXPECT_EQ(text.find("not supported"), std::string_view::npos) << text;
  }
}

TEST(Utf8, AcceptsWellFormedAndRejectsTheRest) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xbc"));           // U+00FC
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));       // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));   // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // cut off
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));
}

}  // namespace
}  // namespace wm::decoders
