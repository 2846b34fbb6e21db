#pragma once

// The redaction rules of a subject access export, in one place: what of a
// referral (and of the records the services keep about it) the person asking
// may see. Every service's ExportFrom redacts through this file and nothing
// else; common/rights/README.md lists the rules as a table.
//
// Pure: no store, no gRPC. A redactor takes a copy of a record and returns
// it with what the person may not see cleared, the list of what was cleared
// (paths in the record's proto3 JSON names, each with its rule) and whether
// the record must be reviewed by the officer before release.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "frontdoor/allocation/v1/allocation.pb.h"
#include "frontdoor/common/v1/data_rights.pb.h"
#include "frontdoor/common/v1/history.pb.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "frontdoor/notify/v1/notify.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "google/protobuf/message.h"

namespace frontdoor::rights {

// Redaction.rule codes.
// Any detail of the person suspected of the abuse, shown to anyone else.
inline constexpr char kRuleOtherParty[] = "other_party";
// A victim's contact details or address, shown to the person suspected.
inline constexpr char kRuleVictimContact[] = "victim_contact";
// Another person's details in a referrer's export, the referrer's details in
// anyone else's, and a victim's contact details in a child's.
inline constexpr char kRuleThirdParty[] = "third_party";
// Another child's details in a child's export.
inline constexpr char kRuleOtherChild[] = "other_child";
// The name of a member of staff who acted, shown as their role instead.
inline constexpr char kRuleStaffName[] = "staff_name";
// The personal data of an erased referral (its data key is destroyed).
inline constexpr char kRuleErased[] = "erased";

// Who a person of a referral is in the abuse, as its front door says.
enum class Role {
  kVictim,
  kSuspect,
  // Not known from the front door (the children's front door decides the
  // side at triage; a returned referral has no door): redaction then
  // assumes whichever is more protective for each person.
  kUnknown,
};

// The subject's and the other party's roles. At FRONT_DOOR_ADULT_VICTIM the
// subject is the victim and the other party the suspect; at
// FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE the reverse. A referral without a door
// (returned) follows its requested service the same way; the children's
// front door knows neither.
struct Roles {
  Role subject = Role::kUnknown;
  Role other_party = Role::kUnknown;
};
Roles RolesOf(common::v1::FrontDoor door,
              common::v1::RequestedService requested);

// What a redactor needs to know about the export.
struct Context {
  // The person asking (ExportSubjectRequest.person).
  common::v1::PersonInReferral requester;
  Roles roles;
  // The referral is a self-referral: its referrer is its subject.
  bool self_referral = false;
  // ExportSubjectRequest.show_staff_names.
  bool show_staff_names = false;
  // The service does not hold the referral (notify-svc), so nothing says
  // who is who: every other adult's details are withheld.
  bool without_referral = false;
};

// The context of `request` over a referral routed to `door`.
Context ContextFor(const common::v1::ExportSubjectRequest& request,
                   const common::v1::Referral& referral,
                   common::v1::FrontDoor door);

// Whose a detail is: a party of the referral (for a child, which one).
// PARTY_UNSPECIFIED is "the suspect, whoever that is" when the roles do not
// say (notify-svc's MATAC alerts without the referral).
struct Owner {
  common::v1::Party party = common::v1::PARTY_UNSPECIFIED;
  int child_index = 0;
};

// The kinds of a person's details the rules tell apart.
enum class Detail {
  kIdentity,  // name, date of birth, gender, relationship, needs
  kContact,   // phone, email, when it is safe to call
  kAddress,
};

// THE rule: the code that withholds `detail` of `owner` from the requester
// of `context`, or "" when they may see it.
std::string RuleFor(const Context& context, Owner owner, Detail detail);

// A staff member's name as an export shows it: `actor` itself when staff
// names are shown or it names no person (a service or its rules: "triage-svc",
// "auto-triage"), otherwise their role ("staff-42 as practitioner" becomes
// "practitioner"; a name without a role becomes "person").
std::string StaffShown(const Context& context, const std::string& actor);

// A record after redaction.
template <typename T>
struct Redacted {
  T record;
  std::vector<common::v1::Redaction> redactions;
  bool needs_review = false;
};

// Each redactor prefixes its paths with `prefix` ("referral." when the
// record's JSON holds the message under "referral").
Redacted<common::v1::Referral> RedactReferral(const Context& context,
                                              common::v1::Referral referral,
                                              std::string_view prefix = "");
// intake's receipt: codes only; its repeat status is the subject's.
Redacted<intake::v1::Receipt> RedactReceipt(const Context& context,
                                            intake::v1::Receipt receipt,
                                            std::string_view prefix = "");
// triage's decision: the decider's name; children's decisions and anything
// telling children's social care are for review.
Redacted<triage::v1::Decision> RedactDecision(const Context& context,
                                              triage::v1::Decision decision,
                                              std::string_view prefix = "");
// The assessment a practitioner submitted: free text and children's
// assessments are for review.
Redacted<triage::v1::SubmitAssessmentRequest> RedactAssessment(
    const Context& context, triage::v1::SubmitAssessmentRequest assessment,
    std::string_view prefix = "");
// allocation's placement: the practitioner's id; staff's free text is for
// review.
Redacted<allocation::v1::Placement> RedactPlacement(
    const Context& context, allocation::v1::Placement placement,
    std::string_view prefix = "");
// A notification notify-svc sent: each body's people by their party.
Redacted<notify::v1::Notification> RedactNotification(
    const Context& context, notify::v1::Notification notification,
    std::string_view prefix = "");
// A history entry: its actor.
Redacted<common::v1::HistoryEntry> RedactHistory(const Context& context,
                                                 common::v1::HistoryEntry entry,
                                                 std::string_view prefix = "");

// Puts records together: the JSON objects of `parts` under their names, in
// order, as one ExportedRecord of `kind` and `id` recorded at `at`, with the
// parts' redactions and review marks.
struct Part {
  std::string name;  // "" for a record of one message: its JSON is the record
  const google::protobuf::Message* message = nullptr;
  std::vector<common::v1::Redaction> redactions;
  bool needs_review = false;
};
absl::StatusOr<common::v1::ExportedRecord> MakeRecord(
    std::string kind, std::string id, absl::Time at,
    const std::vector<Part>& parts);

// A record of one redacted message.
template <typename T>
absl::StatusOr<common::v1::ExportedRecord> MakeRecord(std::string kind,
                                                      std::string id,
                                                      absl::Time at,
                                                      const Redacted<T>& r) {
  return MakeRecord(std::move(kind), std::move(id), at,
                    {Part{"", &r.record, r.redactions, r.needs_review}});
}

}  // namespace frontdoor::rights
