#pragma once

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::tls {

// The accredited agencies and the certificate identities that act for them.
// Immutable after construction, so safe to share across threads.
class AgencyRegistry {
 public:
  // Reads an AgencyRegistry JSON file (protobuf JSON mapping). Unknown fields
  // are errors. Errors name the file and the problem.
  static absl::StatusOr<AgencyRegistry> LoadFromFile(const std::string& path);

  // Validates `registry`: every agency has a non-empty unique id, at least one
  // identity and at least one role (none ROLE_UNSPECIFIED); an identity
  // belongs to exactly one agency. `source` names the origin in errors.
  static absl::StatusOr<AgencyRegistry> FromProto(
      config::v1::AgencyRegistry registry, std::string_view source);

  // The agency a certificate identity (URI SAN) acts for, or nullptr. The
  // pointer lives as long as this registry.
  const config::v1::Agency* FindByIdentity(std::string_view uri) const;

  // The agency with `id`, or nullptr. The pointer lives as long as this
  // registry.
  const config::v1::Agency* FindById(std::string_view id) const;

  const config::v1::AgencyRegistry& proto() const { return registry_; }

 private:
  AgencyRegistry() = default;

  config::v1::AgencyRegistry registry_;
  // Identity -> index into registry_.agencies().
  absl::flat_hash_map<std::string, int> by_identity_;
  // Id -> index into registry_.agencies().
  absl::flat_hash_map<std::string, int> by_id_;
};

}  // namespace frontdoor::tls
