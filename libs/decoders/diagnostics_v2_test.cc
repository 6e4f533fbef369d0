#include "libs/decoders/diagnostics_v2.h"

#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "libs/decoders/cbor.h"

namespace wm::decoders {
namespace {

// CBOR written byte by byte; comments give each item in diagnostic notation.
std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

wm::v1::DiagnosticsV2 Decode(const std::string& payload) {
  wm::v1::DiagnosticsV2 d;
  const DecodeStatus error = DecodeDiagnosticsV2(payload, &d);
  EXPECT_FALSE(error.has_value()) << error->message;
  return d;
}

DecodeError DecodeFails(const std::string& payload, wm::v1::DiagnosticsV2* d = nullptr) {
  wm::v1::DiagnosticsV2 scratch;
  const DecodeStatus error = DecodeDiagnosticsV2(payload, d ? d : &scratch);
  EXPECT_TRUE(error.has_value());
  return error.value_or(DecodeError{});
}

TEST(DiagnosticsV2, OneEntryMap) {
  const auto d = Decode(B({0xa1, 0x01, 0x18, 0x2a}));  // {1: 42}
  ASSERT_TRUE(d.has_role());
  EXPECT_EQ(d.role(), 42u);
  EXPECT_FALSE(d.has_voltage());
  EXPECT_EQ(d.unknown_fields_size(), 0);
}

TEST(DiagnosticsV2, EmptyMapDecodesToNothing) {
  const auto d = Decode(B({0xa0}));  // {}
  EXPECT_FALSE(d.has_role());
  EXPECT_FALSE(d.has_role_bits());
  EXPECT_EQ(d.ByteSizeLong(), 0u);
}

// Every single-value id with the name docs/payloads.md gives it (these are the JSON keys).
TEST(DiagnosticsV2, EverySingleValueIdHasItsSpecName) {
  const std::vector<std::string> names = {
      "role",
      "voltage",
      "memory_allocation_failures",
      "network_scans_amount",
      "scanstat_avg_routers",
      "cfmac_access_cycle_interval",
      "cluster_channel",
      "cluster_channel_reliability",
      "cbmac_broadcast_ll_members_pending",
      "cbmac_broadcast_le_members_pending",
      "cbmac_broadcast_next_hop_pending",
      "cbmac_broadcast_unack_pending",
      "cbmac_packets_expired_pending",
      "cbmac_packets_reroute_pending",
      "cbmac_unicast_cluster_pending",
      "cbmac_unicast_members_pending",
      "packets_dropped",
      "cfmac_pending_broadcast_le_member",
      "cfmac_messages_ack",
      "cfmac_aloha_upload_maximum",
      "cfmac_reserved_upload_maximum",
      "cfmac_reserved_upload_average",
      "blacklisted_channel_amount",
      "cbmac_blacklisting_channels_min_to_40",
      "cbmac_blacklisting_channels_41_to_max",
      "cluster_members",
      "cluster_head_members",
      "scan_total_time",
      "boot_count",
      "firmware_stack",
      "scratchpad_stored_sequence",
      "otap_support",
      "boot_line_number",
      "boot_filename_hash",
      "boot_address",
      "scratchpad_processed_sequence",
      "hardware_magic",
      "stack_profile",
      "firmware_app",
      "boot_fault_reason",
  };
  ASSERT_EQ(names.size(), 40u);
  // {1: 101, 2: 102, ..., 40: 140}: keys below 24 are one byte, the rest 0x18 id.
  std::string payload = B({0xb8, 40});
  for (int id = 1; id <= 40; ++id) {
    payload += id < 24 ? B({id}) : B({0x18, id});
    payload += B({0x18, 100 + id});
  }
  const auto d = Decode(payload);
  const auto* reflection = d.GetReflection();
  for (int id = 1; id <= 40; ++id) {
    const auto* field = d.GetDescriptor()->FindFieldByNumber(id);
    ASSERT_NE(field, nullptr) << id;
    EXPECT_EQ(field->name(), names[id - 1]) << id;
    EXPECT_TRUE(reflection->HasField(d, field)) << names[id - 1];
    EXPECT_EQ(reflection->GetUInt32(d, field), static_cast<uint32_t>(100 + id)) << names[id - 1];
  }
  EXPECT_EQ(d.unknown_fields_size(), 0);
  EXPECT_EQ(d.repeated_ids_size(), 0);
}

TEST(DiagnosticsV2, RoleBitsAreDecoded) {
  // {1: 0x93}: subnode (3), low latency (0x10), autorole (0x80).
  auto d = Decode(B({0xa1, 0x01, 0x18, 0x93}));
  EXPECT_EQ(d.role(), 0x93u);
  EXPECT_EQ(d.role_bits().base_role(), 3u);
  EXPECT_EQ(d.role_bits().base_role_name(), "subnode");
  EXPECT_EQ(d.role_bits().mode(), 0x90u);
  EXPECT_TRUE(d.role_bits().low_latency());
  EXPECT_TRUE(d.role_bits().autorole());

  d = Decode(B({0xa1, 0x01, 0x01}));  // {1: 1}: plain sink
  EXPECT_EQ(d.role_bits().base_role_name(), "sink");
  EXPECT_FALSE(d.role_bits().low_latency());
  EXPECT_FALSE(d.role_bits().autorole());
  EXPECT_EQ(Decode(B({0xa1, 0x01, 0x12})).role_bits().base_role_name(), "headnode");  // {1: 0x12}
  // {1: 0x0f}: a base role the stack does not define keeps its number, without a name.
  d = Decode(B({0xa1, 0x01, 0x0f}));
  EXPECT_EQ(d.role_bits().base_role(), 15u);
  EXPECT_EQ(d.role_bits().base_role_name(), "");
}

TEST(DiagnosticsV2, FirmwareVersionsAsText) {
  // {30: 0x05010014, 39: 0xff000a01}
  const auto d = Decode(B({0xa2, 0x18, 0x1e, 0x1a, 0x05, 0x01, 0x00, 0x14,  //
                           0x18, 0x27, 0x1a, 0xff, 0x00, 0x0a, 0x01}));
  EXPECT_EQ(d.firmware_stack(), 0x05010014u);
  EXPECT_EQ(d.firmware_stack_string(), "5.1.0.20");
  EXPECT_EQ(d.firmware_app(), 0xff000a01u);
  EXPECT_EQ(d.firmware_app_string(), "255.0.10.1");
}

TEST(DiagnosticsV2, ScalarMaximumAndOutOfRange) {
  // {2: 4294967295}
  EXPECT_EQ(Decode(B({0xa1, 0x02, 0x1a, 0xff, 0xff, 0xff, 0xff})).voltage(), 4294967295u);
  // {2: 4294967296}: does not fit a u32, kept with its name.
  auto d = Decode(B({0xa1, 0x02, 0x1b, 0, 0, 0, 0x01, 0, 0, 0, 0}));
  EXPECT_FALSE(d.has_voltage());
  ASSERT_EQ(d.unknown_fields_size(), 1);
  EXPECT_EQ(d.unknown_fields(0).id(), 2);
  EXPECT_EQ(d.unknown_fields(0).name(), "voltage");
  EXPECT_EQ(d.unknown_fields(0).value().unsigned_int(), 4294967296u);
  // {2: -1}
  d = Decode(B({0xa1, 0x02, 0x20}));
  EXPECT_FALSE(d.has_voltage());
  ASSERT_EQ(d.unknown_fields_size(), 1);
  EXPECT_EQ(d.unknown_fields(0).value().negative_int(), -1);
  // {29: "x"}
  d = Decode(B({0xa1, 0x18, 0x1d, 0x61, 'x'}));
  EXPECT_FALSE(d.has_boot_count());
  EXPECT_EQ(d.unknown_fields(0).name(), "boot_count");
  EXPECT_EQ(d.unknown_fields(0).value().text_string(), "x");
}

TEST(DiagnosticsV2, NextHopDetailsMembers) {
  // {65: [10, 0x123456, 0x654321, 200, -70, 8]}
  const auto d = Decode(B({0xa1, 0x18, 0x41, 0x86, 0x0a, 0x1a, 0x00, 0x12, 0x34, 0x56,
                           0x1a, 0x00, 0x65, 0x43, 0x21, 0x18, 0xc8, 0x38, 0x45, 0x08}));
  ASSERT_EQ(d.nexthop_details_size(), 1);
  const auto& n = d.nexthop_details(0);
  EXPECT_EQ(n.advertised_cost(), 10u);
  EXPECT_EQ(n.sink_address(), 0x123456u);
  EXPECT_EQ(n.next_hop_address(), 0x654321u);
  EXPECT_EQ(n.next_hop_quality(), 200u);
  EXPECT_EQ(n.next_hop_rssi(), -70);
  EXPECT_EQ(n.next_hop_power(), 8);
  EXPECT_EQ(n.extra_elements_size(), 0);
}

TEST(DiagnosticsV2, EveryVectorIdSplitsIntoNamedMembers) {
  // {64: [1, 2], 66: [3, 9], 69: [1..9], 71: [1..6], 72: [2, 5], 73: [1..15]}
  const auto d =
      Decode(B({0xa6,                                               //
                0x18, 0x40, 0x82, 0x01, 0x02,                       //
                0x18, 0x42, 0x82, 0x03, 0x09,                       //
                0x18, 0x45, 0x89, 1,    2,    3, 4, 5, 6, 7, 8, 9,  //
                0x18, 0x47, 0x86, 1,    2,    3, 4, 5, 6,           //
                0x18, 0x48, 0x82, 0x02, 0x05,                       //
                0x18, 0x49, 0x8f, 1,    2,    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  ASSERT_EQ(d.trace_options_size(), 1);
  EXPECT_EQ(d.trace_options(0).trace_type(), 1u);
  EXPECT_EQ(d.trace_options(0).sequence(), 2u);
  ASSERT_EQ(d.buffer_usage_size(), 1);
  EXPECT_EQ(d.buffer_usage(0).average(), 3u);
  EXPECT_EQ(d.buffer_usage(0).maximum(), 9u);
  ASSERT_EQ(d.cbmac_details_size(), 1);
  EXPECT_EQ(d.cbmac_details(0).cbmac_load(), 1u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_rx_messages_ack(), 2u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_rx_messages_unack(), 3u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_rx_ack_other_reasons(), 4u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_tx_ack_cca_fail(), 5u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_tx_ack_not_received(), 6u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_tx_messages_ack(), 7u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_tx_messages_unack(), 8u);
  EXPECT_EQ(d.cbmac_details(0).cbmac_tx_cca_unack_fail(), 9u);
  ASSERT_EQ(d.ftdma_table_size(), 1);
  EXPECT_EQ(d.ftdma_table(0).ftdma_slot_info1(), 1u);
  EXPECT_EQ(d.ftdma_table(0).ftdma_slot_info6(), 6u);
  ASSERT_EQ(d.role_api_size(), 1);
  EXPECT_EQ(d.role_api(0).role(), 2u);
  EXPECT_EQ(d.role_api(0).role_extension(), 5u);
  ASSERT_EQ(d.events_size(), 1);
  EXPECT_EQ(d.events(0).event1(), 1u);
  EXPECT_EQ(d.events(0).event8(), 8u);
  EXPECT_EQ(d.events(0).event15(), 15u);
  EXPECT_EQ(d.unknown_fields_size(), 0);
}

TEST(DiagnosticsV2, ShortVectorFillsWhatItHas) {
  const auto d = Decode(B({0xa1, 0x18, 0x42, 0x81, 0x07}));  // {66: [7]}
  ASSERT_EQ(d.buffer_usage_size(), 1);
  EXPECT_TRUE(d.buffer_usage(0).has_average());
  EXPECT_EQ(d.buffer_usage(0).average(), 7u);
  EXPECT_FALSE(d.buffer_usage(0).has_maximum());
  // {66: []}
  const auto empty = Decode(B({0xa1, 0x18, 0x42, 0x80}));
  ASSERT_EQ(empty.buffer_usage_size(), 1);
  EXPECT_FALSE(empty.buffer_usage(0).has_average());
}

TEST(DiagnosticsV2, LongVectorKeepsExtraElements) {
  // {72: [1, 2, "x", [3, h'0a']]}
  const auto d = Decode(B({0xa1, 0x18, 0x48, 0x84, 0x01, 0x02, 0x61, 'x', 0x82, 0x03, 0x41, 0x0a}));
  ASSERT_EQ(d.role_api_size(), 1);
  EXPECT_EQ(d.role_api(0).role(), 1u);
  EXPECT_EQ(d.role_api(0).role_extension(), 2u);
  ASSERT_EQ(d.role_api(0).extra_elements_size(), 2);
  EXPECT_EQ(d.role_api(0).extra_elements(0).text_string(), "x");
  EXPECT_EQ(d.role_api(0).extra_elements(1).diagnostic(), "[3, h'0a']");
}

TEST(DiagnosticsV2, VectorOfTheWrongShapeIsKeptWhole) {
  // {66: [1, "a"]}: the second member is not an integer.
  auto d = Decode(B({0xa1, 0x18, 0x42, 0x82, 0x01, 0x61, 'a'}));
  EXPECT_EQ(d.buffer_usage_size(), 0);
  ASSERT_EQ(d.unknown_fields_size(), 1);
  EXPECT_EQ(d.unknown_fields(0).id(), 66);
  EXPECT_EQ(d.unknown_fields(0).name(), "buffer_usage");
  EXPECT_EQ(d.unknown_fields(0).value().diagnostic(), "[1, \"a\"]");
  // {66: 5}: not an array.
  d = Decode(B({0xa1, 0x18, 0x42, 0x05}));
  EXPECT_EQ(d.buffer_usage_size(), 0);
  EXPECT_EQ(d.unknown_fields(0).value().unsigned_int(), 5u);
  // {66: [-1, 2]}: a negative value for an unsigned member.
  d = Decode(B({0xa1, 0x18, 0x42, 0x82, 0x20, 0x02}));
  EXPECT_EQ(d.buffer_usage_size(), 0);
  EXPECT_EQ(d.unknown_fields(0).value().diagnostic(), "[-1, 2]");
  // {151: [1, 2, 3, -2147483649]}: rssi below int32.
  d = Decode(B({0xa1, 0x18, 0x97, 0x84, 0x01, 0x02, 0x03, 0x3a, 0x80, 0x00, 0x00, 0x00}));
  EXPECT_EQ(d.neighbor_device_info_associated_size(), 0);
  EXPECT_EQ(d.unknown_fields(0).name(), "neighbor_device_info_associated");
  EXPECT_EQ(d.unknown_fields(0).value().diagnostic(), "[1, 2, 3, -2147483649]");
}

TEST(DiagnosticsV2, SignedMembersTakeBothSigns) {
  // {151: [0x1001, 11, -4, -2147483648], 152: [0x1002, 12, 2147483647, 0]}
  const auto d =
      Decode(B({0xa2,                                                                          //
                0x18, 0x97, 0x84, 0x19, 0x10, 0x01, 0x0b, 0x23, 0x3a, 0x7f, 0xff, 0xff, 0xff,  //
                0x18, 0x98, 0x84, 0x19, 0x10, 0x02, 0x0c, 0x1a, 0x7f, 0xff, 0xff, 0xff, 0x00}));
  ASSERT_EQ(d.neighbor_device_info_associated_size(), 2);
  const auto& a = d.neighbor_device_info_associated(0);
  EXPECT_EQ(a.id(), 151u);
  EXPECT_EQ(a.node_address(), 0x1001u);
  EXPECT_EQ(a.channel(), 11u);
  EXPECT_EQ(a.radio_power(), -4);
  EXPECT_EQ(a.rssi(), INT32_MIN);
  const auto& b = d.neighbor_device_info_associated(1);
  EXPECT_EQ(b.id(), 152u);
  EXPECT_EQ(b.radio_power(), INT32_MAX);
  EXPECT_EQ(b.rssi(), 0);
}

// Each id range gathers into its list; the ids just outside every range are unknown.
TEST(DiagnosticsV2, IdRangesAndTheirBoundaries) {
  struct Case {
    int id;
    const char* list;  // nullptr: unknown
  };
  const Case cases[] = {
      {150, nullptr},
      {151, "neighbor_device_info_associated"},
      {154, "neighbor_device_info_associated"},
      {155, "neighbor_device_info_neighbor"},
      {170, "neighbor_device_info_neighbor"},
      {171, "neighbor_device_router_member"},
      {184, "neighbor_device_router_member"},
      {185, nullptr},
      {199, nullptr},
      {200, "scan_results"},
      {229, "scan_results"},
      {230, nullptr},
      {249, nullptr},
      {250, "cbmac_cca_channels"},
      {329, "cbmac_cca_channels"},
      {330, nullptr},
      {41, nullptr},
      {63, nullptr},
      {67, nullptr},
      {68, nullptr},
      {70, nullptr},
      {74, nullptr},
  };
  for (const Case& c : cases) {
    // {id: [1, 2]}
    std::string payload = B({0xa1});
    payload += c.id < 24    ? B({c.id})
               : c.id < 256 ? B({0x18, c.id})
                            : B({0x19, c.id >> 8, c.id & 0xff});
    payload += B({0x82, 0x01, 0x02});
    const auto d = Decode(payload);
    if (c.list == nullptr) {
      ASSERT_EQ(d.unknown_fields_size(), 1) << c.id;
      EXPECT_EQ(d.unknown_fields(0).id(), c.id);
      EXPECT_EQ(d.unknown_fields(0).name(), "");
      EXPECT_EQ(d.unknown_fields(0).value().diagnostic(), "[1, 2]");
      continue;
    }
    EXPECT_EQ(d.unknown_fields_size(), 0) << c.id;
    const auto* field = d.GetDescriptor()->FindFieldByName(c.list);
    ASSERT_NE(field, nullptr);
    ASSERT_EQ(d.GetReflection()->FieldSize(d, field), 1) << c.id;
    const auto& entry = d.GetReflection()->GetRepeatedMessage(d, field, 0);
    EXPECT_EQ(entry.GetReflection()->GetUInt32(entry, entry.GetDescriptor()->FindFieldByName("id")),
              static_cast<uint32_t>(c.id));
  }
}

TEST(DiagnosticsV2, ScanResultsAndCcaChannels) {
  // {200: [0x2001, 17, -60, 4], 329: [26, 3]}
  const auto d = Decode(B({0xa2, 0x18, 0xc8, 0x84, 0x19, 0x20, 0x01, 0x11, 0x38, 0x3b, 0x04, 0x19,
                           0x01, 0x49, 0x82, 0x18, 0x1a, 0x03}));
  ASSERT_EQ(d.scan_results_size(), 1);
  EXPECT_EQ(d.scan_results(0).id(), 200u);
  EXPECT_EQ(d.scan_results(0).scan_address(), 0x2001u);
  EXPECT_EQ(d.scan_results(0).scan_channel(), 17u);
  EXPECT_EQ(d.scan_results(0).scan_rssi(), -60);
  EXPECT_EQ(d.scan_results(0).scan_power(), 4);
  ASSERT_EQ(d.cbmac_cca_channels_size(), 1);
  EXPECT_EQ(d.cbmac_cca_channels(0).id(), 329u);
  EXPECT_EQ(d.cbmac_cca_channels(0).cbmac_cca_channel(), 26u);
  EXPECT_EQ(d.cbmac_cca_channels(0).cbmac_cca_failed(), 3u);
}

TEST(DiagnosticsV2, UnknownIdsKeepTypedValues) {
  const auto d = Decode(B({0xa9,                                            // 9 pairs
                           0x19, 0x03, 0xe8, 0x05,                          // 1000: 5
                           0x18, 0x29, 0x42, 0x01, 0x02,                    // 41: h'0102'
                           0x18, 0x3f, 0x63, 't',  'x',  't',               // 63: "txt"
                           0x19, 0x01, 0xf4, 0x22,                          // 500: -3
                           0x19, 0x01, 0xf5, 0xa1, 0x01, 0x82, 0x02, 0x03,  // 501: {1: [2, 3]}
                           0x19, 0x01, 0xf6, 0xf9, 0x3e, 0x00,              // 502: 1.5
                           0x19, 0x01, 0xf7, 0xf5,                          // 503: true
                           0x19, 0x01, 0xf8, 0xf6,                          // 504: null
                           0x19, 0x01, 0xf9, 0xc1, 0x05}));                 // 505: 1(5)
  ASSERT_EQ(d.unknown_fields_size(), 9);
  EXPECT_EQ(d.unknown_fields(0).id(), 1000);
  EXPECT_EQ(d.unknown_fields(0).value().unsigned_int(), 5u);
  EXPECT_EQ(d.unknown_fields(1).id(), 41);
  EXPECT_EQ(d.unknown_fields(1).value().byte_string(), B({0x01, 0x02}));
  EXPECT_EQ(d.unknown_fields(2).value().text_string(), "txt");
  EXPECT_EQ(d.unknown_fields(3).value().negative_int(), -3);
  EXPECT_EQ(d.unknown_fields(4).value().diagnostic(), "{1: [2, 3]}");
  EXPECT_EQ(d.unknown_fields(5).value().float_value(), 1.5);
  EXPECT_TRUE(d.unknown_fields(6).value().boolean());
  EXPECT_EQ(d.unknown_fields(6).value().kind_case(), wm::v1::CborValue::kBoolean);
  EXPECT_EQ(d.unknown_fields(7).value().diagnostic(), "null");
  EXPECT_EQ(d.unknown_fields(8).value().diagnostic(), "1(5)");
  for (const auto& u : d.unknown_fields()) EXPECT_EQ(u.name(), "");
}

TEST(DiagnosticsV2, DiagnosticNotationEdges) {
  // {100: [-18446744073709551616, -9223372036854775809, "q\"\\\n", h'', 2.0, undefined,
  //        simple(16), {}, -Infinity]}
  const auto d = Decode(B({0xa1, 0x18, 0x64, 0x89,                                //
                           0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //
                           0x3b, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
                           0x64, 'q',  '"',  '\\', '\n',                          //
                           0x40, 0xf9, 0x40, 0x00, 0xf7, 0xf0, 0xa0, 0xf9, 0xfc, 0x00}));
  ASSERT_EQ(d.unknown_fields_size(), 1);
  EXPECT_EQ(d.unknown_fields(0).value().diagnostic(),
            "[-18446744073709551616, -9223372036854775809, \"q\\\"\\\\\\u000a\", h'', 2.0, "
            "undefined, simple(16), {}, -Infinity]");
  // {100: -9223372036854775808} still fits an int64.
  const auto min =
      Decode(B({0xa1, 0x18, 0x64, 0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(min.unknown_fields(0).value().negative_int(), INT64_MIN);
  // {100: -9223372036854775809} does not: rendered.
  const auto below = Decode(B({0xa1, 0x18, 0x64, 0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(below.unknown_fields(0).value().diagnostic(), "-9223372036854775809");
}

TEST(DiagnosticsV2, NegativeKeysAreKept) {
  const auto d = Decode(B({0xa1, 0x20, 0x00}));  // {-1: 0}
  ASSERT_EQ(d.unknown_fields_size(), 1);
  EXPECT_EQ(d.unknown_fields(0).id(), -1);
  // {-2147483648: 0} is the smallest key kept.
  EXPECT_EQ(Decode(B({0xa1, 0x3a, 0x7f, 0xff, 0xff, 0xff, 0x00})).unknown_fields(0).id(),
            INT32_MIN);
}

TEST(DiagnosticsV2, RepeatedScalarIdsAreGathered) {
  // {2: 3000, 7: 11, 2: 3100, 2: 3200}
  const auto d = Decode(B(
      {0xa4, 0x02, 0x19, 0x0b, 0xb8, 0x07, 0x0b, 0x02, 0x19, 0x0c, 0x1c, 0x02, 0x19, 0x0c, 0x80}));
  EXPECT_EQ(d.voltage(), 3000u);
  EXPECT_EQ(d.cluster_channel(), 11u);
  ASSERT_EQ(d.repeated_ids_size(), 1);
  EXPECT_EQ(d.repeated_ids(0).id(), 2);
  EXPECT_EQ(d.repeated_ids(0).name(), "voltage");
  ASSERT_EQ(d.repeated_ids(0).values_size(), 3);
  EXPECT_EQ(d.repeated_ids(0).values(0).unsigned_int(), 3000u);
  EXPECT_EQ(d.repeated_ids(0).values(1).unsigned_int(), 3100u);
  EXPECT_EQ(d.repeated_ids(0).values(2).unsigned_int(), 3200u);
  EXPECT_EQ(d.unknown_fields_size(), 0);
}

TEST(DiagnosticsV2, RepeatedRoleKeepsTheFirstDecoded) {
  // {1: 1, 1: 3}
  const auto d = Decode(B({0xa2, 0x01, 0x01, 0x01, 0x03}));
  EXPECT_EQ(d.role(), 1u);
  EXPECT_EQ(d.role_bits().base_role_name(), "sink");
  ASSERT_EQ(d.repeated_ids_size(), 1);
  EXPECT_EQ(d.repeated_ids(0).values(1).unsigned_int(), 3u);
}

TEST(DiagnosticsV2, RepeatedVectorIdsAddListEntries) {
  // {66: [1, 2], 66: [3, 4]}
  const auto d = Decode(B({0xa2, 0x18, 0x42, 0x82, 0x01, 0x02, 0x18, 0x42, 0x82, 0x03, 0x04}));
  ASSERT_EQ(d.buffer_usage_size(), 2);
  EXPECT_EQ(d.buffer_usage(0).average(), 1u);
  EXPECT_EQ(d.buffer_usage(1).average(), 3u);
  EXPECT_EQ(d.repeated_ids_size(), 0);
}

// ---- Malformed CBOR -------------------------------------------------------------------------

TEST(DiagnosticsV2, EmptyPayloadIsTruncated) {
  const DecodeError e = DecodeFails("");
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 0u);
}

TEST(DiagnosticsV2, TopLevelMustBeAMap) {
  DecodeError e = DecodeFails(B({0x01}));
  EXPECT_EQ(e.reason, kReasonBadValue);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_NE(e.message.find("must be a CBOR map, got an unsigned integer"), std::string::npos);
  e = DecodeFails(B({0x82, 0x01, 0x02}));  // [1, 2]
  EXPECT_NE(e.message.find("got an array"), std::string::npos);
}

TEST(DiagnosticsV2, TruncatedMapsPointAtTheMissingItem) {
  // {1: 2, <missing>}
  DecodeError e = DecodeFails(B({0xa2, 0x01, 0x02}));
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 3u);
  // {1: <missing>}
  e = DecodeFails(B({0xa1, 0x01}));
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 2u);
  // {1: 0x19 with one of its two bytes}
  e = DecodeFails(B({0xa1, 0x01, 0x19, 0x01}));
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 2u);
  // {66: [1, <missing>]}
  e = DecodeFails(B({0xa1, 0x18, 0x42, 0x82, 0x01}));
  EXPECT_EQ(e.offset, 5u);
  // {100: h'01' declaring 2 bytes}
  e = DecodeFails(B({0xa1, 0x18, 0x64, 0x42, 0x01}));
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 3u);
}

TEST(DiagnosticsV2, ErrorKeepsTheEntriesBeforeIt) {
  wm::v1::DiagnosticsV2 d;
  // {2: 5, 3: <cut off>}
  DecodeFails(B({0xa2, 0x02, 0x05, 0x03}), &d);
  EXPECT_EQ(d.voltage(), 5u);
  EXPECT_FALSE(d.has_memory_allocation_failures());
}

TEST(DiagnosticsV2, NonIntegerKeysAreErrors) {
  for (const std::string& payload : {B({0xa1, 0x61, 'a', 0x01}),         // {"a": 1}
                                     B({0xa1, 0x41, 0x00, 0x01}),        // {h'00': 1}
                                     B({0xa1, 0xf9, 0x3c, 0x00, 0x01}),  // {1.0: 1}
                                     B({0xa1, 0x80, 0x01})}) {           // {[]: 1}
    const DecodeError e = DecodeFails(payload);
    EXPECT_EQ(e.reason, kReasonBadValue);
    EXPECT_EQ(e.offset, 1u);
    EXPECT_NE(e.message.find("not an integer"), std::string::npos) << e.message;
  }
  // {2147483648: 1} and {-2147483649: 1} do not fit an int32 id.
  DecodeError e = DecodeFails(B({0xa1, 0x1a, 0x80, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_EQ(e.reason, kReasonBadValue);
  EXPECT_NE(e.message.find("outside int32"), std::string::npos);
  e = DecodeFails(B({0xa1, 0x3a, 0x80, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_EQ(e.reason, kReasonBadValue);
}

// ---- Indefinite lengths: the form real nodes send ----------------------------------------

TEST(DiagnosticsV2, IndefiniteLengthsDecodeLikeDefiniteOnes) {
  auto d = Decode(B({0xbf, 0x01, 0x02, 0xff}));  // {_ 1: 2}
  EXPECT_EQ(d.role(), 2u);
  EXPECT_EQ(d.role_bits().base_role_name(), "headnode");
  d = Decode(B({0xa1, 0x18, 0x42, 0x9f, 0x01, 0x02, 0xff}));  // {66: [_ 1, 2]}
  ASSERT_EQ(d.buffer_usage_size(), 1);
  EXPECT_EQ(d.buffer_usage(0).average(), 1u);
  EXPECT_EQ(d.buffer_usage(0).maximum(), 2u);
  d = Decode(B({0xa1, 0x18, 0x64, 0x5f, 0x41, 0x01, 0xff}));  // {100: (_ h'01')}
  ASSERT_EQ(d.unknown_fields_size(), 1);
  EXPECT_EQ(d.unknown_fields(0).value().byte_string(), B({0x01}));
  EXPECT_EQ(Decode(B({0xbf, 0xff})).ByteSizeLong(), 0u);  // {_ }
}

// A short indefinite array ends at its own break, leaving the map's break to the map.
TEST(DiagnosticsV2, ShortIndefiniteVectorKeepsTheMapsBreak) {
  // {_ 65: [_ 5], 2: 3000}
  const auto d = Decode(B({0xbf, 0x18, 0x41, 0x9f, 0x05, 0xff, 0x02, 0x19, 0x0b, 0xb8, 0xff}));
  ASSERT_EQ(d.nexthop_details_size(), 1);
  EXPECT_EQ(d.nexthop_details(0).advertised_cost(), 5u);
  EXPECT_FALSE(d.nexthop_details(0).has_sink_address());
  EXPECT_EQ(d.voltage(), 3000u);
  // {_ 66: [_ ]}
  const auto empty = Decode(B({0xbf, 0x18, 0x42, 0x9f, 0xff, 0xff}));
  ASSERT_EQ(empty.buffer_usage_size(), 1);
  EXPECT_FALSE(empty.buffer_usage(0).has_average());
}

TEST(DiagnosticsV2, IndefiniteExtraElementsAndUnknownValues) {
  // {_ 72: [_ 1, 2, (_ "a", "b"), [_ 3, (_ h'0a', h'0b')]],
  //    66: [_ 1, (_ "a")], 500: {_ 1: [_ ], "k": (_ )}}
  const auto d =
      Decode(B({0xbf,                                                  //
                0x18, 0x48, 0x9f, 0x01, 0x02,                          //
                0x7f, 0x61, 'a',  0x61, 'b',  0xff,                    //
                0x9f, 0x03, 0x5f, 0x41, 0x0a, 0x41, 0x0b, 0xff, 0xff,  //
                0xff,                                                  //
                0x18, 0x42, 0x9f, 0x01, 0x7f, 0x61, 'a',  0xff, 0xff,  //
                0x19, 0x01, 0xf4, 0xbf, 0x01, 0x9f, 0xff, 0x61, 'k',  0x5f, 0xff, 0xff, 0xff}));
  ASSERT_EQ(d.role_api_size(), 1);
  EXPECT_EQ(d.role_api(0).role(), 1u);
  ASSERT_EQ(d.role_api(0).extra_elements_size(), 2);
  EXPECT_EQ(d.role_api(0).extra_elements(0).text_string(), "ab");
  EXPECT_EQ(d.role_api(0).extra_elements(1).diagnostic(), "[3, h'0a0b']");
  // The wrong shape is kept whole, written as the definite form would be.
  EXPECT_EQ(d.buffer_usage_size(), 0);
  ASSERT_EQ(d.unknown_fields_size(), 2);
  EXPECT_EQ(d.unknown_fields(0).name(), "buffer_usage");
  EXPECT_EQ(d.unknown_fields(0).value().diagnostic(), "[1, \"a\"]");
  EXPECT_EQ(d.unknown_fields(1).id(), 500);
  EXPECT_EQ(d.unknown_fields(1).value().diagnostic(), "{1: [], \"k\": h''}");
}

// How the every-id report below is encoded: each array, map and string of length >= 2 in
// the definite form, in the indefinite form, or alternating between the two.
enum class Form { kDefinite, kIndefinite, kMixed };

class FormWriter {
 public:
  explicit FormWriter(Form form) : form_(form) {}

  FormWriter& Array(uint64_t count) {
    open_.push_back(Indefinite());
    open_.back() ? w_.IndefiniteArray() : w_.ArrayHeader(count);
    return *this;
  }
  FormWriter& Map(uint64_t pairs) {
    open_.push_back(Indefinite());
    open_.back() ? w_.IndefiniteMap() : w_.MapHeader(pairs);
    return *this;
  }
  FormWriter& End() {
    if (open_.back()) w_.Break();
    open_.pop_back();
    return *this;
  }
  // Chunked as (_ first byte, "", the rest) in the indefinite form.
  FormWriter& Bytes(std::string_view b) {
    if (b.size() >= 2 && Indefinite()) {
      w_.IndefiniteBytes().Bytes(b.substr(0, 1)).Bytes("").Bytes(b.substr(1)).Break();
    } else {
      w_.Bytes(b);
    }
    return *this;
  }
  // `t` is ASCII, so any split is at a character boundary.
  FormWriter& Text(std::string_view t) {
    if (t.size() >= 2 && Indefinite()) {
      w_.IndefiniteText().Text(t.substr(0, 1)).Text(t.substr(1)).Break();
    } else {
      w_.Text(t);
    }
    return *this;
  }
  FormWriter& U(uint64_t v) {
    w_.Unsigned(v);
    return *this;
  }
  FormWriter& I(int64_t v) {
    w_.Int(v);
    return *this;
  }
  std::string Release() {
    EXPECT_TRUE(open_.empty());
    return w_.Release();
  }

 private:
  bool Indefinite() {
    switch (form_) {
      case Form::kDefinite:
        return false;
      case Form::kIndefinite:
        return true;
      case Form::kMixed:
        return (toggle_++ % 2) == 1;
    }
    return false;
  }

  Form form_;
  CborWriter w_;
  std::vector<bool> open_;  // per open container: needs a break
  int toggle_ = 0;
};

// Every id of the map: single values 1..40, vectors 64..73, every id of the ranges 151..184,
// 200..229 and 250..329, plus a repeated id, a short and a long vector, unknown ids with
// strings and nested values.
std::string EveryIdPayload(Form form) {
  const int vector_ids[] = {64, 65, 66, 69, 71, 72, 73};
  int range_ids = 0;
  for (const auto& [first, last] : {std::pair{151, 184}, {200, 229}, {250, 329}}) {
    range_ids += last - first + 1;
  }
  FormWriter w(form);
  w.Map(40 + 7 + range_ids + 1 + 2 + 4);
  for (uint64_t id = 1; id <= 40; ++id) {
    w.U(id).U(id == 30 || id == 39 ? 0x05010014 : id * 1001);
  }
  for (int id : vector_ids) {
    w.U(id);
    switch (id) {
      case 64:
        w.Array(2).U(1).U(2).End();
        break;
      case 65:
        w.Array(6).U(3).U(0x123456).U(0x654321).U(200).I(-70).I(8).End();
        break;
      case 66:
        w.Array(2).U(12).U(40).End();
        break;
      case 69:
        w.Array(9);
        for (uint64_t i = 0; i < 9; ++i) w.U(i * 100);
        w.End();
        break;
      case 71:
        w.Array(6);
        for (uint64_t i = 1; i <= 6; ++i) w.U(i << 20);
        w.End();
        break;
      case 72:
        w.Array(2).U(3).U(0).End();
        break;
      case 73:
        w.Array(15);
        for (uint64_t i = 1; i <= 15; ++i) w.U(i);
        w.End();
        break;
    }
  }
  for (int id = 151; id <= 184; ++id) {
    w.U(id).Array(4).U(0x10000 + id).U(id % 40).I(-(id % 9)).I(-(id % 90)).End();
  }
  for (int id = 200; id <= 229; ++id) {
    w.U(id).Array(4).U(0x20000 + id).U(id % 40).I(-id).I(id % 8).End();
  }
  for (int id = 250; id <= 329; ++id) w.U(id).Array(2).U(id - 240).U(id % 5).End();
  // A repeated voltage, a short and a long vector, then unknown ids.
  w.U(2).U(3100);
  w.U(65).Array(1).U(9).End();
  w.U(72).Array(4).U(1).U(2).Text("extra").Array(1).Bytes("\x0a\x0b").End().End();
  w.U(1000).Text("chunked");
  w.U(41).Bytes("\x01\x02\x03");
  w.U(500).Map(2).U(1).Array(2).U(2).U(3).End().Text("k").Array(0).End().End();
  w.U(501).Array(3).Array(1).U(1).End().Array(0).End().Map(0).End().End();
  w.End();
  return w.Release();
}

// The acceptance test of real nodes' diagnostics: the same content decodes to the same
// message in the definite, the indefinite and a mixed encoding.
TEST(DiagnosticsV2, EveryIdDecodesTheSameInEveryLengthForm) {
  const std::string definite = EveryIdPayload(Form::kDefinite);
  const std::string indefinite = EveryIdPayload(Form::kIndefinite);
  const std::string mixed = EveryIdPayload(Form::kMixed);
  ASSERT_EQ(static_cast<uint8_t>(indefinite.front()), 0xbf);  // as real nodes send it
  ASSERT_EQ(static_cast<uint8_t>(indefinite.back()), 0xff);
  ASSERT_EQ(definite.substr(0, 2), B({0xb8, 198}));  // a map of 198 pairs
  ASSERT_NE(indefinite, mixed);
  ASSERT_LT(definite.size(), indefinite.size());

  const auto d = Decode(definite);
  // What the content holds, so that the comparison below compares something.
  const auto* reflection = d.GetReflection();
  for (int id = 1; id <= 40; ++id) {
    EXPECT_TRUE(reflection->HasField(d, d.GetDescriptor()->FindFieldByNumber(id))) << id;
  }
  EXPECT_EQ(d.voltage(), 2002u);
  EXPECT_EQ(d.firmware_stack_string(), "5.1.0.20");
  EXPECT_EQ(d.trace_options_size(), 1);
  ASSERT_EQ(d.nexthop_details_size(), 2);
  EXPECT_EQ(d.nexthop_details(0).next_hop_rssi(), -70);
  EXPECT_EQ(d.nexthop_details(1).advertised_cost(), 9u);
  EXPECT_FALSE(d.nexthop_details(1).has_sink_address());
  EXPECT_EQ(d.buffer_usage_size(), 1);
  EXPECT_EQ(d.cbmac_details(0).cbmac_tx_cca_unack_fail(), 800u);
  EXPECT_EQ(d.ftdma_table(0).ftdma_slot_info6(), 6u << 20);
  ASSERT_EQ(d.role_api_size(), 2);
  ASSERT_EQ(d.role_api(1).extra_elements_size(), 2);
  EXPECT_EQ(d.role_api(1).extra_elements(0).text_string(), "extra");
  EXPECT_EQ(d.role_api(1).extra_elements(1).diagnostic(), "[h'0a0b']");
  EXPECT_EQ(d.events(0).event15(), 15u);
  EXPECT_EQ(d.neighbor_device_info_associated_size(), 4);
  EXPECT_EQ(d.neighbor_device_info_neighbor_size(), 16);
  ASSERT_EQ(d.neighbor_device_router_member_size(), 14);
  EXPECT_EQ(d.neighbor_device_router_member(13).id(), 184u);
  EXPECT_EQ(d.neighbor_device_router_member(13).rssi(), -(184 % 90));
  ASSERT_EQ(d.scan_results_size(), 30);
  EXPECT_EQ(d.scan_results(29).scan_rssi(), -229);
  ASSERT_EQ(d.cbmac_cca_channels_size(), 80);
  EXPECT_EQ(d.cbmac_cca_channels(79).cbmac_cca_channel(), 89u);
  ASSERT_EQ(d.repeated_ids_size(), 1);
  EXPECT_EQ(d.repeated_ids(0).values(1).unsigned_int(), 3100u);
  ASSERT_EQ(d.unknown_fields_size(), 4);
  EXPECT_EQ(d.unknown_fields(0).value().text_string(), "chunked");
  EXPECT_EQ(d.unknown_fields(1).value().byte_string(), "\x01\x02\x03");
  EXPECT_EQ(d.unknown_fields(2).value().diagnostic(), "{1: [2, 3], \"k\": []}");
  EXPECT_EQ(d.unknown_fields(3).value().diagnostic(), "[[1], [], {}]");

  for (const std::string* other : {&indefinite, &mixed}) {
    const auto o = Decode(*other);
    EXPECT_EQ(o.DebugString(), d.DebugString());
    EXPECT_EQ(o.SerializeAsString(), d.SerializeAsString());
  }
}

TEST(DiagnosticsV2, MissingBreakIsTruncated) {
  struct Case {
    std::string payload;
    uint32_t offset;
  };
  const Case cases[] = {
      {B({0xbf}), 1},                                // {_
      {B({0xbf, 0x01, 0x02}), 3},                    // {_ 1: 2
      {B({0xbf, 0x18, 0x42, 0x9f, 0x01}), 5},        // {_ 66: [_ 1
      {B({0xa1, 0x18, 0x42, 0x9f, 0x01, 0x02}), 6},  // {66: [_ 1, 2 (after the members)
      {B({0xa1, 0x18, 0x64, 0x9f, 0x9f}), 5},        // {100: [_ [_
      {B({0xa1, 0x18, 0x64, 0x5f, 0x41, 0x01}), 6},  // {100: (_ h'01'
      {B({0xa1, 0x18, 0x64, 0x7f, 0x62, 'a'}), 4},   // {100: (_ "a  (chunk cut off)
  };
  for (const Case& c : cases) {
    const DecodeError e = DecodeFails(c.payload);
    EXPECT_EQ(e.reason, kReasonTruncated) << testing::PrintToString(c.payload);
    EXPECT_EQ(e.offset, c.offset) << testing::PrintToString(c.payload);
    EXPECT_NE(e.message.find("at offset " + std::to_string(c.offset)), std::string::npos)
        << e.message;
  }
  // The entries before the missing break are kept.
  wm::v1::DiagnosticsV2 d;
  DecodeFails(B({0xbf, 0x02, 0x05, 0x03, 0x06}), &d);
  EXPECT_EQ(d.voltage(), 5u);
  EXPECT_EQ(d.memory_allocation_failures(), 6u);
}

TEST(DiagnosticsV2, BreakWhereNoneMayBe) {
  struct Case {
    std::string payload;
    uint32_t offset;
  };
  const Case cases[] = {
      {B({0xbf, 0x01, 0xff}), 2},                    // {_ 1: <break>}: as a key's value
      {B({0xa1, 0xff}), 1},                          // {<break>: ...}: in a definite map
      {B({0xa2, 0x01, 0x02, 0xff}), 3},              // a definite map cut short by a break
      {B({0xa1, 0x18, 0x42, 0x82, 0x01, 0xff}), 5},  // {66: [1, <break>]}
      {B({0xa1, 0x18, 0x64, 0x82, 0x01, 0xff}), 5},  // {100: [1, <break>]}
      {B({0xa1, 0x18, 0x64, 0xc1, 0xff}), 4},        // {100: 1(<break>)}
      {B({0xff}), 0},                                // a break alone
  };
  for (const Case& c : cases) {
    const DecodeError e = DecodeFails(c.payload);
    EXPECT_EQ(e.reason, kReasonBadValue) << testing::PrintToString(c.payload);
    EXPECT_EQ(e.offset, c.offset) << testing::PrintToString(c.payload);
    EXPECT_NE(e.message.find("break"), std::string::npos) << e.message;
  }
  // A break after the map is a byte after it.
  for (const std::string& payload :
       {B({0xa1, 0x01, 0x02, 0xff}), B({0xbf, 0x01, 0x02, 0xff, 0xff})}) {
    const DecodeError e = DecodeFails(payload);
    EXPECT_EQ(e.reason, kReasonBadValue);
    EXPECT_EQ(e.offset, payload.size() - 1);
    EXPECT_NE(e.message.find("1 bytes after the CBOR map"), std::string::npos) << e.message;
  }
}

TEST(DiagnosticsV2, InvalidChunksAreErrors) {
  struct Case {
    std::string payload;
    uint32_t offset;
  };
  const Case cases[] = {
      {B({0xbf, 0x18, 0x64, 0x5f, 0x61, 'a', 0xff, 0xff}), 4},         // text in bytes
      {B({0xbf, 0x18, 0x64, 0x7f, 0x41, 'a', 0xff, 0xff}), 4},         // bytes in text
      {B({0xbf, 0x18, 0x64, 0x5f, 0x5f, 0xff, 0xff, 0xff}), 4},        // indefinite chunk
      {B({0xbf, 0x18, 0x64, 0x5f, 0x41, 0x01, 0x00, 0xff, 0xff}), 6},  // an integer
  };
  for (const Case& c : cases) {
    const DecodeError e = DecodeFails(c.payload);
    EXPECT_EQ(e.reason, kReasonBadValue) << testing::PrintToString(c.payload);
    EXPECT_EQ(e.offset, c.offset) << testing::PrintToString(c.payload);
    EXPECT_NE(e.message.find("chunk"), std::string::npos) << e.message;
  }
  // A text chunk that is not UTF-8 on its own.
  const DecodeError e =
      DecodeFails(B({0xbf, 0x18, 0x64, 0x7f, 0x61, 0xc3, 0x61, 0xbc, 0xff, 0xff}));
  EXPECT_EQ(e.offset, 4u);
  EXPECT_NE(e.message.find("UTF-8"), std::string::npos) << e.message;
}

TEST(DiagnosticsV2, InvalidUtf8TextIsAnError) {
  const DecodeError e = DecodeFails(B({0xa1, 0x18, 0x64, 0x61, 0xff}));  // {100: "\xff"}
  EXPECT_EQ(e.reason, kReasonBadValue);
  EXPECT_EQ(e.offset, 3u);
  EXPECT_NE(e.message.find("UTF-8"), std::string::npos);
}

// {100: [[...[0]...]]} with `arrays` nested arrays as the value.
std::string Nested(int arrays) {
  std::string payload = B({0xa1, 0x18, 0x64});
  payload.append(arrays, '\x81');
  payload.push_back('\x00');
  return payload;
}

// {_ 100: [_ [_ ...[_ 0]...]]} with `arrays` nested indefinite arrays as the value.
std::string NestedIndefinite(int arrays) {
  std::string payload = B({0xbf, 0x18, 0x64});
  payload.append(arrays, '\x9f');
  payload.push_back('\x00');
  payload.append(arrays + 1, '\xff');
  return payload;
}

TEST(DiagnosticsV2, IndefiniteNestingIsBoundedTheSame) {
  const auto d = Decode(NestedIndefinite(kDiagnosticsV2MaxNesting - 1));
  EXPECT_EQ(d.unknown_fields(0).value().diagnostic(), "[[[[[[[0]]]]]]]");
  const DecodeError e = DecodeFails(NestedIndefinite(kDiagnosticsV2MaxNesting));
  EXPECT_EQ(e.reason, kReasonBadValue);
  EXPECT_EQ(e.offset, 3u + kDiagnosticsV2MaxNesting - 1);
  EXPECT_NE(e.message.find("nesting"), std::string::npos);
  // Without the breaks, far deeper input still stops at the bound rather than the end.
  std::string deep = B({0xbf, 0x18, 0x64});
  deep.append(100000, '\x9f');
  EXPECT_EQ(DecodeFails(deep).offset, 3u + kDiagnosticsV2MaxNesting - 1);
}

TEST(DiagnosticsV2, NestingIsBounded) {
  // The top map is level 1: seven nested arrays reach level 8, the most allowed.
  const auto d = Decode(Nested(kDiagnosticsV2MaxNesting - 1));
  EXPECT_EQ(d.unknown_fields(0).value().diagnostic(), "[[[[[[[0]]]]]]]");
  const DecodeError e = DecodeFails(Nested(kDiagnosticsV2MaxNesting));
  EXPECT_EQ(e.reason, kReasonBadValue);
  EXPECT_EQ(e.offset, 3u + kDiagnosticsV2MaxNesting - 1);
  EXPECT_NE(e.message.find("nesting"), std::string::npos);
  // Far deeper input stops at the same bound, without recursing through it.
  EXPECT_EQ(DecodeFails(Nested(100000)).offset, 3u + kDiagnosticsV2MaxNesting - 1);
}

TEST(DiagnosticsV2, BytesAfterTheMapAreAnError) {
  wm::v1::DiagnosticsV2 d;
  const DecodeError e = DecodeFails(B({0xa1, 0x01, 0x02, 0x00}), &d);  // {1: 2} 0
  EXPECT_EQ(e.reason, kReasonBadValue);
  EXPECT_EQ(e.offset, 3u);
  EXPECT_NE(e.message.find("1 bytes after the CBOR map"), std::string::npos);
  EXPECT_EQ(d.role(), 2u);
}

// A count far larger than the payload runs into its end instead of sizing anything from it.
TEST(DiagnosticsV2, HugeCountsAreTruncated) {
  DecodeError e =
      DecodeFails(B({0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02}));
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 11u);
  e = DecodeFails(B({0xa1, 0x18, 0x64, 0x9a, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(e.reason, kReasonTruncated);
  EXPECT_EQ(e.offset, 9u);
}

TEST(DiagnosticsV2, DecodingClearsThePreviousPayload) {
  wm::v1::DiagnosticsV2 d;
  ASSERT_FALSE(DecodeDiagnosticsV2(B({0xa1, 0x02, 0x05}), &d).has_value());
  ASSERT_FALSE(DecodeDiagnosticsV2(B({0xa1, 0x03, 0x06}), &d).has_value());
  EXPECT_FALSE(d.has_voltage());
  EXPECT_EQ(d.memory_allocation_failures(), 6u);
}

// What wm-decode and subscribers see: the Python tool's key names, values as numbers.
TEST(DiagnosticsV2, JsonUsesTheSpecNames) {
  // {1: 0x12, 8: 90, 30: 0x05010014, 66: [3, 9], 1000: "x"}
  const auto d = Decode(B({0xa5, 0x01, 0x12, 0x08, 0x18, 0x5a, 0x18, 0x1e, 0x1a, 0x05, 0x01, 0x00,
                           0x14, 0x18, 0x42, 0x82, 0x03, 0x09, 0x19, 0x03, 0xe8, 0x61, 'x'}));
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(d, &json, options).ok());
  EXPECT_NE(json.find("\"role\":18"), std::string::npos) << json;
  EXPECT_NE(json.find("\"base_role_name\":\"headnode\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"cluster_channel_reliability\":90"), std::string::npos) << json;
  EXPECT_NE(json.find("\"firmware_stack_string\":\"5.1.0.20\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"buffer_usage\":[{\"average\":3,\"maximum\":9}]"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"unknown_fields\":[{\"id\":1000,\"value\":{\"text_string\":\"x\"}}]"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace wm::decoders
