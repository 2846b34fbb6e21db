#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tls/agency_registry.h"
#include "common/tls/reloading_agency_registry.h"
#include "common/tls/caller.h"
#include "common/tls/staff_roles.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/string_ref.h"

namespace frontdoor::tls {

// Request metadata key naming the person acting at the calling agency (for
// the audit trail). Required on every authenticated call.
inline constexpr char kActorMetadataKey[] = "frontdoor-actor";
// Longest accepted actor value, in bytes.
inline constexpr size_t kMaxActorBytes = 200;

// Checks an actor value: 1 to kMaxActorBytes printable ASCII characters
// (0x20-0x7e; gRPC clients cannot send other bytes in text metadata anyway).
// Errors are INVALID_ARGUMENT naming kActorMetadataKey.
absl::StatusOr<std::string> ValidateActor(std::string_view actor);

// The peer certificate's URI SANs, in certificate order, from the auth context
// property "peer_uri" (GRPC_PEER_URI_PROPERTY_NAME). gRPC 1.51 fills
// "peer_uri" with exactly the URI SANs; "x509_subject_alternative_name" mixes
// DNS, URI, e-mail and IP SANs with no type tag, and "peer_spiffe_id" is only
// set when the certificate has exactly one URI SAN and it is a SPIFFE ID.
// Empty for an unauthenticated peer.
std::vector<std::string> PeerUriSans(const grpc::AuthContext& auth_context);

// Establishes the Caller from an mTLS peer and the request metadata:
//  - no URI SAN on the peer certificate (or no certificate):
//    UNAUTHENTICATED;
//  - no URI SAN registered, or URI SANs registered to different agencies:
//    PERMISSION_DENIED "agency not registered" (the identity is not echoed);
//  - metadata kActorMetadataKey absent, repeated, empty, longer than
//    kMaxActorBytes or not printable ASCII (see ValidateActor):
//    INVALID_ARGUMENT naming the key;
//  - metadata kStaffRoleMetadataKey from an agency without ROLE_CONSOLE,
//    repeated, or not a staff role (staff_roles.h): INVALID_ARGUMENT naming
//    the key. With it, the caller has that staff role's roles
//    (RolesOf).
absl::StatusOr<Caller> AuthenticateCaller(
    const grpc::AuthContext& auth_context,
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    const AgencyRegistry& registry);

// As above, from a server call's context (sync, async or callback API).
absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          const AgencyRegistry& registry);

// As above, against the registry in force now: an agency removed from the
// file (or given other roles) is refused (or given them) on its next call
// once `registry` has noticed the change.
absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          ReloadingAgencyRegistry& registry);

// `caller`, authenticated earlier (at the start of a stream), as the
// registry in force now sees it: the same agency with the roles it has now,
// or PERMISSION_DENIED "agency not registered" once its identity has been
// removed from the registry (or moved to another agency). Long-lived calls
// check this before each message, so that a revoked agency's open stream
// ends without a restart.
absl::StatusOr<Caller> Reauthenticate(const Caller& caller,
                                      ReloadingAgencyRegistry& registry);

}  // namespace frontdoor::tls
