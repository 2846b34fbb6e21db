#include "intake-svc/subject_key.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace frontdoor::intake {
namespace {

std::string NormaliseName(absl::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    switch (c) {
      case ' ':
      case '\t':
      case '-':
      case '\'':
      case '.':
      case ',':
        continue;
      default:
        out.push_back(absl::ascii_tolower(c));
    }
  }
  return out;
}

}  // namespace

std::string NormalisedSubjectKey(const common::v1::PersonName& name,
                                 const google::type::Date& date_of_birth) {
  // '|' cannot survive normalisation ambiguity: names keep it, but the date
  // is fixed-width and last, so field boundaries stay unambiguous.
  return absl::StrFormat("v1|%s|%s|%04d-%02d-%02d",
                         NormaliseName(name.family_name()),
                         NormaliseName(name.given_names()),
                         date_of_birth.year(), date_of_birth.month(),
                         date_of_birth.day());
}

}  // namespace frontdoor::intake
