#include "common/rights/bundle.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "kainjow/mustache.hpp"

namespace frontdoor::rights {
namespace {

using google::protobuf::util::TimeUtil;
using kainjow::mustache::data;
using kainjow::mustache::mustache;

std::string JsonOf(const google::protobuf::Message& m) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out).ok()) {
    return "null";
  }
  return out;
}

// A JSON string value, quoted (through protobuf's own printer).
std::string Quoted(const std::string& text) {
  google::protobuf::Value v;
  v.set_string_value(text);
  return JsonOf(v);
}

std::string UnansweredJson(const std::vector<Unanswered>& unanswered) {
  std::string out = "[";
  for (size_t i = 0; i < unanswered.size(); ++i) {
    const Unanswered& u = unanswered[i];
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"service\":", Quoted(u.service),
                    ",\"code\":", Quoted(u.code),
                    ",\"message\":", Quoted(u.message), "}");
  }
  return out + "]";
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  return absl::FormatTime(
      "%Y-%m-%d %H:%M:%S UTC",
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t)),
      absl::UTCTimeZone());
}

// A record's JSON, indented for reading, its fields in their order.
std::string Readable(const std::string& json) {
  constexpr int kIndent = 2;
  std::string out;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  const auto new_line = [&] {
    out += '\n';
    out.append(static_cast<size_t>(depth * kIndent), ' ');
  };
  for (char c : json) {
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        ++depth;
        new_line();
        break;
      case '}':
      case ']':
        --depth;
        new_line();
        out += c;
        break;
      case ',':
        out += c;
        new_line();
        break;
      case ':':
        out += ": ";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string PartyText(const common::v1::PersonInReferral& person) {
  switch (person.party()) {
    case common::v1::PARTY_SUBJECT:
      return "the subject";
    case common::v1::PARTY_OTHER_PARTY:
      return "the other party";
    case common::v1::PARTY_CHILD:
      return absl::StrCat("child ", person.child_index(), " (counted from 0)");
    case common::v1::PARTY_REFERRER:
      return "the referrer";
    default:
      return "unknown";
  }
}

constexpr char kPage[] = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Subject access bundle {{reference}}</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 60em; }
.review { border-left: 0.4em solid #d4351c; padding-left: 1em; }
.record { border-top: 1px solid #b1b4b6; margin-top: 1.5em; }
pre { background: #f3f2f1; padding: 1em; overflow-x: auto; white-space: pre-wrap; }
.flag { color: #d4351c; font-weight: bold; }
</style>
</head>
<body>
<h1>Subject access bundle</h1>
<p>OFFICIAL-SENSITIVE. Referral {{reference}}, {{party}}. Put together {{made_at}}.</p>
{{#released}}<p>Released {{released_at}} after review; {{withheld}} records withheld.</p>{{/released}}
{{^released}}<p>{{review_count}} of {{record_count}} records must be reviewed before release.</p>{{/released}}
{{#has_unanswered}}
<h2>Services that did not answer</h2>
<ul>
{{#unanswered}}<li>{{service}}: {{code}} {{message}}</li>
{{/unanswered}}
</ul>
{{/has_unanswered}}
{{#answers}}
<h2>{{service}}</h2>
<p>Holds the referral: {{held_here}}.{{#restricted}} Processing restricted.{{/restricted}}{{#legal_hold}} On legal hold.{{/legal_hold}}{{#erased}} Erased {{erased_at}}: ids, dates and codes only.{{/erased}} Exported {{exported_at}}.</p>
{{^records}}<p>Nothing held about this person.</p>{{/records}}
{{#records}}
<section class="record{{#needs_review}} review{{/needs_review}}">
<h3>{{kind}} {{id}}</h3>
<p>Recorded {{recorded_at}}.{{#needs_review}} <span class="flag">Needs review before release.</span>{{/needs_review}}</p>
{{#has_redactions}}
<p>Withheld:</p>
<ul>
{{#redactions}}<li><code>{{path}}</code>: {{rule}}</li>
{{/redactions}}
</ul>
{{/has_redactions}}
<pre>{{json}}</pre>
</section>
{{/records}}
{{/answers}}
</body>
</html>
)";

}  // namespace

std::string BundleJson(const Bundle& bundle) {
  std::string out =
      absl::StrCat("{\"person\":", JsonOf(bundle.person), ",\"madeAt\":",
                   Quoted(TimeUtil::ToString(TimeUtil::MicrosecondsToTimestamp(
                       absl::ToUnixMicros(bundle.made_at)))));
  if (bundle.released_at.has_value()) {
    absl::StrAppend(
        &out, ",\"releasedAt\":",
        Quoted(TimeUtil::ToString(TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(*bundle.released_at)))),
        ",\"recordsWithheld\":", bundle.withheld_on_review);
  }
  absl::StrAppend(&out, ",\"answers\":[");
  for (size_t i = 0; i < bundle.answers.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", JsonOf(bundle.answers[i]));
  }
  absl::StrAppend(&out, "],\"unanswered\":", UnansweredJson(bundle.unanswered),
                  "}\n");
  return out;
}

std::string FoundJson(const std::vector<common::v1::FindPersonResponse>& found,
                      const std::vector<Unanswered>& unanswered) {
  std::string out = "{\"answers\":[";
  for (size_t i = 0; i < found.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", JsonOf(found[i]));
  }
  absl::StrAppend(&out, "],\"unanswered\":", UnansweredJson(unanswered), "}\n");
  return out;
}

std::string BundleHtml(const Bundle& bundle) {
  data page;
  page.set("reference", bundle.person.reference());
  page.set("party", PartyText(bundle.person));
  page.set("made_at", absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", bundle.made_at,
                                       absl::UTCTimeZone()));
  page.set("released", bundle.released_at.has_value());
  if (bundle.released_at.has_value()) {
    page.set("released_at",
             absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", *bundle.released_at,
                              absl::UTCTimeZone()));
    page.set("withheld", std::to_string(bundle.withheld_on_review));
  }
  int records = 0, review = 0;
  data answers{data::type::list};
  for (const common::v1::ExportSubjectResponse& a : bundle.answers) {
    data answer;
    answer.set("service", a.service());
    answer.set("held_here", a.state().held_here() ? "yes" : "no");
    answer.set("restricted", a.state().restricted());
    answer.set("legal_hold", a.state().legal_hold());
    answer.set("erased", a.state().has_erased_at());
    answer.set("erased_at", TimeText(a.state().erased_at()));
    answer.set("exported_at", TimeText(a.exported_at()));
    data list{data::type::list};
    for (const common::v1::ExportedRecord& r : a.records()) {
      ++records;
      if (r.needs_review()) ++review;
      data record;
      record.set("kind", r.kind());
      record.set("id", r.id());
      record.set("recorded_at", TimeText(r.recorded_at()));
      record.set("needs_review", r.needs_review());
      record.set("json", Readable(r.json()));
      data withheld{data::type::list};
      for (const common::v1::Redaction& x : r.redactions()) {
        data item;
        item.set("path", x.path());
        item.set("rule", x.rule());
        withheld.push_back(item);
      }
      record.set("has_redactions", r.redactions_size() > 0);
      record.set("redactions", withheld);
      list.push_back(record);
    }
    if (a.records_size() > 0) {
      answer.set("records", list);
    } else {
      answer.set("records", false);
    }
    answers.push_back(answer);
  }
  page.set("answers", answers);
  page.set("record_count", std::to_string(records));
  page.set("review_count", std::to_string(review));
  data unanswered{data::type::list};
  for (const Unanswered& u : bundle.unanswered) {
    data item;
    item.set("service", u.service);
    item.set("code", u.code);
    item.set("message", u.message);
    unanswered.push_back(item);
  }
  page.set("has_unanswered", !bundle.unanswered.empty());
  page.set("unanswered", unanswered);
  mustache tmpl{kPage};
  return tmpl.render(page);
}

}  // namespace frontdoor::rights
