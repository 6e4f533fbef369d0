#include "libs/decoders/registry.h"

#include "libs/decoders/advertiser.h"
#include "libs/decoders/boot_diagnostics.h"
#include "libs/decoders/diagnostics_v2.h"
#include "libs/decoders/msap_responses.h"
#include "libs/decoders/neighbor_diagnostics.h"
#include "libs/decoders/node_diagnostics.h"
#include "libs/decoders/positioning.h"
#include "libs/decoders/provisioning_frame.h"
#include "libs/decoders/ruuvi.h"
#include "libs/decoders/test_network.h"
#include "libs/decoders/traffic_diagnostics.h"

namespace wm::decoders {
namespace {

DecodeStatus TrafficDiagnosticsPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeTrafficDiagnostics(payload, out->mutable_traffic_diagnostics());
}

DecodeStatus NeighborDiagnosticsPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeNeighborDiagnostics(payload, out->mutable_neighbor_diagnostics());
}

DecodeStatus NodeDiagnosticsPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeNodeDiagnostics(payload, out->mutable_node_diagnostics());
}

DecodeStatus BootDiagnosticsPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeBootDiagnostics(payload, out->mutable_boot_diagnostics());
}

DecodeStatus AdvertiserPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeAdvertiser(payload, out->mutable_advertiser());
}

DecodeStatus PositioningPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodePositioning(payload, out->mutable_positioning());
}

DecodeStatus RuuviPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeRuuvi(payload, out->mutable_ruuvi());
}

DecodeStatus TestNetworkPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeTestNetwork(payload, out->mutable_test_network());
}

DecodeStatus DiagnosticsV2Payload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeDiagnosticsV2(payload, out->mutable_diagnostics_v2());
}

DecodeStatus MsapResponsesPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeMsapResponses(payload, out->mutable_msap_responses());
}

DecodeStatus ProvisioningPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeProvisioningFrame(payload, out->mutable_provisioning());
}

}  // namespace

const std::vector<DecoderRegistry::Binding>& DecoderRegistry::Builtins() {
  static const auto* const kBuiltins = new std::vector<Binding>{
      {kTrafficDiagnosticsSourceEndpoint,
       kTrafficDiagnosticsDestinationEndpoint,
       {"traffic_diagnostics", &TrafficDiagnosticsPayload}},
      {kNeighborDiagnosticsSourceEndpoint,
       kNeighborDiagnosticsDestinationEndpoint,
       {"neighbor_diagnostics", &NeighborDiagnosticsPayload}},
      {kNodeDiagnosticsSourceEndpoint,
       kNodeDiagnosticsDestinationEndpoint,
       {"node_diagnostics", &NodeDiagnosticsPayload}},
      {kBootDiagnosticsSourceEndpoint,
       kBootDiagnosticsDestinationEndpoint,
       {"boot_diagnostics", &BootDiagnosticsPayload}},
      {kAdvertiserSourceEndpoint,
       kAdvertiserDestinationEndpoint,
       {"advertiser", &AdvertiserPayload}},
      {kPositioningSourceEndpoint,
       kPositioningDestinationEndpoint,
       {"positioning", &PositioningPayload}},
      {kRuuviSourceEndpoint, kRuuviDestinationEndpoint, {"ruuvi", &RuuviPayload}},
      {kTestNetworkSourceEndpoint,
       kTestNetworkDestinationEndpoint,
       {"test_network", &TestNetworkPayload}},
      {kDiagnosticsV2SourceEndpoint,
       kDiagnosticsV2DestinationEndpoint,
       {"diagnostics_v2", &DiagnosticsV2Payload}},
      {kMsapResponseSourceEndpoint,
       kMsapResponseDestinationEndpoint,
       {"msap_responses", &MsapResponsesPayload}},
      {kProvisioningNodeEndpoint,
       kProvisioningServerEndpoint,
       {"provisioning", &ProvisioningPayload}},
      {kProvisioningServerEndpoint,
       kProvisioningNodeEndpoint,
       {"provisioning", &ProvisioningPayload}},
  };
  return *kBuiltins;
}

DecoderRegistry DecoderRegistry::WithBuiltins() {
  DecoderRegistry registry;
  for (const Binding& b : Builtins()) {
    registry.Set(b.source_endpoint, b.destination_endpoint, b.decoder);
  }
  return registry;
}

const Decoder* DecoderRegistry::BuiltinByName(std::string_view name) {
  for (const Binding& b : Builtins()) {
    if (b.decoder.name == name) return &b.decoder;
  }
  return nullptr;
}

void DecoderRegistry::Set(uint32_t source_endpoint, uint32_t destination_endpoint,
                          Decoder decoder) {
  decoders_[Key(source_endpoint, destination_endpoint)] = decoder;
}

void DecoderRegistry::Remove(uint32_t source_endpoint, uint32_t destination_endpoint) {
  decoders_.erase(Key(source_endpoint, destination_endpoint));
}

const Decoder* DecoderRegistry::Find(uint32_t source_endpoint,
                                     uint32_t destination_endpoint) const {
  auto it = decoders_.find(Key(source_endpoint, destination_endpoint));
  return it == decoders_.end() ? nullptr : &it->second;
}

}  // namespace wm::decoders
