#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/wirepas/message.h"
#include "libs/wirepas/topic.h"
#include "tools/gateway_sim/gateway_state.h"
#include "tools/gateway_sim/request_router.h"
#include "tools/gateway_sim/topology.h"

namespace wm::gateway_sim::testing {

// For handler tests: a gateway with known contents, requests as bytes, answers as a backend
// parses them.

// The time handlers are given.
inline const absl::Time kNow = absl::FromUnixMillis(1764151200123);

// Gateway "sim-gw-1" with sinks "sink0" and "sink1" (node addresses 1000 and 1001, network
// 0x123456, channel 5, stack 5.4.0.57). Each sink has `nodes_per_sink` nodes with addresses
// 2000 + 100 * sink + n, n hops away for node n (from 1), every third node on stack 5.2.
SimGateway TestGateway(int nodes_per_sink = 3);

// NewGatewayState of TestGateway with `identity` and random seed 7.
GatewayState TestGatewayState(const GatewayIdentity& identity = {}, int nodes_per_sink = 3);

// A request header with `req_id` and, when not empty, `sink_id`.
gwapi::RequestHeader Header(uint64_t req_id, std::string_view sink_id = {});

// Serializes `request` (partially: tests send requests that lack fields too) and hands the
// bytes to `router` as the gateway receives them on `topic`. The answer's message and its
// nodes' packets are serialized and parsed back, as a backend reads them; the test fails when
// they do not serialize with every required field.
absl::StatusOr<Response> Answer(const RequestRouter& router, std::string_view topic,
                                const wirepas::GenericMessage& request, GatewayState& state,
                                absl::Time now = kNow);

// The configuration of `sink_id` in `state` (which must have it).
const gwapi::SinkReadConfig& ConfigOf(const GatewayState& state, std::string_view sink_id);

}  // namespace wm::gateway_sim::testing
