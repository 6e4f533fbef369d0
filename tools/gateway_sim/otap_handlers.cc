#include "tools/gateway_sim/otap_handlers.h"

#include <string>
#include <utility>

#include "tools/gateway_sim/crc16.h"

namespace wm::gateway_sim {
namespace {

// Stores `image` as the sink's scratchpad with sequence `seq`: what a whole upload and the last
// chunk of a chunked one do.
void StoreScratchpad(std::string image, uint32_t seq, SinkState& sink) {
  gwapi::ScratchpadInfo* stored = sink.config.mutable_stored_scratchpad();
  stored->set_len(static_cast<uint32_t>(image.size()));
  stored->set_crc(ScratchpadCrc16(image));
  stored->set_seq(seq);
  sink.config.set_stored_type(gwapi::PRESENT);
  sink.config.set_stored_status(gwapi::NEW);
  sink.scratchpad = std::move(image);
  sink.upload.reset();
}

// Blanks the sink's scratchpad (erased flash reads as status NEW).
void ClearScratchpad(SinkState& sink) {
  gwapi::ScratchpadInfo* stored = sink.config.mutable_stored_scratchpad();
  stored->set_len(0);
  stored->set_crc(0);
  stored->set_seq(0);
  sink.config.set_stored_type(gwapi::BLANK);
  sink.config.set_stored_status(gwapi::NEW);
  sink.scratchpad.clear();
  sink.upload.reset();
}

// A whole image, or a chunked upload's assembled one: the checks both share.
gwapi::ErrorCode CheckImageSize(uint64_t size) {
  return size == 0 || size > kMaxScratchpadImageSize ? gwapi::INVALID_SCRATCHPAD_SIZE : gwapi::OK;
}

// Takes one chunk of an upload; stores the image when the chunk is its last.
gwapi::ErrorCode TakeChunk(const gwapi::UploadScratchpadReq& load, const GatewayIdentity& identity,
                           SinkState& sink) {
  const gwapi::ChunkInfo& chunk = load.chunk_info();
  const std::string& bytes = load.scratchpad();
  if (bytes.empty() ||
      (identity.max_scratchpad_size > 0 && bytes.size() > identity.max_scratchpad_size)) {
    return gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE;
  }
  if (chunk.scratchpad_total_size() > kMaxScratchpadImageSize)
    return gwapi::INVALID_SCRATCHPAD_SIZE;
  ChunkedUpload upload;
  if (chunk.start_offset() == 0) {
    upload = ChunkedUpload{load.seq(), chunk.scratchpad_total_size(), {}};
  } else if (sink.upload.has_value() && sink.upload->seq == load.seq() &&
             sink.upload->total_size == chunk.scratchpad_total_size() &&
             sink.upload->bytes.size() == chunk.start_offset()) {
    upload = *sink.upload;
  } else {
    return gwapi::INVALID_SCRATCHPAD_CHUNK_OFFSET;
  }
  if (static_cast<uint64_t>(chunk.start_offset()) + bytes.size() > upload.total_size) {
    return gwapi::INVALID_SCRATCHPAD_CHUNK_SIZE;
  }
  upload.bytes.append(bytes);
  if (upload.bytes.size() == upload.total_size) {
    StoreScratchpad(std::move(upload.bytes), upload.seq, sink);
  } else {
    sink.upload = std::move(upload);
  }
  return gwapi::OK;
}

// Applies an upload request to `sink`; the result code.
gwapi::ErrorCode LoadScratchpad(const gwapi::UploadScratchpadReq& load,
                                const GatewayIdentity& identity, SinkState& sink) {
  if (load.seq() > kMaxScratchpadSequence) return gwapi::INVALID_PARAM;
  if (load.has_chunk_info() && AcceptsScratchpadChunks(identity)) {
    return TakeChunk(load, identity, sink);
  }
  if (!load.has_scratchpad()) {
    ClearScratchpad(sink);
    return gwapi::OK;
  }
  const std::string& image = load.scratchpad();
  if (const gwapi::ErrorCode res = CheckImageSize(image.size()); res != gwapi::OK) return res;
  if (identity.max_scratchpad_size > 0 && image.size() > identity.max_scratchpad_size) {
    return gwapi::INVALID_SCRATCHPAD_SIZE;
  }
  StoreScratchpad(image, load.seq(), sink);
  return gwapi::OK;
}

// The target and action `requested` resolves to on `config`; INVALID_PARAM for bad values.
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
    return gwapi::OK;
  }
  const uint32_t seq = requested.has_target_sequence() ? requested.target_sequence()
                                                       : config.stored_scratchpad().seq();
  const uint32_t crc =
      requested.has_target_crc() ? requested.target_crc() : config.stored_scratchpad().crc();
  if (seq == 0 || seq > kMaxTargetSequence || crc > kMaxTargetCrc) return gwapi::INVALID_PARAM;
  target->set_target_sequence(seq);
  target->set_target_crc(crc);
  switch (requested.param_case()) {
    case gwapi::TargetScratchpadAndAction::kDelay:
      if (requested.delay() == gwapi::UNKNOWN_DELAY) return gwapi::INVALID_PARAM;
      target->set_delay(requested.delay());
      break;
    case gwapi::TargetScratchpadAndAction::kRaw:
      if (requested.raw() > kMaxTargetRawParam) return gwapi::INVALID_PARAM;
      target->set_raw(requested.raw());
      break;
    case gwapi::TargetScratchpadAndAction::PARAM_NOT_SET:
      if (requested.action() == gwapi::PROPAGATE_AND_PROCESS_WITH_DELAY) {
        return gwapi::INVALID_PARAM;
      }
      break;
  }
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
