#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace frontdoor::server {

// Deepest nesting of messages a request may have; protobuf's own parser
// refuses deeper input at the same depth (its default recursion limit).
inline constexpr int kMaxRequestNesting = 100;

// Checks the wire bytes of a request against the contract of `type`, the way
// the partner's system sent them, before protobuf parses them. It finds what
// protobuf's parser would refuse without saying where (a proto3 `string`
// whose bytes are not valid UTF-8, malformed wire data, nesting deeper than
// kMaxRequestNesting), and what it would accept silently and keep (fields
// that `type` does not define, or a defined field sent with another wire
// type, which protobuf keeps as an unknown field and would then carry into
// storage and on to later services).
//
// OK when the bytes are a well-formed `type` with only known fields and valid
// UTF-8 in every string. Otherwise INVALID_ARGUMENT carrying one
// google.rpc.BadRequest field violation at the first problem, named by its
// proto path as in the service's own validation, for example
// "referral.subject.name.family_name" ("must be valid UTF-8") or
// "referral.children[1].4242" for an unknown field number 4242 inside the
// second child. The message and violations never contain the request's bytes.
absl::Status CheckRequestWire(google::protobuf::io::ZeroCopyInputStream& input,
                              const google::protobuf::Descriptor& type);

// The same for bytes in memory.
absl::Status CheckRequestWire(absl::string_view bytes,
                              const google::protobuf::Descriptor& type);

}  // namespace frontdoor::server
