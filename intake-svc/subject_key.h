#pragma once

#include <string>

#include "frontdoor/common/v1/referral.pb.h"

namespace frontdoor::intake {

// The normalised identity of a referral's subject, input to the blind index
// used for repeat matching: family name, given names and date of birth, with
// letters ASCII-lower-cased and spaces, hyphens, apostrophes, full stops and
// commas removed, so "Mary-Jane O'Neil" and "mary jane oneil" match. Bytes
// outside ASCII are kept as they are. Never stored or logged in plain text.
std::string NormalisedSubjectKey(const common::v1::PersonName& name,
                                 const google::type::Date& date_of_birth);

}  // namespace frontdoor::intake
