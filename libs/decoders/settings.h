#pragma once

#include "absl/status/status.h"
#include "libs/config/settings.h"
#include "libs/decoders/registry.h"

namespace wm::decoders {

// Declares the decoder settings:
//   decoders_disabled  endpoint pairs whose payloads pass through raw, e.g. "251:255,252:255"
//   decoders_extra     extra pairs mapped to a built-in decoder by name,
//                      e.g. "10:10=traffic_diagnostics,20:21=ruuvi"
// Pairs are source_endpoint:destination_endpoint, each 0..255; items are comma-separated and
// may be surrounded by spaces.
void AddDecoderSettings(config::Schema& schema);

// Applies the decoder settings to `registry`: removes the disabled pairs, then installs the
// extra ones (which may also replace a built-in pair's decoder). InvalidArgument, naming the key
// and the offending item, for bad syntax, an endpoint above 255, an unknown decoder name, a pair
// given twice, or a pair both disabled and mapped; `registry` is then left unchanged.
absl::Status ApplyDecoderSettings(const config::Settings& settings, DecoderRegistry* registry);

}  // namespace wm::decoders
