#pragma once

#include <cstdint>
#include <string_view>

#include "libs/decoders/decode_error.h"
#include "protos/wm/v1/diagnostics_v2.pb.h"

namespace wm::decoders {

// Endpoints of diagnostics v2: a node sends them from 247 to the sink's 255.
inline constexpr uint32_t kDiagnosticsV2SourceEndpoint = 247;
inline constexpr uint32_t kDiagnosticsV2DestinationEndpoint = 255;
// How many arrays, maps and tags may nest, the top-level map included. The known ids' values
// go two deep (map, then array); the rest is room for unknown ids from newer stacks.
inline constexpr int kDiagnosticsV2MaxNesting = 8;

// Decodes a diagnostics v2 payload, one CBOR map {int id: value}, into `out` (cleared first).
// Real nodes send the map in its indefinite-length form (0xbf, pairs, break 0xff); arrays,
// maps and strings may come in either length form at any level, and the same content decodes
// to the same message whichever form carries it (docs/diagnostics-v2.md).
// Ids and names are those of docs/payloads.md "Diagnostics v2":
//   1..40     single unsigned values (role also decoded into role_bits; firmware_stack and
//             firmware_app also as "a.b.c.d");
//   64..73    arrays whose elements are named members (trace_options, nexthop_details, ...);
//   151..329  ranges of ids, each an array, gathered into one list per range (neighbors, scan
//             results, CCA channels), each entry keeping its id.
// An unknown id, or a value whose shape does not fit its field (not an integer, out of range,
// an array element that is not an integer), goes to unknown_fields with its value; a
// single-value id seen more than once goes to repeated_ids (the field keeps the first).
// Arrays shorter than the member list fill the members they have; longer ones keep the extra
// elements.
//
// Errors (malformed CBOR), each with `out` holding every entry before the fault:
//   truncated  an empty payload; an item or string running past the end (offset = the item);
//              the payload ending inside an indefinite-length item before its break
//              (offset = where the next item, chunk or break should be);
//   bad_value  the top level is not a map; a key that is not an integer or not within int32;
//              a break where an item must be (a map key's value, a definite container);
//              a string chunk that is not a definite-length string of its string's type;
//              reserved or invalid encodings; text that is not UTF-8;
//              nesting deeper than kDiagnosticsV2MaxNesting; bytes after the map.
// Decoding never allocates in proportion to a declared length or count, only to what the
// payload holds.
DecodeStatus DecodeDiagnosticsV2(std::string_view payload, wm::v1::DiagnosticsV2* out);

}  // namespace wm::decoders
