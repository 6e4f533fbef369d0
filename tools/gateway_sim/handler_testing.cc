#include "tools/gateway_sim/handler_testing.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace wm::gateway_sim::testing {
namespace {

// What a backend parses from the wire; fails the test for a message missing required fields.
wirepas::GenericMessage OnTheWire(const wirepas::GenericMessage& message) {
  absl::StatusOr<std::string> bytes = wirepas::SerializeGenericMessage(message);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (!bytes.ok()) return message;
  absl::StatusOr<wirepas::GenericMessage> parsed = wirepas::ParseGenericMessage(*bytes);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed.ok() && wirepas::CheckMessage(*parsed).ok());
  return parsed.ok() ? *parsed : message;
}

}  // namespace

SimGateway TestGateway(int nodes_per_sink) {
  SimGateway gateway;
  gateway.id = "sim-gw-1";
  for (uint32_t s = 0; s < 2; ++s) {
    SimSink sink;
    sink.id = absl::StrCat("sink", s);
    sink.node_address = 1000 + s;
    sink.network_address = 0x123456;
    sink.network_channel = 5;
    for (int n = 1; n <= nodes_per_sink; ++n) {
      SimNode node;
      node.address = 2000 + 100 * s + n;
      node.hop_count = n;
      if (n % 3 == 0) node.firmware = StackVersion{5, 2, 0, 120};
      sink.nodes.push_back(node);
    }
    gateway.sinks.push_back(sink);
  }
  return gateway;
}

GatewayState TestGatewayState(const GatewayIdentity& identity, int nodes_per_sink) {
  return NewGatewayState(TestGateway(nodes_per_sink), identity, 7);
}

gwapi::RequestHeader Header(uint64_t req_id, std::string_view sink_id) {
  gwapi::RequestHeader header;
  header.set_req_id(req_id);
  if (!sink_id.empty()) header.set_sink_id(std::string(sink_id));
  return header;
}

absl::StatusOr<Response> Answer(const RequestRouter& router, std::string_view topic,
                                const wirepas::GenericMessage& request, GatewayState& state,
                                absl::Time now) {
  absl::StatusOr<Response> response =
      router.Handle(topic, request.SerializePartialAsString(), state, now);
  if (!response.ok()) return response;
  response->message = OnTheWire(response->message);
  for (NodePacket& packet : response->node_packets) packet.message = OnTheWire(packet.message);
  return response;
}

const gwapi::SinkReadConfig& ConfigOf(const GatewayState& state, std::string_view sink_id) {
  const SinkState* sink = state.FindSink(sink_id);
  EXPECT_NE(sink, nullptr) << sink_id;
  return sink != nullptr ? sink->config : state.sinks.front().config;
}

}  // namespace wm::gateway_sim::testing
