#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "protos/wm/v1/registry.pb.h"
#include "services/registry/node_record.h"

namespace wm::registry {

// Where the next ListNodes page starts: after `last` (the last node of the previous page),
// for a request with the same filters (`filters`, see NodeFiltersFingerprint).
struct NodePageToken {
  NodeKey last;
  uint32_t filters = 0;
};

// A fingerprint of a ListNodes request's filters (not its paging fields), stable across
// processes and builds, so that a token stays valid across a registry restart.
uint32_t NodeFiltersFingerprint(const wm::v1::ListNodesRequest& request);

// The opaque, URL-safe text of a token.
std::string EncodeNodePageToken(const NodePageToken& token);

// Reads a token's text. InvalidArgument when it is not one this registry made.
absl::StatusOr<NodePageToken> DecodeNodePageToken(std::string_view text);

}  // namespace wm::registry
