#include "libs/decoders/registry.h"

#include "libs/decoders/traffic_diagnostics.h"

namespace wm::decoders {
namespace {

DecodeStatus TrafficDiagnosticsPayload(std::string_view payload, wm::v1::DecodedPayload* out) {
  return DecodeTrafficDiagnostics(payload, out->mutable_traffic_diagnostics());
}

}  // namespace

const std::vector<DecoderRegistry::Binding>& DecoderRegistry::Builtins() {
  static const auto* const kBuiltins = new std::vector<Binding>{
      {kTrafficDiagnosticsSourceEndpoint, kTrafficDiagnosticsDestinationEndpoint,
       {"traffic_diagnostics", &TrafficDiagnosticsPayload}},
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
