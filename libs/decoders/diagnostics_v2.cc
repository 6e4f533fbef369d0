#include "libs/decoders/diagnostics_v2.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "libs/decoders/cbor.h"

namespace wm::decoders {
namespace {

using Diagnostics = wm::v1::DiagnosticsV2;

// ---- Single-value ids 1..40 -------------------------------------------------------------------

struct ScalarField {
  std::string_view name;
  void (*set)(Diagnostics*, uint32_t);
  uint32_t (*get)(const Diagnostics&);
};

// clang-format off
#define WM_DIAG_SCALAR(field)                                                  \
  ScalarField {                                                                \
    #field, [](Diagnostics* m, uint32_t v) { m->set_##field(v); },             \
        [](const Diagnostics& m) -> uint32_t { return m.field(); }             \
  }
// clang-format on

constexpr int kLastScalarId = 40;
// Indexed by id; the names are those of the Python tool's decoders/diagnostics.json.
const ScalarField kScalarFields[kLastScalarId + 1] = {
    {},
    WM_DIAG_SCALAR(role),
    WM_DIAG_SCALAR(voltage),
    WM_DIAG_SCALAR(memory_allocation_failures),
    WM_DIAG_SCALAR(network_scans_amount),
    WM_DIAG_SCALAR(scanstat_avg_routers),
    WM_DIAG_SCALAR(cfmac_access_cycle_interval),
    WM_DIAG_SCALAR(cluster_channel),
    WM_DIAG_SCALAR(cluster_channel_reliability),
    WM_DIAG_SCALAR(cbmac_broadcast_ll_members_pending),
    WM_DIAG_SCALAR(cbmac_broadcast_le_members_pending),
    WM_DIAG_SCALAR(cbmac_broadcast_next_hop_pending),
    WM_DIAG_SCALAR(cbmac_broadcast_unack_pending),
    WM_DIAG_SCALAR(cbmac_packets_expired_pending),
    WM_DIAG_SCALAR(cbmac_packets_reroute_pending),
    WM_DIAG_SCALAR(cbmac_unicast_cluster_pending),
    WM_DIAG_SCALAR(cbmac_unicast_members_pending),
    WM_DIAG_SCALAR(packets_dropped),
    WM_DIAG_SCALAR(cfmac_pending_broadcast_le_member),
    WM_DIAG_SCALAR(cfmac_messages_ack),
    WM_DIAG_SCALAR(cfmac_aloha_upload_maximum),
    WM_DIAG_SCALAR(cfmac_reserved_upload_maximum),
    WM_DIAG_SCALAR(cfmac_reserved_upload_average),
    WM_DIAG_SCALAR(blacklisted_channel_amount),
    WM_DIAG_SCALAR(cbmac_blacklisting_channels_min_to_40),
    WM_DIAG_SCALAR(cbmac_blacklisting_channels_41_to_max),
    WM_DIAG_SCALAR(cluster_members),
    WM_DIAG_SCALAR(cluster_head_members),
    WM_DIAG_SCALAR(scan_total_time),
    WM_DIAG_SCALAR(boot_count),
    WM_DIAG_SCALAR(firmware_stack),
    WM_DIAG_SCALAR(scratchpad_stored_sequence),
    WM_DIAG_SCALAR(otap_support),
    WM_DIAG_SCALAR(boot_line_number),
    WM_DIAG_SCALAR(boot_filename_hash),
    WM_DIAG_SCALAR(boot_address),
    WM_DIAG_SCALAR(scratchpad_processed_sequence),
    WM_DIAG_SCALAR(hardware_magic),
    WM_DIAG_SCALAR(stack_profile),
    WM_DIAG_SCALAR(firmware_app),
    WM_DIAG_SCALAR(boot_fault_reason),
};

#undef WM_DIAG_SCALAR

constexpr int kRoleId = 1;
constexpr int kFirmwareStackId = 30;
constexpr int kFirmwareAppId = 39;

// ---- Array ids: elements named by position --------------------------------------------------

// One named array element: whether it takes negative values, and how to store it.
template <typename Entry>
struct Member {
  bool is_signed;
  void (*set)(Entry*, int64_t);
};

// clang-format off
#define WM_DIAG_U32(Entry, field) \
  Member<Entry> { false, [](Entry* e, int64_t v) { e->set_##field(static_cast<uint32_t>(v)); } }
#define WM_DIAG_I32(Entry, field) \
  Member<Entry> { true, [](Entry* e, int64_t v) { e->set_##field(static_cast<int32_t>(v)); } }
// clang-format on

// An array id (or range of ids): its name, its members in order, and how to add a list entry.
template <typename Entry, size_t N>
struct VectorField {
  std::string_view name;
  std::array<Member<Entry>, N> members;
  Entry* (*add)(Diagnostics*, uint32_t id);
};

using wm::v1::DiagnosticsV2BufferUsage;
using wm::v1::DiagnosticsV2CbmacDetails;
using wm::v1::DiagnosticsV2CcaChannel;
using wm::v1::DiagnosticsV2Events;
using wm::v1::DiagnosticsV2FtdmaTable;
using wm::v1::DiagnosticsV2Neighbor;
using wm::v1::DiagnosticsV2NextHopDetails;
using wm::v1::DiagnosticsV2RoleApi;
using wm::v1::DiagnosticsV2ScanResult;
using wm::v1::DiagnosticsV2TraceOptions;

const VectorField<DiagnosticsV2TraceOptions, 2> kTraceOptions = {
    "trace_options",
    {WM_DIAG_U32(DiagnosticsV2TraceOptions, trace_type),
     WM_DIAG_U32(DiagnosticsV2TraceOptions, sequence)},
    [](Diagnostics* m, uint32_t) { return m->add_trace_options(); }};

const VectorField<DiagnosticsV2NextHopDetails, 6> kNextHopDetails = {
    "nexthop_details",
    {WM_DIAG_U32(DiagnosticsV2NextHopDetails, advertised_cost),
     WM_DIAG_U32(DiagnosticsV2NextHopDetails, sink_address),
     WM_DIAG_U32(DiagnosticsV2NextHopDetails, next_hop_address),
     WM_DIAG_U32(DiagnosticsV2NextHopDetails, next_hop_quality),
     WM_DIAG_I32(DiagnosticsV2NextHopDetails, next_hop_rssi),
     WM_DIAG_I32(DiagnosticsV2NextHopDetails, next_hop_power)},
    [](Diagnostics* m, uint32_t) { return m->add_nexthop_details(); }};

const VectorField<DiagnosticsV2BufferUsage, 2> kBufferUsage = {
    "buffer_usage",
    {WM_DIAG_U32(DiagnosticsV2BufferUsage, average),
     WM_DIAG_U32(DiagnosticsV2BufferUsage, maximum)},
    [](Diagnostics* m, uint32_t) { return m->add_buffer_usage(); }};

const VectorField<DiagnosticsV2CbmacDetails, 9> kCbmacDetails = {
    "cbmac_details",
    {WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_load),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_rx_messages_ack),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_rx_messages_unack),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_rx_ack_other_reasons),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_tx_ack_cca_fail),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_tx_ack_not_received),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_tx_messages_ack),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_tx_messages_unack),
     WM_DIAG_U32(DiagnosticsV2CbmacDetails, cbmac_tx_cca_unack_fail)},
    [](Diagnostics* m, uint32_t) { return m->add_cbmac_details(); }};

const VectorField<DiagnosticsV2FtdmaTable, 6> kFtdmaTable = {
    "ftdma_table",
    {WM_DIAG_U32(DiagnosticsV2FtdmaTable, ftdma_slot_info1),
     WM_DIAG_U32(DiagnosticsV2FtdmaTable, ftdma_slot_info2),
     WM_DIAG_U32(DiagnosticsV2FtdmaTable, ftdma_slot_info3),
     WM_DIAG_U32(DiagnosticsV2FtdmaTable, ftdma_slot_info4),
     WM_DIAG_U32(DiagnosticsV2FtdmaTable, ftdma_slot_info5),
     WM_DIAG_U32(DiagnosticsV2FtdmaTable, ftdma_slot_info6)},
    [](Diagnostics* m, uint32_t) { return m->add_ftdma_table(); }};

const VectorField<DiagnosticsV2RoleApi, 2> kRoleApi = {
    "role_api",
    {WM_DIAG_U32(DiagnosticsV2RoleApi, role), WM_DIAG_U32(DiagnosticsV2RoleApi, role_extension)},
    [](Diagnostics* m, uint32_t) { return m->add_role_api(); }};

const VectorField<DiagnosticsV2Events, 15> kEvents = {
    "events",
    {WM_DIAG_U32(DiagnosticsV2Events, event1), WM_DIAG_U32(DiagnosticsV2Events, event2),
     WM_DIAG_U32(DiagnosticsV2Events, event3), WM_DIAG_U32(DiagnosticsV2Events, event4),
     WM_DIAG_U32(DiagnosticsV2Events, event5), WM_DIAG_U32(DiagnosticsV2Events, event6),
     WM_DIAG_U32(DiagnosticsV2Events, event7), WM_DIAG_U32(DiagnosticsV2Events, event8),
     WM_DIAG_U32(DiagnosticsV2Events, event9), WM_DIAG_U32(DiagnosticsV2Events, event10),
     WM_DIAG_U32(DiagnosticsV2Events, event11), WM_DIAG_U32(DiagnosticsV2Events, event12),
     WM_DIAG_U32(DiagnosticsV2Events, event13), WM_DIAG_U32(DiagnosticsV2Events, event14),
     WM_DIAG_U32(DiagnosticsV2Events, event15)},
    [](Diagnostics* m, uint32_t) { return m->add_events(); }};

constexpr std::array<Member<DiagnosticsV2Neighbor>, 4> kNeighborMembers = {
    WM_DIAG_U32(DiagnosticsV2Neighbor, node_address), WM_DIAG_U32(DiagnosticsV2Neighbor, channel),
    WM_DIAG_I32(DiagnosticsV2Neighbor, radio_power), WM_DIAG_I32(DiagnosticsV2Neighbor, rssi)};

const VectorField<DiagnosticsV2Neighbor, 4> kNeighborAssociated = {
    "neighbor_device_info_associated", kNeighborMembers, [](Diagnostics* m, uint32_t id) {
      auto* e = m->add_neighbor_device_info_associated();
      e->set_id(id);
      return e;
    }};

const VectorField<DiagnosticsV2Neighbor, 4> kNeighborNeighbor = {
    "neighbor_device_info_neighbor", kNeighborMembers, [](Diagnostics* m, uint32_t id) {
      auto* e = m->add_neighbor_device_info_neighbor();
      e->set_id(id);
      return e;
    }};

const VectorField<DiagnosticsV2Neighbor, 4> kNeighborRouterMember = {
    "neighbor_device_router_member", kNeighborMembers, [](Diagnostics* m, uint32_t id) {
      auto* e = m->add_neighbor_device_router_member();
      e->set_id(id);
      return e;
    }};

const VectorField<DiagnosticsV2ScanResult, 4> kScanResults = {
    "scan_results",
    {WM_DIAG_U32(DiagnosticsV2ScanResult, scan_address),
     WM_DIAG_U32(DiagnosticsV2ScanResult, scan_channel),
     WM_DIAG_I32(DiagnosticsV2ScanResult, scan_rssi),
     WM_DIAG_I32(DiagnosticsV2ScanResult, scan_power)},
    [](Diagnostics* m, uint32_t id) {
      auto* e = m->add_scan_results();
      e->set_id(id);
      return e;
    }};

const VectorField<DiagnosticsV2CcaChannel, 2> kCcaChannels = {
    "cbmac_cca_channels",
    {WM_DIAG_U32(DiagnosticsV2CcaChannel, cbmac_cca_channel),
     WM_DIAG_U32(DiagnosticsV2CcaChannel, cbmac_cca_failed)},
    [](Diagnostics* m, uint32_t id) {
      auto* e = m->add_cbmac_cca_channels();
      e->set_id(id);
      return e;
    }};

#undef WM_DIAG_U32
#undef WM_DIAG_I32

// ---- Helpers --------------------------------------------------------------------------------

// The integer `item` holds, if it is one within [min, max].
bool IntegerIn(const CborItem& item, int64_t min, int64_t max, int64_t* value) {
  if (item.major == CborMajorType::kUnsigned) {
    if (item.argument > static_cast<uint64_t>(max)) return false;
    *value = static_cast<int64_t>(item.argument);
    return true;
  }
  if (item.major == CborMajorType::kNegative) {
    // The value is -1 - argument; it is >= min when argument <= -1 - min.
    if (min >= 0 || item.argument > static_cast<uint64_t>(-1 - min)) return false;
    *value = -1 - static_cast<int64_t>(item.argument);
    return true;
  }
  return false;
}

// "a.b.c.d" from a u32's bytes, most significant first, into `out` without a temporary (and
// without snprintf, which took a tenth of the decoding time).
void SetVersionString(uint32_t v, std::string* out) {
  char text[16];
  char* p = text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const uint32_t part = (v >> shift) & 0xFF;
    if (part >= 100) *p++ = static_cast<char>('0' + part / 100);
    if (part >= 10) *p++ = static_cast<char>('0' + part / 10 % 10);
    *p++ = static_cast<char>('0' + part % 10);
    if (shift > 0) *p++ = '.';
  }
  out->assign(text, static_cast<size_t>(p - text));
}

void SetRoleBits(uint32_t role, wm::v1::DiagnosticsV2Role* bits) {
  const uint32_t base = role & 0x0F;
  bits->set_base_role(base);
  static constexpr std::string_view kNames[] = {"", "sink", "headnode", "subnode"};
  const std::string_view name = base < 4 ? kNames[base] : "";
  bits->mutable_base_role_name()->assign(name.data(), name.size());
  bits->set_mode(role & 0xF0);
  bits->set_low_latency((role & 0x10) != 0);
  bits->set_autorole((role & 0x80) != 0);
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out->push_back(kDigits[b >> 4]);
    out->push_back(kDigits[b & 0x0F]);
  }
}

// Text of a string in diagnostic notation, with JSON-style escapes, without the quotes. The
// input is valid UTF-8 (the reader checked it), so the output is too.
void AppendEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    const auto b = static_cast<uint8_t>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (b < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", b);
      out->append(escaped);
    } else {
      out->push_back(c);
    }
  }
}

void AppendFloat(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v < 0 ? "-Infinity" : "Infinity");
  } else {
    char text[32];
    const int n = std::snprintf(text, sizeof text, "%.17g", v);
    const std::string_view s(text, static_cast<size_t>(n));
    out->append(s);
    if (s.find_first_of(".e") == std::string_view::npos) out->append(".0");
  }
}

// ---- The decoder ----------------------------------------------------------------------------

class DiagnosticsV2Decoder {
 public:
  DiagnosticsV2Decoder(std::string_view payload, Diagnostics* out) : reader_(payload), out_(out) {}

  DecodeStatus Decode();

 private:
  DecodeStatus ReadEntry(int32_t id);
  DecodeStatus ReadScalar(int32_t id);
  template <typename Entry, size_t N>
  DecodeStatus ReadVector(const VectorField<Entry, N>& field, int32_t id);
  // Reads the value at the reader's position into unknown_fields.
  DecodeStatus KeepUnknown(int32_t id, std::string_view name);
  void AddRepeated(int32_t id, uint32_t value);

  // Reads one complete item at nesting level `depth` into `value`.
  DecodeStatus ReadValue(int depth, wm::v1::CborValue* value);
  // Appends the item whose head is `item` (at nesting level `depth`) in diagnostic notation,
  // reading whatever it contains.
  DecodeStatus AppendDiagnostic(const CborItem& item, int depth, std::string* out);

  DecodeError CborFailure() const;

  CborReader reader_;
  Diagnostics* out_;
  // Bit i: single-value id i has been seen.
  uint64_t seen_scalars_ = 0;
};

DecodeError DiagnosticsV2Decoder::CborFailure() const {
  const CborError& e = reader_.error();
  return DecodeError{e.kind == CborErrorKind::kTruncated ? kReasonTruncated : kReasonBadValue,
                     static_cast<uint32_t>(e.offset),
                     "diagnostics v2: CBOR " + std::string(CborErrorDescription(e.kind)) +
                         " at offset " + std::to_string(e.offset)};
}

DecodeStatus DiagnosticsV2Decoder::Decode() {
  CborItem map;
  if (!reader_.Next(&map)) return CborFailure();
  if (map.major != CborMajorType::kMap) {
    return DecodeError{kReasonBadValue, 0,
                       "diagnostics v2 payload must be a CBOR map, got " +
                           std::string(CborMajorTypeName(map.major))};
  }
  // Real nodes send the indefinite-length form (0xbf ... 0xff); both read the same.
  for (CborElements pairs(map); reader_.HasNext(&pairs);) {
    CborItem key;
    if (!reader_.Next(&key)) return CborFailure();
    int64_t id = 0;
    if (!IntegerIn(key, INT32_MIN, INT32_MAX, &id)) {
      const bool integer =
          key.major == CborMajorType::kUnsigned || key.major == CborMajorType::kNegative;
      return DecodeError{
          kReasonBadValue, static_cast<uint32_t>(key.offset),
          "diagnostics v2: map key at offset " + std::to_string(key.offset) +
              (integer ? " is outside int32"
                       : " is " + std::string(CborMajorTypeName(key.major)) + ", not an integer")};
    }
    if (auto error = ReadEntry(static_cast<int32_t>(id))) return error;
  }
  if (!reader_.AtEnd()) {
    return DecodeError{kReasonBadValue, static_cast<uint32_t>(reader_.offset()),
                       "diagnostics v2: " + std::to_string(reader_.remaining()) +
                           " bytes after the CBOR map at offset " +
                           std::to_string(reader_.offset())};
  }
  return std::nullopt;
}

DecodeStatus DiagnosticsV2Decoder::ReadEntry(int32_t id) {
  if (id >= 1 && id <= kLastScalarId) return ReadScalar(id);
  switch (id) {
    case 64:
      return ReadVector(kTraceOptions, id);
    case 65:
      return ReadVector(kNextHopDetails, id);
    case 66:
      return ReadVector(kBufferUsage, id);
    case 69:
      return ReadVector(kCbmacDetails, id);
    case 71:
      return ReadVector(kFtdmaTable, id);
    case 72:
      return ReadVector(kRoleApi, id);
    case 73:
      return ReadVector(kEvents, id);
    default:
      break;
  }
  if (id >= 151 && id <= 154) return ReadVector(kNeighborAssociated, id);
  if (id >= 155 && id <= 170) return ReadVector(kNeighborNeighbor, id);
  if (id >= 171 && id <= 184) return ReadVector(kNeighborRouterMember, id);
  if (id >= 200 && id <= 229) return ReadVector(kScanResults, id);
  if (id >= 250 && id <= 329) return ReadVector(kCcaChannels, id);
  return KeepUnknown(id, "");
}

DecodeStatus DiagnosticsV2Decoder::ReadScalar(int32_t id) {
  const ScalarField& field = kScalarFields[id];
  const size_t start = reader_.offset();
  CborItem item;
  if (!reader_.Next(&item)) return CborFailure();
  int64_t value = 0;
  if (!IntegerIn(item, 0, UINT32_MAX, &value)) {
    reader_.Rewind(start);
    return KeepUnknown(id, field.name);
  }
  const uint64_t bit = uint64_t{1} << id;
  if (seen_scalars_ & bit) {
    AddRepeated(id, static_cast<uint32_t>(value));
    return std::nullopt;
  }
  seen_scalars_ |= bit;
  const auto v = static_cast<uint32_t>(value);
  field.set(out_, v);
  if (id == kRoleId) {
    SetRoleBits(v, out_->mutable_role_bits());
  } else if (id == kFirmwareStackId) {
    SetVersionString(v, out_->mutable_firmware_stack_string());
  } else if (id == kFirmwareAppId) {
    SetVersionString(v, out_->mutable_firmware_app_string());
  }
  return std::nullopt;
}

void DiagnosticsV2Decoder::AddRepeated(int32_t id, uint32_t value) {
  wm::v1::DiagnosticsV2RepeatedId* repeated = nullptr;
  for (auto& r : *out_->mutable_repeated_ids()) {
    if (r.id() == id) repeated = &r;
  }
  if (repeated == nullptr) {
    const ScalarField& field = kScalarFields[id];
    repeated = out_->add_repeated_ids();
    repeated->set_id(id);
    repeated->set_name(std::string(field.name));
    repeated->add_values()->set_unsigned_int(field.get(*out_));
  }
  repeated->add_values()->set_unsigned_int(value);
}

template <typename Entry, size_t N>
DecodeStatus DiagnosticsV2Decoder::ReadVector(const VectorField<Entry, N>& field, int32_t id) {
  const size_t start = reader_.offset();
  CborItem array;
  if (!reader_.Next(&array)) return CborFailure();
  if (array.major != CborMajorType::kArray) {
    reader_.Rewind(start);
    return KeepUnknown(id, field.name);
  }
  // Read the named members first and commit only when all of them fit, so that a value of the
  // wrong shape lands whole in unknown_fields.
  int64_t values[N] = {};
  if (!array.indefinite) {
    // The form with a count: as many named members as it has, up to N; the rest are extra.
    const size_t named = array.argument < N ? static_cast<size_t>(array.argument) : N;
    for (size_t i = 0; i < named; ++i) {
      CborItem element;
      if (!reader_.Next(&element)) return CborFailure();
      const bool fits = field.members[i].is_signed
                            ? IntegerIn(element, INT32_MIN, INT32_MAX, &values[i])
                            : IntegerIn(element, 0, UINT32_MAX, &values[i]);
      if (!fits) {
        reader_.Rewind(start);
        return KeepUnknown(id, field.name);
      }
    }
    Entry* entry = field.add(out_, static_cast<uint32_t>(id));
    for (size_t i = 0; i < named; ++i) field.members[i].set(entry, values[i]);
    for (uint64_t i = named; i < array.argument; ++i) {
      // The array is at level 2 (inside the top-level map), its elements at level 3.
      if (auto error = ReadValue(3, entry->add_extra_elements())) return error;
    }
    return std::nullopt;
  }
  // The indefinite form real nodes send: members until the break, up to N; the rest are extra.
  CborElements elements(array);
  size_t named = 0;
  while (named < N && reader_.HasNext(&elements)) {
    CborItem element;
    if (!reader_.Next(&element)) return CborFailure();
    const bool fits = field.members[named].is_signed
                          ? IntegerIn(element, INT32_MIN, INT32_MAX, &values[named])
                          : IntegerIn(element, 0, UINT32_MAX, &values[named]);
    if (!fits) {
      reader_.Rewind(start);
      return KeepUnknown(id, field.name);
    }
    ++named;
  }
  Entry* entry = field.add(out_, static_cast<uint32_t>(id));
  for (size_t i = 0; i < named; ++i) field.members[i].set(entry, values[i]);
  // HasNext keeps returning false once the break has been read. Extra elements are at level 3,
  // as above.
  while (reader_.HasNext(&elements)) {
    if (auto error = ReadValue(3, entry->add_extra_elements())) return error;
  }
  return std::nullopt;
}

DecodeStatus DiagnosticsV2Decoder::KeepUnknown(int32_t id, std::string_view name) {
  wm::v1::DiagnosticsV2UnknownField* unknown = out_->add_unknown_fields();
  unknown->set_id(id);
  unknown->mutable_name()->assign(name.data(), name.size());
  // Values of the top-level map are at level 2.
  return ReadValue(2, unknown->mutable_value());
}

DecodeStatus DiagnosticsV2Decoder::ReadValue(int depth, wm::v1::CborValue* value) {
  CborItem item;
  if (!reader_.Next(&item)) return CborFailure();
  switch (item.major) {
    case CborMajorType::kUnsigned:
      value->set_unsigned_int(item.argument);
      return std::nullopt;
    case CborMajorType::kNegative:
      if (item.argument <= static_cast<uint64_t>(INT64_MAX)) {
        value->set_negative_int(-1 - static_cast<int64_t>(item.argument));
        return std::nullopt;
      }
      break;
    case CborMajorType::kBytes:
      if (item.indefinite) {
        std::string* content = value->mutable_byte_string();
        content->clear();
        AppendCborString(item, content);
      } else {
        value->set_byte_string(item.string.data(), item.string.size());
      }
      return std::nullopt;
    case CborMajorType::kText:
      if (item.indefinite) {
        std::string* content = value->mutable_text_string();
        content->clear();
        AppendCborString(item, content);
      } else {
        value->set_text_string(item.string.data(), item.string.size());
      }
      return std::nullopt;
    case CborMajorType::kSimple:
      if (item.is_float) {
        value->set_float_value(item.float_value);
        return std::nullopt;
      }
      if (item.argument == 20 || item.argument == 21) {
        value->set_boolean(item.argument == 21);
        return std::nullopt;
      }
      break;
    default:
      break;
  }
  return AppendDiagnostic(item, depth, value->mutable_diagnostic());
}

DecodeStatus DiagnosticsV2Decoder::AppendDiagnostic(const CborItem& item, int depth,
                                                    std::string* out) {
  const bool container = item.major == CborMajorType::kArray || item.major == CborMajorType::kMap ||
                         item.major == CborMajorType::kTag;
  if (container && depth > kDiagnosticsV2MaxNesting) {
    return DecodeError{kReasonBadValue, static_cast<uint32_t>(item.offset),
                       "diagnostics v2: CBOR nesting deeper than " +
                           std::to_string(kDiagnosticsV2MaxNesting) + " levels at offset " +
                           std::to_string(item.offset)};
  }
  switch (item.major) {
    case CborMajorType::kUnsigned:
      out->append(std::to_string(item.argument));
      return std::nullopt;
    case CborMajorType::kNegative:
      // -1 - argument; for argument 2^64 - 1 that is -2^64, which no built-in type holds.
      out->append(item.argument == UINT64_MAX ? "-18446744073709551616"
                                              : "-" + std::to_string(item.argument + 1));
      return std::nullopt;
    case CborMajorType::kBytes:
    case CborMajorType::kText: {
      // A chunked string reads as its content: the same notation as the definite form.
      const bool text = item.major == CborMajorType::kText;
      out->append(text ? "\"" : "h'");
      for (CborStringChunks chunks(item); const auto piece = chunks.Next();) {
        if (text) {
          AppendEscaped(*piece, out);
        } else {
          AppendHex(*piece, out);
        }
      }
      out->push_back(text ? '"' : '\'');
      return std::nullopt;
    }
    case CborMajorType::kArray:
    case CborMajorType::kMap: {
      // Either length form, written the same way (no "_" marker).
      const bool is_map = item.major == CborMajorType::kMap;
      out->push_back(is_map ? '{' : '[');
      for (CborElements elements(item); reader_.HasNext(&elements);) {
        if (elements.count() > 1) out->append(", ");
        for (int part = 0; part < (is_map ? 2 : 1); ++part) {
          if (part == 1) out->append(": ");
          CborItem child;
          if (!reader_.Next(&child)) return CborFailure();
          if (auto error = AppendDiagnostic(child, depth + 1, out)) return error;
        }
      }
      out->push_back(is_map ? '}' : ']');
      return std::nullopt;
    }
    case CborMajorType::kTag: {
      out->append(std::to_string(item.argument));
      out->push_back('(');
      CborItem child;
      if (!reader_.Next(&child)) return CborFailure();
      if (auto error = AppendDiagnostic(child, depth + 1, out)) return error;
      out->push_back(')');
      return std::nullopt;
    }
    case CborMajorType::kSimple:
      if (item.is_float) {
        AppendFloat(item.float_value, out);
      } else if (item.argument == 20) {
        out->append("false");
      } else if (item.argument == 21) {
        out->append("true");
      } else if (item.argument == 22) {
        out->append("null");
      } else if (item.argument == 23) {
        out->append("undefined");
      } else {
        out->append("simple(" + std::to_string(item.argument) + ")");
      }
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

DecodeStatus DecodeDiagnosticsV2(std::string_view payload, wm::v1::DiagnosticsV2* out) {
  out->Clear();
  if (payload.empty()) {
    return DecodeError{kReasonTruncated, 0, "diagnostics v2 payload is empty"};
  }
  return DiagnosticsV2Decoder(payload, out).Decode();
}

}  // namespace wm::decoders
