#pragma once

// The adult victim's self-referral form: what the browser sends, turned
// into a referral for intake-svc, and intake's field violations turned back
// into GOV.UK errors on the form's fields. Pure: no HTTP, no gRPC.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/status/errors.h"
#include "frontdoor/common/v1/referral.pb.h"

namespace frontdoor::web {

// The form's values by field name (the HTML name, which is also the id of
// the input an error links to), as posted.
using FormValues = std::map<std::string, std::string>;

// Longest value any one field of the form may hold, in bytes: above the
// longest text intake accepts (concerns, 10000 characters of up to 4 bytes).
inline constexpr size_t kMaxFieldBytes = 40000;
// Largest form body web-svc reads, in bytes; a longer one is refused (413).
inline constexpr size_t kMaxFormBytes = 64 * 1024;
// Children a form can tell intake about: intake's limit (kMaxChildren in
// intake-svc/validation.h; a unit test keeps the two equal). The forms show
// one block and an "Add another child" button up to this many.
inline constexpr int kMaxFormChildren = 20;
// Hidden field holding how many child blocks the form shows.
inline constexpr char kChildCountField[] = "child-count";
// The submit button that adds a child block instead of sending the form.
inline constexpr char kAddChildButton[] = "add-child";

// Every field of the self-referral form, in page order (the honeypot and
// the tokens are not among them).
const std::vector<std::string>& SelfReferralFields();

// One error shown on the form: the field's id (the error summary links to
// "#<field>") and the message in plain English.
struct FormError {
  std::string field;
  std::string message;
  bool operator==(const FormError& o) const {
    return field == o.field && message == o.message;
  }
};

// The referral the form describes, or the errors web-svc finds itself (a
// date that is not a date, an answer missing from a question only the form
// asks). `idempotency_key` is not set here.
struct BuiltReferral {
  common::v1::Referral referral;
  std::vector<FormError> errors;
  // The DASH question number of each risk_assessment.answers entry, in
  // order (MappingContext::answer_questions).
  std::vector<int> answer_questions;
};
BuiltReferral BuildSelfReferral(const FormValues& form);

// Which column of the one field mapping a form uses: the victim's own form
// (messages say "your"), or the professionals' forms (which share field ids
// and say whose detail is wrong).
enum class FormKind { kSelfReferral, kProfessional };

// How intake's violations are shown on one form.
struct MappingContext {
  FormKind kind = FormKind::kSelfReferral;
  // Possessives put into the professional forms' messages: the subject's
  // ("the person's", "the child's") and the other party's ("the partner's").
  std::string subject = "the person's";
  std::string other = "the other person's";
  // The form's fields in page order (errors are listed in it); null means
  // SelfReferralFields().
  const std::vector<std::string>* field_order = nullptr;
  // The DASH question number of each referral.risk_assessment.answers[i]
  // the form sent (only answered questions are sent).
  std::vector<int> answer_questions;
};

// Where an intake field violation is shown: the form field and the message
// for it. nullopt for a path that the form never sets (the channel, the
// requested service, a DASH answer's source...): that is web-svc's fault,
// not the person's, and is answered with the service's error page.
std::optional<FormError> MapViolation(const FieldViolation& violation,
                                      const MappingContext& context = {});

// True for every path intake's validation can return (whether or not a
// form sets it); false for a path the mapping has never heard of.
bool IsKnownIntakePath(const std::string& path);

// Each violation mapped (one error per field, the first), in page order.
// `unmapped` collects the paths MapViolation has no field for.
std::vector<FormError> MapViolations(const std::vector<FieldViolation>& violations,
                                     std::vector<std::string>* unmapped,
                                     const MappingContext& context = {});

// Children's blocks shared by every form: "child-<n>-given-names",
// "-family-name" and the date "-dob-day/-month/-year", n from 1.
std::string ChildField(int index0, const char* what);
// The children the form describes: blocks 1..kMaxFormChildren, a block left
// blank skipped (except the first, asked for whenever `asked` is true).
void ReadChildren(const FormValues& form, bool asked,
                  google::protobuf::RepeatedPtrField<common::v1::Child>* out,
                  std::vector<FormError>& errors);
// How many child blocks to show: what the form asked for (child-count, one
// more when "add another" was pressed), at least the last block filled in,
// between 1 and kMaxFormChildren.
int ChildBlocksToShow(const FormValues& form, bool add_one);
// The field names of the children's blocks, in page order.
void AppendChildFields(std::vector<std::string>& fields);

// Shared readers of GOV.UK inputs (see self_referral.cc).
std::string FormValue(const FormValues& form, const std::string& name);
// A GOV.UK date input (prefix-day, -month, -year): true with `date` set when
// all three are numbers; false when all are empty; an error otherwise.
bool ReadFormDate(const FormValues& form, const std::string& prefix,
                  const std::string& label, google::type::Date* date,
                  std::vector<FormError>& errors);
// A yes / no radio question that the form itself requires: nullopt, with
// `missing` as the error on `name`, when neither was chosen.
std::optional<bool> ReadYesNo(const FormValues& form, const std::string& name,
                              const std::string& missing,
                              std::vector<FormError>& errors);

// What the safe-contact questions say when left unanswered: a victim's own
// form asks about "you", a professional's about "them".
struct SafeContactWording {
  const char* safe_to_call_missing;
  const char* safe_to_leave_message_missing;
};
// The specialist-need checkboxes' field names, in page order.
void AppendNeedFields(std::vector<std::string>& fields);
// The specialist needs ticked, added to `subject`.
void ReadSpecialistNeeds(const FormValues& form, common::v1::Subject& subject);

// The person's details that every form asks the same way: name, date of
// birth, address and safe contact (phone, email, safe to call, safe to
// leave a message, safe times), into `subject`.
void ReadPerson(const FormValues& form, const SafeContactWording& wording,
                common::v1::Subject& subject, std::vector<FormError>& errors);

}  // namespace frontdoor::web
