#include "common/rights/rights.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/reference/reference.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::rights {
namespace {

using google::protobuf::util::TimeUtil;

// The longest name part a search takes (intake-svc's limit for names).
constexpr size_t kMaxNameChars = 100;

template <size_t N>
bool OneOf(std::string_view code, const std::string_view (&codes)[N]) {
  return std::find(std::begin(codes), std::end(codes), code) != std::end(codes);
}

template <size_t N>
std::string ListOf(const std::string_view (&codes)[N]) {
  std::string list;
  for (std::string_view code : codes) {
    if (!list.empty()) list += ", ";
    list += code;
  }
  return list;
}

class Violations {
 public:
  void Add(std::string field, std::string description) {
    list_.push_back({std::move(field), std::move(description)});
  }
  absl::Status Status() const {
    if (list_.empty()) return absl::OkStatus();
    return InvalidArgumentWithViolations("the request is not valid", list_);
  }

 private:
  std::vector<FieldViolation> list_;
};

void CheckReference(std::string_view reference, const std::string& field,
                    Violations& out) {
  if (reference.empty()) {
    out.Add(field, "is required");
  } else if (!IsWellFormedReference(
                 absl::string_view(reference.data(), reference.size()))) {
    out.Add(field, "is not a referral reference");
  }
}

void CheckPerson(const common::v1::PersonInReferral& person, Violations& out) {
  CheckReference(person.reference(), "person.reference", out);
  if (person.party() == common::v1::PARTY_UNSPECIFIED ||
      !common::v1::Party_IsValid(person.party())) {
    out.Add("person.party",
            "is required: subject, other party, child or "
            "referrer");
  }
  if (person.child_index() < 0) {
    out.Add("person.child_index", "must not be negative");
  } else if (person.child_index() != 0 &&
             person.party() != common::v1::PARTY_CHILD) {
    out.Add("person.child_index", "is for a child only");
  }
}

// A lifting request says "lifted"; a setting one one of `codes`.
template <size_t N>
void CheckReason(std::string_view reason, bool setting,
                 const std::string_view (&codes)[N], Violations& out) {
  if (setting ? OneOf(reason, codes) : reason == kReasonLifted) return;
  out.Add("reason", setting ? absl::StrCat("must be one of ", ListOf(codes))
                            : absl::StrCat("must be \"", kReasonLifted,
                                           "\" when lifting"));
}

bool IsRealDate(const google::type::Date& date) {
  if (date.year() < 1 || date.month() < 1 || date.day() < 1) return false;
  const absl::CivilDay day(date.year(), date.month(), date.day());
  return day.year() == date.year() && day.month() == date.month() &&
         day.day() == date.day();
}

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time TimeOf(const store::Row& row, size_t column) {
  return absl::FromUnixMicros(row.Int(column));
}

}  // namespace

absl::Status CheckDataProtectionOfficer(const Caller& caller) {
  if (caller.HasRole(config::v1::ROLE_DATA_PROTECTION)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "data subjects' rights are for the data-protection officer "
      "(ROLE_DATA_PROTECTION)");
}

absl::Status Validate(const common::v1::FindPersonRequest& request) {
  Violations out;
  switch (request.by_case()) {
    case common::v1::FindPersonRequest::kReference:
      CheckReference(request.reference(), "reference", out);
      break;
    case common::v1::FindPersonRequest::kNameAndBirth: {
      const common::v1::NameAndBirth& who = request.name_and_birth();
      for (const auto& [field, value] :
           {std::pair<std::string, const std::string*>{
                "name_and_birth.name.given_names", &who.name().given_names()},
            {"name_and_birth.name.family_name", &who.name().family_name()}}) {
        if (value->empty()) {
          out.Add(field, "is required");
        } else if (value->size() > kMaxNameChars * 4) {
          out.Add(field, absl::StrCat("must be at most ", kMaxNameChars,
                                      " characters"));
        }
      }
      if (!who.has_date_of_birth()) {
        out.Add("name_and_birth.date_of_birth", "is required");
      } else if (!IsRealDate(who.date_of_birth())) {
        out.Add("name_and_birth.date_of_birth", "is not a real date");
      }
      break;
    }
    case common::v1::FindPersonRequest::BY_NOT_SET:
      out.Add("by", "give a reference, or a name and date of birth");
      break;
  }
  return out.Status();
}

absl::Status Validate(const common::v1::ExportSubjectRequest& request) {
  Violations out;
  CheckPerson(request.person(), out);
  return out.Status();
}

absl::Status Validate(const common::v1::RectifyRequest& request) {
  Violations out;
  CheckPerson(request.person(), out);
  if (!OneOf(request.field(), kRectifiableFields)) {
    out.Add("field",
            absl::StrCat("must be one of ", ListOf(kRectifiableFields)));
  }
  if (!OneOf(request.reason(), kRectificationReasons)) {
    out.Add("reason",
            absl::StrCat("must be one of ", ListOf(kRectificationReasons)));
  }
  return out.Status();
}

absl::Status Validate(const common::v1::SetRestrictionRequest& request) {
  Violations out;
  CheckReference(request.reference(), "reference", out);
  CheckReason(request.reason(), request.restricted(), kRestrictionReasons, out);
  return out.Status();
}

absl::Status Validate(const common::v1::SetLegalHoldRequest& request) {
  Violations out;
  CheckReference(request.reference(), "reference", out);
  CheckReason(request.reason(), request.held(), kHoldReasons, out);
  return out.Status();
}

absl::Status Validate(const common::v1::EraseRequest& request) {
  Violations out;
  CheckReference(request.reference(), "reference", out);
  if (!OneOf(request.reason(), kErasureReasons)) {
    out.Add("reason", absl::StrCat("must be one of ", ListOf(kErasureReasons)));
  }
  return out.Status();
}

absl::Status Validate(const common::v1::GetRightsStateRequest& request) {
  Violations out;
  CheckReference(request.reference(), "reference", out);
  return out.Status();
}

absl::StatusOr<Rights> LoadRights(store::Tx& tx, std::string_view reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT restricted, restricted_at_us, held, held_at_us, erased_at_us "
      "FROM data_rights WHERE reference = $1",
      {std::string(reference)});
  if (!rows.ok()) return rows.status();
  Rights rights;
  if (rows->empty()) return rights;
  const store::Row& row = rows->front();
  rights.restricted = row.Int(0) != 0;
  if (!row.IsNull(1)) rights.restricted_at = TimeOf(row, 1);
  rights.held = row.Int(2) != 0;
  if (!row.IsNull(3)) rights.held_at = TimeOf(row, 3);
  if (!row.IsNull(4)) rights.erased_at = TimeOf(row, 4);
  return rights;
}

absl::StatusOr<bool> IsRestricted(store::Tx& tx, std::string_view reference) {
  absl::StatusOr<Rights> rights = LoadRights(tx, reference);
  if (!rights.ok()) return rights.status();
  return rights->restricted;
}

absl::StatusOr<bool> IsHeld(store::Tx& tx, std::string_view reference) {
  absl::StatusOr<Rights> rights = LoadRights(tx, reference);
  if (!rights.ok()) return rights.status();
  return rights->held;
}

absl::Status CheckNotRestricted(store::Tx& tx, std::string_view reference) {
  absl::StatusOr<bool> restricted = IsRestricted(tx, reference);
  if (!restricted.ok()) return restricted.status();
  if (!*restricted) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("processing of referral ", std::string(reference),
                   " is restricted (a data subject's right): it is stored "
                   "but not processed or shared until the data-protection "
                   "officer lifts the restriction"));
}

namespace {

// Creates `reference`'s row if it has none, then runs `update` ($1 the
// reference, $2 the flag, $3 the time, $4 the reason).
absl::Status Upsert(store::Tx& tx, std::string_view reference,
                    std::string_view update, int64_t flag,
                    std::string_view reason, absl::Time now) {
  const int64_t now_us = absl::ToUnixMicros(now);
  absl::StatusOr<int64_t> inserted = tx.Exec(
      "INSERT INTO data_rights (reference, updated_at_us) VALUES ($1, $2) "
      "ON CONFLICT (reference) DO NOTHING",
      {std::string(reference), now_us});
  if (!inserted.ok()) return inserted.status();
  absl::StatusOr<int64_t> changed = tx.Exec(
      update, {std::string(reference), flag, now_us, std::string(reason)});
  return changed.status();
}

}  // namespace

absl::Status SaveRestriction(store::Tx& tx, std::string_view reference,
                             bool restricted, std::string_view reason,
                             absl::Time now) {
  return Upsert(
      tx, reference,
      "UPDATE data_rights SET restricted = $2, restricted_at_us = $3, "
      "restriction_reason = $4, updated_at_us = $3 "
      "WHERE reference = $1",
      restricted ? 1 : 0, reason, now);
}

absl::Status SaveHold(store::Tx& tx, std::string_view reference, bool held,
                      std::string_view reason, absl::Time now) {
  return Upsert(tx, reference,
                "UPDATE data_rights SET held = $2, held_at_us = $3, "
                "hold_reason = $4, updated_at_us = $3 WHERE reference = $1",
                held ? 1 : 0, reason, now);
}

absl::Status SaveErased(store::Tx& tx, std::string_view reference,
                        std::string_view reason, absl::Time now) {
  return Upsert(tx, reference,
                "UPDATE data_rights SET erased_at_us = COALESCE(erased_at_us, "
                "$3), erasure_reason = COALESCE(erasure_reason, $4), "
                "updated_at_us = $3 WHERE reference = $1 AND $2 = 1",
                1, reason, now);
}

std::string NotHeldCondition(std::string_view reference_column) {
  return absl::StrCat(" AND ", std::string(reference_column), " NOT IN (",
                      kHeldReferences, ")");
}

common::v1::RightsState StateOf(const Rights& rights, std::string_view service,
                                std::string_view reference, bool held_here) {
  common::v1::RightsState state;
  state.set_service(std::string(service));
  state.set_reference(std::string(reference));
  state.set_held_here(held_here);
  state.set_restricted(rights.restricted);
  if (rights.restricted_at != absl::InfinitePast()) {
    *state.mutable_restricted_at() = TimestampOf(rights.restricted_at);
  }
  state.set_legal_hold(rights.held);
  if (rights.held_at != absl::InfinitePast()) {
    *state.mutable_held_at() = TimestampOf(rights.held_at);
  }
  if (rights.erased_at)
    *state.mutable_erased_at() = TimestampOf(*rights.erased_at);
  return state;
}

}  // namespace frontdoor::rights
