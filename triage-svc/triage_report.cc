#include "triage-svc/triage_report.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/rights/data_keys.h"
#include "common/clock/clock.h"
#include "common/report/report_codes.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "triage-svc/serial.h"

namespace frontdoor::triage {
namespace {

using report::kCodeUnknown;
using report::kDimensionDistrict;
using report::kDimensionRisk;
using report::kDimensionService;
using report::kDimensionSide;
using report::kDimensionTier;
using report::ReportBuilder;

// '' (a referral recorded before triage kept its district) is "unknown".
std::string DistrictCode(const std::string& stored) {
  return stored.empty() ? std::string(kCodeUnknown) : stored;
}

// Each referral received in the period at its latest decision: risk,
// MARAC flags, recipients and tier; or undecided.
absl::Status AddDecisionFigures(store::Tx& tx, const crypto::KeyRing& keys,
                                absl::Time start, absl::Time end,
                                ReportBuilder& out) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT r.reference, r.front_door, r.district, r.decisions, "
      "d.sealed_decision, d.report_codes FROM triage_referrals r "
      "LEFT JOIN triage_decisions d "
      "ON d.reference = r.reference AND d.number = r.decisions "
      "WHERE r.received_at_us >= $1 AND r.received_at_us < $2",
      {absl::ToUnixMicros(start), absl::ToUnixMicros(end)});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    const std::string& reference = row.Text(0);
    const std::string service = report::ServiceCode(row.Int(1));
    const std::string district = DistrictCode(row.Text(2));
    const int64_t number = row.Int(3);
    if (number == 0) {
      out.Count(kMeasureRiskLevels, {{kDimensionDistrict, district},
                                     {kDimensionRisk, kRiskUndecided},
                                     {kDimensionService, service},
                                     {kDimensionSide, kCodeUnknown}});
      continue;
    }
    if (row.IsNull(4)) {
      return absl::DataLossError("a referral's latest decision is missing");
    }
    v1::Decision decision;
    if (!row.IsNull(5)) {
      // Erased: the codes erasure kept of the decision (ErasedCodesOf).
      if (!decision.ParseFromString(row.Text(5))) {
        return absl::DataLossError("an erased decision's codes do not parse");
      }
    } else {
      absl::StatusOr<std::string> plain = rights::OpenSealed(
          tx, keys, row.Text(4), absl::StrCat(reference, ":", number));
      if (!plain.ok() || !decision.ParseFromString(*plain)) {
        return absl::DataLossError("a sealed decision did not open");
      }
    }
    const std::string side = report::SideCode(decision.side());
    out.Count(kMeasureRiskLevels,
              {{kDimensionDistrict, district},
               {kDimensionRisk, report::RiskCode(decision.risk_level())},
               {kDimensionService, service},
               {kDimensionSide, side}});
    out.Count(kMeasureTiers, {{kDimensionDistrict, district},
                              {kDimensionService, service},
                              {kDimensionSide, side},
                              {kDimensionTier, absl::StrCat(decision.tier())}});

    const common::v1::MaracFlags& m = decision.marac();
    bool any_flag = false;
    for (const auto& [set, flag] :
         {std::pair{m.visible_high_risk(), kFlagVisibleHighRisk},
          std::pair{m.professional_judgement(), kFlagProfessionalJudgement},
          std::pair{m.potential_escalation(), kFlagPotentialEscalation},
          std::pair{m.repeat(), kFlagRepeat}}) {
      if (!set) continue;
      any_flag = true;
      out.Count(kMeasureMaracReferrals,
                {{kDimensionDistrict, district}, {kDimensionFlag, flag}});
    }
    if (any_flag) {
      out.Count(kMeasureReferredToMarac,
                {{kDimensionDistrict, district}, {kDimensionService, service}});
    }

    const v1::Recipients& to = decision.recipients();
    for (const auto& [told, recipient] :
         {std::pair{to.marac(), kRecipientMarac},
          std::pair{to.idva(), kRecipientIdva},
          std::pair{to.childrens_social_care(), kRecipientChildrensSocialCare},
          std::pair{to.mace(), kRecipientMace},
          std::pair{to.ypva(), kRecipientYpva}}) {
      if (!told) continue;
      out.Count(kMeasureNotifications, {{kDimensionDistrict, district},
                                        {kDimensionRecipient, recipient}});
    }
  }
  return absl::OkStatus();
}

// One referral's suspect, for repeat and serial perpetrators.
struct Named {
  SuspectLink link;
  std::string district;
  // MATAC was told with this referral (its kAuditSerialPerpetrator row).
  bool serial = false;
};

// Whether `earlier` named the same suspect as `later` before it, within the
// repeat window. Of two received at the same instant, the one with the
// lower reference counts as the earlier.
bool NamedBefore(const SuspectLink& earlier, const SuspectLink& later) {
  if (earlier.reference == later.reference) return false;
  if (!SamePerson(earlier.suspect_index, earlier.suspect_name_index,
                  later.suspect_index, later.suspect_name_index)) {
    return false;
  }
  if (earlier.received_at <
      MonthsBefore(later.received_at, kRepeatPerpetratorWindowMonths)) {
    return false;
  }
  return earlier.received_at < later.received_at ||
         (earlier.received_at == later.received_at &&
          earlier.reference < later.reference);
}

// MATAC notifications, repeat perpetrators and serial perpetrators, from
// the suspects' blind indexes (suspect_links) and triage's audit record of
// MATAC notifications.
absl::Status AddPerpetratorFigures(store::Tx& tx, absl::Time start,
                                   absl::Time end, ReportBuilder& out) {
  // The period's links, and those of the repeat window before it.
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT s.reference, s.suspect_index, s.suspect_name_index, "
      "s.received_at_us, r.district, "
      "CASE WHEN EXISTS (SELECT 1 FROM audit_log a "
      "WHERE a.subject = s.reference AND a.action = $3) THEN 1 ELSE 0 END "
      "FROM suspect_links s JOIN triage_referrals r "
      "ON r.reference = s.reference "
      "WHERE s.received_at_us >= $1 AND s.received_at_us < $2 "
      "ORDER BY s.received_at_us, s.reference",
      {absl::ToUnixMicros(
           MonthsBefore(start, kRepeatPerpetratorWindowMonths)),
       absl::ToUnixMicros(end), std::string(kAuditSerialPerpetrator)});
  if (!rows.ok()) return rows.status();
  // By the suspect's name index: the same person always shares it.
  std::map<std::string, std::vector<Named>> by_name;
  std::vector<Named> serial;  // oldest first
  for (const store::Row& row : *rows) {
    Named n;
    n.link.reference = row.Text(0);
    n.link.suspect_index = row.Text(1);
    n.link.suspect_name_index = row.Text(2);
    n.link.received_at = absl::FromUnixMicros(row.Int(3));
    n.district = DistrictCode(row.Text(4));
    n.serial = row.Int(5) != 0 && n.link.received_at >= start;
    if (n.serial) {
      out.Count(kMeasureMatac, {{kDimensionDistrict, n.district}});
      serial.push_back(n);
    }
    by_name[n.link.suspect_name_index].push_back(std::move(n));
  }
  for (const auto& [name, named] : by_name) {
    for (const Named& n : named) {
      if (n.link.received_at < start) continue;
      if (std::any_of(named.begin(), named.end(), [&n](const Named& other) {
            return NamedBefore(other.link, n.link);
          })) {
        out.Count(kMeasureRepeatPerpetrators,
                  {{kDimensionDistrict, n.district}});
      }
    }
  }
  // Each suspect once, in the district of their first crossing in the
  // period.
  std::vector<const Named*> counted;
  for (const Named& n : serial) {
    if (std::any_of(counted.begin(), counted.end(), [&n](const Named* c) {
          return SamePerson(c->link.suspect_index, c->link.suspect_name_index,
                            n.link.suspect_index, n.link.suspect_name_index);
        })) {
      continue;
    }
    counted.push_back(&n);
    out.Count(kMeasureSerialPerpetrators, {{kDimensionDistrict, n.district}});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AddTriageFigures(store::Tx& tx, const crypto::KeyRing& keys,
                              absl::Time start, absl::Time end,
                              report::ReportBuilder& out) {
  if (absl::Status s = AddDecisionFigures(tx, keys, start, end, out);
      !s.ok()) {
    return s;
  }
  return AddPerpetratorFigures(tx, start, end, out);
}

}  // namespace frontdoor::triage
