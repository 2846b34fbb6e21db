#include "tests/testing/pki.h"

#include "absl/strings/str_cat.h"
#include "common/tls/credentials.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace frontdoor::testing {

std::string PkiDir() { return FRONTDOOR_TEST_PKI_DIR; }

std::string AgencyRegistryPath() {
  return absl::StrCat(FRONTDOOR_SOURCE_DIR, "/config/agencies.json");
}

config::v1::TlsFiles PkiFiles(std::string_view name) {
  config::v1::TlsFiles files;
  files.set_ca_file(absl::StrCat(PkiDir(), "/ca.pem"));
  if (!name.empty()) {
    const absl::string_view base(name.data(), name.size());
    files.set_cert_file(absl::StrCat(PkiDir(), "/", base, ".pem"));
    files.set_key_file(absl::StrCat(PkiDir(), "/", base, ".key"));
  }
  return files;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeMtlsChannel(
    int port, std::string_view name) {
  auto credentials = tls::MakeChannelCredentials(PkiFiles(name));
  if (!credentials.ok()) return credentials.status();
  return grpc::CreateChannel(absl::StrCat("localhost:", port), *credentials);
}

std::shared_ptr<grpc::Channel> MakeInsecureChannel(int port) {
  return grpc::CreateChannel(absl::StrCat("localhost:", port),
                             grpc::InsecureChannelCredentials());
}

}  // namespace frontdoor::testing
