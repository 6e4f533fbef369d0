#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/grpcutil/auth_policy.h"

namespace wm::grpcutil {

// SHA-256 of a token: the only form in which a server keeps a token in memory.
using TokenDigest = std::array<uint8_t, 32>;
TokenDigest DigestOfToken(std::string_view token);
// Compares two digests in time that does not depend on where they differ (CRYPTO_memcmp).
bool DigestsEqual(const TokenDigest& a, const TokenDigest& b);

// Who a recognised token belongs to: the name given to it (for logs, never the token) and its
// scope.
struct TokenIdentity {
  std::string name;
  AuthScope scope = AuthScope::kRead;
};

// A set of accepted bearer tokens, each held as its digest with a name and a scope. Lookups
// compare the presented token's digest with every entry in constant time and never stop early.
// Copyable; not thread-safe on its own (TokenStore shares one between threads).
class TokenSet {
 public:
  // Adds a token. InvalidArgument (naming neither token) for an empty token, a token already in
  // the set, or a name already in the set.
  absl::Status Add(std::string_view token, AuthScope scope, std::string name);
  // Adds every entry of `other`, with the same checks.
  absl::Status Merge(const TokenSet& other);
  // The identity of `token`, or nullopt when it is not in the set.
  std::optional<TokenIdentity> Find(std::string_view token) const;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    TokenDigest digest;
    TokenIdentity identity;
  };
  absl::Status AddDigest(const TokenDigest& digest, TokenIdentity identity);

  std::vector<Entry> entries_;
};

// Parses a token file (format in docs/authentication.md): one token per line as
//   <scope> <name> <token>        e.g.  read  grafana-exporter  8f3c...e1
// where scope is `full` or `read`, name is 1..64 of [A-Za-z0-9._-] and the token 16..512
// printable ASCII characters without spaces; blank lines and lines starting with `#` are
// skipped. Errors are InvalidArgument naming `file_name` and the line, never a token: a line
// that does not have three fields, a bad scope, name or token, a duplicate, or no token at all.
absl::StatusOr<TokenSet> ParseTokenFile(std::string_view text, std::string_view file_name);

// The tokens a server accepts now: a fixed set (from settings) and the set of a token file,
// which TokenFileWatcher replaces while calls are being checked. Thread-safe.
class TokenStore {
 public:
  explicit TokenStore(TokenSet fixed = {});

  // Replaces the token file's set. A token both fixed and in the file keeps the fixed identity.
  void ReplaceFileTokens(TokenSet file_tokens);
  // The identity of `token` among the fixed and the file's tokens, or nullopt.
  std::optional<TokenIdentity> Authenticate(std::string_view token) const;
  // Tokens accepted now.
  size_t size() const;

 private:
  const TokenSet fixed_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenSet> file_tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::grpcutil
