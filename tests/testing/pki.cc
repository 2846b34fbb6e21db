#include "tests/testing/pki.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

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

namespace {

struct Closer {
  void operator()(FILE* f) const { fclose(f); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(BIGNUM* b) const { BN_free(b); }
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
template <typename T>
using Owned = std::unique_ptr<T, Closer>;

Owned<FILE> Open(const std::string& path, const char* mode) {
  return Owned<FILE>(fopen(path.c_str(), mode));
}

}  // namespace

absl::StatusOr<config::v1::TlsFiles> IssueCertificate(
    const std::filesystem::path& dir, std::string_view name,
    std::string_view uri_san, absl::Time not_before, absl::Time not_after) {
  const std::string pki = PkiDir();
  Owned<X509> ca;
  Owned<EVP_PKEY> ca_key;
  if (auto f = Open(pki + "/ca.pem", "r")) {
    ca.reset(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  }
  if (auto f = Open(pki + "/ca.key", "r")) {
    ca_key.reset(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  }
  if (ca == nullptr || ca_key == nullptr) {
    return absl::FailedPreconditionError("cannot read the development CA");
  }
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  Owned<X509> cert(X509_new());
  Owned<BIGNUM> serial(BN_new());
  if (key == nullptr || cert == nullptr || serial == nullptr ||
      BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return absl::InternalError("OpenSSL could not make a key or serial");
  }
  const std::string cn(name);
  bool ok = X509_set_version(cert.get(), 2) == 1 &&
            BN_to_ASN1_INTEGER(serial.get(),
                               X509_get_serialNumber(cert.get())) != nullptr &&
            ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                          absl::ToTimeT(not_before)) != nullptr &&
            ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                          absl::ToTimeT(not_after)) != nullptr &&
            X509_set_pubkey(cert.get(), key.get()) == 1 &&
            X509_set_issuer_name(cert.get(),
                                 X509_get_subject_name(ca.get())) == 1;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  ok = ok &&
       X509_NAME_add_entry_by_txt(
           subject, "O", MBSTRING_ASC,
           reinterpret_cast<const unsigned char*>("frontdoor development"), -1,
           -1, 0) == 1 &&
       X509_NAME_add_entry_by_txt(
           subject, "CN", MBSTRING_ASC,
           reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1;
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), cert.get(), nullptr, nullptr, 0);
  const std::string san = absl::StrCat(
      "URI:", absl::string_view(uri_san.data(), uri_san.size()),
      ",DNS:localhost,IP:127.0.0.1");
  for (const auto& [nid, value] :
       {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth,clientAuth"},
        {NID_subject_alt_name, san},
        {NID_authority_key_identifier, "keyid"}}) {
    Owned<X509_EXTENSION> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    ok = ok && ext != nullptr && X509_add_ext(cert.get(), ext.get(), -1) == 1;
  }
  ok = ok && X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0;
  if (!ok) return absl::InternalError("OpenSSL could not issue the certificate");

  config::v1::TlsFiles files;
  files.set_ca_file(pki + "/ca.pem");
  files.set_cert_file((dir / (cn + ".pem")).string());
  files.set_key_file((dir / (cn + ".key")).string());
  auto cert_out = Open(files.cert_file(), "w");
  auto key_out = Open(files.key_file(), "w");
  if (cert_out == nullptr || key_out == nullptr ||
      PEM_write_X509(cert_out.get(), cert.get()) != 1 ||
      PEM_write_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0,
                           nullptr, nullptr) != 1) {
    return absl::InternalError(absl::StrCat("cannot write ", cn, ".pem/.key"));
  }
  return files;
}

std::shared_ptr<grpc::Channel> MakeInsecureChannel(int port) {
  return grpc::CreateChannel(absl::StrCat("localhost:", port),
                             grpc::InsecureChannelCredentials());
}

}  // namespace frontdoor::testing
