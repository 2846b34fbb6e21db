#include "common/tls/certificate_facts.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"

namespace frontdoor::tls {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct OpenSslStringFree {
  void operator()(char* s) const { OPENSSL_free(s); }
};

}  // namespace

absl::StatusOr<CertificateFacts> ParseCertificatePem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new_mem_buf");
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::InvalidArgumentError("no PEM certificate");
  }
  CertificateFacts facts;
  std::tm not_after{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &not_after) != 1) {
    return absl::InvalidArgumentError("certificate notAfter does not parse");
  }
  facts.not_after = absl::FromTM(not_after, absl::UTCTimeZone());
  std::unique_ptr<BIGNUM, BnFree> serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  if (serial == nullptr) {
    return absl::InvalidArgumentError("certificate serial does not parse");
  }
  std::unique_ptr<char, OpenSslStringFree> hex(BN_bn2hex(serial.get()));
  if (hex == nullptr) return absl::ResourceExhaustedError("BN_bn2hex");
  facts.serial_hex = absl::AsciiStrToLower(hex.get());
  const size_t first = facts.serial_hex.find_first_not_of('0');
  facts.serial_hex =
      first == std::string::npos ? "0" : facts.serial_hex.substr(first);
  return facts;
}

absl::StatusOr<CertificateFacts> ReadCertificateFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  std::stringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<CertificateFacts> facts = ParseCertificatePem(contents.str());
  if (!facts.ok()) {
    return absl::Status(facts.status().code(),
                        absl::StrCat(path, ": ", facts.status().message()));
  }
  return facts;
}

std::optional<std::string> PeerCertificatePem(
    const grpc::AuthContext& auth_context) {
  for (const grpc::string_ref& pem :
       auth_context.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)) {
    return std::string(pem.data(), pem.size());
  }
  return std::nullopt;
}

}  // namespace frontdoor::tls
