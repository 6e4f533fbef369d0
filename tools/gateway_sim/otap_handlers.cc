#include "tools/gateway_sim/otap_handlers.h"

#include <string>
#include <utility>

#include "libs/wirepas/scratchpad_image.h"
#include "tools/gateway_sim/processing_delay.h"

namespace wm::gateway_sim {
namespace {

// Blanks the sink's scratchpad (erased flash reads as status NEW).
void ClearScratchpad(SinkState& sink) {
  gwapi::ScratchpadInfo* stored = sink.config.mutable_stored_scratchpad();
  stored->set_len(0);
  stored->set_crc(0);
  stored->set_seq(0);
  sink.config.set_stored_type(gwapi::BLANK);
  sink.config.set_stored_status(gwapi::NEW);
  sink.scratchpad.clear();
}

// The sink writes `image` as its scratchpad with sequence `seq`: what a whole upload and the
// completed image of a chunked one do. The sink refuses a size it cannot take before touching
// the stored scratchpad; past that the stored one is erased, and the header and CRC decide.
gwapi::ErrorCode WriteImage(std::string image, uint32_t seq, SinkState& sink) {
  if (image.size() < kMinScratchpadImageSize || image.size() > kMaxScratchpadImageSize ||
      image.size() % kScratchpadImageSizeMultiple != 0) {
    return gwapi::INVALID_PARAM;
  }
  ClearScratchpad(sink);
  const absl::StatusOr<wirepas::ScratchpadHeader> header = wirepas::ParseScratchpadHeader(image);
  if (!header.ok()) return gwapi::INVALID_SCRATCHPAD;
  if (!wirepas::ScratchpadContentMatchesCrc(image, *header)) return gwapi::INVALID_DATA_PAYLOAD;
  gwapi::ScratchpadInfo* stored = sink.config.mutable_stored_scratchpad();
  stored->set_len(static_cast<uint32_t>(image.size()));
  stored->set_crc(header->crc);
  stored->set_seq(seq);
  sink.config.set_stored_type(gwapi::PRESENT);
  sink.config.set_stored_status(gwapi::NEW);
  wirepas::SetScratchpadSequence(static_cast<uint8_t>(seq), image);
  sink.scratchpad = std::move(image);
  return gwapi::OK;
}

// Takes one chunk of an upload; hands the image to the sink when the chunk completes it.
gwapi::ErrorCode TakeChunk(const gwapi::UploadScratchpadReq& load, const GatewayIdentity& identity,
                           SinkState& sink) {
  const gwapi::ChunkInfo& chunk = load.chunk_info();
  const std::string& bytes = load.scratchpad();
  const uint32_t total = chunk.scratchpad_total_size();
  const uint64_t offset = chunk.start_offset();
  if (bytes.empty() ||
      (identity.max_scratchpad_size > 0 && bytes.size() > identity.max_scratchpad_size)) {
    return gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE;
  }
  if (total > kMaxScratchpadImageSize) return gwapi::INVALID_SCRATCHPAD_SIZE;
  if (total > 0 && offset >= total) return gwapi::INVALID_SCRATCHPAD_CHUNK_OFFSET;
  if (offset + bytes.size() > total) return gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE;

  if (offset == 0 || !sink.upload.has_value() || sink.upload->seq != load.seq() ||
      sink.upload->total_size != total) {
    ChunkedUpload upload;
    upload.seq = load.seq();
    upload.total_size = total;
    upload.bytes.assign(total, '\0');
    upload.received.assign(total, false);
    sink.upload = std::move(upload);
  }
  ChunkedUpload& upload = *sink.upload;
  upload.bytes.replace(offset, bytes.size(), bytes);
  for (size_t i = offset; i < offset + bytes.size(); ++i) {
    if (!upload.received[i]) {
      upload.received[i] = true;
      ++upload.received_count;
    }
  }
  if (upload.received_count < upload.total_size) return gwapi::OK;
  std::string image = std::move(upload.bytes);
  const uint32_t seq = upload.seq;
  sink.upload.reset();
  return WriteImage(std::move(image), seq, sink);
}

// Applies an upload request to `sink`; the result code.
gwapi::ErrorCode LoadScratchpad(const gwapi::UploadScratchpadReq& load,
                                const GatewayIdentity& identity, SinkState& sink) {
  if (load.seq() > kMaxScratchpadSequence) return gwapi::INVALID_PARAM;
  if (load.has_chunk_info() && AcceptsScratchpadChunks(identity)) {
    return TakeChunk(load, identity, sink);
  }
  sink.upload.reset();
  if (!load.has_scratchpad()) {
    ClearScratchpad(sink);
    return gwapi::OK;
  }
  const std::string& image = load.scratchpad();
  if (identity.max_scratchpad_size > 0 && image.size() > identity.max_scratchpad_size) {
    return gwapi::INVALID_SCRATCHPAD_SIZE;
  }
  return WriteImage(image, load.seq(), sink);
}

// The parameter byte the sink keeps for `target` (a read-back or a request): a delay as its
// code, a raw value as is, 0 when absent.
uint32_t ParamByte(const gwapi::TargetScratchpadAndAction& target) {
  switch (target.param_case()) {
    case gwapi::TargetScratchpadAndAction::kDelay:
      return ProcessingDelayCode(target.delay());
    case gwapi::TargetScratchpadAndAction::kRaw:
      return target.raw();
    case gwapi::TargetScratchpadAndAction::PARAM_NOT_SET:
      break;
  }
  return 0;
}

// The target and action `request` resolves to on `config`, in the form the gateway reads it
// back; INVALID_ROLE or INVALID_PARAM for what the gateway or the sink refuses.
gwapi::ErrorCode ResolveTarget(const gwapi::SetScratchpadTargetAndActionReq& request,
                               const gwapi::SinkReadConfig& config,
                               gwapi::TargetScratchpadAndAction* target) {
  if (!request.has_target_and_action()) return gwapi::INVALID_PARAM;
  const gwapi::TargetScratchpadAndAction& requested = request.target_and_action();
  if (!requested.has_action() || requested.action() == gwapi::UNKNOWN_ACTION) {
    return gwapi::INVALID_PARAM;
  }
  target->set_action(requested.action());
  if (requested.action() == gwapi::NO_OTAP || requested.action() == gwapi::LEGACY_OTAP) {
    target->set_target_sequence(0);
    target->set_target_crc(0);
    target->set_raw(0);
  } else {
    const uint32_t seq = requested.has_target_sequence() ? requested.target_sequence()
                                                         : config.stored_scratchpad().seq();
    const uint32_t crc =
        requested.has_target_crc() ? requested.target_crc() : config.stored_scratchpad().crc();
    if (seq == 0 || seq > kMaxTargetSequence || crc > kMaxTargetCrc) return gwapi::INVALID_PARAM;
    target->set_target_sequence(seq);
    target->set_target_crc(crc);
    if (requested.has_raw() && requested.raw() > kMaxTargetRawParam) return gwapi::INVALID_PARAM;
    const uint8_t param = static_cast<uint8_t>(ParamByte(requested));
    if (requested.action() == gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY) {
      if (!IsValidProcessingDelayCode(param)) return gwapi::INVALID_PARAM;
      // The sink refuses to set the delay it already runs: nodes moving between sinks with the
      // same delay must not restart their countdown.
      const gwapi::TargetScratchpadAndAction& current = config.target_and_action();
      if (current.action() == gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY &&
          ParamByte(current) == param) {
        return gwapi::INVALID_PARAM;
      }
      if (const std::optional<gwapi::ProcessingDelay> delay = PredefinedProcessingDelay(param)) {
        target->set_delay(*delay);
      } else {
        target->set_raw(param);
      }
    } else {
      target->set_raw(param);
    }
  }
  // The sink refuses a target when it is not a sink.
  if (config.node_role().role() != gwapi::NodeRole::SINK) return gwapi::INVALID_ROLE;
  return gwapi::OK;
}

}  // namespace

bool AcceptsScratchpadChunks(const GatewayIdentity& identity) {
  return HasFeature(identity, gwapi::SCRATCHPAD_CHUNK_V1) || identity.max_scratchpad_size > 0;
}

Response HandleOtapStatus(const wirepas::Topic& topic, const wirepas::GenericMessage& request,
                          GatewayState& state, absl::Time now) {
  const gwapi::GetScratchpadStatusReq& status = request.wirepas().get_scratchpad_status_req();
  const std::string sink_id = RequestSinkId(topic, status.header());
  Response response;
  response.topic = wirepas::ResponseTopic(wirepas::Method::kOtapStatus, state.gw_id, sink_id);
  gwapi::GetScratchpadStatusResp* body =
      response.message.mutable_wirepas()->mutable_get_scratchpad_status_resp();
  const SinkState* sink = state.FindSink(sink_id);
  FillResponseHeader(status.header(), state, sink_id,
                     sink == nullptr ? gwapi::INVALID_SINK_ID : gwapi::OK, now,
                     body->mutable_header());
  if (sink == nullptr) return response;
  const gwapi::SinkReadConfig& config = sink->config;
  *body->mutable_stored_scratchpad() = config.stored_scratchpad();
  body->set_stored_status(config.stored_status());
  body->set_stored_type(config.stored_type());
  *body->mutable_processed_scratchpad() = config.processed_scratchpad();
  body->set_firmware_area_id(config.firmware_area_id());
  if (config.has_target_and_action()) {
    *body->mutable_target_and_action() = config.target_and_action();
  }
  return response;
}

Response HandleOtapLoadScratchpad(const wirepas::Topic& topic,
                                  const wirepas::GenericMessage& request, GatewayState& state,
                                  absl::Time now) {
  const gwapi::UploadScratchpadReq& load = request.wirepas().upload_scratchpad_req();
  const std::string sink_id = RequestSinkId(topic, load.header());
  Response response;
  response.topic =
      wirepas::ResponseTopic(wirepas::Method::kOtapLoadScratchpad, state.gw_id, sink_id);
  gwapi::ResponseHeader* header =
      response.message.mutable_wirepas()->mutable_upload_scratchpad_resp()->mutable_header();
  SinkState* sink = state.FindSink(sink_id);
  if (sink == nullptr) {
    FillResponseHeader(load.header(), state, sink_id, gwapi::INVALID_SINK_ID, now, header);
    return response;
  }
  const std::string before = sink->config.SerializeAsString();
  const gwapi::ErrorCode res = LoadScratchpad(load, state.identity, *sink);
  FillResponseHeader(load.header(), state, sink_id, res, now, header);
  NoteConfigChange(before, *sink, response);
  return response;
}

Response HandleOtapProcessScratchpad(const wirepas::Topic& topic,
                                     const wirepas::GenericMessage& request, GatewayState& state,
                                     absl::Time now) {
  const gwapi::ProcessScratchpadReq& process = request.wirepas().process_scratchpad_req();
  const std::string sink_id = RequestSinkId(topic, process.header());
  Response response;
  response.topic =
      wirepas::ResponseTopic(wirepas::Method::kOtapProcessScratchpad, state.gw_id, sink_id);
  gwapi::ResponseHeader* header =
      response.message.mutable_wirepas()->mutable_process_scratchpad_resp()->mutable_header();
  SinkState* sink = state.FindSink(sink_id);
  gwapi::ErrorCode res = gwapi::OK;
  if (sink == nullptr) {
    res = gwapi::INVALID_SINK_ID;
  } else if (sink->config.stored_type() == gwapi::BLANK ||
             sink->config.stored_scratchpad().len() == 0) {
    res = gwapi::NO_SCRATCHPAD_PRESENT;
  } else {
    const std::string before = sink->config.SerializeAsString();
    *sink->config.mutable_processed_scratchpad() = sink->config.stored_scratchpad();
    sink->config.set_stored_status(gwapi::SUCCESS);
    sink->config.set_stored_type(gwapi::PRESENT);
    NoteConfigChange(before, *sink, response);
  }
  FillResponseHeader(process.header(), state, sink_id, res, now, header);
  return response;
}

Response HandleOtapSetTargetScratchpad(const wirepas::Topic& topic,
                                       const wirepas::GenericMessage& request, GatewayState& state,
                                       absl::Time now) {
  const gwapi::SetScratchpadTargetAndActionReq& set_target =
      request.wirepas().set_scratchpad_target_and_action_req();
  const std::string sink_id = RequestSinkId(topic, set_target.header());
  Response response;
  response.topic =
      wirepas::ResponseTopic(wirepas::Method::kOtapSetTargetScratchpad, state.gw_id, sink_id);
  gwapi::ResponseHeader* header = response.message.mutable_wirepas()
                                      ->mutable_set_scratchpad_target_and_action_resp()
                                      ->mutable_header();
  SinkState* sink = state.FindSink(sink_id);
  gwapi::ErrorCode res = gwapi::INVALID_SINK_ID;
  if (sink != nullptr) {
    gwapi::TargetScratchpadAndAction target;
    res = ResolveTarget(set_target, sink->config, &target);
    if (res == gwapi::OK) {
      const std::string before = sink->config.SerializeAsString();
      *sink->config.mutable_target_and_action() = target;
      NoteConfigChange(before, *sink, response);
    }
  }
  FillResponseHeader(set_target.header(), state, sink_id, res, now, header);
  return response;
}

}  // namespace wm::gateway_sim
