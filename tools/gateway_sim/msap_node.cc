#include "tools/gateway_sim/msap_node.h"

#include "libs/decoders/msap_frames.h"
#include "tools/gateway_sim/payloads.h"
#include "tools/gateway_sim/processing_delay.h"

namespace wm::gateway_sim {
namespace {

using decoders::kMsapScratchpadStatusV3Length;

constexpr uint8_t kMsapInvalidValue = 0xFD;
constexpr uint8_t kMsapInvalidLength = 0xFE;
constexpr uint8_t kMsapUnknownRequest = 0xFF;
constexpr uint8_t kMsapStoredNew = 0xFF;

void PutU8(std::string& out, uint32_t v) { out.push_back(static_cast<char>(v & 0xFF)); }
void PutU16(std::string& out, uint32_t v) {
  PutU8(out, v);
  PutU8(out, v >> 8);
}
void PutU32(std::string& out, uint32_t v) {
  PutU16(out, v);
  PutU16(out, v >> 16);
}
void PutScratchpad(std::string& out, const MsapScratchpad& scratchpad) {
  PutU32(out, scratchpad.len);
  PutU16(out, scratchpad.crc);
  PutU8(out, scratchpad.seq);
}
void PutVersion(std::string& out, const StackVersion& version) {
  PutU8(out, version.major);
  PutU8(out, version.minor);
  PutU8(out, version.maint);
  PutU8(out, version.dev);
}

MsapScratchpad FromInfo(const gwapi::ScratchpadInfo& info) {
  return MsapScratchpad{info.len(), static_cast<uint16_t>(info.crc()),
                        static_cast<uint8_t>(info.seq())};
}

const MsapScratchpad kNetworkImage{kNetworkScratchpadLength,
                                   static_cast<uint16_t>(kNetworkScratchpadCrc),
                                   static_cast<uint8_t>(kNetworkScratchpadSequence)};

bool SameVersion(const StackVersion& a, const StackVersion& b) {
  return a.major == b.major && a.minor == b.minor && a.maint == b.maint && a.dev == b.dev;
}

// The image a node on `firmware` processed: the network's for the current stack, an older
// one (earlier sequence, smaller) for a node a release or a major version behind.
MsapScratchpad ProcessedImageFor(const StackVersion& firmware) {
  if (SameVersion(firmware, StackVersion{})) return kNetworkImage;
  const bool legacy = firmware.major < StackVersion{}.major;
  return MsapScratchpad{legacy ? 147456u : 163840u,
                        static_cast<uint16_t>(0x1F00 ^ (firmware.major << 8) ^ firmware.minor),
                        static_cast<uint8_t>(kNetworkScratchpadSequence - (legacy ? 5 : 1))};
}

uint8_t StoredTypeByte(gwapi::ScratchpadType type) {
  switch (type) {
    case gwapi::BLANK:
      return 0;
    case gwapi::PROCESS:
      return 2;
    case gwapi::PRESENT:
      break;
  }
  return 1;
}

uint8_t StoredStatusByte(gwapi::ScratchpadStatus status) {
  switch (status) {
    case gwapi::NEW:
      return kMsapStoredNew;
    case gwapi::ERROR:
      return 1;
    case gwapi::SUCCESS:
      break;
  }
  return 0;
}

uint16_t DelayMinutes(gwapi::ProcessingDelay delay) {
  switch (delay) {
    case gwapi::TEN_MINUTES:
      return 10;
    case gwapi::THIRTY_MINUTES:
      return 30;
    case gwapi::ONE_HOUR:
      return 60;
    case gwapi::SIX_HOURS:
      return 360;
    case gwapi::ONE_DAY:
      return 1440;
    case gwapi::TWO_DAYS:
      return 2880;
    case gwapi::FIVE_DAYS:
      return 7200;
    case gwapi::UNKNOWN_DELAY:
      break;
  }
  return 0;
}

bool Propagates(gwapi::ScratchpadAction action) {
  return action == gwapi::PROPAGATE_ONLY || action == gwapi::PROPAGATE_AND_PROCESS ||
         action == gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY;
}

// The v3 fields: the sink's target and action as a node follows them.
void SetTarget(const gwapi::SinkReadConfig& sink, MsapNodeStatus& status) {
  if (!sink.has_target_and_action()) return;
  const gwapi::TargetScratchpadAndAction& target = sink.target_and_action();
  status.action = target.action() > 0 ? static_cast<uint8_t>(target.action() - 1) : 0;
  status.target_seq = static_cast<uint8_t>(target.target_sequence());
  status.target_crc = static_cast<uint16_t>(target.target_crc());
  if (target.has_delay()) status.target_delay = DelayMinutes(target.delay());
  // A raw parameter is the sink's delay byte (processing_delay.h).
  if (target.has_raw()) {
    status.target_delay =
        static_cast<uint16_t>(ProcessingDelayMinutes(static_cast<uint8_t>(target.raw())));
  }
  if (target.action() == gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY) {
    status.remaining_delay = status.target_delay;  // the countdown starts once processed
  }
}

// The answer frame to one request frame.
void AnswerFrame(uint8_t type, std::string_view body, const MsapNodeStatus& status,
                 std::string& out) {
  const auto error = [&](uint8_t code) {
    PutU8(out, code);
    PutU8(out, 1);
    PutU8(out, type);
  };
  const auto echo = [&](uint8_t answer_type) {
    PutU8(out, answer_type);
    PutU8(out, body.size());
    out.append(body);
  };
  switch (type) {
    case decoders::kMsapPingRequest:
      if (body.empty() || body.size() > decoders::kMsapPingMaxReference) {
        return error(kMsapInvalidLength);
      }
      return echo(decoders::kMsapPingResponse);
    case decoders::kMsapBeginRequest:
    case decoders::kMsapEndRequest:
    case decoders::kMsapCancelRequest:
      if (!body.empty()) return error(kMsapInvalidLength);
      return echo(type | decoders::kMsapResponseBit);
    case decoders::kMsapUpdateRequest: {
      if (body.size() != 2) return error(kMsapInvalidLength);
      const uint32_t countdown =
          static_cast<uint8_t>(body[0]) | static_cast<uint32_t>(static_cast<uint8_t>(body[1])) << 8;
      if (countdown < 10 || countdown > 32767) return error(kMsapInvalidValue);
      return echo(decoders::kMsapUpdateResponse);
    }
    case decoders::kMsapScratchpadStatusRequest:
      if (!body.empty()) return error(kMsapInvalidLength);
      out.append(MsapScratchpadStatusFrame(status));
      return;
    case decoders::kMsapScratchpadUpdateRequest:
      if (body.size() != 1) return error(kMsapInvalidLength);
      if (body[0] == 0) return error(kMsapInvalidValue);
      return echo(decoders::kMsapScratchpadUpdateResponse);
    case decoders::kDiagnosticControlRequest:
      if (body.size() != 3) return error(kMsapInvalidLength);
      return echo(decoders::kDiagnosticControlResponse);
    default:
      return error(kMsapUnknownRequest);
  }
}

}  // namespace

MsapNodeStatus MeshNodeStatus(const MeshNode& node, const gwapi::SinkReadConfig& sink) {
  MsapNodeStatus status;
  status.processed = ProcessedImageFor(node.firmware);
  status.stored = kNetworkImage;
  status.stored_type = 1;
  status.stored_status = 0;
  const gwapi::TargetScratchpadAndAction& target = sink.target_and_action();
  if (sink.has_target_and_action() && Propagates(target.action()) &&
      target.target_sequence() != 0) {
    // The sink's stored scratchpad when it is the target, so its length is known.
    const bool sinks_image = sink.stored_scratchpad().seq() == target.target_sequence() &&
                             sink.stored_scratchpad().crc() == target.target_crc();
    status.stored = MsapScratchpad{
        sinks_image ? sink.stored_scratchpad().len() : kNetworkScratchpadLength,
        static_cast<uint16_t>(target.target_crc()), static_cast<uint8_t>(target.target_sequence())};
    const bool processed =
        status.stored.seq == status.processed.seq && status.stored.crc == status.processed.crc;
    status.stored_status = processed ? 0 : kMsapStoredNew;
  }
  status.fw_area_id = kFirmwareAreaId;
  status.firmware = node.firmware;
  status.app = status.processed;
  status.app_area_id = kAppAreaId;
  status.app_version = kAppFirmware;
  SetTarget(sink, status);
  return status;
}

MsapNodeStatus SinkNodeStatus(const gwapi::SinkReadConfig& sink) {
  MsapNodeStatus status;
  status.stored = FromInfo(sink.stored_scratchpad());
  status.stored_type = StoredTypeByte(sink.stored_type());
  status.stored_status = StoredStatusByte(sink.stored_status());
  status.processed = FromInfo(sink.processed_scratchpad());
  status.fw_area_id = sink.firmware_area_id();
  status.firmware = StackVersion{sink.firmware_version().major(), sink.firmware_version().minor(),
                                 sink.firmware_version().maint(), sink.firmware_version().dev()};
  status.app = status.processed;
  status.app_area_id = kAppAreaId;
  status.app_version = kAppFirmware;
  SetTarget(sink, status);
  return status;
}

std::string MsapScratchpadStatusFrame(const MsapNodeStatus& status) {
  std::string frame;
  frame.reserve(2 + kMsapScratchpadStatusV3Length);
  PutU8(frame, decoders::kMsapScratchpadStatusResponse);
  PutU8(frame, kMsapScratchpadStatusV3Length);
  PutScratchpad(frame, status.stored);     // 2 stored len, crc, seq
  PutU8(frame, status.stored_type);        // 9
  PutU8(frame, status.stored_status);      // 10
  PutScratchpad(frame, status.processed);  // 11 processed len, crc, seq
  PutU32(frame, status.fw_area_id);        // 18
  PutVersion(frame, status.firmware);      // 22 major, minor, maint, devel
  PutScratchpad(frame, status.app);        // 26 app len, crc, seq
  PutU32(frame, status.app_area_id);       // 33
  PutVersion(frame, status.app_version);   // 37
  PutU8(frame, status.action);             // 41
  PutU8(frame, status.target_seq);         // 42
  PutU16(frame, status.target_crc);        // 43
  PutU16(frame, status.target_delay);      // 45
  PutU16(frame, status.remaining_delay);   // 47
  return frame;
}

std::optional<std::string> AnswerMsapRequest(std::string_view request,
                                             const MsapNodeStatus& status) {
  if (request.empty()) return std::nullopt;
  std::string answer;
  size_t offset = 0;
  while (offset < request.size()) {
    if (request.size() - offset < 2) return std::nullopt;
    const auto type = static_cast<uint8_t>(request[offset]);
    const auto length = static_cast<uint8_t>(request[offset + 1]);
    if (request.size() - offset - 2 < length) return std::nullopt;
    AnswerFrame(type, request.substr(offset + 2, length), status, answer);
    offset += 2 + length;
  }
  return answer;
}

std::vector<std::string> SplitMsapFrames(std::string_view frames, size_t max_payload) {
  std::vector<std::string> payloads;
  std::string current;
  size_t offset = 0;
  while (offset + 2 <= frames.size()) {
    const size_t frame_size =
        std::min<size_t>(2 + static_cast<uint8_t>(frames[offset + 1]), frames.size() - offset);
    if (!current.empty() && current.size() + frame_size > max_payload) {
      payloads.push_back(std::move(current));
      current.clear();
    }
    current.append(frames.substr(offset, frame_size));
    offset += frame_size;
  }
  if (!current.empty()) payloads.push_back(std::move(current));
  return payloads;
}

}  // namespace wm::gateway_sim
