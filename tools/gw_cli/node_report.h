#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protos/wm/v1/commands.pb.h"

namespace wm::gw_cli {

// Readable text for the node (MSAP) commands of wm-gw-cli: one line per reply or downlink,
// and the summaries printed once a command has collected its answers. Every function returns
// whole lines, each ending with '\n'.

// A downlink's destination as --dst and --node take it: "broadcast" for wirepas::kBroadcastAddress,
// otherwise the node address in decimal.
std::string FormatDestinationAddress(uint32_t address);

// Whether the gateway accepted a downlink (result OK).
bool DownlinkAccepted(const wm::v1::DownlinkResult& sent);

// The gateway's answer to one downlink, e.g. "sent to broadcast: OK" or
// "sent to 1234: FAILED INVALID_DEST_ADDRESS (10)".
std::string FormatDownlinkResult(const wm::v1::DownlinkResult& sent);

// One ping reply as it arrives:
// "T 12 ms: node 1001 hops 2 travel 8 ms via sim-gw-1/sink0" (T: the round trip).
std::string FormatPingReply(const wm::v1::PingReply& reply);

// What a ping collected.
struct PingSummary {
  size_t nodes = 0;
  // Round trips in ms; meaningful when nodes > 0. The median of an even count is the mean of
  // the two middle values.
  uint32_t min_round_trip_ms = 0;
  double median_round_trip_ms = 0;
  uint32_t max_round_trip_ms = 0;
  // Nodes per hop count.
  std::map<uint32_t, size_t> nodes_per_hop_count;
  // C = sum over replies of their hop count (hop count x nodes at that count), as
  // backend-client's ping printed it: the smaller, the easier the network.
  uint64_t hop_sum = 0;
};

// Summarizes the replies of one ping (one per node, as wm-command streams them).
PingSummary SummarizePing(const std::vector<wm::v1::PingReply>& replies);

// The summary after the replies:
//   Answered: 5 node(s)
//   Round trip: min 12 ms, median 30 ms, max 81 ms
//   hops 1: ** 2
//   hops 2:  0
//   hops 3: *** 3
//   C = 11 (sum of hops x nodes; the smaller, the easier the network)
// Every hop count from the smallest to the largest seen gets a line; a bar has one star per
// node, scaled down to at most 50 stars for large networks (never 0 stars for a count > 0).
// "No node answered." when there was no reply.
std::string FormatPingSummary(const PingSummary& summary);

// The nodes' scratchpad statuses as a table sorted by address, one row per node (a node that
// answered twice appears once, with its last answer), with a header naming the columns:
// address, hops (0: the sink), stored seq/crc, processed seq/crc, stack firmware, firmware area
// id, and the application's seq, firmware and area id when the node reports them ("-" when not).
std::string FormatScratchpadTable(const std::vector<wm::v1::NodeScratchpadStatus>& nodes);

// The firmware key of a node in the statistics: its stack version, the scratchpad that produced
// it and the scratchpad it stores, e.g. "5.4.0.57 processed seq 12 crc 0x1a2b, stored seq 13
// crc 0x3c4d" ("stored none" for a blank scratchpad area).
std::string FirmwareKey(const wm::v1::MsapScratchpadStatus& status);

// The stored scratchpad of a node as the statistics name it: "seq 13 crc 0x3c4d", or "none".
std::string StoredScratchpadKey(const wm::v1::MsapScratchpadStatus& status);

// The statistics after the table, over the same nodes (deduplicated by address):
//   Processed/Stored stats:
//     <firmware key> running on 4 node(s) (80.0%)
//     <firmware key> running on 1 node(s) (20.0%)
//   Total 5 nodes
//   All nodes have firmware seq 13 crc 0x3c4d stored.     (or "More than one firmware
//                                                          detected.")
// Keys are listed by node count, most first. "No node answered." when `nodes` is empty.
std::string FormatScratchpadStats(const std::vector<wm::v1::NodeScratchpadStatus>& nodes);

// The nodes' answers to a node command, sorted by address:
//      address  answer               via
//         1234  ok                   sim-gw-1/sink0
//         5678  error INVALID_BEGIN  sim-gw-1/sink0
//   OK response received from 1 node(s)
//   Error response received from 1 node(s)      (only when there is one)
// `collected` false (the command did not wait for nodes) prints that instead of the counts.
std::string FormatNodeAcks(const wm::v1::NodeCommandResponse& response, bool collected);

}  // namespace wm::gw_cli
