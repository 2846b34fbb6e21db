#include "common/tls/agency_registry.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace frontdoor::tls {

absl::StatusOr<AgencyRegistry> AgencyRegistry::LoadFromFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("agency registry ", path, ": cannot open file"));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("agency registry ", path, ": read error"));
  }
  config::v1::AgencyRegistry registry;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(contents.str(),
                                                            &registry, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "agency registry ", path, ": ", std::string(parsed.message())));
  }
  return FromProto(std::move(registry), path);
}

absl::StatusOr<AgencyRegistry> AgencyRegistry::FromProto(
    config::v1::AgencyRegistry registry, std::string_view source) {
  const absl::string_view source_name(source.data(), source.size());
  AgencyRegistry result;
  for (int i = 0; i < registry.agencies_size(); ++i) {
    const config::v1::Agency& agency = registry.agencies(i);
    const std::string where =
        absl::StrCat("agency registry ", source_name, ": agencies[", i, "]");
    if (agency.id().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": empty id"));
    }
    if (!result.by_id_.emplace(agency.id(), i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate id \"", agency.id(), "\""));
    }
    if (agency.identities().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " (", agency.id(), "): no identities"));
    }
    for (const std::string& identity : agency.identities()) {
      if (identity.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, " (", agency.id(), "): empty identity"));
      }
      auto [it, inserted] = result.by_identity_.emplace(identity, i);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, " (", agency.id(), "): identity \"", identity,
            "\" already belongs to agency \"",
            registry.agencies(it->second).id(), "\""));
      }
    }
    if (agency.roles().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " (", agency.id(), "): no roles"));
    }
    for (int role : agency.roles()) {
      if (role == config::v1::ROLE_UNSPECIFIED) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, " (", agency.id(), "): role ROLE_UNSPECIFIED"));
      }
    }
  }
  result.registry_ = std::move(registry);
  return result;
}

const config::v1::Agency* AgencyRegistry::FindByIdentity(
    std::string_view uri) const {
  auto it = by_identity_.find(absl::string_view(uri.data(), uri.size()));
  if (it == by_identity_.end()) return nullptr;
  return &registry_.agencies(it->second);
}

const config::v1::Agency* AgencyRegistry::FindById(std::string_view id) const {
  auto it = by_id_.find(absl::string_view(id.data(), id.size()));
  if (it == by_id_.end()) return nullptr;
  return &registry_.agencies(it->second);
}

}  // namespace frontdoor::tls
