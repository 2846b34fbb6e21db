#include "intake-svc/districts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::intake {
namespace {

// The inward code of a UK postcode (for example "7AB") is always three
// characters.
constexpr size_t kInwardCodeLength = 3;

}  // namespace

std::string CompactPostcode(absl::string_view postcode) {
  std::string out;
  for (char c : postcode) {
    if (c != ' ') out.push_back(absl::ascii_toupper(c));
  }
  return out;
}

absl::StatusOr<DistrictDirectory> DistrictDirectory::FromProto(
    const config::v1::DistrictList& list) {
  DistrictDirectory dir;
  for (int i = 0; i < list.districts_size(); ++i) {
    const config::v1::District& d = list.districts(i);
    const std::string where = absl::StrCat("districts[", i, "]");
    if (d.code().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": code is empty"));
    }
    if (d.funding_area() != "county" && d.funding_area() != "city") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " (", d.code(),
                       "): funding_area must be \"county\" or \"city\""));
    }
    if (!dir.by_code_.emplace(d.code(), d).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate district code \"", d.code(), "\""));
    }
    for (const std::string& outward : d.outward_codes()) {
      if (!dir.by_outward_code_.emplace(CompactPostcode(outward), d.code())
               .second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, " (", d.code(), "): outward code \"", outward,
                         "\" already belongs to another district"));
      }
    }
  }
  if (dir.by_code_.empty()) {
    return absl::InvalidArgumentError("the district list is empty");
  }
  return dir;
}

std::string DistrictDirectory::FromPostcode(absl::string_view postcode) const {
  const std::string compact = CompactPostcode(postcode);
  if (compact.size() <= kInwardCodeLength) return "";
  auto it = by_outward_code_.find(
      compact.substr(0, compact.size() - kInwardCodeLength));
  return it == by_outward_code_.end() ? "" : it->second;
}

const config::v1::District* DistrictDirectory::Find(
    absl::string_view code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &it->second;
}

}  // namespace frontdoor::intake
