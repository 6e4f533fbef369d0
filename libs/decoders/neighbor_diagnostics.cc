#include "libs/decoders/neighbor_diagnostics.h"

#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {

DecodeStatus DecodeNeighborDiagnostics(std::string_view payload, wm::v1::NeighborDiagnostics* out) {
  out->Clear();
  ByteReader r(payload);
  while (r.remaining() > 0) {
    const size_t start = r.offset();
    uint32_t address = 0;
    // A zero address ends the list, as in the Python tool, even when fewer than 7 bytes follow.
    if (r.U24(&address) && address == 0) break;
    if (payload.size() - start < kNeighborRecordSize) {
      return DecodeError{kReasonTruncated, static_cast<uint32_t>(start),
                         "neighbor record " + std::to_string(out->neighbors_size()) +
                             " at offset " + std::to_string(start) + " has " +
                             std::to_string(payload.size() - start) + " of 7 bytes"};
    }
    uint8_t cluster_channel = 0, radio_power = 0, node_info = 0, rssi = 0;
    r.U8(&cluster_channel);
    r.U8(&radio_power);
    r.U8(&node_info);
    r.U8(&rssi);
    wm::v1::NeighborInfo* neighbor = out->add_neighbors();
    neighbor->set_address(address);
    neighbor->set_cluster_channel(cluster_channel);
    neighbor->set_radio_power(radio_power);
    neighbor->set_node_info(node_info);
    neighbor->set_rssi(rssi);
  }
  return std::nullopt;
}

}  // namespace wm::decoders
