#include "common/server/request_check.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/errors.h"
#include "common/text/text_rules.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format.h"
#include "google/protobuf/wire_format_lite.h"

namespace frontdoor::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormat;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

constexpr char kInvalidUtf8[] = "must be valid UTF-8";
constexpr char kMalformed[] = "is not well-formed protocol buffers wire data";
constexpr char kTooDeep[] = "nests messages too deeply";

// Whether protobuf's parser stores a field of this wire type in `field`
// (anything else it keeps as an unknown field).
bool WireTypeFits(const FieldDescriptor& field,
                  WireFormatLite::WireType wire_type) {
  if (wire_type == WireFormat::WireTypeForFieldType(field.type())) return true;
  return field.is_packable() &&
         wire_type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
}

class Walker {
 public:
  explicit Walker(CodedInputStream& in) : in_(in) {}

  // Walks fields until the current limit (or the end of input at the top).
  absl::Status WalkMessage(const Descriptor& type) {
    // Occurrences so far of each repeated field, for "name[i]" paths.
    absl::flat_hash_map<int, int> occurrences;
    while (true) {
      const uint32_t tag = in_.ReadTag();
      if (tag == 0) {
        if (in_.ConsumedEntireMessage()) return absl::OkStatus();
        return Refuse(Path(), kMalformed);
      }
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      const WireFormatLite::WireType wire_type =
          WireFormatLite::GetTagWireType(tag);
      if (number == 0) return Refuse(Path(), kMalformed);
      const FieldDescriptor* field = type.FindFieldByNumber(number);
      if (field == nullptr) {
        return Refuse(Path(absl::StrCat(number)),
                      absl::StrCat("is an unknown field (number ", number,
                                   "): not part of ", type.full_name(),
                                   " in this version of the contract"));
      }
      std::string segment = field->name();
      if (field->is_repeated()) {
        absl::StrAppend(&segment, "[", occurrences[number]++, "]");
      }
      if (!WireTypeFits(*field, wire_type)) {
        return Refuse(Path(segment),
                      "was sent with the wrong wire type for its field type");
      }
      if (wire_type != WireFormatLite::WIRETYPE_LENGTH_DELIMITED ||
          (field->type() != FieldDescriptor::TYPE_STRING &&
           field->type() != FieldDescriptor::TYPE_MESSAGE)) {
        if (!WireFormatLite::SkipField(&in_, tag)) {
          return Refuse(Path(segment), kMalformed);
        }
        continue;
      }
      uint32_t length = 0;
      if (!in_.ReadVarint32(&length)) return Refuse(Path(segment), kMalformed);
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        if (!in_.ReadString(&scratch_, static_cast<int>(length))) {
          return Refuse(Path(segment), kMalformed);
        }
        if (Utf8Length(scratch_) == std::string::npos) {
          return Refuse(Path(segment), kInvalidUtf8);
        }
        continue;
      }
      path_.push_back(std::move(segment));
      if (path_.size() > static_cast<size_t>(kMaxRequestNesting)) {
        return Refuse(Path(), kTooDeep);
      }
      const CodedInputStream::Limit limit =
          in_.PushLimit(static_cast<int>(length));
      if (absl::Status status = WalkMessage(*field->message_type());
          !status.ok()) {
        return status;
      }
      in_.PopLimit(limit);
      path_.pop_back();
    }
  }

 private:
  // The current path, with `leaf` appended when not empty.
  std::string Path(absl::string_view leaf = "") const {
    std::string path = absl::StrJoin(path_, ".");
    if (!leaf.empty()) {
      if (!path.empty()) path.push_back('.');
      path.append(leaf.data(), leaf.size());
    }
    return path;
  }

  static absl::Status Refuse(const std::string& field,
                             absl::string_view description) {
    if (field.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("request ", description));
    }
    return InvalidArgumentWithViolations(
        absl::StrCat("request field ", field, " ", description),
        {FieldViolation{field, std::string(description)}});
  }

  CodedInputStream& in_;
  std::vector<std::string> path_;
  std::string scratch_;
};

}  // namespace

absl::Status CheckRequestWire(google::protobuf::io::ZeroCopyInputStream& input,
                              const Descriptor& type) {
  CodedInputStream in(&input);
  // Nesting is bounded by the walker itself (kMaxRequestNesting).
  in.SetRecursionLimit(kMaxRequestNesting + 1);
  return Walker(in).WalkMessage(type);
}

absl::Status CheckRequestWire(absl::string_view bytes, const Descriptor& type) {
  google::protobuf::io::ArrayInputStream input(bytes.data(),
                                               static_cast<int>(bytes.size()));
  return CheckRequestWire(input, type);
}

}  // namespace frontdoor::server
