#include "web-svc/subject_access.h"

#include "absl/strings/str_cat.h"

namespace frontdoor::web {
namespace {

struct PartyName {
  common::v1::Party party;
  std::string_view code;
  std::string_view label;
};
constexpr PartyName kParties[] = {
    {common::v1::PARTY_SUBJECT, "subject", "The person referred"},
    {common::v1::PARTY_OTHER_PARTY, "other_party", "The other party"},
    {common::v1::PARTY_CHILD, "child", "A child of the household"},
    {common::v1::PARTY_REFERRER, "referrer", "The referrer"},
};

bool Decided(const SubjectAccessExport& e, const std::string& key,
             bool* release) {
  auto it = e.decisions.find(key);
  if (it == e.decisions.end()) return false;
  *release = it->second;
  return true;
}

}  // namespace

bool IsWellFormedExportId(std::string_view id) {
  const std::string_view prefix = kExportIdPrefix;
  if (id.size() != prefix.size() + kExportIdHexDigits ||
      id.substr(0, prefix.size()) != prefix) {
    return false;
  }
  for (char c : id.substr(prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ReviewItemKey(std::string_view service, int index) {
  return absl::StrCat(absl::string_view(service.data(), service.size()), "-",
                      index);
}

std::vector<ReviewItem> ItemsNeedingReview(const SubjectAccessExport& e) {
  std::vector<ReviewItem> out;
  for (const common::v1::ExportSubjectResponse& r : e.responses) {
    for (int i = 0; i < r.records_size(); ++i) {
      if (!r.records(i).needs_review()) continue;
      ReviewItem item;
      item.key = ReviewItemKey(r.service(), i);
      item.service = r.service();
      item.record = &r.records(i);
      bool release = false;
      if (Decided(e, item.key, &release)) item.release = release;
      out.push_back(std::move(item));
    }
  }
  return out;
}

int NeedsReviewCount(
    const std::vector<common::v1::ExportSubjectResponse>& responses) {
  int n = 0;
  for (const common::v1::ExportSubjectResponse& r : responses) {
    for (const common::v1::ExportedRecord& record : r.records()) {
      n += record.needs_review() ? 1 : 0;
    }
  }
  return n;
}

int ReviewedCount(const SubjectAccessExport& e) {
  int n = 0;
  for (const ReviewItem& item : ItemsNeedingReview(e)) {
    n += item.release.has_value() ? 1 : 0;
  }
  return n;
}

bool AllReviewed(const SubjectAccessExport& e) {
  return ReviewedCount(e) == NeedsReviewCount(e.responses);
}

std::vector<common::v1::ExportSubjectResponse> ReleasedResponses(
    const SubjectAccessExport& e) {
  std::vector<common::v1::ExportSubjectResponse> out;
  for (const common::v1::ExportSubjectResponse& r : e.responses) {
    common::v1::ExportSubjectResponse kept = r;
    kept.clear_records();
    for (int i = 0; i < r.records_size(); ++i) {
      bool release = !r.records(i).needs_review();
      if (!release) Decided(e, ReviewItemKey(r.service(), i), &release);
      if (release) *kept.add_records() = r.records(i);
    }
    out.push_back(std::move(kept));
  }
  return out;
}

int WithheldCount(const SubjectAccessExport& e) {
  int n = 0;
  for (const ReviewItem& item : ItemsNeedingReview(e)) {
    n += item.release.has_value() && !*item.release ? 1 : 0;
  }
  return n;
}

std::string_view PartyCode(common::v1::Party party) {
  for (const PartyName& p : kParties) {
    if (p.party == party) return p.code;
  }
  return "";
}

std::string PartyLabel(common::v1::Party party, int child_index) {
  if (party == common::v1::PARTY_CHILD) {
    return absl::StrCat("Child ", child_index + 1, " of the household");
  }
  for (const PartyName& p : kParties) {
    if (p.party == party) return std::string(p.label);
  }
  return "Not known";
}

std::optional<common::v1::Party> PartyFromCode(std::string_view code) {
  for (const PartyName& p : kParties) {
    if (p.code == code) return p.party;
  }
  return std::nullopt;
}

}  // namespace frontdoor::web
