#include "libs/decoders/msap_encoder.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/decoders/msap_frames.h"

namespace wm::decoders {
namespace {

std::string Frame(uint8_t type, std::string_view body) {
  std::string frame;
  frame.reserve(2 + body.size());
  frame.push_back(static_cast<char>(type));
  frame.push_back(static_cast<char>(body.size()));
  frame.append(body);
  return frame;
}

std::string U16Le(uint32_t v) {
  return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF)};
}

}  // namespace

absl::StatusOr<std::string> EncodeMsapPing(std::string_view reference) {
  if (reference.empty() || reference.size() > kMsapPingMaxReference) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference: a ping reference is 1..16 bytes, got ", reference.size()));
  }
  return Frame(kMsapPingRequest, reference);
}

std::string EncodeMsapBegin() { return Frame(kMsapBeginRequest, ""); }

std::string EncodeMsapEnd() { return Frame(kMsapEndRequest, ""); }

std::string EncodeMsapCancel() { return Frame(kMsapCancelRequest, ""); }

absl::StatusOr<std::string> EncodeMsapUpdate(uint32_t countdown_s) {
  if (countdown_s < kMsapUpdateMinCountdown || countdown_s > kMsapUpdateMaxCountdown) {
    return absl::InvalidArgumentError(
        absl::StrCat("countdown_s: the update countdown is ", kMsapUpdateMinCountdown, "..",
                     kMsapUpdateMaxCountdown, " seconds, got ", countdown_s));
  }
  return Frame(kMsapUpdateRequest, U16Le(countdown_s));
}

std::string EncodeMsapScratchpadStatus() { return Frame(kMsapScratchpadStatusRequest, ""); }

absl::StatusOr<std::string> EncodeMsapScratchpadUpdate(uint32_t sequence) {
  if (sequence < 1 || sequence > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat("sequence: the scratchpad sequence is 1..255, got ", sequence));
  }
  return Frame(kMsapScratchpadUpdateRequest, std::string(1, static_cast<char>(sequence)));
}

absl::StatusOr<std::string> EncodeDiagnosticControl(uint32_t interval_s, uint32_t content) {
  switch (interval_s) {
    case 0:
    case 30:
    case 60:
    case 120:
    case 300:
    case 600:
    case 1200:
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "interval_s: the diagnostic interval is 0, 30, 60, 120, 300, 600 or 1200 seconds, got ",
          interval_s));
  }
  switch (content) {
    case kDiagnosticContentNode:
    case kDiagnosticContentNeighbor:
    case kDiagnosticContentScan:
    case kDiagnosticContentBoot:
      break;
    case kDiagnosticContentDisableAll:
      if (interval_s != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "content: 0xFF (disable all diagnostics v2) needs interval_s 0, got ", interval_s));
      }
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "content: the diagnostic content is 1 (node), 2 (neighbor), 3 (scan), 4 (boot) or 255 "
          "(disable all), got ",
          content));
  }
  return Frame(kDiagnosticControlRequest,
               U16Le(interval_s) + std::string(1, static_cast<char>(content)));
}

absl::StatusOr<std::string> CombineMsapFrames(absl::Span<const std::string> frames) {
  if (frames.empty()) return absl::InvalidArgumentError("frames: at least one frame is needed");
  std::string payload;
  for (size_t i = 0; i < frames.size(); ++i) {
    const std::string& frame = frames[i];
    if (frame.size() < 2 || static_cast<uint8_t>(frame[1]) != frame.size() - 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("frames[", i, "]: not one MSAP frame (type, length, body)"));
    }
    payload += frame;
  }
  if (payload.size() > kMsapMaxRequestPayload) {
    return absl::InvalidArgumentError(absl::StrCat("frames: the combined MSAP request is ",
                                                   payload.size(), " bytes, over the ",
                                                   kMsapMaxRequestPayload, "-byte limit"));
  }
  return payload;
}

}  // namespace wm::decoders
