#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::intake {

// The service area's districts (reference data, loaded at start-up).
class DistrictDirectory {
 public:
  // Validates the list: codes non-empty and unique, funding area "county" or
  // "city", outward codes unique across districts. Errors name the entry.
  static absl::StatusOr<DistrictDirectory> FromProto(
      const config::v1::DistrictList& list);

  bool Contains(absl::string_view code) const {
    return by_code_.contains(code);
  }

  // The district whose outward codes include the postcode's outward code
  // (the part before the space, or all but the last three characters);
  // empty when none does.
  std::string FromPostcode(absl::string_view postcode) const;

  const config::v1::District* Find(absl::string_view code) const;

 private:
  absl::flat_hash_map<std::string, config::v1::District> by_code_;
  absl::flat_hash_map<std::string, std::string> by_outward_code_;
};

// Upper-cases and removes spaces: "st4 7ab" -> "ST47AB".
std::string CompactPostcode(absl::string_view postcode);

}  // namespace frontdoor::intake
