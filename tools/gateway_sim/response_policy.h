#pragma once

#include <array>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/sim_random.h"

namespace wm::gateway_sim {

// Per method (indexed by static_cast<int>(wirepas::Method)), the share of answers a gateway
// does not publish: 0 never, 1 always.
using DropRatios = std::array<double, wirepas::kMethodCount>;

// Which answers simulated gateways leave out or send late, so that backends' timeouts can be
// tested. A dropped answer's request still takes effect (as when the response is lost on the
// way), and a configuration change it made is still announced.
//
//   ResponsePolicy policy{*ParseDropResponses("set_config,send_data=0.1"),
//                         absl::Milliseconds(300)};
//   if (!policy.ShouldDrop(wirepas::Method::kSendData, random)) PublishAfter(policy.delay);
struct ResponsePolicy {
  DropRatios drop_ratio{};
  // How long every answer that is not dropped waits before it is published.
  absl::Duration delay = absl::ZeroDuration();

  // Whether to drop this answer to `method`; draws from `random` only for ratios strictly
  // between 0 and 1.
  bool ShouldDrop(wirepas::Method method, SimRandom& random) const;
};

// Parses the drop_responses setting: comma-separated entries, each a ratio for every method
// ("0.25"), a method name, whose answers are all dropped ("set_config"), or method=ratio
// ("send_data=0.5"). Later entries override earlier ones for the methods they name; spaces
// around entries are ignored; empty means nothing is dropped. InvalidArgument naming the entry
// for an unknown method or a ratio that is not a number in 0..1.
absl::StatusOr<DropRatios> ParseDropResponses(std::string_view text);

}  // namespace wm::gateway_sim
