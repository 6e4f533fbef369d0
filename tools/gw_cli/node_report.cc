#include "tools/gw_cli/node_report.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/wirepas/address.h"
#include "tools/gw_cli/command_client.h"
#include "tools/gw_cli/text_format.h"
#include "tools/gw_cli/value_parsing.h"

namespace wm::gw_cli {
namespace {

// Widest histogram bar, in stars.
constexpr size_t kMaxBarWidth = 50;
// MsapScratchpadStatus.stored_type of an empty scratchpad area.
constexpr uint32_t kStoredTypeBlank = 0;

// One status per address, the last answer winning, sorted by address.
std::vector<wm::v1::NodeScratchpadStatus> ByAddress(
    const std::vector<wm::v1::NodeScratchpadStatus>& nodes) {
  std::map<uint32_t, const wm::v1::NodeScratchpadStatus*> latest;
  for (const wm::v1::NodeScratchpadStatus& node : nodes) latest[node.source_address()] = &node;
  std::vector<wm::v1::NodeScratchpadStatus> sorted;
  sorted.reserve(latest.size());
  for (const auto& [address, node] : latest) sorted.push_back(*node);
  return sorted;
}

}  // namespace

std::string FormatDestinationAddress(uint32_t address) {
  return address == wirepas::kBroadcastAddress ? "broadcast" : absl::StrCat(address);
}

bool DownlinkAccepted(const wm::v1::DownlinkResult& sent) {
  return sent.result().code() == wm::v1::GATEWAY_RESULT_OK && sent.result().raw_code() == 0;
}

std::string FormatDownlinkResult(const wm::v1::DownlinkResult& sent) {
  return absl::StrCat("sent to ", FormatDestinationAddress(sent.destination_address()), ": ",
                      DownlinkAccepted(sent) ? "OK" : "FAILED " + DescribeResult(sent.result()),
                      "\n");
}

std::string FormatPingReply(const wm::v1::PingReply& reply) {
  return absl::StrFormat("T %u ms: node %u hops %u travel %u ms via %s/%s\n", reply.round_trip_ms(),
                         reply.source_address(), reply.hop_count(), reply.travel_time_ms(),
                         reply.gateway_id(), reply.sink_id());
}

PingSummary SummarizePing(const std::vector<wm::v1::PingReply>& replies) {
  PingSummary summary;
  summary.nodes = replies.size();
  if (replies.empty()) return summary;
  std::vector<uint32_t> round_trips;
  round_trips.reserve(replies.size());
  for (const wm::v1::PingReply& reply : replies) {
    round_trips.push_back(reply.round_trip_ms());
    ++summary.nodes_per_hop_count[reply.hop_count()];
    summary.hop_sum += reply.hop_count();
  }
  std::sort(round_trips.begin(), round_trips.end());
  summary.min_round_trip_ms = round_trips.front();
  summary.max_round_trip_ms = round_trips.back();
  const size_t middle = round_trips.size() / 2;
  summary.median_round_trip_ms =
      round_trips.size() % 2 == 1
          ? round_trips[middle]
          : (static_cast<double>(round_trips[middle - 1]) + round_trips[middle]) / 2.0;
  return summary;
}

std::string FormatPingSummary(const PingSummary& summary) {
  if (summary.nodes == 0) return "No node answered.\n";
  std::string text = absl::StrFormat("Answered: %u node(s)\n", summary.nodes);
  absl::StrAppendFormat(&text, "Round trip: min %u ms, median %g ms, max %u ms\n",
                        summary.min_round_trip_ms, summary.median_round_trip_ms,
                        summary.max_round_trip_ms);
  size_t largest = 0;
  for (const auto& [hops, count] : summary.nodes_per_hop_count) largest = std::max(largest, count);
  const uint32_t first = summary.nodes_per_hop_count.begin()->first;
  const uint32_t last = summary.nodes_per_hop_count.rbegin()->first;
  for (uint32_t hops = first; hops <= last; ++hops) {
    auto it = summary.nodes_per_hop_count.find(hops);
    const size_t count = it == summary.nodes_per_hop_count.end() ? 0 : it->second;
    size_t width = count;
    if (largest > kMaxBarWidth) {
      width = (count * kMaxBarWidth + largest / 2) / largest;
      if (count > 0 && width == 0) width = 1;
    }
    absl::StrAppendFormat(&text, "hops %u: %s %u\n", hops, std::string(width, '*'), count);
  }
  absl::StrAppendFormat(&text,
                        "C = %u (sum of hops x nodes; the smaller, the easier the network)\n",
                        summary.hop_sum);
  return text;
}

std::string FormatScratchpadTable(const std::vector<wm::v1::NodeScratchpadStatus>& nodes) {
  constexpr char kRow[] = "%10s  %4s  %10s  %10s  %13s  %13s  %-10s  %-10s  %7s  %-10s  %s\n";
  std::string text =
      absl::StrFormat(kRow, "address", "hops", "stored seq", "stored crc", "processed seq",
                      "processed crc", "stack fw", "fw area", "app seq", "app fw", "app area");
  for (const wm::v1::NodeScratchpadStatus& node : ByAddress(nodes)) {
    const wm::v1::MsapScratchpadStatus& s = node.status();
    const bool blank = s.stored_type() == kStoredTypeBlank;
    absl::StrAppendFormat(
        &text, kRow, absl::StrCat(node.source_address()), absl::StrCat(node.hop_count()),
        blank ? "-" : absl::StrCat(s.stored_seq()), blank ? "-" : FormatCrc(s.stored_crc()),
        absl::StrCat(s.processed_seq()), FormatCrc(s.processed_crc()),
        FormatFirmwareVersion(s.fw_major(), s.fw_minor(), s.fw_maint(), s.fw_devel()),
        absl::StrFormat("0x%08x", s.fw_area_id()),
        s.has_app_seq() ? absl::StrCat(s.app_seq()) : "-",
        s.has_app_major()
            ? FormatFirmwareVersion(s.app_major(), s.app_minor(), s.app_maint(), s.app_devel())
            : "-",
        s.has_app_area_id() ? absl::StrFormat("0x%08x", s.app_area_id()) : "-");
  }
  return text;
}

std::string StoredScratchpadKey(const wm::v1::MsapScratchpadStatus& status) {
  if (status.stored_type() == kStoredTypeBlank) return "none";
  return absl::StrCat("seq ", status.stored_seq(), " crc ", FormatCrc(status.stored_crc()));
}

std::string FirmwareKey(const wm::v1::MsapScratchpadStatus& status) {
  return absl::StrCat(FormatFirmwareVersion(status.fw_major(), status.fw_minor(), status.fw_maint(),
                                            status.fw_devel()),
                      " processed seq ", status.processed_seq(), " crc ",
                      FormatCrc(status.processed_crc()), ", stored ", StoredScratchpadKey(status));
}

std::string FormatScratchpadStats(const std::vector<wm::v1::NodeScratchpadStatus>& nodes) {
  const std::vector<wm::v1::NodeScratchpadStatus> unique = ByAddress(nodes);
  if (unique.empty()) return "No node answered.\n";
  absl::flat_hash_map<std::string, size_t> per_key;
  absl::flat_hash_map<std::string, size_t> per_stored;
  for (const wm::v1::NodeScratchpadStatus& node : unique) {
    ++per_key[FirmwareKey(node.status())];
    ++per_stored[StoredScratchpadKey(node.status())];
  }
  std::vector<std::pair<std::string, size_t>> keys(per_key.begin(), per_key.end());
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::string text = "Processed/Stored stats:\n";
  for (const auto& [key, count] : keys) {
    absl::StrAppendFormat(&text, "  %s running on %u node(s) (%.1f%%)\n", key, count,
                          100.0 * static_cast<double>(count) / static_cast<double>(unique.size()));
  }
  absl::StrAppendFormat(&text, "Total %u nodes\n", unique.size());
  if (per_stored.size() == 1) {
    const std::string& stored = per_stored.begin()->first;
    absl::StrAppend(&text, stored == "none"
                               ? "No node has a scratchpad stored.\n"
                               : absl::StrCat("All nodes have firmware ", stored, " stored.\n"));
  } else {
    absl::StrAppend(&text, "More than one firmware detected.\n");
  }
  return text;
}

std::string FormatNodeAcks(const wm::v1::NodeCommandResponse& response, bool collected) {
  if (!collected) return "Nodes' answers not awaited (--quiet_s=0).\n";
  std::vector<const wm::v1::NodeAck*> acks;
  for (const wm::v1::NodeAck& ack : response.acks()) acks.push_back(&ack);
  std::stable_sort(acks.begin(), acks.end(), [](const auto* a, const auto* b) {
    return a->source_address() < b->source_address();
  });
  constexpr char kRow[] = "%10s  %-24s %s\n";
  std::string text;
  size_t ok = 0;
  if (!acks.empty()) text = absl::StrFormat(kRow, "address", "answer", "via");
  for (const wm::v1::NodeAck* ack : acks) {
    if (ack->ok()) ++ok;
    absl::StrAppendFormat(&text, kRow, absl::StrCat(ack->source_address()),
                          ack->ok() ? "ok" : absl::StrCat("error ", ack->error()),
                          absl::StrCat(ack->gateway_id(), "/", ack->sink_id()));
  }
  absl::StrAppendFormat(&text, "OK response received from %u node(s)\n", ok);
  if (ok < acks.size()) {
    absl::StrAppendFormat(&text, "Error response received from %u node(s)\n", acks.size() - ok);
  }
  return text;
}

}  // namespace wm::gw_cli
