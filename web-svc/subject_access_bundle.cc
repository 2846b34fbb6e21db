#include "web-svc/subject_access_bundle.h"

#include "common/rights/bundle.h"

namespace frontdoor::web {

absl::StatusOr<std::string> WriteSubjectAccessBundle(
    const SubjectAccessExport& e, std::string_view format) {
  if (format != kBundleJson && format != kBundleHtml) {
    return absl::InvalidArgumentError("format: json or html");
  }
  if (!e.released_at.has_value()) {
    return absl::FailedPreconditionError("the export is not released");
  }
  rights::Bundle bundle;
  bundle.person.set_reference(e.reference);
  bundle.person.set_party(e.party);
  bundle.person.set_child_index(e.child_index);
  bundle.made_at = e.prepared_at;
  bundle.answers = ReleasedResponses(e);
  bundle.released_at = e.released_at;
  bundle.withheld_on_review = WithheldCount(e);
  return format == kBundleHtml ? rights::BundleHtml(bundle)
                               : rights::BundleJson(bundle);
}

}  // namespace frontdoor::web
