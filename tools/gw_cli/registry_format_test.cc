#include "tools/gw_cli/registry_format.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace wm::gw_cli {
namespace {

// 2024-05-01T10:01:02.345Z
constexpr uint64_t kSeenMs = 1714557662345;
const absl::Time kNow = absl::FromUnixMillis(kSeenMs) + absl::Seconds(3);

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

wm::v1::Gateway OnlineGateway(const std::string& id) {
  wm::v1::Gateway g;
  g.set_id(id);
  g.set_state(wm::v1::GATEWAY_STATE_ONLINE);
  g.set_model("wm-gateway-sim");
  g.set_version("1.6.0");
  g.add_features(wm::v1::GATEWAY_FEATURE_SCRATCHPAD_CHUNK_V1);
  g.add_features(wm::v1::GATEWAY_FEATURE_CONFIGURATION_DATA_V1);
  g.set_last_seen_ms_epoch(kSeenMs);
  g.set_state_since_ms_epoch(kSeenMs - 60'000);
  g.add_sink_ids("sink0");
  g.add_sink_ids("sink1");
  return g;
}

wm::v1::Sink ConfiguredSink() {
  wm::v1::Sink sink;
  sink.set_gateway_id("gw-1");
  sink.set_sink_id("sink0");
  sink.set_node_count(7);
  sink.set_reported_ms_epoch(kSeenMs);
  wm::v1::SinkConfig& c = *sink.mutable_config();
  c.set_sink_id("sink0");
  c.set_node_address(4660);
  c.set_network_address(0x123456);
  c.set_network_channel(5);
  c.mutable_node_role()->set_base(wm::v1::BASE_ROLE_SINK);
  c.mutable_node_role()->set_low_latency(true);
  c.set_started(true);
  c.mutable_app_config()->set_seq(3);
  c.mutable_app_config()->set_diag_interval_s(60);
  c.mutable_app_config()->set_data(std::string("\xF6\x7E\x00", 3));
  c.mutable_firmware_version()->set_major(5);
  c.mutable_firmware_version()->set_minor(4);
  c.mutable_firmware_version()->set_maint(0);
  c.mutable_firmware_version()->set_dev(57);
  c.mutable_processed_scratchpad()->set_seq(12);
  c.mutable_processed_scratchpad()->set_len(180224);
  c.mutable_processed_scratchpad()->set_crc(0x3a5c);
  return sink;
}

wm::v1::Node ReportedNode() {
  wm::v1::Node n;
  n.set_network_address(0x123456);
  n.set_address(1001);
  n.set_gateway_id("gw-1");
  n.set_sink_id("sink1");
  n.set_first_seen_ms_epoch(kSeenMs - 3'600'000);
  n.set_last_seen_ms_epoch(kSeenMs);
  n.set_packets(42);
  n.set_hop_count(2);
  n.set_travel_time_ms(40);
  n.mutable_role()->set_base(wm::v1::BASE_ROLE_ROUTER);
  n.mutable_role()->set_autorole(true);
  n.mutable_role()->set_dual_mcu_role(0x82);
  n.set_voltage_mv(3012);
  n.mutable_firmware_version()->set_major(5);
  n.mutable_firmware_version()->set_minor(1);
  n.set_boot_count(4);
  n.set_scratchpad_sequence(9);
  return n;
}

TEST(TimeFormatTest, UtcTimeWithMilliseconds) {
  EXPECT_EQ(FormatUtc(kSeenMs), "2024-05-01T10:01:02.345Z");
  EXPECT_EQ(FormatUtc(0), "never");
}

TEST(TimeFormatTest, AgeUsesTheLargestSensibleUnit) {
  const absl::Time seen = absl::FromUnixMillis(kSeenMs);
  EXPECT_EQ(FormatAge(kSeenMs, seen + absl::Seconds(3)), "3s ago");
  EXPECT_EQ(FormatAge(kSeenMs, seen + absl::Seconds(119)), "119s ago");
  EXPECT_EQ(FormatAge(kSeenMs, seen + absl::Minutes(5)), "5m ago");
  EXPECT_EQ(FormatAge(kSeenMs, seen + absl::Hours(3)), "3h ago");
  EXPECT_EQ(FormatAge(kSeenMs, seen + absl::Hours(72)), "3d ago");
  EXPECT_EQ(FormatAge(0, seen), "never");
}

TEST(TimeFormatTest, ClocksSlightlyApartAreNowAndFurtherAheadIsShown) {
  const absl::Time seen = absl::FromUnixMillis(kSeenMs);
  EXPECT_EQ(FormatAge(kSeenMs, seen - absl::Milliseconds(300)), "0s ago");
  EXPECT_EQ(FormatAge(kSeenMs, seen - absl::Seconds(5)), "in 5s");
}

TEST(TimeFormatTest, SeenCombinesAgeAndUtc) {
  EXPECT_EQ(FormatSeen(kSeenMs, kNow), "3s ago (2024-05-01T10:01:02.345Z)");
  EXPECT_EQ(FormatSeen(0, kNow), "never");
}

TEST(NamesTest, FeaturesAndRoles) {
  EXPECT_EQ(FeatureNames(OnlineGateway("g").features()),
            "SCRATCHPAD_CHUNK_V1,CONFIGURATION_DATA_V1");
  EXPECT_EQ(FeatureNames({}), "-");
  EXPECT_EQ(RoleName(ReportedNode().role()), "router,auto");
  EXPECT_EQ(RoleName(ConfiguredSink().config().node_role()), "sink,ll");
  EXPECT_EQ(RoleName(wm::v1::NodeRole()), "unspecified");
  // The same name the gateway commands print and parse (gateway_format.cc, value_parsing.cc).
  wm::v1::NodeRole non_router;
  non_router.set_base(wm::v1::BASE_ROLE_NON_ROUTER);
  EXPECT_EQ(RoleName(non_router), "non_router");
}

TEST(GatewaysTableTest, OneRowPerGatewaySortedById) {
  wm::v1::Gateway offline = OnlineGateway("gw-b");
  offline.set_state(wm::v1::GATEWAY_STATE_OFFLINE);
  offline.clear_features();
  offline.clear_sink_ids();
  const std::vector<std::string> lines =
      Lines(FormatGatewaysTable({offline, OnlineGateway("gw-a")}, kNow));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("GATEWAY  STATE", 0), 0u) << lines[0];
  EXPECT_TRUE(Contains(lines[0], "LAST SEEN")) << lines[0];
  EXPECT_EQ(lines[1].rfind("gw-a     ONLINE   wm-gateway-sim  1.6.0    2      3s ago "
                           "(2024-05-01T10:01:02.345Z)  SCRATCHPAD_CHUNK_V1,CONFIGURATION_DATA_V1",
                           0),
            0u)
      << lines[1];
  EXPECT_EQ(lines[2].rfind("gw-b     OFFLINE", 0), 0u) << lines[2];
  EXPECT_TRUE(Contains(lines[2], " 0 ")) << lines[2];
}

TEST(GatewayDetailTest, EveryFieldAndEachSinkConfiguration) {
  wm::v1::Gateway g = OnlineGateway("gw-1");
  g.set_max_scratchpad_size(1024);
  const std::string text = FormatGatewayDetail(g, {ConfiguredSink()}, kNow);
  EXPECT_TRUE(Contains(text, "gateway               gw-1\n")) << text;
  EXPECT_TRUE(
      Contains(text, "state                 ONLINE since 63s ago (2024-05-01T10:00:02.345Z)\n"))
      << text;
  EXPECT_TRUE(Contains(text, "model                 wm-gateway-sim\n")) << text;
  EXPECT_TRUE(Contains(text, "version               1.6.0\n")) << text;
  EXPECT_TRUE(Contains(text, "features              SCRATCHPAD_CHUNK_V1,CONFIGURATION_DATA_V1\n"))
      << text;
  EXPECT_TRUE(Contains(text, "max scratchpad        1024 bytes\n")) << text;
  EXPECT_TRUE(Contains(text, "last seen             3s ago (2024-05-01T10:01:02.345Z)\n")) << text;
  EXPECT_TRUE(Contains(text, "sinks                 2: sink0, sink1\n")) << text;
  EXPECT_TRUE(Contains(text, "\nsink gw-1/sink0\n")) << text;
  EXPECT_TRUE(Contains(text, "  node address          4660 (0x001234)\n")) << text;
  EXPECT_TRUE(Contains(text, "  network address       1193046 (0x123456)\n")) << text;
  EXPECT_TRUE(Contains(text, "  channel               5\n")) << text;
  EXPECT_TRUE(Contains(text, "  role                  sink,ll\n")) << text;
  EXPECT_TRUE(Contains(text, "  stack started         yes\n")) << text;
  EXPECT_TRUE(Contains(text, "  app config            seq 3, diag 60 s, 3 bytes: f67e00\n"))
      << text;
  EXPECT_TRUE(Contains(text, "  firmware              5.4.0.57\n")) << text;
  EXPECT_TRUE(Contains(text, "  nodes heard           7\n")) << text;
  // The longest label still leaves a gap before its value.
  EXPECT_TRUE(Contains(text, "  processed scratchpad  seq 12, 180224 bytes, crc 0x3a5c\n")) << text;
}

TEST(GatewayDetailTest, AbsentValuesAreSaidSo) {
  wm::v1::Gateway g;
  g.set_id("gw-quiet");
  wm::v1::Sink sink;
  sink.set_gateway_id("gw-quiet");
  sink.set_sink_id("sink0");
  const std::string text = FormatGatewayDetail(g, {sink}, kNow);
  EXPECT_TRUE(Contains(text, "state                 NO_STATUS\n")) << text;
  EXPECT_TRUE(Contains(text, "max scratchpad        not advertised")) << text;
  EXPECT_TRUE(Contains(text, "last seen             never\n")) << text;
  EXPECT_TRUE(Contains(text, "sinks                 none\n")) << text;
  EXPECT_TRUE(Contains(text, "  node address          -\n")) << text;
  EXPECT_TRUE(Contains(text, "  stack started         -\n")) << text;
}

TEST(SinksTableTest, AddressesChannelRoleAndAppConfig) {
  wm::v1::Sink bare;
  bare.set_gateway_id("gw-2");
  bare.set_sink_id("sink9");
  const std::vector<std::string> lines = Lines(FormatSinksTable({ConfiguredSink(), bare}));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "GATEWAY  SINK   NODE ADDRESS  NETWORK             CHANNEL  ROLE     STARTED  "
            "APP SEQ  DIAG(s)  NODES");
  EXPECT_EQ(lines[1],
            "gw-1     sink0  4660          1193046 (0x123456)  5        sink,ll  yes      3  "
            "      60       7");
  EXPECT_EQ(lines[2],
            "gw-2     sink9  -             -                   -        -        -        -  "
            "      -        0");
}

TEST(NetworksTableTest, CountsPerNetwork) {
  wm::v1::Network n;
  n.set_address(0x123456);
  n.set_gateway_count(2);
  n.set_sink_count(4);
  n.set_node_count(12);
  n.set_stale_node_count(1);
  const std::vector<std::string> lines = Lines(FormatNetworksTable({n}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "NETWORK             GATEWAYS  SINKS  NODES  STALE");
  EXPECT_EQ(lines[1], "1193046 (0x123456)  2         4      12     1");
}

TEST(NodesTableTest, OneRowPerNodeWithDiagnostics) {
  wm::v1::Node bare;
  bare.set_network_address(7);
  bare.set_address(5);
  bare.set_stale(true);
  const std::vector<std::string> lines = Lines(FormatNodesTable({ReportedNode(), bare}, kNow));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "NODE  NETWORK  VIA         LAST SEEN  PACKETS  HOPS  TRAVEL(ms)  ROLE         "
            "VOLTAGE(mV)  FIRMWARE  BOOTS  SCRATCHPAD  STALE");
  EXPECT_EQ(lines[1],
            "1001  1193046  gw-1/sink1  3s ago     42       2     40          router,auto  "
            "3012         5.1.0.0   4      9           no");
  EXPECT_EQ(lines[2],
            "5     7        -           never      0        0     0           -            "
            "-            -         -      -           yes");
}

TEST(NodesFooterTest, CountsAndTruncation) {
  EXPECT_EQ(FormatNodesFooter(12, 3, false, 0), "12 nodes (3 stale)");
  EXPECT_EQ(FormatNodesFooter(1, 0, false, 0), "1 node (0 stale)");
  EXPECT_EQ(FormatNodesFooter(5, 0, true, 5), "5 nodes (0 stale), more not listed (--limit=5)");
}

TEST(NodeDetailTest, EveryField) {
  const std::string text = FormatNodeDetail(ReportedNode(), kNow);
  EXPECT_TRUE(Contains(text, "node                  1001 (0x0003e9)\n")) << text;
  EXPECT_TRUE(Contains(text, "network               1193046 (0x123456)\n")) << text;
  EXPECT_TRUE(Contains(text, "heard through         gw-1/sink1\n")) << text;
  EXPECT_TRUE(Contains(text, "first seen            60m ago (2024-05-01T09:01:02.345Z)\n")) << text;
  EXPECT_TRUE(Contains(text, "last seen             3s ago (2024-05-01T10:01:02.345Z)\n")) << text;
  EXPECT_TRUE(Contains(text, "packets               42\n")) << text;
  EXPECT_TRUE(Contains(text, "hop count             2\n")) << text;
  EXPECT_TRUE(Contains(text, "travel time           40 ms\n")) << text;
  EXPECT_TRUE(Contains(text, "stale                 no\n")) << text;
  EXPECT_TRUE(Contains(text, "role                  router,auto (dual-MCU role 0x82)\n")) << text;
  EXPECT_TRUE(Contains(text, "voltage               3012 mV\n")) << text;
  EXPECT_TRUE(Contains(text, "firmware              5.1.0.0\n")) << text;
  EXPECT_TRUE(Contains(text, "boot count            4\n")) << text;
  EXPECT_TRUE(Contains(text, "scratchpad seq        9\n")) << text;
}

TEST(NodeDetailTest, DiagnosticsNotYetReported) {
  wm::v1::Node n;
  n.set_network_address(1);
  n.set_address(2);
  const std::string text = FormatNodeDetail(n, kNow);
  EXPECT_TRUE(Contains(text, "role                  not reported\n")) << text;
  EXPECT_TRUE(Contains(text, "voltage               not reported\n")) << text;
  EXPECT_TRUE(Contains(text, "firmware              not reported\n")) << text;
}

TEST(ChangeLineTest, GatewaySinkNodeAndGap) {
  wm::v1::RegistryChange change;
  change.set_sequence(17);
  change.set_kind(wm::v1::CHANGE_KIND_UPDATED);
  change.set_time_ms_epoch(kSeenMs);
  wm::v1::Gateway g = OnlineGateway("gw-1");
  g.set_state(wm::v1::GATEWAY_STATE_OFFLINE);
  *change.mutable_gateway() = g;
  EXPECT_EQ(FormatChangeLine(change),
            "10:01:02.345 #17 updated gateway gw-1 OFFLINE model=wm-gateway-sim version=1.6.0 "
            "sinks=sink0,sink1");

  change.set_kind(wm::v1::CHANGE_KIND_ADDED);
  *change.mutable_sink() = ConfiguredSink();
  EXPECT_EQ(FormatChangeLine(change),
            "10:01:02.345 #17 added   sink    gw-1/sink0 node=4660 net=1193046(0x123456) ch=5 "
            "role=sink,ll started=yes app_seq=3 diag=60s fw=5.4.0.57");

  change.set_kind(wm::v1::CHANGE_KIND_STALE);
  wm::v1::Node node = ReportedNode();
  node.set_stale(true);
  *change.mutable_node() = node;
  EXPECT_EQ(FormatChangeLine(change),
            "10:01:02.345 #17 stale   node    1193046/1001 via gw-1/sink1 hops=2 "
            "role=router,auto voltage=3012mV fw=5.1.0.0 boots=4 scratchpad=9 stale");

  wm::v1::RegistryChange gap;
  gap.set_kind(wm::v1::CHANGE_KIND_GAP);
  gap.set_dropped(42);
  EXPECT_EQ(FormatChangeLine(gap), "- gap: 42 changes lost, list again to resynchronise");
  gap.set_gap_cause(wm::v1::CHANGE_GAP_CAUSE_POSITION_TOO_OLD);
  EXPECT_EQ(FormatChangeLine(gap),
            "- gap: 42 changes lost (older than wm-registry's change log), list again to "
            "resynchronise");
  gap.set_dropped(0);
  gap.set_gap_cause(wm::v1::CHANGE_GAP_CAUSE_OTHER_RUN);
  gap.set_count_unknown(true);
  EXPECT_EQ(FormatChangeLine(gap),
            "- gap: changes lost (how many is unknown: wm-registry restarted since the "
            "position), list again to resynchronise");
}

TEST(ParseChangeEntitiesTest, NamesPluralsAndCase) {
  absl::StatusOr<std::vector<wm::v1::ChangeEntity>> entities =
      ParseChangeEntities("gateway, Sinks,node,gateways");
  ASSERT_TRUE(entities.ok()) << entities.status();
  EXPECT_EQ(*entities, (std::vector<wm::v1::ChangeEntity>{wm::v1::CHANGE_ENTITY_GATEWAY,
                                                          wm::v1::CHANGE_ENTITY_SINK,
                                                          wm::v1::CHANGE_ENTITY_NODE}));
  ASSERT_TRUE(ParseChangeEntities("").ok());
  EXPECT_TRUE(ParseChangeEntities("")->empty());
}

TEST(ParseChangeEntitiesTest, UnknownEntityNamesTheSetting) {
  absl::StatusOr<std::vector<wm::v1::ChangeEntity>> entities = ParseChangeEntities("node,robot");
  ASSERT_FALSE(entities.ok());
  EXPECT_EQ(entities.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(entities.status().message(), "entities: 'robot' is not one of gateway, sink, node");
}

}  // namespace
}  // namespace wm::gw_cli
