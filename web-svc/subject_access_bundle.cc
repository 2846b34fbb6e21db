#include "web-svc/subject_access_bundle.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace frontdoor::web {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string Rfc3339(const google::protobuf::Timestamp& t) {
  return Rfc3339(absl::FromUnixSeconds(t.seconds()) +
                 absl::Nanoseconds(t.nanos()));
}

Value Text(const std::string& s) {
  Value v;
  v.set_string_value(s);
  return v;
}

// A record's JSON as a value; the text itself when it is not JSON.
Value RecordValue(const std::string& json) {
  Value v;
  if (!google::protobuf::util::JsonStringToMessage(json, &v).ok()) {
    return Text(json);
  }
  return v;
}

Struct BundleStruct(const SubjectAccessExport& e) {
  Struct out;
  auto& f = *out.mutable_fields();
  f["reference"] = Text(e.reference);
  f["party"] = Text(std::string(PartyCode(e.party)));
  if (e.party == common::v1::PARTY_CHILD) {
    f["childIndex"].set_number_value(e.child_index);
  }
  f["preparedAt"] = Text(Rfc3339(e.prepared_at));
  if (e.released_at.has_value()) f["releasedAt"] = Text(Rfc3339(*e.released_at));
  f["recordsWithheld"].set_number_value(WithheldCount(e));
  auto& services = *f["services"].mutable_list_value();
  for (const common::v1::ExportSubjectResponse& r : ReleasedResponses(e)) {
    Struct s;
    auto& sf = *s.mutable_fields();
    sf["service"] = Text(r.service());
    sf["exportedAt"] = Text(Rfc3339(r.exported_at()));
    auto& records = *sf["records"].mutable_list_value();
    for (const common::v1::ExportedRecord& record : r.records()) {
      Struct rs;
      auto& rf = *rs.mutable_fields();
      rf["kind"] = Text(record.kind());
      rf["id"] = Text(record.id());
      rf["recordedAt"] = Text(Rfc3339(record.recorded_at()));
      rf["record"] = RecordValue(record.json());
      auto& redactions = *rf["redactions"].mutable_list_value();
      for (const common::v1::Redaction& red : record.redactions()) {
        Struct rd;
        (*rd.mutable_fields())["path"] = Text(red.path());
        (*rd.mutable_fields())["rule"] = Text(red.rule());
        *redactions.add_values()->mutable_struct_value() = std::move(rd);
      }
      *records.add_values()->mutable_struct_value() = std::move(rs);
    }
    *services.add_values()->mutable_struct_value() = std::move(s);
  }
  return out;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A value as nested definition lists (objects), lists and text.
void AppendHtml(const Value& v, std::string& out) {
  switch (v.kind_case()) {
    case Value::kStructValue:
      out += "<dl>";
      for (const auto& [k, field] : v.struct_value().fields()) {
        absl::StrAppend(&out, "<dt>", Escape(k), "</dt><dd>");
        AppendHtml(field, out);
        out += "</dd>";
      }
      out += "</dl>";
      return;
    case Value::kListValue:
      out += "<ol>";
      for (const Value& item : v.list_value().values()) {
        out += "<li>";
        AppendHtml(item, out);
        out += "</li>";
      }
      out += "</ol>";
      return;
    case Value::kStringValue:
      out += Escape(v.string_value());
      return;
    case Value::kNumberValue:
      absl::StrAppend(&out, v.number_value());
      return;
    case Value::kBoolValue:
      out += v.bool_value() ? "yes" : "no";
      return;
    default:
      return;
  }
}

std::string BundleHtml(const SubjectAccessExport& e) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Subject access export ",
      Escape(e.reference), "</title></head><body>\n<h1>What we hold: ",
      Escape(e.reference), "</h1>\n<p>", Escape(PartyLabel(e.party, e.child_index)),
      ". Prepared ", Escape(Rfc3339(e.prepared_at)));
  if (e.released_at.has_value()) {
    absl::StrAppend(&out, ", released ", Escape(Rfc3339(*e.released_at)));
  }
  absl::StrAppend(&out, ".</p>\n");
  const int withheld = WithheldCount(e);
  if (withheld > 0) {
    absl::StrAppend(&out, "<p>", withheld,
                    withheld == 1 ? " record was" : " records were",
                    " withheld after review.</p>\n");
  }
  for (const common::v1::ExportSubjectResponse& r : ReleasedResponses(e)) {
    absl::StrAppend(&out, "<h2>", Escape(r.service()), "</h2>\n");
    if (r.records().empty()) out += "<p>Nothing held.</p>\n";
    for (const common::v1::ExportedRecord& record : r.records()) {
      absl::StrAppend(&out, "<section><h3>", Escape(record.kind()), " ",
                      Escape(record.id()), "</h3><p>Recorded ",
                      Escape(Rfc3339(record.recorded_at())), "</p>");
      AppendHtml(RecordValue(record.json()), out);
      if (!record.redactions().empty()) {
        out += "<p>Withheld from this record:</p><ul>";
        for (const common::v1::Redaction& red : record.redactions()) {
          absl::StrAppend(&out, "<li>", Escape(red.path()), " (",
                          Escape(red.rule()), ")</li>");
        }
        out += "</ul>";
      }
      out += "</section>\n";
    }
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace

absl::StatusOr<std::string> WriteSubjectAccessBundle(
    const SubjectAccessExport& e, std::string_view format) {
  if (format != kBundleJson && format != kBundleHtml) {
    return absl::InvalidArgumentError("format: json or html");
  }
  if (!e.released_at.has_value()) {
    return absl::FailedPreconditionError("the export is not released");
  }
  if (format == kBundleHtml) return BundleHtml(e);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  const auto s =
      google::protobuf::util::MessageToJsonString(BundleStruct(e), &json, options);
  if (!s.ok()) return absl::InternalError("the export cannot be written as JSON");
  return json;
}

}  // namespace frontdoor::web
