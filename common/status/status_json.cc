#include "common/status/status_json.h"

#include "common/logging/logging.h"
#include "common/status/errors.h"

namespace frontdoor {

std::string StatusToJson(const absl::Status& status,
                         std::string_view trace_id) {
  std::string json = "{\"code\":";
  AppendJsonString(absl::StatusCodeToString(status.code()), &json);
  json.append(",\"message\":");
  AppendJsonString(std::string(status.message()), &json);
  json.append(",\"field_violations\":[");
  bool first = true;
  for (const FieldViolation& violation : GetFieldViolations(status)) {
    if (!first) json.push_back(',');
    first = false;
    json.append("{\"field\":");
    AppendJsonString(violation.field, &json);
    json.append(",\"description\":");
    AppendJsonString(violation.description, &json);
    json.push_back('}');
  }
  json.push_back(']');
  if (!trace_id.empty()) {
    json.append(",\"trace_id\":");
    AppendJsonString(trace_id, &json);
  }
  json.push_back('}');
  return json;
}

}  // namespace frontdoor
