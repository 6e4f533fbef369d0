#include "libs/decoders/decode_error.h"

namespace wm::decoders {

void DecodeError::ToProto(wm::v1::DecodeError* out) const {
  out->set_reason(std::string(reason));
  out->set_offset(offset);
  out->set_message(message);
}

}  // namespace wm::decoders
