#include "allocation-svc/catalogue.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/errors.h"

namespace frontdoor::allocation {
namespace {

using config::v1::CaseFact;
using config::v1::Programme;

// Children aged up to this need a parent's or carer's consent.
constexpr int kOldestAgeNeedingCarerConsent = 16;

bool IsId(absl::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

bool Takes(const Programme& p, int age) {
  return (p.min_age() == 0 || age >= p.min_age()) &&
         (p.max_age() == 0 || age <= p.max_age());
}

bool Holds(const std::vector<CaseFact>& facts, CaseFact fact) {
  return std::find(facts.begin(), facts.end(), fact) != facts.end();
}

std::string FactLabel(int fact) {
  std::string name = config::v1::CaseFact_Name(fact);
  absl::string_view label(name);
  label.remove_prefix(std::min(label.size(), sizeof("CASE_FACT_") - 1));
  return absl::AsciiStrToLower(label);
}

}  // namespace

absl::StatusOr<Catalogue> Catalogue::FromProto(config::v1::Catalogue proto) {
  std::vector<FieldViolation> problems;
  const auto add = [&](std::string field, std::string what) {
    problems.push_back({std::move(field), std::move(what)});
  };
  if (proto.version().empty()) add("version", "required");
  if (proto.programmes().empty()) add("programmes", "at least one programme");
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < proto.programmes_size(); ++i) {
    const Programme& p = proto.programmes(i);
    const std::string f =
        absl::StrCat("programmes[", i, "] \"", p.id(), "\"");
    if (!IsId(p.id())) {
      add(f + ".id", "must be lower-case letters, digits and hyphens");
    } else if (!ids.insert(p.id()).second) {
      add(f + ".id", "given twice");
    }
    if (p.name().empty()) add(f + ".name", "required");
    if (p.door() != config::v1::DOOR_ADULT &&
        p.door() != config::v1::DOOR_CHILD) {
      add(f + ".door", "must be DOOR_ADULT or DOOR_CHILD");
    }
    if (p.side() != common::v1::SIDE_VICTIM &&
        p.side() != common::v1::SIDE_BEHAVIOUR_CHANGE) {
      add(f + ".side", "must be SIDE_VICTIM or SIDE_BEHAVIOUR_CHANGE");
    }
    if (p.tier() < kMinProgrammeTier || p.tier() > kMaxProgrammeTier) {
      add(f + ".tier", absl::StrCat("must be from ", kMinProgrammeTier, " to ",
                                    kMaxProgrammeTier));
    }
    if (p.delivery() == config::v1::DELIVERY_UNSPECIFIED) {
      add(f + ".delivery", "required");
    }
    if (p.sessions() < 0 || p.sessions() > kMaxSessions) {
      add(f + ".sessions", absl::StrCat("must be from 0 to ", kMaxSessions));
    }
    if (p.parent_sessions() < 0 || p.parent_sessions() > kMaxSessions) {
      add(f + ".parent_sessions",
          absl::StrCat("must be from 0 to ", kMaxSessions));
    }
    if (p.parent_sessions() > 0 && !p.parent_or_carer_takes_part()) {
      add(f + ".parent_sessions",
          "only when parent_or_carer_takes_part is true");
    }
    if (p.min_age() < 0 || p.min_age() > kMaxAge) {
      add(f + ".min_age", absl::StrCat("must be from 0 to ", kMaxAge));
    }
    if (p.max_age() < 0 || p.max_age() > kMaxAge) {
      add(f + ".max_age", absl::StrCat("must be from 0 to ", kMaxAge));
    } else if (p.max_age() != 0 && p.max_age() < p.min_age()) {
      add(f + ".max_age", "must not be below min_age");
    }
    if (p.door() == config::v1::DOOR_CHILD &&
        (p.max_age() == 0 || p.max_age() > kMaxChildAge)) {
      add(f + ".max_age",
          absl::StrCat("a children's programme ends by ", kMaxChildAge));
    }
    if (p.door() == config::v1::DOOR_ADULT &&
        p.min_age() <= kMaxChildAge) {
      add(f + ".min_age",
          absl::StrCat("an adults' programme starts at ", kMaxChildAge + 1));
    }
    absl::flat_hash_set<int> facts;
    for (int fact : p.for_cases()) {
      if (fact == config::v1::CASE_FACT_UNSPECIFIED ||
          !config::v1::CaseFact_IsValid(fact)) {
        add(f + ".for_cases", "unknown case fact");
      } else if (!facts.insert(fact).second) {
        add(f + ".for_cases", "case fact given twice");
      }
    }
    if (p.practitioner_role().empty()) add(f + ".practitioner_role", "required");
  }
  absl::flat_hash_set<std::string> funders;
  for (int i = 0; i < proto.funders_size(); ++i) {
    const config::v1::Funder& funder = proto.funders(i);
    const std::string f =
        absl::StrCat("funders[", i, "] \"", funder.id(), "\"");
    if (!IsId(funder.id())) {
      add(f + ".id", "must be lower-case letters, digits and hyphens");
    } else if (!funders.insert(funder.id()).second) {
      add(f + ".id", "given twice");
    }
  }
  if (!problems.empty()) {
    return InvalidArgumentWithViolations("the catalogue is not valid",
                                         problems);
  }
  Catalogue catalogue;
  catalogue.proto_ = std::move(proto);
  for (int i = 0; i < catalogue.proto_.programmes_size(); ++i) {
    catalogue.by_id_[catalogue.proto_.programmes(i).id()] = i;
  }
  return catalogue;
}

const Programme* Catalogue::Find(absl::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &proto_.programmes(it->second);
}

std::vector<CaseFact> CaseFactsOf(const common::v1::Referral& r, int age) {
  std::vector<CaseFact> facts;
  if (r.behaviour_change().out_of_court_disposal()) {
    facts.push_back(config::v1::CASE_FACT_OUT_OF_COURT_DISPOSAL);
  }
  if (r.children_size() > 0) {
    facts.push_back(config::v1::CASE_FACT_CHILDREN_IN_HOUSEHOLD);
  }
  if (age <= kMaxChildAge) {
    switch (r.other_party().relationship()) {
      case common::v1::RELATIONSHIP_FAMILY_MEMBER:
        facts.push_back(config::v1::CASE_FACT_CHILD_ON_PARENT);
        break;
      case common::v1::RELATIONSHIP_CURRENT_PARTNER:
      case common::v1::RELATIONSHIP_EX_PARTNER:
        facts.push_back(config::v1::CASE_FACT_OWN_RELATIONSHIP);
        break;
      default:
        break;
    }
  }
  return facts;
}

Need NeedFor(common::v1::FrontDoor front_door, common::v1::Side side, int tier,
             int age, const common::v1::Referral& referral) {
  Need need;
  need.door = front_door == common::v1::FRONT_DOOR_CHILDREN
                  ? config::v1::DOOR_CHILD
                  : config::v1::DOOR_ADULT;
  need.side = side;
  need.tier = tier;
  need.age = age;
  need.facts = CaseFactsOf(referral, age);
  return need;
}

absl::StatusOr<const Programme*> ChooseProgramme(const Catalogue& catalogue,
                                                 const Need& need) {
  if (need.tier < kMinProgrammeTier) {
    return absl::FailedPreconditionError(absl::StrCat(
        "not eligible: tier ", need.tier,
        " is prevention (information and signposting), with no programme"));
  }
  const Programme* best = nullptr;
  int best_matches = -1;
  std::vector<std::string> why_not;
  for (const Programme& p : catalogue.proto().programmes()) {
    if (p.door() != need.door || p.side() != need.side ||
        p.tier() != need.tier) {
      continue;
    }
    if (!Takes(p, need.age)) {
      why_not.push_back(absl::StrCat(
          p.id(), ": ages ", p.min_age(), " to ",
          p.max_age() == 0 ? std::string("any") : absl::StrCat(p.max_age()),
          ", not ", need.age));
      continue;
    }
    std::vector<std::string> missing;
    for (int fact : p.for_cases()) {
      if (!Holds(need.facts, static_cast<CaseFact>(fact))) {
        missing.push_back(FactLabel(fact));
      }
    }
    if (!missing.empty()) {
      why_not.push_back(absl::StrCat(p.id(), ": only for ",
                                     absl::StrJoin(missing, ", ")));
      continue;
    }
    if (p.for_cases_size() > best_matches) {
      best = &p;
      best_matches = p.for_cases_size();
    }
  }
  if (best != nullptr) return best;
  return absl::FailedPreconditionError(absl::StrCat(
      "not eligible: no programme at ",
      config::v1::Door_Name(need.door), ", ",
      common::v1::Side_Name(need.side), ", tier ", need.tier,
      why_not.empty() ? std::string("")
                      : absl::StrCat(" (", absl::StrJoin(why_not, "; "), ")")));
}

std::string ConsentMissing(const common::v1::ConsentRecord& consent,
                           common::v1::Side side, int age) {
  if (side == common::v1::SIDE_BEHAVIOUR_CHANGE &&
      consent.subject() != common::v1::CONSENT_GIVEN) {
    return "behaviour change needs the subject's consent";
  }
  if (age <= kOldestAgeNeedingCarerConsent &&
      consent.parent_or_carer() != common::v1::CONSENT_GIVEN) {
    return "a parent's or carer's consent is needed for children aged 16 "
           "and under";
  }
  return "";
}

std::vector<std::string> FundersFor(const Catalogue& catalogue,
                                    absl::string_view funding_area) {
  std::vector<std::string> out;
  for (const config::v1::Funder& f : catalogue.proto().funders()) {
    if (f.funding_areas().empty() ||
        std::find(f.funding_areas().begin(), f.funding_areas().end(),
                  funding_area) != f.funding_areas().end()) {
      out.push_back(f.id());
    }
  }
  return out;
}

bool ComesBefore(const Waiting& a, const Waiting& b) {
  return std::make_tuple(-static_cast<int>(a.risk), a.waiting_since_us,
                         a.reference) <
         std::make_tuple(-static_cast<int>(b.risk), b.waiting_since_us,
                         b.reference);
}

}  // namespace frontdoor::allocation
