#include "services/registry/registry_store_contract.h"

namespace wm::registry {

StoreBatch SampleStoreBatch() {
  StoreBatch batch;
  wm::v1::Gateway gateway;
  gateway.set_id("gw-1");
  gateway.set_state(wm::v1::GATEWAY_STATE_ONLINE);
  gateway.set_model("model-x");
  gateway.set_max_scratchpad_size(1024);
  gateway.add_features(wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  gateway.set_last_seen_ms_epoch(5000);
  gateway.add_sink_ids("sink0");  // derived: not stored
  // Each time distinct, so that a column mixed up shows.
  batch.gateways.push_back({gateway,
                            /*state=*/{1'800'000'000'001, 4001},
                            /*info=*/{1'800'000'000'002, 4002},
                            /*sinks=*/{1'800'000'000'003, 4003}});
  wm::v1::Sink sink;
  sink.set_gateway_id("gw-1");
  sink.set_sink_id("sink0");
  sink.mutable_config()->set_sink_id("sink0");
  sink.mutable_config()->set_network_address(0x123456);
  sink.mutable_config()->mutable_app_config()->set_data(std::string("\0\1\2", 3));
  sink.set_reported_ms_epoch(5000);
  sink.set_node_count(9);  // derived: not stored
  batch.sinks.push_back({sink, /*reported_gateway_ms=*/1'800'000'000'004});

  StoredNode full{{0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFE}, {}, "gw-1", "sink0"};
  full.record.first_seen_ms = 100;
  full.record.last_seen_ms = 200;
  full.record.packets = 1'000'000'000'000ull;
  full.record.last_rx_ms = 190;
  full.record.role_rx_ms = 150;
  full.record.voltage_rx_ms = 160;
  full.record.boot_rx_ms = 170;
  full.record.travel_time_ms = 45;
  full.record.hop_count = 3;
  full.record.stale = true;
  full.record.role = 0x82;
  full.record.voltage_mv = 2950;
  full.record.firmware = 0xFF010014;
  full.record.boot_count = 0;
  full.record.scratchpad_sequence = 12;
  full.record.present =
      kHasRole | kHasVoltage | kHasFirmware | kHasBootCount | kHasScratchpadSequence;
  // Ids that need quoting in SQL and array literals.
  StoredNode bare{{7, 1}, {}, "gw \"2\" \\ ,{}", "sink'1"};
  bare.record.packets = 1;
  batch.nodes = {full, bare};
  return batch;
}

void ExpectSameGateway(const StoredGateway& a, const StoredGateway& b) {
  wm::v1::Gateway x = a.gateway;
  wm::v1::Gateway y = b.gateway;
  x.clear_sink_ids();
  y.clear_sink_ids();
  EXPECT_EQ(x.DebugString(), y.DebugString());
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.info, b.info);
  EXPECT_EQ(a.sinks, b.sinks);
}

void ExpectSameSink(const StoredSink& a, const StoredSink& b) {
  wm::v1::Sink x = a.sink;
  wm::v1::Sink y = b.sink;
  x.clear_node_count();
  y.clear_node_count();
  EXPECT_EQ(x.DebugString(), y.DebugString());
  EXPECT_EQ(a.reported_gateway_ms, b.reported_gateway_ms);
}

void ExpectSameNode(const StoredNode& a, const StoredNode& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.gateway_id, b.gateway_id);
  EXPECT_EQ(a.sink_id, b.sink_id);
  const NodeRecord& x = a.record;
  const NodeRecord& y = b.record;
  EXPECT_EQ(x.first_seen_ms, y.first_seen_ms);
  EXPECT_EQ(x.last_seen_ms, y.last_seen_ms);
  EXPECT_EQ(x.packets, y.packets);
  EXPECT_EQ(x.last_rx_ms, y.last_rx_ms);
  EXPECT_EQ(x.role_rx_ms, y.role_rx_ms);
  EXPECT_EQ(x.voltage_rx_ms, y.voltage_rx_ms);
  EXPECT_EQ(x.boot_rx_ms, y.boot_rx_ms);
  EXPECT_EQ(x.travel_time_ms, y.travel_time_ms);
  EXPECT_EQ(x.hop_count, y.hop_count);
  EXPECT_EQ(x.stale, y.stale);
  EXPECT_EQ(x.present, y.present);
  EXPECT_EQ(x.role, y.role);
  EXPECT_EQ(x.voltage_mv, y.voltage_mv);
  EXPECT_EQ(x.firmware, y.firmware);
  EXPECT_EQ(x.boot_count, y.boot_count);
  EXPECT_EQ(x.scratchpad_sequence, y.scratchpad_sequence);
}

std::vector<StoredNode> ManyNodes(int count, int64_t seen_ms, uint64_t packets) {
  std::vector<StoredNode> nodes;
  nodes.reserve(count);
  for (int i = 1; i <= count; ++i) {
    StoredNode& node = nodes.emplace_back();
    node.key = {9, static_cast<uint32_t>(i)};
    node.gateway_id = "gw-" + std::to_string(i % 10);
    node.sink_id = "sink" + std::to_string(i % 4);
    node.record.first_seen_ms = 1000;
    node.record.last_seen_ms = seen_ms;
    node.record.last_rx_ms = seen_ms - 10;
    node.record.packets = packets;
    node.record.hop_count = static_cast<uint8_t>(i % 5);
    if (i % 2 == 0) {
      node.record.voltage_mv = static_cast<uint16_t>(2000 + i % 1000);
      node.record.voltage_rx_ms = seen_ms - 10;
      node.record.present |= kHasVoltage;
    }
  }
  return nodes;
}

}  // namespace wm::registry
