#include "services/registry/page_token.h"

#include "absl/strings/escaping.h"
#include "third_party/system/string_view_compat.h"

namespace wm::registry {
namespace {

// Token layout, little-endian: version (1 byte), network (8), address (4), filters (4).
constexpr uint8_t kTokenVersion = 1;
constexpr size_t kTokenSize = 1 + 8 + 4 + 4;

void AppendLittleEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(value >> (8 * i) & 0xFF));
}

uint64_t ReadLittleEndian(std::string_view bytes, size_t offset, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

// FNV-1a, 32 bits.
class Fnv1a {
 public:
  void Add(std::string_view bytes) {
    for (char c : bytes) {
      hash_ ^= static_cast<uint8_t>(c);
      hash_ *= 16777619u;
    }
  }
  void AddInt(uint64_t value) {
    std::string bytes;
    AppendLittleEndian(value, 8, &bytes);
    Add(bytes);
  }
  uint32_t value() const { return hash_; }

 private:
  uint32_t hash_ = 2166136261u;
};

}  // namespace

uint32_t NodeFiltersFingerprint(const wm::v1::ListNodesRequest& request) {
  Fnv1a hash;
  // Presence first, so that an absent filter never equals a present one with some value.
  hash.AddInt(request.has_network_address() | request.has_gateway_id() << 1 |
              request.has_sink_id() << 2 | request.has_stale() << 3);
  hash.AddInt(request.network_address());
  hash.AddInt(request.gateway_id().size());
  hash.Add(request.gateway_id());
  hash.AddInt(request.sink_id().size());
  hash.Add(request.sink_id());
  hash.AddInt(request.stale());
  return hash.value();
}

std::string EncodeNodePageToken(const NodePageToken& token) {
  std::string bytes;
  bytes.reserve(kTokenSize);
  bytes.push_back(static_cast<char>(kTokenVersion));
  AppendLittleEndian(token.last.network, 8, &bytes);
  AppendLittleEndian(token.last.address, 4, &bytes);
  AppendLittleEndian(token.filters, 4, &bytes);
  std::string text;
  absl::WebSafeBase64Escape(bytes, &text);
  return text;
}

absl::StatusOr<NodePageToken> DecodeNodePageToken(std::string_view text) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(ToAbsl(text), &bytes) ||
      bytes.size() != kTokenSize || static_cast<uint8_t>(bytes[0]) != kTokenVersion) {
    return absl::InvalidArgumentError("page_token is not a token ListNodes returned");
  }
  NodePageToken token;
  token.last.network = ReadLittleEndian(bytes, 1, 8);
  token.last.address = static_cast<uint32_t>(ReadLittleEndian(bytes, 9, 4));
  token.filters = static_cast<uint32_t>(ReadLittleEndian(bytes, 13, 4));
  return token;
}

}  // namespace wm::registry
