#pragma once

// A subject access export as the console keeps it (pure: no store, no
// HTTP): what the four services exported for one person of one referral,
// the officer's review of the records marked for review, and what is
// released. A record marked needs_review is released only when the officer
// chose "release" for it; every other record is released as the service
// redacted it. Nothing is released before the whole export is.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "frontdoor/common/v1/data_rights.pb.h"

namespace frontdoor::web {

// Prefix of an export's id ("sar-" and 20 lower-case hex digits).
inline constexpr char kExportIdPrefix[] = "sar-";
inline constexpr size_t kExportIdHexDigits = 20;

// Whether `id` has the shape of an export's id.
bool IsWellFormedExportId(std::string_view id);

struct SubjectAccessExport {
  std::string id;
  std::string reference;
  common::v1::Party party = common::v1::PARTY_UNSPECIFIED;
  int child_index = 0;
  // The staff account id of the officer who prepared it, and when.
  std::string prepared_by;
  absl::Time prepared_at = absl::InfinitePast();
  // Each service's answer, in kRightsServices order (opened from the
  // sealed bundle).
  std::vector<common::v1::ExportSubjectResponse> responses;
  // The officer's decision per review item (ReviewItemKey): true releases
  // the record, false withholds it.
  std::map<std::string, bool> decisions;
  std::optional<absl::Time> released_at;
  std::string released_by;
};

// The key of the `index`th record of `service`'s answer: "intake-svc-3".
std::string ReviewItemKey(std::string_view service, int index);

// A record that needs the officer's review.
struct ReviewItem {
  std::string key;
  std::string service;
  const common::v1::ExportedRecord* record = nullptr;
  // The officer's decision so far, if any.
  std::optional<bool> release;
};

// The records marked needs_review, in the answers' order.
std::vector<ReviewItem> ItemsNeedingReview(const SubjectAccessExport& e);
// How many records `responses` mark needs_review.
int NeedsReviewCount(
    const std::vector<common::v1::ExportSubjectResponse>& responses);
// How many of the records needing review have a decision.
int ReviewedCount(const SubjectAccessExport& e);
// Whether every record needing review has a decision.
bool AllReviewed(const SubjectAccessExport& e);

// The answers as released: every record that needs no review, and those
// the officer chose to release; withheld and undecided ones left out.
std::vector<common::v1::ExportSubjectResponse> ReleasedResponses(
    const SubjectAccessExport& e);
// How many records the officer withheld.
int WithheldCount(const SubjectAccessExport& e);

// The party as a form value ("subject") and as words ("The subject").
std::string_view PartyCode(common::v1::Party party);
std::string PartyLabel(common::v1::Party party, int child_index);
// The party a form value names, if any.
std::optional<common::v1::Party> PartyFromCode(std::string_view code);

}  // namespace frontdoor::web
