// Subject access bundles (common/rights/bundle.h): JSON and HTML.
#include "common/rights/bundle.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace frontdoor::rights {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

Bundle ABundle() {
  Bundle b;
  b.person.set_reference("FD-7K3M9Q2X4W8P");
  b.person.set_party(common::v1::PARTY_SUBJECT);
  b.made_at = absl::FromUnixSeconds(1795000000);
  common::v1::ExportSubjectResponse& a = b.answers.emplace_back();
  a.set_service("intake-svc");
  a.mutable_state()->set_held_here(true);
  common::v1::ExportedRecord& r = *a.add_records();
  r.set_kind("referral");
  r.set_id("FD-7K3M9Q2X4W8P");
  r.set_json(R"({"concerns":"<script>alert(1)</script> & \"more\""})");
  r.set_needs_review(true);
  common::v1::Redaction& x = *r.add_redactions();
  x.set_path("referral.otherParty");
  x.set_rule("other_party");
  common::v1::ExportSubjectResponse& empty = b.answers.emplace_back();
  empty.set_service("allocation-svc");
  b.unanswered.push_back({"notify-svc", "UNAVAILABLE", "<down>"});
  return b;
}

TEST(Bundle, JsonHoldsEveryAnswerAndWhoDidNotAnswer) {
  const std::string json = BundleJson(ABundle());
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok())
      << json;
  EXPECT_EQ(parsed.fields().at("answers").list_value().values_size(), 2);
  EXPECT_THAT(json,
              AllOf(HasSubstr("\"service\":\"intake-svc\""),
                    HasSubstr("\"needsReview\":true"),
                    HasSubstr("\"rule\":\"other_party\""),
                    HasSubstr("\"unanswered\":[{\"service\":\"notify-svc\""),
                    HasSubstr("\"madeAt\":\"2026-")));
}

TEST(Bundle, HtmlIsEscapedAndMarksWhatNeedsReview) {
  const std::string html = BundleHtml(ABundle());
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("<down>")));
  EXPECT_THAT(html, AllOf(HasSubstr("&lt;down&gt;"), HasSubstr("&amp;"),
                          HasSubstr("&quot;more")));
  EXPECT_THAT(html, AllOf(HasSubstr("Needs review before release"),
                          HasSubstr("1 of 1 records must be reviewed"),
                          HasSubstr("<code>referral.otherParty</code>: "
                                    "other_party"),
                          HasSubstr("Nothing held about this person"),
                          HasSubstr("notify-svc: UNAVAILABLE"),
                          HasSubstr("Referral FD-7K3M9Q2X4W8P, the subject")));
  // Self-contained: nothing fetched from elsewhere, no script.
  EXPECT_THAT(html, AllOf(Not(HasSubstr("<script")), Not(HasSubstr("src=")),
                          Not(HasSubstr("href="))));
}

TEST(Bundle, HtmlIndentsEachRecordKeepingItsOrder) {
  Bundle b = ABundle();
  b.answers[0].mutable_records(0)->set_json(R"({"b":1,"a":["x, {y}","z\"]"]})");
  EXPECT_THAT(BundleHtml(b),
              HasSubstr("<pre>{\n  &quot;b&quot;: 1,\n  &quot;a&quot;: [\n"
                        "    &quot;x, {y}&quot;,\n"
                        "    &quot;z\\&quot;]&quot;\n  ]\n}</pre>"));
}

TEST(Bundle, FoundJsonListsTheAnswers) {
  common::v1::FindPersonResponse f;
  f.set_service("triage-svc");
  f.set_searched_by_name(true);
  EXPECT_EQ(FoundJson({f}, {}),
            "{\"answers\":[{\"service\":\"triage-svc\",\"searchedByName\":true}"
            "],\"unanswered\":[]}\n");
}

}  // namespace
}  // namespace frontdoor::rights
