#include "services/registry/node_record.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wm::registry {
namespace {

static_assert(sizeof(NodeRecord) <= 88, "NodeRecord is kept per node: keep it compact");

constexpr uint8_t kBaseRoleMask = 0x0F;
constexpr uint8_t kLowLatencyBit = 0x10;
constexpr uint8_t kAutoroleBit = 0x80;

// Node diagnostics report volts (raw / 100 + 2.0); the registry keeps millivolts.
uint32_t MillivoltsFromVolts(double volts) {
  if (!(volts > 0)) return 0;
  return static_cast<uint32_t>(std::lround(std::min(volts, 65.535) * 1000));
}

template <typename T>
T Saturate(uint64_t value) {
  return static_cast<T>(std::min<uint64_t>(value, std::numeric_limits<T>::max()));
}

// Takes `value` into `*field` when the packet is `newer` than the one that set the field, or
// when the node never reported this value. Returns whether it was taken; sets `*changed` when
// the stored value differs afterwards.
template <typename Field, typename Value>
bool Take(const std::optional<Value>& value, bool newer, NodeValueBit bit, Field* field,
          NodeRecord* node, bool* changed) {
  if (!value.has_value()) return false;
  const bool had = (node->present & bit) != 0;
  if (had && !newer) return false;
  const Field next = Saturate<Field>(*value);
  if (!had || *field != next) *changed = true;
  *field = next;
  node->present |= bit;
  return true;
}

}  // namespace

void ReadNodeValues(const wm::v1::PacketReceived& packet, PacketObservation* out) {
  if (!packet.has_decoded() || packet.has_decode_error()) return;
  const wm::v1::DecodedPayload& decoded = packet.decoded();
  switch (decoded.payload_case()) {
    case wm::v1::DecodedPayload::kNodeDiagnostics: {
      const wm::v1::NodeDiagnostics& node = decoded.node_diagnostics();
      out->role = static_cast<uint8_t>(node.role());
      out->voltage_mv = MillivoltsFromVolts(node.voltage());
      break;
    }
    case wm::v1::DecodedPayload::kBootDiagnostics: {
      const wm::v1::BootDiagnostics& boot = decoded.boot_diagnostics();
      out->role = static_cast<uint8_t>(boot.node_role());
      out->firmware = boot.firmware_version();
      out->boot_count = boot.boot_count();
      out->scratchpad_sequence = boot.scratchpad_sequence();
      break;
    }
    case wm::v1::DecodedPayload::kDiagnosticsV2: {
      const wm::v1::DiagnosticsV2& v2 = decoded.diagnostics_v2();
      if (v2.has_role()) out->role = static_cast<uint8_t>(v2.role());
      // Diagnostics v2 reports the supply voltage in millivolts.
      if (v2.has_voltage()) out->voltage_mv = v2.voltage();
      if (v2.has_firmware_stack()) out->firmware = v2.firmware_stack();
      if (v2.has_boot_count()) out->boot_count = v2.boot_count();
      if (v2.has_scratchpad_stored_sequence()) {
        out->scratchpad_sequence = v2.scratchpad_stored_sequence();
      }
      break;
    }
    default:
      break;
  }
}

bool MergePacket(const PacketObservation& packet, NodeRecord* node) {
  bool changed = false;
  ++node->packets;
  node->last_seen_ms = std::max(node->last_seen_ms, packet.seen_ms);
  const int64_t rx = packet.rx_ms;
  // A packet without a reception time (0) is ordered by arrival: it is the newest, and it
  // leaves the times as they were, so that an older timed packet arriving after it stays older
  // (docs/ordering.md).
  const bool untimed = rx <= 0;
  if (untimed || rx >= node->last_rx_ms) {
    changed |= packet.route != node->route;
    node->route = packet.route;
    node->last_rx_ms = std::max(node->last_rx_ms, rx);
    node->hop_count = Saturate<uint8_t>(packet.hop_count);
    node->travel_time_ms = packet.travel_time_ms;
  }
  if (Take(packet.role, untimed || rx >= node->role_rx_ms, kHasRole, &node->role, node, &changed)) {
    node->role_rx_ms = std::max(node->role_rx_ms, rx);
  }
  if (Take(packet.voltage_mv, untimed || rx >= node->voltage_rx_ms, kHasVoltage, &node->voltage_mv,
           node, &changed)) {
    node->voltage_rx_ms = std::max(node->voltage_rx_ms, rx);
  }
  // Firmware, boot count and scratchpad sequence travel together (boot diagnostics) and
  // share one reception time.
  const bool boot_newer = untimed || rx >= node->boot_rx_ms;
  bool boot_taken = false;
  boot_taken |= Take(packet.firmware, boot_newer, kHasFirmware, &node->firmware, node, &changed);
  boot_taken |=
      Take(packet.boot_count, boot_newer, kHasBootCount, &node->boot_count, node, &changed);
  boot_taken |= Take(packet.scratchpad_sequence, boot_newer, kHasScratchpadSequence,
                     &node->scratchpad_sequence, node, &changed);
  if (boot_taken) node->boot_rx_ms = std::max(node->boot_rx_ms, rx);
  if (node->stale) {
    node->stale = false;
    changed = true;
  }
  return changed;
}

void ToNodeRole(uint8_t role, wm::v1::NodeRole* out) {
  const uint8_t base = role & kBaseRoleMask;
  out->set_base(base >= wm::v1::BASE_ROLE_SINK && base <= wm::v1::BASE_ROLE_NON_ROUTER
                    ? static_cast<wm::v1::BaseRole>(base)
                    : wm::v1::BASE_ROLE_UNSPECIFIED);
  out->set_low_latency((role & kLowLatencyBit) != 0);
  out->set_autorole((role & kAutoroleBit) != 0);
  out->set_dual_mcu_role(role);
}

void ToNodeProto(const NodeKey& key, const NodeRecord& node, std::string_view gateway_id,
                 std::string_view sink_id, wm::v1::Node* out) {
  out->set_network_address(key.network);
  out->set_address(key.address);
  out->set_gateway_id(gateway_id.data(), gateway_id.size());
  out->set_sink_id(sink_id.data(), sink_id.size());
  out->set_first_seen_ms_epoch(static_cast<uint64_t>(std::max<int64_t>(node.first_seen_ms, 0)));
  out->set_last_seen_ms_epoch(static_cast<uint64_t>(std::max<int64_t>(node.last_seen_ms, 0)));
  out->set_packets(node.packets);
  out->set_hop_count(node.hop_count);
  out->set_travel_time_ms(node.travel_time_ms);
  out->set_stale(node.stale);
  if (node.present & kHasRole) ToNodeRole(node.role, out->mutable_role());
  if (node.present & kHasVoltage) out->set_voltage_mv(node.voltage_mv);
  if (node.present & kHasFirmware) {
    wm::v1::FirmwareVersion* firmware = out->mutable_firmware_version();
    firmware->set_major(node.firmware >> 24 & 0xFF);
    firmware->set_minor(node.firmware >> 16 & 0xFF);
    firmware->set_maint(node.firmware >> 8 & 0xFF);
    firmware->set_dev(node.firmware & 0xFF);
  }
  if (node.present & kHasBootCount) out->set_boot_count(node.boot_count);
  if (node.present & kHasScratchpadSequence) {
    out->set_scratchpad_sequence(node.scratchpad_sequence);
  }
}

}  // namespace wm::registry
