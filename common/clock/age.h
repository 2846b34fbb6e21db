#pragma once

#include "absl/time/civil_time.h"
#include "google/type/date.pb.h"

namespace frontdoor {

// Age in whole years on `day` (a birthday counts from its first day; a
// 29 February birthday from 1 March in other years). `dob` must be a valid
// full date.
inline int AgeOn(const google::type::Date& dob, absl::CivilDay day) {
  int age = static_cast<int>(day.year() - dob.year());
  if (day.month() < dob.month() ||
      (day.month() == dob.month() && day.day() < dob.day())) {
    --age;
  }
  return age;
}

}  // namespace frontdoor
