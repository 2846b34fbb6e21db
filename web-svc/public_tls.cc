#include "web-svc/public_tls.h"

#include <utility>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "common/logging/logging.h"

namespace frontdoor::web {

struct ReloadingCertificate::KeyPair {
  X509* leaf = nullptr;
  STACK_OF(X509)* chain = nullptr;  // the certificates after the leaf
  EVP_PKEY* key = nullptr;
  ~KeyPair() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

namespace {

constexpr char kService[] = "web-svc";

// Parses a PEM chain (leaf first) and key; nullptr unless both parse and the
// key is the leaf's.
std::shared_ptr<const ReloadingCertificate::KeyPair> Parse(
    const std::string& cert_pem, const std::string& key_pem) {
  auto pair = std::make_shared<ReloadingCertificate::KeyPair>();
  BIO* certs = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  pair->leaf = PEM_read_bio_X509(certs, nullptr, nullptr, nullptr);
  pair->chain = sk_X509_new_null();
  while (X509* next = PEM_read_bio_X509(certs, nullptr, nullptr, nullptr)) {
    sk_X509_push(pair->chain, next);
  }
  BIO_free(certs);
  BIO* key = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  pair->key = PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr);
  BIO_free(key);
  ERR_clear_error();  // the end of the chain reads as an error
  if (pair->leaf == nullptr || pair->key == nullptr ||
      X509_check_private_key(pair->leaf, pair->key) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return pair;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReloadingCertificate>> ReloadingCertificate::Load(
    std::string cert_file, std::string key_file, const Clock& clock) {
  absl::StatusOr<std::string> cert = config::ReadFileToString(cert_file);
  absl::StatusOr<std::string> key = config::ReadFileToString(key_file);
  if (!cert.ok() || !key.ok()) {
    return absl::InvalidArgumentError(
        "public_tls: cert_file and key_file cannot be read");
  }
  std::shared_ptr<const KeyPair> pair = Parse(*cert, *key);
  if (pair == nullptr) {
    return absl::InvalidArgumentError(
        "public_tls: cert_file and key_file are not a matching PEM "
        "certificate and key");
  }
  std::unique_ptr<ReloadingCertificate> r(
      new ReloadingCertificate(std::move(cert_file), std::move(key_file), clock));
  absl::MutexLock lock(&r->mu_);
  r->current_ = std::move(pair);
  r->cert_pem_ = *std::move(cert);
  r->key_pem_ = *std::move(key);
  r->checked_ = clock.Now();
  return r;
}

ReloadingCertificate::~ReloadingCertificate() = default;

std::shared_ptr<const ReloadingCertificate::KeyPair>
ReloadingCertificate::Current() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  if (now - checked_ < kPublicCertificateRefreshInterval) return current_;
  checked_ = now;
  absl::StatusOr<std::string> cert = config::ReadFileToString(cert_file_);
  absl::StatusOr<std::string> key = config::ReadFileToString(key_file_);
  if (cert.ok() && key.ok() && *cert == cert_pem_ && *key == key_pem_) {
    return current_;
  }
  std::shared_ptr<const KeyPair> pair =
      cert.ok() && key.ok() ? Parse(*cert, *key) : nullptr;
  if (pair == nullptr) {
    // Mid-swap or a bad renewal: keep serving the last good pair, and try
    // again at the next interval.
    Log(Level::kWarning, "tls.public_certificate_reload_failed",
        {{"service", kService}});
    return current_;
  }
  current_ = std::move(pair);
  cert_pem_ = *std::move(cert);
  key_pem_ = *std::move(key);
  Log(Level::kInfo, "tls.public_certificate_reloaded", {{"service", kService}});
  return current_;
}

int ReloadingCertificate::OnHandshake(SSL* ssl, void* self) {
  const std::shared_ptr<const KeyPair> pair =
      static_cast<ReloadingCertificate*>(self)->Current();
  // Copies references: the SSL keeps the pair alive after a reload.
  return SSL_use_cert_and_key(ssl, pair->leaf, pair->key, pair->chain,
                              /*override=*/1) == 1
             ? 1
             : 0;
}

bool ReloadingCertificate::Install(SSL_CTX& ctx) {
  const std::shared_ptr<const KeyPair> pair = Current();
  if (SSL_CTX_use_cert_and_key(&ctx, pair->leaf, pair->key, pair->chain,
                               /*override=*/1) != 1) {
    return false;
  }
  SSL_CTX_set_cert_cb(&ctx, &ReloadingCertificate::OnHandshake, this);
  return true;
}

}  // namespace frontdoor::web
