#include "common/tls/authenticate.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"

namespace frontdoor::tls {
absl::StatusOr<std::string> ValidateActor(std::string_view actor) {
  if (actor.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request metadata \"", kActorMetadataKey, "\" is empty"));
  }
  if (actor.size() > kMaxActorBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request metadata \"", kActorMetadataKey,
                     "\" is longer than ", kMaxActorBytes, " bytes"));
  }
  for (char c : actor) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "request metadata \"", kActorMetadataKey,
          "\" contains control or non-ASCII characters"));
    }
  }
  return std::string(actor);
}

namespace {

absl::StatusOr<std::string> ActorFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto [begin, end] = metadata.equal_range(kActorMetadataKey);
  if (begin == end) {
    return absl::InvalidArgumentError(
        absl::StrCat("request metadata \"", kActorMetadataKey, "\" is missing"));
  }
  if (std::next(begin) != end) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request metadata \"", kActorMetadataKey, "\" is repeated"));
  }
  return ValidateActor(
      std::string_view(begin->second.data(), begin->second.size()));
}

// The staff role named in the metadata, if any: only a console agency may
// name one (INVALID_ARGUMENT otherwise, or for a repeated or unknown one).
absl::StatusOr<const StaffRole*> StaffRoleFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    const config::v1::Agency& agency) {
  auto [begin, end] = metadata.equal_range(kStaffRoleMetadataKey);
  if (begin == end) return nullptr;
  const bool console =
      std::find(agency.roles().begin(), agency.roles().end(),
                config::v1::ROLE_CONSOLE) != agency.roles().end();
  if (!console) {
    return absl::InvalidArgumentError(
        absl::StrCat("request metadata \"", kStaffRoleMetadataKey,
                     "\" is for the service's console only"));
  }
  if (std::next(begin) != end) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request metadata \"", kStaffRoleMetadataKey, "\" is repeated"));
  }
  return FindStaffRole(
      std::string_view(begin->second.data(), begin->second.size()));
}

}  // namespace

std::vector<std::string> PeerUriSans(const grpc::AuthContext& auth_context) {
  std::vector<std::string> sans;
  for (const grpc::string_ref& value :
       auth_context.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    sans.emplace_back(value.data(), value.size());
  }
  return sans;
}

absl::StatusOr<Caller> AuthenticateCaller(
    const grpc::AuthContext& auth_context,
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    const AgencyRegistry& registry) {
  std::vector<std::string> sans;
  if (auth_context.IsPeerAuthenticated()) sans = PeerUriSans(auth_context);
  if (sans.empty()) {
    return absl::UnauthenticatedError(
        "client certificate with a URI SAN identity required");
  }
  const config::v1::Agency* agency = nullptr;
  std::string identity;
  for (std::string& san : sans) {
    const config::v1::Agency* found = registry.FindByIdentity(san);
    if (found == nullptr) continue;
    if (agency != nullptr && agency != found) {
      // One certificate acting for two agencies is a registry or issuing
      // mistake; refuse rather than guess.
      return absl::PermissionDeniedError("agency not registered");
    }
    if (agency == nullptr) {
      agency = found;
      identity = std::move(san);
    }
  }
  if (agency == nullptr) {
    return absl::PermissionDeniedError("agency not registered");
  }
  absl::StatusOr<std::string> actor = ActorFromMetadata(metadata);
  if (!actor.ok()) return actor.status();
  absl::StatusOr<const StaffRole*> staff_role =
      StaffRoleFromMetadata(metadata, *agency);
  if (!staff_role.ok()) return staff_role.status();

  Caller caller;
  caller.agency_id = agency->id();
  caller.identity = std::move(identity);
  caller.actor = *std::move(actor);
  caller.roles = RolesOf(*agency, *staff_role);
  if (*staff_role != nullptr) caller.staff_role = (*staff_role)->name;
  return caller;
}

absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          const AgencyRegistry& registry) {
  std::shared_ptr<const grpc::AuthContext> auth_context = ctx.auth_context();
  if (auth_context == nullptr) {
    return absl::UnauthenticatedError(
        "client certificate with a URI SAN identity required");
  }
  // client_metadata() only reads the received metadata but is not declared
  // const in gRPC 1.51.
  auto& mutable_ctx = const_cast<grpc::ServerContextBase&>(ctx);
  return AuthenticateCaller(*auth_context, mutable_ctx.client_metadata(),
                            registry);
}

absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          ReloadingAgencyRegistry& registry) {
  // The snapshot lives until the Caller (all values) is built.
  const std::shared_ptr<const AgencyRegistry> current = registry.Current();
  return AuthenticateCaller(ctx, *current);
}

absl::StatusOr<Caller> Reauthenticate(const Caller& caller,
                                      ReloadingAgencyRegistry& registry) {
  const std::shared_ptr<const AgencyRegistry> current = registry.Current();
  const config::v1::Agency* agency = current->FindByIdentity(caller.identity);
  if (agency == nullptr || agency->id() != caller.agency_id) {
    return absl::PermissionDeniedError("agency not registered");
  }
  Caller now = caller;
  const StaffRole* staff_role = nullptr;
  if (!caller.staff_role.empty()) {
    const bool console =
        std::find(agency->roles().begin(), agency->roles().end(),
                  config::v1::ROLE_CONSOLE) != agency->roles().end();
    absl::StatusOr<const StaffRole*> found = FindStaffRole(caller.staff_role);
    if (!console || !found.ok()) {
      return absl::PermissionDeniedError("agency not registered");
    }
    staff_role = *found;
  }
  now.roles = RolesOf(*agency, staff_role);
  return now;
}

}  // namespace frontdoor::tls
