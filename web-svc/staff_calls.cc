#include "web-svc/staff_calls.h"

#include "common/logging/traceparent.h"
#include "common/tls/authenticate.h"
#include "common/tls/staff_roles.h"

namespace frontdoor::web {

void StaffCalls::Prepare(grpc::ClientContext& ctx, const Staff& staff,
                         absl::Duration deadline) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  ctx.AddMetadata(tls::kActorMetadataKey, staff.account_id);
  const RoleInfo* role = FindRole(staff.role);
  if (role != nullptr) {
    ctx.AddMetadata(tls::kStaffRoleMetadataKey, std::string(role->code));
  }
  ctx.AddMetadata(std::string(kTraceparentHeader),
                  FormatTraceparent(NewTrace(), NewSpanId()));
}

}  // namespace frontdoor::web
