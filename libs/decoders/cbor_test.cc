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
// address, 3: network channel} (spec/backend-client.md §4), written and read back.
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

TEST(CborReader, RejectsUnsupportedAndReservedEncodings) {
  EXPECT_EQ(ReadError(Bytes({0x5f})).kind, CborErrorKind::kIndefiniteLength);
  EXPECT_EQ(ReadError(Bytes({0x7f})).kind, CborErrorKind::kIndefiniteLength);
  EXPECT_EQ(ReadError(Bytes({0x9f, 0xff})).kind, CborErrorKind::kIndefiniteLength);
  EXPECT_EQ(ReadError(Bytes({0xbf, 0xff})).kind, CborErrorKind::kIndefiniteLength);
  EXPECT_EQ(ReadError(Bytes({0x1c})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0x3e})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0x1f})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0xdf})).kind, CborErrorKind::kReservedAdditionalInfo);
  EXPECT_EQ(ReadError(Bytes({0xff})).kind, CborErrorKind::kUnexpectedBreak);
  EXPECT_EQ(ReadError(Bytes({0xf8, 0x1f})).kind, CborErrorKind::kInvalidSimpleValue);
  EXPECT_EQ(ReadError(Bytes({0x61, 0xff})).kind, CborErrorKind::kInvalidUtf8);
}

TEST(CborReader, ErrorOffsetIsTheFailingItem) {
  const std::string bytes = Bytes({0x82, 0x01, 0x5f});
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
