#include "libs/grpcutil/token_store.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::grpcutil {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFullToken[] = "full-token-0123456789abcdef";
constexpr char kReadToken[] = "read-token-0123456789abcdef";

std::string Hex(const TokenDigest& digest) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

TEST(TokenDigestTest, IsSha256) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(Hex(DigestOfToken("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenDigestTest, DigestsEqualComparesEveryByte) {
  const TokenDigest a = DigestOfToken("abc");
  TokenDigest b = a;
  EXPECT_TRUE(DigestsEqual(a, b));
  b[31] ^= 1;
  EXPECT_FALSE(DigestsEqual(a, b));
  b = a;
  b[0] ^= 0x80;
  EXPECT_FALSE(DigestsEqual(a, b));
}

TEST(TokenSetTest, FindsTheIdentityOfAKnownToken) {
  TokenSet tokens;
  ASSERT_TRUE(tokens.Add(kFullToken, AuthScope::kFull, "deployer").ok());
  ASSERT_TRUE(tokens.Add(kReadToken, AuthScope::kRead, "grafana").ok());
  std::optional<TokenIdentity> full = tokens.Find(kFullToken);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->name, "deployer");
  EXPECT_EQ(full->scope, AuthScope::kFull);
  std::optional<TokenIdentity> read = tokens.Find(kReadToken);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->name, "grafana");
  EXPECT_EQ(read->scope, AuthScope::kRead);
  EXPECT_EQ(tokens.size(), 2u);
}

TEST(TokenSetTest, RefusesTokensThatDifferInAnyWay) {
  TokenSet tokens;
  ASSERT_TRUE(tokens.Add(kFullToken, AuthScope::kFull, "deployer").ok());
  const std::string token = kFullToken;
  EXPECT_FALSE(tokens.Find(token.substr(0, token.size() - 1)).has_value());  // a prefix
  EXPECT_FALSE(tokens.Find(token + "x").has_value());
  EXPECT_FALSE(tokens.Find("Full-token-0123456789abcdef").has_value());
  EXPECT_FALSE(tokens.Find("").has_value());
}

TEST(TokenSetTest, RefusesDuplicatesWithoutNamingTheToken) {
  TokenSet tokens;
  ASSERT_TRUE(tokens.Add(kFullToken, AuthScope::kFull, "deployer").ok());
  absl::Status same_token = tokens.Add(kFullToken, AuthScope::kRead, "other");
  EXPECT_EQ(same_token.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(same_token.message()),
              AllOf(HasSubstr("other"), HasSubstr("deployer"), Not(HasSubstr(kFullToken))));
  EXPECT_EQ(tokens.Add(kReadToken, AuthScope::kRead, "deployer").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens.Add("", AuthScope::kRead, "empty").code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseTokenFileTest, ReadsScopesNamesAndTokensSkippingCommentsAndBlankLines) {
  absl::StatusOr<TokenSet> tokens = ParseTokenFile(
      "# tokens of the wm services\n"
      "\n"
      "full  deployer   full-token-0123456789abcdef\n"
      "  read\tgrafana\tread-token-0123456789abcdef  \r\n"
      "   # indented comment\n",
      "tokens.txt");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_EQ(tokens->Find(kFullToken)->name, "deployer");
  EXPECT_EQ(tokens->Find(kReadToken)->scope, AuthScope::kRead);
}

// Each error names the file and the line, and never the token.
TEST(ParseTokenFileTest, ErrorsNameTheLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string secret = "s3cr3t-s3cr3t-s3cr3t-42";
  for (const Case& c : std::vector<Case>{
           {"full deployer " + secret + "\nfull other\n", "line 2: expected"},
           {"full deployer " + secret + " extra\n", "line 1: expected"},
           {"# c\nadmin deployer " + secret + "\n", "line 2: the first field (the scope)"},
           {secret + " full deployer\n", "line 1: the first field (the scope)"},
           {"read bad/name " + secret + "\n", "line 1: name must be"},
           {"read short abc123\n", "line 1: the third field (the token) must be 16..512"},
           {"read dup " + secret + "\nfull dup2 " + secret + "\n",
            "line 2: token of \"dup2\" is the same as the token of \"dup\""},
           {"read dup " + secret + "\nfull dup " + secret + "x\n", "line 2: name \"dup\""},
           {"# only comments\n\n", "has no token"},
           {"", "has no token"},
       }) {
    absl::StatusOr<TokenSet> tokens = ParseTokenFile(c.text, "/etc/wm/tokens");
    ASSERT_FALSE(tokens.ok()) << c.text;
    EXPECT_EQ(tokens.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(tokens.status().message()),
                AllOf(HasSubstr("/etc/wm/tokens"), HasSubstr(c.expected), Not(HasSubstr(secret))))
        << c.text;
  }
}

TEST(ParseTokenFileTest, RefusesControlCharactersInAToken) {
  absl::StatusOr<TokenSet> tokens = ParseTokenFile("full x abcdefghijklmnop\x01qrstuvwxyz\n", "t");
  ASSERT_FALSE(tokens.ok());
  EXPECT_THAT(std::string(tokens.status().message()), HasSubstr("not printable ASCII"));
}

TEST(TokenStoreTest, AcceptsFixedAndFileTokensAndReplacesTheFileOnes) {
  TokenSet fixed;
  ASSERT_TRUE(fixed.Add("fixed-token-0123456789", AuthScope::kFull, "grpc_auth_token").ok());
  TokenStore store(fixed);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.Authenticate("fixed-token-0123456789")->name, "grpc_auth_token");
  EXPECT_FALSE(store.Authenticate(kReadToken).has_value());

  TokenSet first;
  ASSERT_TRUE(first.Add(kReadToken, AuthScope::kRead, "grafana").ok());
  store.ReplaceFileTokens(first);
  EXPECT_EQ(store.Authenticate(kReadToken)->name, "grafana");
  EXPECT_EQ(store.size(), 2u);

  TokenSet second;
  ASSERT_TRUE(second.Add(kFullToken, AuthScope::kFull, "deployer").ok());
  store.ReplaceFileTokens(second);
  EXPECT_FALSE(store.Authenticate(kReadToken).has_value());
  EXPECT_EQ(store.Authenticate(kFullToken)->scope, AuthScope::kFull);
  EXPECT_TRUE(store.Authenticate("fixed-token-0123456789").has_value());
}

}  // namespace
}  // namespace wm::grpcutil
