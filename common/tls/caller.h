#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor {

// Who is calling, as established by mTLS and the agency registry. Domain code
// receives this instead of any gRPC type; it is only ever built by
// tls::AuthenticateCaller (or directly by tests of the domain core).
struct Caller {
  // Registry id of the agency, for example "staffs-police".
  std::string agency_id;
  // The certificate identity (URI SAN) that was presented, for example
  // "spiffe://frontdoor/agency/staffs-police".
  std::string identity;
  // The person acting, from the request metadata, for the audit trail only:
  // it is asserted by the agency's system, never an authorisation input.
  std::string actor;
  // What the call may do: the agency's roles from the registry, or for the
  // console those of the staff role it names (tls::RolesOf).
  std::vector<config::v1::Role> roles;
  // Last, so that aggregate initialisation without it stays as it was.
  // The staff role of the person acting through the console
  // (tls::kStaffRoleMetadataKey), for example "practitioner"; empty for
  // every other caller. Its roles are already in `roles`.
  std::string staff_role;

  bool HasRole(config::v1::Role role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
};

}  // namespace frontdoor
