#include "libs/decoders/boot_diagnostics.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "libs/decoders/byte_reader.h"

namespace wm::decoders {
DecodeStatus DecodeBootDiagnostics(std::string_view payload, wm::v1::BootDiagnostics* out) {
  if (payload.size() != kBootDiagnosticsSize) {
    return DecodeError{kReasonWrongLength,
                       static_cast<uint32_t>(std::min(payload.size(), kBootDiagnosticsSize)),
                       "boot diagnostics are 31 bytes, got " + std::to_string(payload.size())};
  }
  // The length was checked: every read below succeeds. Offsets: docs/payloads.md "Boot
  // diagnostics".
  ByteReader r(payload);
  out->set_boot_count(r.U8OrZero());    // 0
  out->set_node_role(r.U8OrZero());     // 1
  const uint32_t dev = r.U8OrZero();    // 2
  const uint32_t maint = r.U8OrZero();  // 3
  const uint32_t minor = r.U8OrZero();  // 4
  const uint32_t major = r.U8OrZero();  // 5
  out->set_sw_dev_version(dev);
  out->set_sw_maint_version(maint);
  out->set_sw_minor_version(minor);
  out->set_sw_major_version(major);
  out->set_scratchpad_sequence(r.U16OrZero());  // 6
  out->set_hw_magic(r.U16OrZero());             // 8
  out->set_stack_profile(r.U16OrZero());        // 10
  out->set_otap_enabled(r.U8OrZero());          // 12
  out->set_boot_line_number(r.U16OrZero());     // 13
  out->set_file_hash(r.U16OrZero());            // 15
  out->set_stack_trace_0(r.U32OrZero());        // 17
  out->set_stack_trace_1(r.U32OrZero());        // 21
  out->set_stack_trace_2(r.U32OrZero());        // 25
  out->set_cur_seq(r.U16OrZero());              // 29
  out->set_firmware_version(major << 24 | minor << 16 | maint << 8 | dev);

  // "255.255.255.255" at most: formatted on the stack so that decoding into a reused message
  // does not allocate.
  char text[16];
  char* end = text;
  for (uint32_t part : {major, minor, maint, dev}) {
    if (end != text) *end++ = '.';
    end = std::to_chars(end, text + sizeof(text), part).ptr;
  }
  out->mutable_firmware_version_string()->assign(text, end - text);
  return std::nullopt;
}

}  // namespace wm::decoders
