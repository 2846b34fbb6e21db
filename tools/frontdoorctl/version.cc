// frontdoorctl version: the project version and the protocols it speaks.
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "tools/frontdoorctl/frontdoorctl.h"

#ifndef FRONTDOOR_VERSION
#error "FRONTDOOR_VERSION is set by CMake from the project's version"
#endif

namespace frontdoor::ctl {
namespace {

// Every service this tool calls, by its full proto name: the protocol
// version is the package's (frontdoor.intake.v1).
std::vector<std::string_view> ServicesCalled() {
  return {frontdoor::intake::v1::IntakeService::service_full_name(),
          frontdoor::triage::v1::TriageService::service_full_name(),
          frontdoor::allocation::v1::AllocationService::service_full_name(),
          frontdoor::notify::v1::NotifyService::service_full_name(),
          frontdoor::common::v1::DataRights::service_full_name()};
}

std::string_view PackageOf(std::string_view service) {
  return service.substr(0, service.rfind('.'));
}

void AppendJsonList(const std::vector<std::string_view>& items,
                    std::string* json) {
  json->push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) json->push_back(',');
    AppendJsonString(items[i], json);
  }
  json->push_back(']');
}

}  // namespace

std::string VersionText(bool json) {
  const std::vector<std::string_view> services = ServicesCalled();
  std::vector<std::string_view> protocols;
  for (std::string_view service : services) {
    protocols.push_back(PackageOf(service));
  }
  if (!json) {
    std::string text =
        absl::StrCat("frontdoorctl ", FRONTDOOR_VERSION, "\nprotocols:");
    for (std::string_view protocol : protocols) {
      text.append(" ").append(protocol);
    }
    return text + "\n";
  }
  std::string out = "{\"version\":";
  AppendJsonString(FRONTDOOR_VERSION, &out);
  out.append(",\"protocols\":");
  AppendJsonList(protocols, &out);
  out.append(",\"services\":");
  AppendJsonList(services, &out);
  out.append("}\n");
  return out;
}

}  // namespace frontdoor::ctl
