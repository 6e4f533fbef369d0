#pragma once

// provisioning_config.yml: which nodes may join and what each one is given
// (docs/provisioning.md, "provisioning_config.yml"; the file format of wm-wps). Each top-level
// key is a node's UID; its value is a map of fields:
//
//   node-7:                                   # a UID written as text: its UTF-8 bytes
//     method: 1                               # 0 unsecured, 1 secured (mandatory)
//     factory_key: 0x00 0x01 ... 0x1f         # 32 bytes, mandatory when method is 1
//     encryption_key: 0x10 0x11 ... 0x1f      # 16 bytes (mandatory)
//     authentication_key: "0x20212223..."     # 16 bytes (mandatory)
//     network_address: 0x123456               # optional: YAML int or "0x.." / decimal string
//     network_channel: 5                      # optional
//     node_id: "0x00A1B2C3"                   # optional
//     node_role: 0x01                         # optional, one byte
//     user_specific: {128: "text", 129: 42, 130: !!binary AAEC}
//   0x0102030405:                             # a UID written as hex bytes
//     ...
//
// Byte strings (UIDs and keys) are hex when they start with "0x" (case-insensitive): every
// "0x" is dropped and the rest read as hex digit pairs, spaces allowed between pairs, so
// "0x01 0x02", "0x0102" and "0X01 02" are the same two bytes. Anything else is its UTF-8
// bytes, and `!!binary` (base64) is also accepted. A key is read from the text it is written
// with, quoted or not (a plain 0x0102... is hex, never an integer).
//
// Integers are YAML integers (decimal, 0x hex, 0o or leading-0 octal, 0b binary) or strings
// with the same digits. node_role is one byte: a YAML integer 0..255, or a byte string of one
// byte ("0x41", "A"). user_specific ids are 128..255; their values are integers (int64), text
// (quoted or plain; "0x.." stays text, as in wm-wps) or `!!binary` byte strings; a plain
// float, boolean or null is an error (quote it to send it as text).
//
// Differences from wm-wps, each an error it did not catch or a value a node rejects:
// unknown fields are errors; a bare 0x41 node_role is the byte 0x41 (wm-wps sent an integer,
// which a node refuses: it reads the role as a one-byte byte string); an integer-looking
// UID or key is its text, not an integer that could never match; the numeric fields are
// bounded as in data_content.h; the DATA frame of each UID must fit the 102 bytes a node
// accepts.
//
// Every error names the source, the UID (as written, with its line) and the field. Keys are
// secrets: no error message contains one, and nothing here logs.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/provisioning/data_content.h"
#include "libs/provisioning/frames.h"

namespace wm::provisioning {

// One node of the config.
struct ProvisioningEntry {
  // The bytes a node sends as its UID in START.
  std::string uid;
  // The UID as written in the file, for log lines and errors (a UID is not a secret).
  std::string uid_text;
  ProvisioningMethod method = ProvisioningMethod::kUnsecured;
  // kFactoryKeySize bytes when given (always when secured); empty otherwise. A secret.
  std::string factory_key;
  // What DATA gives the node.
  DataContent content;
};

// The nodes allowed to join, by UID. Immutable once loaded: share it between sessions with a
// std::shared_ptr<const ProvisioningConfig> and swap the pointer to reload.
class ProvisioningConfig {
 public:
  // Parses the YAML text of a config. `source` names it in errors (e.g. the file's path).
  // InvalidArgument for anything that is not valid as described above.
  static absl::StatusOr<ProvisioningConfig> Parse(std::string_view yaml,
                                                  std::string_view source = "provisioning config");

  // Reads and parses a file: NotFound when it does not exist, PermissionDenied when it cannot
  // be read, otherwise as Parse.
  static absl::StatusOr<ProvisioningConfig> LoadFile(const std::string& path);

  // The entry of `uid`, or nullptr when that node is not allowed.
  const ProvisioningEntry* Find(std::string_view uid) const;

  size_t size() const { return entries_.size(); }
  // Every entry, by UID bytes.
  const std::map<std::string, ProvisioningEntry, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, ProvisioningEntry, std::less<>> entries_;
};

}  // namespace wm::provisioning
