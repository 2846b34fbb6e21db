#include "allocation-svc/settings.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/status/errors.h"

namespace frontdoor::allocation {
namespace {

using config::v1::FirstContactRule;

bool Matches(const FirstContactRule& rule,
             const config::v1::Programme& programme, bool self_referral) {
  if (!rule.practitioner_role().empty() &&
      rule.practitioner_role() != programme.practitioner_role()) {
    return false;
  }
  switch (rule.source()) {
    case config::v1::REFERRAL_SOURCE_SELF:
      return self_referral;
    case config::v1::REFERRAL_SOURCE_AGENCY:
      return !self_referral;
    default:
      return true;
  }
}

bool MatchesEverything(const FirstContactRule& rule) {
  return rule.practitioner_role().empty() &&
         rule.source() == config::v1::REFERRAL_SOURCE_ANY;
}

}  // namespace

absl::StatusOr<Settings> Settings::FromProto(
    config::v1::AllocationSettings proto, const Catalogue& catalogue) {
  std::vector<FieldViolation> problems;
  const auto add = [&](std::string field, std::string what) {
    problems.push_back({std::move(field), std::move(what)});
  };
  absl::flat_hash_set<std::string> with_capacity;
  absl::flat_hash_set<std::string> cohort_ids;
  for (int i = 0; i < proto.cohorts_size(); ++i) {
    const auto& c = proto.cohorts(i);
    const std::string f =
        absl::StrCat("cohorts[", i, "] \"", c.programme_id(), "\"");
    const config::v1::Programme* p = catalogue.Find(c.programme_id());
    if (p == nullptr) {
      add(f + ".programme_id", "not in the catalogue");
    } else if (p->delivery() == config::v1::DELIVERY_ONE_TO_ONE) {
      add(f + ".programme_id", "a 1-2-1 programme has caseloads, not seats");
    } else if (!cohort_ids.insert(c.programme_id()).second) {
      add(f + ".programme_id", "given twice");
    }
    if (c.seats() < 1 || c.seats() > kMaxSeats) {
      add(f + ".seats", absl::StrCat("must be from 1 to ", kMaxSeats));
    }
    with_capacity.insert(c.programme_id());
  }
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < proto.practitioners_size(); ++i) {
    const auto& pr = proto.practitioners(i);
    const std::string f =
        absl::StrCat("practitioners[", i, "] \"", pr.id(), "\"");
    if (pr.id().empty()) {
      add(f + ".id", "required");
    } else if (!ids.insert(pr.id()).second) {
      add(f + ".id", "given twice");
    }
    if (pr.programmes().empty()) add(f + ".programmes", "at least one");
    for (const std::string& id : pr.programmes()) {
      const config::v1::Programme* p = catalogue.Find(id);
      if (p == nullptr) {
        add(f + ".programmes", absl::StrCat("\"", id, "\" is not in the catalogue"));
      } else if (cohort_ids.contains(id)) {
        add(f + ".programmes",
            absl::StrCat("\"", id, "\" has cohort seats, not caseloads"));
      }
      with_capacity.insert(id);
    }
    if (pr.caseload() < 1 || pr.caseload() > kMaxCaseload) {
      add(f + ".caseload", absl::StrCat("must be from 1 to ", kMaxCaseload));
    }
    for (int need : pr.specialisms()) {
      if (need == common::v1::SPECIALIST_NEED_UNSPECIFIED ||
          !common::v1::SpecialistNeed_IsValid(need)) {
        add(f + ".specialisms", "unknown specialism");
      }
    }
  }
  for (const config::v1::Programme& p : catalogue.proto().programmes()) {
    if (!with_capacity.contains(p.id())) {
      add("cohorts",
          absl::StrCat("programme \"", p.id(),
                       "\" has no capacity: give it cohort seats or a "
                       "practitioner"));
    }
  }
  if (proto.first_contact().empty() ||
      !MatchesEverything(*proto.first_contact().rbegin())) {
    add("first_contact", "the last rule must match everything (no role, any "
                         "source)");
  }
  for (int i = 0; i < proto.first_contact_size(); ++i) {
    const FirstContactRule& r = proto.first_contact(i);
    const std::string f = absl::StrCat("first_contact[", i, "]");
    if (r.has_duration()) {
      if (r.duration().seconds() <= 0) {
        add(f + ".duration", "must be positive");
      }
    } else if (r.within_case() == FirstContactRule::kWorkingDays) {
      if (r.working_days() < 1 || r.working_days() > kMaxWorkingDays) {
        add(f + ".working_days",
            absl::StrCat("must be from 1 to ", kMaxWorkingDays));
      }
    } else {
      add(f, "needs a duration or working_days");
    }
  }
  if (!problems.empty()) {
    return InvalidArgumentWithViolations("the allocation settings are not valid",
                                         problems);
  }
  Settings settings;
  settings.proto_ = std::move(proto);
  for (const auto& c : settings.proto_.cohorts()) {
    settings.seats_[c.programme_id()] = c.seats();
  }
  return settings;
}

int Settings::SeatsFor(absl::string_view programme_id) const {
  auto it = seats_.find(programme_id);
  return it == seats_.end() ? 0 : it->second;
}

std::vector<const config::v1::Practitioner*> Settings::PractitionersFor(
    absl::string_view programme_id) const {
  std::vector<const config::v1::Practitioner*> out;
  for (const auto& p : proto_.practitioners()) {
    for (const std::string& id : p.programmes()) {
      if (id == programme_id) {
        out.push_back(&p);
        break;
      }
    }
  }
  return out;
}

absl::Time Settings::FirstContactDue(absl::Time received,
                                     const config::v1::Programme& programme,
                                     bool self_referral) const {
  for (const FirstContactRule& rule : proto_.first_contact()) {
    if (!Matches(rule, programme, self_referral)) continue;
    if (rule.has_duration()) {
      return received + absl::Seconds(rule.duration().seconds());
    }
    return AddWorkingDays(received, rule.working_days());
  }
  return received;  // Unreachable: the last rule matches everything.
}

absl::Time AddWorkingDays(absl::Time t, int days) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  absl::CivilSecond at = absl::ToCivilSecond(t, utc);
  absl::CivilDay day(at);
  while (days > 0) {
    day += 1;
    const absl::Weekday wd = absl::GetWeekday(day);
    if (wd != absl::Weekday::saturday && wd != absl::Weekday::sunday) --days;
  }
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(),
                                           at.hour(), at.minute(), at.second()),
                         utc) +
         (t - absl::FromCivil(at, utc));
}

}  // namespace frontdoor::allocation
