#include "services/registry/page_token.h"

#include <vector>

#include "gtest/gtest.h"

namespace wm::registry {
namespace {

TEST(PageTokenTest, RoundTrips) {
  const NodePageToken token{{0xABCDEF, 0xFFFFFFFE}, 0x12345678};
  const std::string text = EncodeNodePageToken(token);
  EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << "URL-safe: " << text;
  absl::StatusOr<NodePageToken> decoded = DecodeNodePageToken(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->last, token.last);
  EXPECT_EQ(decoded->filters, token.filters);
}

TEST(PageTokenTest, RejectsTextItDidNotMake) {
  for (const std::string& text :
       std::vector<std::string>{"x", "not base64!", "AAAA", std::string(40, 'A')}) {
    absl::StatusOr<NodePageToken> decoded = DecodeNodePageToken(text);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(PageTokenTest, FingerprintFollowsFiltersNotPaging) {
  wm::v1::ListNodesRequest request;
  const uint32_t none = NodeFiltersFingerprint(request);
  request.set_page_size(5);
  request.set_page_token("abc");
  EXPECT_EQ(NodeFiltersFingerprint(request), none);

  wm::v1::ListNodesRequest network_zero;
  network_zero.set_network_address(0);
  EXPECT_NE(NodeFiltersFingerprint(network_zero), none) << "an absent filter is not 0";

  wm::v1::ListNodesRequest gateway;
  gateway.set_gateway_id("gw-a");
  wm::v1::ListNodesRequest sink;
  sink.set_sink_id("gw-a");
  EXPECT_NE(NodeFiltersFingerprint(gateway), NodeFiltersFingerprint(sink));
  wm::v1::ListNodesRequest stale;
  stale.set_stale(false);
  EXPECT_NE(NodeFiltersFingerprint(stale), none);
}

}  // namespace
}  // namespace wm::registry
