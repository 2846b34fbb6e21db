#pragma once

// A subject access bundle: the four services' answers to one
// ExportSubjectRequest put together, as JSON or as a readable,
// self-contained HTML page (each record with what was withheld and why, and
// the records the officer must review before release marked). For
// frontdoorctl's `rights export` and the console. No gRPC, no store.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "frontdoor/common/v1/data_rights.pb.h"

namespace frontdoor::rights {

// A service that did not answer, and why (a status code's name and its
// message).
struct Unanswered {
  std::string service;
  std::string code;
  std::string message;
};

struct Bundle {
  // The person, as asked.
  common::v1::PersonInReferral person;
  // When the bundle was put together.
  absl::Time made_at = absl::UnixEpoch();
  // The answers, one per service that answered.
  std::vector<common::v1::ExportSubjectResponse> answers;
  std::vector<Unanswered> unanswered;
  // Set once the officer released the export after review (the console):
  // `answers` then hold the released records only, and
  // `withheld_on_review` says how many records the officer withheld.
  std::optional<absl::Time> released_at;
  int withheld_on_review = 0;
};

// {"person":{...},"madeAt":"...","answers":[ExportSubjectResponse...],
//  "unanswered":[{"service","code","message"}]}: each answer in proto3 JSON;
// a released bundle also has "releasedAt" and "recordsWithheld" (after
// "madeAt").
std::string BundleJson(const Bundle& bundle);

// The bundle as one HTML page: no script, no outside resources, every
// value escaped (the mustache templates escape by default).
std::string BundleHtml(const Bundle& bundle);

// The four answers to a FindPersonRequest (and the services that did not
// answer), as JSON: {"answers":[FindPersonResponse...],"unanswered":[...]}.
std::string FoundJson(const std::vector<common::v1::FindPersonResponse>& found,
                      const std::vector<Unanswered>& unanswered);

}  // namespace frontdoor::rights
