#include "libs/grpcutil/token_store.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "third_party/system/string_view_compat.h"

namespace wm::grpcutil {
namespace {

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMinTokenLength = 16;
constexpr size_t kMaxTokenLength = 512;

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// Printable ASCII without space: what an HTTP/2 header value carries unchanged.
bool IsValidTokenText(std::string_view token) {
  for (char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

TokenDigest DigestOfToken(std::string_view token) {
  TokenDigest digest;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return digest;
}

bool DigestsEqual(const TokenDigest& a, const TokenDigest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::Status TokenSet::Add(std::string_view token, AuthScope scope, std::string name) {
  if (token.empty()) return absl::InvalidArgumentError("empty token");
  return AddDigest(DigestOfToken(token), TokenIdentity{std::move(name), scope});
}

absl::Status TokenSet::AddDigest(const TokenDigest& digest, TokenIdentity identity) {
  for (const Entry& entry : entries_) {
    if (DigestsEqual(entry.digest, digest)) {
      return absl::InvalidArgumentError(absl::StrCat("token of \"", identity.name,
                                                     "\" is the same as the token of \"",
                                                     entry.identity.name, "\""));
    }
    if (entry.identity.name == identity.name) {
      return absl::InvalidArgumentError(
          absl::StrCat("name \"", identity.name, "\" is given to two tokens"));
    }
  }
  entries_.push_back(Entry{digest, std::move(identity)});
  return absl::OkStatus();
}

absl::Status TokenSet::Merge(const TokenSet& other) {
  for (const Entry& entry : other.entries_) {
    if (absl::Status s = AddDigest(entry.digest, entry.identity); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::optional<TokenIdentity> TokenSet::Find(std::string_view token) const {
  const TokenDigest digest = DigestOfToken(token);
  const Entry* found = nullptr;
  // Every entry is compared, so the time taken says nothing about which one matched.
  for (const Entry& entry : entries_) {
    if (DigestsEqual(entry.digest, digest) && found == nullptr) found = &entry;
  }
  if (found == nullptr) return std::nullopt;
  return found->identity;
}

absl::StatusOr<TokenSet> ParseTokenFile(std::string_view text, std::string_view file_name_view) {
  const absl::string_view file_name = ToAbsl(file_name_view);
  TokenSet tokens;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(ToAbsl(text), '\n')) {
    ++line_number;
    auto error = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("token file ", file_name, " line ", line_number, ": ", why));
    };
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 3) {
      return error(absl::StrCat("expected \"<scope> <name> <token>\", found ", fields.size(),
                                fields.size() == 1 ? " field" : " fields"));
    }
    std::optional<AuthScope> scope = ParseAuthScope(ToStd(fields[0]));
    if (!scope.has_value()) {
      // The field is not echoed: a line written in the wrong order may start with a token.
      return error("the first field (the scope) is not full or read");
    }
    if (!IsValidName(ToStd(fields[1]))) {
      return error("name must be 1..64 characters of A-Z a-z 0-9 . _ -");
    }
    const std::string_view token = ToStd(fields[2]);
    if (token.size() < kMinTokenLength || token.size() > kMaxTokenLength) {
      return error(absl::StrCat("the third field (the token) must be ", kMinTokenLength, "..",
                                kMaxTokenLength, " characters long"));
    }
    if (!IsValidTokenText(token)) {
      return error("the third field (the token) holds a character that is not printable ASCII");
    }
    if (absl::Status s = tokens.Add(token, *scope, std::string(fields[1])); !s.ok()) {
      return error(s.message());
    }
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("token file ", file_name, " has no token"));
  }
  return tokens;
}

TokenStore::TokenStore(TokenSet fixed)
    : fixed_(std::move(fixed)), file_tokens_(std::make_shared<const TokenSet>()) {}

void TokenStore::ReplaceFileTokens(TokenSet file_tokens) {
  auto replacement = std::make_shared<const TokenSet>(std::move(file_tokens));
  absl::MutexLock lock(&mu_);
  file_tokens_ = std::move(replacement);
}

std::optional<TokenIdentity> TokenStore::Authenticate(std::string_view token) const {
  std::shared_ptr<const TokenSet> file_tokens;
  {
    absl::MutexLock lock(&mu_);
    file_tokens = file_tokens_;
  }
  std::optional<TokenIdentity> fixed = fixed_.Find(token);
  std::optional<TokenIdentity> from_file = file_tokens->Find(token);
  return fixed.has_value() ? fixed : from_file;
}

size_t TokenStore::size() const {
  absl::MutexLock lock(&mu_);
  return fixed_.size() + file_tokens_->size();
}

}  // namespace wm::grpcutil
