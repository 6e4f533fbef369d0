#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/decoded.pb.h"

namespace wm::decoders {

// Decodes one endpoint pair's payload into the matching field of `out`. On an error the field
// may still hold what decoded before the fault (the complete records of a record-based
// payload); a caller that wants whole payloads only clears `out` (wm-ingest does), one that
// wants both keeps it beside the error (wm-decode shows it as "partial").
using DecoderFn = DecodeStatus (*)(std::string_view payload, wm::v1::DecodedPayload* out);

// A named decoder; the name is how settings refer to it (e.g. "traffic_diagnostics").
struct Decoder {
  std::string_view name;
  DecoderFn decode = nullptr;
};

// Maps (source endpoint, destination endpoint) to the decoder for that traffic. Pairs without
// a decoder pass through as raw bytes.
//
//   DecoderRegistry registry = DecoderRegistry::WithBuiltins();
//   if (const Decoder* d = registry.Find(251, 255)) d->decode(payload, &decoded);
class DecoderRegistry {
 public:
  // Every built-in decoder on its standard endpoint pair.
  static DecoderRegistry WithBuiltins();
  // All built-in decoders with their standard pairs, for listings and settings.
  struct Binding {
    uint32_t source_endpoint;
    uint32_t destination_endpoint;
    Decoder decoder;
  };
  static const std::vector<Binding>& Builtins();
  // The built-in decoder with this name, or nullptr.
  static const Decoder* BuiltinByName(std::string_view name);

  // Installs `decoder` for the pair, replacing any previous one.
  void Set(uint32_t source_endpoint, uint32_t destination_endpoint, Decoder decoder);
  // Turns decoding off for the pair: its payloads pass through raw.
  void Remove(uint32_t source_endpoint, uint32_t destination_endpoint);
  // The decoder for the pair, or nullptr.
  const Decoder* Find(uint32_t source_endpoint, uint32_t destination_endpoint) const;

 private:
  static uint64_t Key(uint32_t src, uint32_t dst) { return uint64_t{src} << 32 | dst; }
  absl::flat_hash_map<uint64_t, Decoder> decoders_;
};

}  // namespace wm::decoders
