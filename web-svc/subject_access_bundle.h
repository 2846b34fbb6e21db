#pragma once

// The files a released subject access export is given as: JSON (for
// machines and the record) and a readable HTML page, written by the shared
// writer of common/rights (bundle.h) from the released records only. Pure.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "web-svc/subject_access.h"

namespace frontdoor::web {

inline constexpr char kBundleJson[] = "json";
inline constexpr char kBundleHtml[] = "html";

// The released records of `e` (ReleasedResponses) as `format`
// (kBundleJson or kBundleHtml); INVALID_ARGUMENT for another format,
// FAILED_PRECONDITION when `e` is not released.
absl::StatusOr<std::string> WriteSubjectAccessBundle(
    const SubjectAccessExport& e, std::string_view format);

}  // namespace frontdoor::web
