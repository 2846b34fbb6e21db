#include "common/rights/rectify.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/clock/age.h"
#include "common/identity/identity.h"
#include "common/status/errors.h"
#include "common/text/text_rules.h"

namespace frontdoor::rights {
namespace {

using common::v1::Party;
using common::v1::RectifyRequest;

// The history table every service that rectifies keeps (its own migration):
//   rectifications(reference TEXT, seq INTEGER, at_us INTEGER, field TEXT,
//                  sealed_old BLOB, sealed_new BLOB,
//                  PRIMARY KEY (reference, seq))
constexpr char kNextSeq[] =
    "SELECT COALESCE(MAX(seq), 0) FROM rectifications WHERE reference = $1";
constexpr char kInsertHistory[] =
    "INSERT INTO rectifications (reference, seq, at_us, field, sealed_old, "
    "sealed_new) VALUES ($1, $2, $3, $4, $5, $6)";

absl::Status Bad(const std::string& field, const std::string& description) {
  return InvalidArgumentWithViolations("the request is not valid",
                                       {{field, description}});
}

absl::Status FromViolations(std::vector<FieldViolation> found) {
  if (found.empty()) return absl::OkStatus();
  for (FieldViolation& v : found) v.field = "value";
  return InvalidArgumentWithViolations("the request is not valid", found);
}

bool IsName(std::string_view f) {
  return f == "name.givenNames" || f == "name.familyName";
}

// Whether `party` has `field` in a Referral.
bool Holds(Party party, std::string_view field) {
  switch (party) {
    case common::v1::PARTY_SUBJECT:
      return true;
    case common::v1::PARTY_OTHER_PARTY:
      return !absl::StartsWith(absl::string_view(field.data(), field.size()),
                               "address.");
    case common::v1::PARTY_CHILD:
      return IsName(field) || field == "dateOfBirth";
    case common::v1::PARTY_REFERRER:
      return field == "contact.phone" || field == "contact.email";
    default:
      return false;
  }
}

// "yyyy-mm-dd" as a date, or nullopt.
std::optional<google::type::Date> ParseDate(std::string_view value) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(value.data(), value.size()), '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || parts[0].size() != 4 || parts[1].size() != 2 ||
      parts[2].size() != 2 || !absl::SimpleAtoi(parts[0], &y) ||
      !absl::SimpleAtoi(parts[1], &m) || !absl::SimpleAtoi(parts[2], &d)) {
    return std::nullopt;
  }
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::string DateText(const google::type::Date& d) {
  if (d.year() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// The person's name, date, contact and address in `referral`, any null
// where the party has none.
struct Fields {
  common::v1::PersonName* name = nullptr;
  google::type::Date* date_of_birth = nullptr;
  common::v1::SafeContact* contact = nullptr;
  common::v1::Address* address = nullptr;
  common::v1::Referrer* referrer = nullptr;
};

absl::StatusOr<Fields> FieldsOf(const common::v1::PersonInReferral& person,
                                common::v1::Referral& referral) {
  Fields f;
  switch (person.party()) {
    case common::v1::PARTY_SUBJECT: {
      common::v1::Subject* s = referral.mutable_subject();
      f.name = s->mutable_name();
      f.date_of_birth = s->mutable_date_of_birth();
      f.contact = s->mutable_contact();
      f.address = s->mutable_address();
      break;
    }
    case common::v1::PARTY_OTHER_PARTY: {
      common::v1::OtherParty* o = referral.mutable_other_party();
      f.name = o->mutable_name();
      f.date_of_birth = o->mutable_date_of_birth();
      f.contact = o->mutable_contact();
      break;
    }
    case common::v1::PARTY_CHILD: {
      if (person.child_index() >= referral.children_size()) {
        return Bad("person.child_index",
                   absl::StrCat("the referral has ", referral.children_size(),
                                " children"));
      }
      common::v1::Child* c = referral.mutable_children(person.child_index());
      f.name = c->mutable_name();
      f.date_of_birth = c->mutable_date_of_birth();
      break;
    }
    case common::v1::PARTY_REFERRER:
      f.referrer = referral.mutable_referrer();
      break;
    default:
      return Bad("person.party", "is required");
  }
  return f;
}

}  // namespace

absl::Status ValidateValue(const RectifyRequest& request,
                           absl::CivilDay today) {
  const std::string& field = request.field();
  const std::string& value = request.value();
  if (!Holds(request.person().party(), field)) {
    return Bad("field",
               absl::StrCat("is not kept for the ",
                            common::v1::Party_Name(request.person().party()),
                            " of a referral"));
  }
  std::vector<FieldViolation> found;
  if (IsName(field)) {
    if (absl::StripAsciiWhitespace(value).empty()) {
      return Bad("value", "required");
    }
    CheckText("value", value, kRectifyMaxNameChars, Lines::kSingle, found);
    if (found.empty() && identity::HasForbiddenFormatControl(value)) {
      return Bad("value",
                 "must not contain bidirectional or other format control "
                 "characters");
    }
  } else if (field == "dateOfBirth") {
    std::optional<google::type::Date> date = ParseDate(value);
    if (!date) return Bad("value", "must be a date as yyyy-mm-dd");
    const absl::CivilDay day(date->year(), date->month(), date->day());
    if (date->year() < kRectifyEarliestBirthYear || date->month() < 1 ||
        date->month() > 12 || date->day() < 1 || day.year() != date->year() ||
        day.month() != date->month() || day.day() != date->day()) {
      return Bad("value", "must be a real calendar date (year, month and day)");
    }
    if (day > today) return Bad("value", "must not be in the future");
    if (AgeOn(*date, today) > kRectifyOldestPlausibleAge) {
      return Bad("value", absl::StrCat("gives an age over ",
                                       kRectifyOldestPlausibleAge));
    }
  } else if (field == "contact.phone") {
    CheckText("value", value, kRectifyMaxPhoneChars, Lines::kSingle, found);
    if (found.empty() && !value.empty() && !LooksLikePhone(value)) {
      return Bad("value",
                 "must be a phone number: digits, spaces, +, -, ( and )");
    }
  } else if (field == "contact.email") {
    CheckText("value", value, kRectifyMaxEmailChars, Lines::kSingle, found);
    if (found.empty() && !value.empty() && !LooksLikeEmail(value)) {
      return Bad("value", "must be an email address");
    }
  } else if (field == "contact.safeTimes") {
    CheckText("value", value, kRectifyMaxSafeTimesChars, Lines::kSingle, found);
  } else if (field == "address.lines") {
    const std::vector<std::string> lines =
        absl::StrSplit(value, '\n', absl::SkipEmpty());
    if (static_cast<int>(lines.size()) > kRectifyMaxAddressLines) {
      return Bad("value",
                 absl::StrCat("at most ", kRectifyMaxAddressLines, " lines"));
    }
    for (const std::string& line : lines) {
      CheckText("value", line, kRectifyMaxAddressLineChars, Lines::kSingle,
                found);
    }
  } else if (field == "address.town") {
    CheckText("value", value, kRectifyMaxTownChars, Lines::kSingle, found);
  } else if (field == "address.postcode") {
    CheckText("value", value, kRectifyMaxPostcodeChars, Lines::kSingle, found);
    if (found.empty() && !value.empty() && !LooksLikePostcode(value)) {
      return Bad("value", "must be a UK postcode");
    }
  }
  return FromViolations(std::move(found));
}

absl::StatusOr<std::string> Apply(const RectifyRequest& request,
                                  common::v1::Referral& referral) {
  absl::StatusOr<Fields> f = FieldsOf(request.person(), referral);
  if (!f.ok()) return f.status();
  const std::string& field = request.field();
  const std::string& value = request.value();
  std::string old;
  const auto set = [&old, &value](std::string* target) {
    old = *target;
    *target = value;
  };
  if (f->referrer != nullptr) {
    if (field == "contact.phone") set(f->referrer->mutable_phone());
    if (field == "contact.email") set(f->referrer->mutable_email());
    return old;
  }
  if (field == "name.givenNames") {
    set(f->name->mutable_given_names());
  } else if (field == "name.familyName") {
    set(f->name->mutable_family_name());
  } else if (field == "dateOfBirth") {
    old = DateText(*f->date_of_birth);
    std::optional<google::type::Date> date = ParseDate(value);
    if (date) *f->date_of_birth = *date;
  } else if (f->contact != nullptr && field == "contact.phone") {
    set(f->contact->mutable_phone());
  } else if (f->contact != nullptr && field == "contact.email") {
    set(f->contact->mutable_email());
  } else if (f->contact != nullptr && field == "contact.safeTimes") {
    set(f->contact->mutable_safe_times());
  } else if (f->address != nullptr && field == "address.lines") {
    old = absl::StrJoin(f->address->lines(), "\n");
    f->address->clear_lines();
    for (absl::string_view line :
         absl::StrSplit(value, '\n', absl::SkipEmpty())) {
      f->address->add_lines(std::string(line));
    }
  } else if (f->address != nullptr && field == "address.town") {
    set(f->address->mutable_town());
  } else if (f->address != nullptr && field == "address.postcode") {
    set(f->address->mutable_postcode());
  }
  return old;
}

bool ChangesIndexes(std::string_view field) {
  return IsName(field) || field == "dateOfBirth";
}

std::string HistoryField(const RectifyRequest& request) {
  std::string party;
  switch (request.person().party()) {
    case common::v1::PARTY_SUBJECT:
      party = "subject";
      break;
    case common::v1::PARTY_OTHER_PARTY:
      party = "otherParty";
      break;
    case common::v1::PARTY_CHILD:
      party = absl::StrCat("children[", request.person().child_index(), "]");
      break;
    case common::v1::PARTY_REFERRER:
      party = "referrer";
      break;
    default:
      party = "unknown";
  }
  return absl::StrCat(party, ".", request.field());
}

absl::StatusOr<std::string> SealRectifiedValue(const crypto::KeyRing& keys,
                                               std::string_view value,
                                               std::string_view reference,
                                               int64_t seq,
                                               std::string_view which) {
  const std::string aad = absl::StrCat(std::string(reference), ":", seq,
                                       ":rectification:", std::string(which));
  return keys.Seal(value, aad);
}

absl::Status RecordRectification(store::Tx& tx, const crypto::KeyRing& keys,
                                 std::string_view reference, absl::Time now,
                                 const std::string& field,
                                 const std::string& old_value,
                                 const std::string& new_value) {
  const std::string ref(reference);
  absl::StatusOr<std::vector<store::Row>> last = tx.Query(kNextSeq, {ref});
  if (!last.ok()) return last.status();
  const int64_t seq = (*last)[0].Int(0) + 1;
  absl::StatusOr<std::string> sealed_old =
      SealRectifiedValue(keys, old_value, ref, seq, "old");
  if (!sealed_old.ok()) return sealed_old.status();
  absl::StatusOr<std::string> sealed_new =
      SealRectifiedValue(keys, new_value, ref, seq, "new");
  if (!sealed_new.ok()) return sealed_new.status();
  return tx
      .Exec(kInsertHistory, {ref, seq, absl::ToUnixMicros(now), field,
                             store::Blob{*std::move(sealed_old)},
                             store::Blob{*std::move(sealed_new)}})
      .status();
}

absl::StatusOr<int> RectifyOutboxPayloads(
    store::Tx& tx, const crypto::KeyRing& keys, std::string_view reference,
    const std::vector<std::string>& topics,
    const std::function<absl::StatusOr<std::string>(const std::string& plain)>&
        correct) {
  int corrected = 0;
  for (const std::string& topic : topics) {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT seq, event_id, payload FROM outbox WHERE reference = $1 AND "
        "topic = $2 ORDER BY seq",
        {std::string(reference), topic});
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      const std::string event_id = row.Text(1);
      absl::StatusOr<std::string> plain = keys.Open(row.Text(2), event_id);
      if (!plain.ok()) {
        return absl::DataLossError("a sealed outbox event did not open");
      }
      absl::StatusOr<std::string> fixed = correct(*plain);
      if (!fixed.ok()) return fixed.status();
      absl::StatusOr<std::string> sealed = keys.Seal(*fixed, event_id);
      if (!sealed.ok()) return sealed.status();
      absl::StatusOr<int64_t> n =
          tx.Exec("UPDATE outbox SET payload = $2 WHERE seq = $1",
                  {row.Int(0), store::Blob{*std::move(sealed)}});
      if (!n.ok()) return n.status();
      ++corrected;
    }
  }
  return corrected;
}

}  // namespace frontdoor::rights
