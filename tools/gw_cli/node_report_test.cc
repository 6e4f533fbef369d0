#include "tools/gw_cli/node_report.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace wm::gw_cli {
namespace {

wm::v1::PingReply Reply(uint32_t address, uint32_t round_trip_ms, uint32_t hops) {
  wm::v1::PingReply reply;
  reply.set_source_address(address);
  reply.set_round_trip_ms(round_trip_ms);
  reply.set_hop_count(hops);
  reply.set_travel_time_ms(hops * 4);
  reply.set_gateway_id("gw-1");
  reply.set_sink_id("sink0");
  return reply;
}

// A node on stack 5.4.0.57 running scratchpad 12/0x1a2b and storing `stored_seq`/`stored_crc`.
wm::v1::NodeScratchpadStatus Node(uint32_t address, uint32_t hops, uint32_t stored_seq,
                                  uint32_t stored_crc, uint32_t fw_minor = 4) {
  wm::v1::NodeScratchpadStatus node;
  node.set_source_address(address);
  node.set_hop_count(hops);
  wm::v1::MsapScratchpadStatus* s = node.mutable_status();
  s->set_version(1);
  s->set_stored_type(1);
  s->set_stored_seq(stored_seq);
  s->set_stored_crc(stored_crc);
  s->set_processed_seq(12);
  s->set_processed_crc(0x1a2b);
  s->set_fw_area_id(2);
  s->set_fw_major(5);
  s->set_fw_minor(fw_minor);
  s->set_fw_maint(0);
  s->set_fw_devel(57);
  return node;
}

TEST(NodeReportTest, AddressesAndDownlinks) {
  EXPECT_EQ(FormatDestinationAddress(0xFFFFFFFF), "broadcast");
  EXPECT_EQ(FormatDestinationAddress(1234), "1234");

  wm::v1::DownlinkResult sent;
  sent.set_destination_address(0xFFFFFFFF);
  sent.mutable_result()->set_name("OK");
  EXPECT_TRUE(DownlinkAccepted(sent));
  EXPECT_EQ(FormatDownlinkResult(sent), "sent to broadcast: OK\n");

  sent.set_destination_address(77);
  sent.mutable_result()->set_code(wm::v1::GATEWAY_RESULT_INVALID_DEST_ADDRESS);
  sent.mutable_result()->set_raw_code(10);
  sent.mutable_result()->set_name("INVALID_DEST_ADDRESS");
  EXPECT_FALSE(DownlinkAccepted(sent));
  EXPECT_EQ(FormatDownlinkResult(sent), "sent to 77: FAILED INVALID_DEST_ADDRESS (10)\n");
}

TEST(NodeReportTest, PingReplyLine) {
  EXPECT_EQ(FormatPingReply(Reply(1001, 12, 2)),
            "T 12 ms: node 1001 hops 2 travel 8 ms via gw-1/sink0\n");
}

TEST(NodeReportTest, PingSummaryHasRoundTripsHistogramAndC) {
  const PingSummary summary =
      SummarizePing({Reply(1, 40, 1), Reply(2, 10, 3), Reply(3, 30, 1), Reply(4, 20, 3)});
  EXPECT_EQ(summary.nodes, 4u);
  EXPECT_EQ(summary.min_round_trip_ms, 10u);
  EXPECT_DOUBLE_EQ(summary.median_round_trip_ms, 25.0);
  EXPECT_EQ(summary.max_round_trip_ms, 40u);
  EXPECT_EQ(summary.hop_sum, 8u);
  EXPECT_EQ(FormatPingSummary(summary),
            "Answered: 4 node(s)\n"
            "Round trip: min 10 ms, median 25 ms, max 40 ms\n"
            "hops 1: ** 2\n"
            "hops 2:  0\n"
            "hops 3: ** 2\n"
            "C = 8 (sum of hops x nodes; the smaller, the easier the network)\n");
}

TEST(NodeReportTest, PingMedianOfAnOddCountIsTheMiddleValue) {
  const PingSummary summary = SummarizePing({Reply(1, 7, 1), Reply(2, 5, 1), Reply(3, 90, 2)});
  EXPECT_DOUBLE_EQ(summary.median_round_trip_ms, 7.0);
  EXPECT_NE(FormatPingSummary(summary).find("min 5 ms, median 7 ms, max 90 ms"), std::string::npos);
}

TEST(NodeReportTest, PingWithoutRepliesSaysSo) {
  EXPECT_EQ(FormatPingSummary(SummarizePing({})), "No node answered.\n");
}

TEST(NodeReportTest, LargeHistogramBarsAreScaledButNeverEmpty) {
  std::vector<wm::v1::PingReply> replies;
  for (uint32_t i = 0; i < 200; ++i) replies.push_back(Reply(i + 1, 10, 1));
  replies.push_back(Reply(1000, 10, 2));
  const std::string text = FormatPingSummary(SummarizePing(replies));
  EXPECT_NE(text.find("hops 1: " + std::string(50, '*') + " 200\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hops 2: * 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("C = 202 "), std::string::npos) << text;
}

TEST(NodeReportTest, ScratchpadTableIsSortedAndShowsAppFieldsWhenReported) {
  wm::v1::NodeScratchpadStatus with_app = Node(300, 2, 13, 0x3c4d);
  wm::v1::MsapScratchpadStatus* s = with_app.mutable_status();
  s->set_app_seq(4);
  s->set_app_major(1);
  s->set_app_minor(2);
  s->set_app_maint(3);
  s->set_app_devel(4);
  s->set_app_area_id(0x00A10201);
  wm::v1::NodeScratchpadStatus blank = Node(100, 0, 0, 0);
  blank.mutable_status()->set_stored_type(0);
  const std::string table = FormatScratchpadTable({with_app, blank, Node(200, 1, 13, 0x3c4d)});
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = table.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(table.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), 4u) << table;
  EXPECT_NE(lines[0].find("address"), std::string::npos);
  EXPECT_NE(lines[0].find("stored seq"), std::string::npos);
  EXPECT_NE(lines[0].find("processed crc"), std::string::npos);
  EXPECT_NE(lines[0].find("stack fw"), std::string::npos);
  EXPECT_NE(lines[0].find("app fw"), std::string::npos);
  EXPECT_EQ(lines[1],
            "       100     0           -           -             12         0x1a2b  5.4.0.57    "
            "0x00000002        -  -           -");
  EXPECT_NE(lines[2].find("       200     1          13      0x3c4d"), std::string::npos)
      << lines[2];
  EXPECT_NE(lines[3].find("       300     2          13      0x3c4d"), std::string::npos)
      << lines[3];
  EXPECT_NE(lines[3].find("      4  1.2.3.4     0x00a10201"), std::string::npos) << lines[3];
}

TEST(NodeReportTest, ScratchpadStatsCountFirmwareKeysAndSeeOneStoredImage) {
  const std::string stats =
      FormatScratchpadStats({Node(1, 0, 13, 0x3c4d), Node(2, 1, 13, 0x3c4d),
                             Node(3, 1, 13, 0x3c4d, 3), Node(4, 2, 13, 0x3c4d)});
  EXPECT_EQ(stats,
            "Processed/Stored stats:\n"
            "  5.4.0.57 processed seq 12 crc 0x1a2b, stored seq 13 crc 0x3c4d running on 3 "
            "node(s) (75.0%)\n"
            "  5.3.0.57 processed seq 12 crc 0x1a2b, stored seq 13 crc 0x3c4d running on 1 "
            "node(s) (25.0%)\n"
            "Total 4 nodes\n"
            "All nodes have firmware seq 13 crc 0x3c4d stored.\n");
}

TEST(NodeReportTest, ScratchpadStatsDetectSeveralStoredImages) {
  const std::string stats = FormatScratchpadStats({Node(1, 0, 13, 0x3c4d), Node(2, 1, 14, 0x1111)});
  EXPECT_NE(stats.find("Total 2 nodes\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("More than one firmware detected.\n"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("All nodes"), std::string::npos) << stats;
}

TEST(NodeReportTest, ScratchpadStatsCountANodeThatAnsweredTwiceOnce) {
  const std::string stats = FormatScratchpadStats({Node(1, 0, 13, 0x3c4d), Node(1, 0, 13, 0x3c4d)});
  EXPECT_NE(stats.find("running on 1 node(s) (100.0%)"), std::string::npos) << stats;
  EXPECT_NE(stats.find("Total 1 nodes"), std::string::npos) << stats;
  EXPECT_EQ(FormatScratchpadStats({}), "No node answered.\n");
}

TEST(NodeReportTest, AcksAreSortedWithCounts) {
  wm::v1::NodeCommandResponse response;
  auto add = [&response](uint32_t address, bool ok, const std::string& error) {
    wm::v1::NodeAck* ack = response.add_acks();
    ack->set_source_address(address);
    ack->set_ok(ok);
    ack->set_error(error);
    ack->set_gateway_id("gw-1");
    ack->set_sink_id("sink0");
  };
  add(5678, false, "INVALID_BEGIN");
  add(1234, true, "");
  add(42, true, "");
  EXPECT_EQ(FormatNodeAcks(response, true),
            "   address  answer                   via\n"
            "        42  ok                       gw-1/sink0\n"
            "      1234  ok                       gw-1/sink0\n"
            "      5678  error INVALID_BEGIN      gw-1/sink0\n"
            "OK response received from 2 node(s)\n"
            "Error response received from 1 node(s)\n");
  EXPECT_EQ(FormatNodeAcks(wm::v1::NodeCommandResponse(), true),
            "OK response received from 0 node(s)\n");
  EXPECT_EQ(FormatNodeAcks(response, false), "Nodes' answers not awaited (--quiet_s=0).\n");
}

}  // namespace
}  // namespace wm::gw_cli
