#include "common/crypto/key_ring.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/config/config.h"
#include "google/protobuf/util/json_util.h"

namespace frontdoor::crypto {
namespace {

static_assert(kMaxSealPlaintextBytes <= INT_MAX - 64,
              "OpenSSL lengths are int");
static_assert(kMaxAssociatedDataBytes <= INT_MAX - 64,
              "OpenSSL lengths are int");
static_assert(kMaxKeyIdLength <= 255, "key id length is one byte");

constexpr size_t kSha256Bytes = 32;
// How much of an invalid key id an error message quotes.
constexpr size_t kMaxQuotedIdChars = 40;

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Quotes a key id for an error message: escaped and bounded, since an
// invalid id may be anything.
std::string QuoteId(std::string_view id) {
  std::string quoted = absl::CHexEscape(Absl(id.substr(0, kMaxQuotedIdChars)));
  if (id.size() > kMaxQuotedIdChars) quoted += "...";
  return absl::StrCat("\"", quoted, "\"");
}

// A failure that can only mean memory exhaustion or a broken OpenSSL
// installation, on a path that has no error return.
[[noreturn]] void DieOpenSsl(const char* what) {
  std::fprintf(stderr, "frontdoor crypto: OpenSSL %s failed\n", what);
  std::abort();
}

// Algorithms are fetched once (explicit fetching avoids OpenSSL 3's
// per-call implicit fetch) and kept for the life of the process.
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* cipher =
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

const EVP_MD* Sha256() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

// Wipes a string's bytes before it is released.
void Cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Feeds associated data; OpenSSL needs no call for empty input.
bool AddAad(EVP_CIPHER_CTX* ctx, std::string_view aad, bool encrypt) {
  if (aad.empty()) return true;
  int len = 0;
  return encrypt ? EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(aad),
                                     static_cast<int>(aad.size())) == 1
                 : EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(aad),
                                     static_cast<int>(aad.size())) == 1;
}

std::string SealHeader(std::string_view key_id) {
  std::string header;
  header.reserve(2 + key_id.size());
  header.push_back(static_cast<char>(kSealFormatV1));
  header.push_back(static_cast<char>(key_id.size()));
  header.append(key_id);
  return header;
}

std::string DataKeyHeader(std::string_view reference) {
  std::string header;
  header.reserve(2 + reference.size());
  header.push_back(static_cast<char>(kSealFormatV2));
  header.push_back(static_cast<char>(reference.size()));
  header.append(reference);
  return header;
}

// AES-256-GCM of `plaintext` under `key` with a fresh random nonce:
// header | nonce | ciphertext | tag, the header and `aad` authenticated.
absl::StatusOr<std::string> SealRaw(const unsigned char* key,
                                    const std::string& header,
                                    std::string_view plaintext,
                                    std::string_view aad) {
  if (plaintext.size() > kMaxSealPlaintextBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plaintext of ", plaintext.size(), " bytes exceeds the limit of ",
        kMaxSealPlaintextBytes));
  }
  if (aad.size() > kMaxAssociatedDataBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("associated data exceeds ", kMaxAssociatedDataBytes,
                     " bytes"));
  }
  std::string out(header.size() + kNonceBytes + plaintext.size() + kTagBytes,
                  '\0');
  std::copy(header.begin(), header.end(), out.begin());
  auto* nonce = reinterpret_cast<unsigned char*>(&out[header.size()]);
  auto* ciphertext = nonce + kNonceBytes;
  auto* tag = ciphertext + plaintext.size();
  if (RAND_bytes(nonce, static_cast<int>(kNonceBytes)) != 1) {
    return absl::InternalError("random nonce generation failed");
  }

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  // GCM's default IV length is 96 bits, which is kNonceBytes.
  bool ok = ctx != nullptr &&
            EVP_EncryptInit_ex2(ctx.get(), Aes256Gcm(), key, nonce, nullptr) ==
                1 &&
            AddAad(ctx.get(), header, /*encrypt=*/true) &&
            AddAad(ctx.get(), aad, /*encrypt=*/true);
  if (ok && !plaintext.empty()) {
    ok = EVP_EncryptUpdate(ctx.get(), ciphertext, &len, Bytes(plaintext),
                           static_cast<int>(plaintext.size())) == 1;
  }
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &final_len) == 1 &&
       static_cast<size_t>(len + final_len) == plaintext.size() &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG,
                           static_cast<int>(kTagBytes), tag) == 1;
  if (!ok) return absl::InternalError("sealing failed");
  return out;
}

// Opens `sealed`, whose first `header_size` bytes are its (already
// checked) header, under `key`.
absl::StatusOr<std::string> OpenRaw(const unsigned char* key,
                                    std::string_view sealed,
                                    size_t header_size, std::string_view aad) {
  if (sealed.size() < header_size + kNonceBytes + kTagBytes) {
    return absl::InvalidArgumentError("sealed value is truncated");
  }
  const size_t body = sealed.size() - header_size - kNonceBytes - kTagBytes;
  if (body > kMaxSealPlaintextBytes) {
    return absl::InvalidArgumentError("sealed value exceeds the size limit");
  }
  if (aad.size() > kMaxAssociatedDataBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("associated data exceeds ", kMaxAssociatedDataBytes,
                     " bytes"));
  }
  const std::string_view header = sealed.substr(0, header_size);
  const auto* nonce = Bytes(sealed.substr(header_size, kNonceBytes));
  const std::string_view ciphertext =
      sealed.substr(header_size + kNonceBytes, body);
  // EVP_CTRL_AEAD_SET_TAG takes a non-const pointer but only reads it.
  std::array<unsigned char, kTagBytes> tag;
  std::copy_n(Bytes(sealed.substr(sealed.size() - kTagBytes)), kTagBytes,
              tag.begin());

  std::string plaintext(ciphertext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  bool ok = ctx != nullptr &&
            EVP_DecryptInit_ex2(ctx.get(), Aes256Gcm(), key, nonce, nullptr) ==
                1 &&
            AddAad(ctx.get(), header, /*encrypt=*/false) &&
            AddAad(ctx.get(), aad, /*encrypt=*/false);
  if (ok && !ciphertext.empty()) {
    ok = EVP_DecryptUpdate(ctx.get(), out, &len, Bytes(ciphertext),
                           static_cast<int>(ciphertext.size())) == 1;
  }
  if (!ok || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG,
                                 static_cast<int>(kTagBytes),
                                 tag.data()) != 1) {
    Cleanse(plaintext);
    return absl::InternalError("opening failed");
  }
  // Final verifies the tag; until it succeeds the output is unauthenticated.
  if (EVP_DecryptFinal_ex(ctx.get(), out + len, &final_len) != 1 ||
      static_cast<size_t>(len + final_len) != ciphertext.size()) {
    Cleanse(plaintext);
    return absl::DataLossError(
        "sealed value failed authentication: altered, or opened with the "
        "wrong associated data");
  }
  return plaintext;
}

// HMAC-SHA256 of `data` with the key of `keyed` (left unchanged: the work
// is done on a duplicate, so concurrent callers only read it).
std::array<unsigned char, kSha256Bytes> MacWith(const EVP_MAC_CTX* keyed,
                                                std::string_view data) {
  MacCtx mac(EVP_MAC_CTX_dup(keyed));
  if (mac == nullptr) DieOpenSsl("EVP_MAC_CTX_dup");
  std::array<unsigned char, kSha256Bytes> digest;
  size_t digest_len = 0;
  if (EVP_MAC_update(mac.get(), Bytes(data), data.size()) != 1 ||
      EVP_MAC_final(mac.get(), digest.data(), &digest_len, digest.size()) !=
          1 ||
      digest_len != digest.size()) {
    DieOpenSsl("HMAC-SHA256");
  }
  return digest;
}

std::string Hex(const std::array<unsigned char, kSha256Bytes>& digest) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

// A new HMAC-SHA256 context keyed with `key`; nullptr if OpenSSL fails.
EVP_MAC_CTX* NewHmac(const unsigned char* key, size_t key_size) {
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (hmac == nullptr) return nullptr;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);  // the context keeps its own reference
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (ctx != nullptr && EVP_MAC_init(ctx, key, key_size, params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

// Labels that derive the audit key from the blind-index key, and its id
// from the audit key. The leading NUL keeps them apart from every blind
// index input (canonical person keys never hold a NUL).
using std::string_view_literals::operator""sv;
constexpr std::string_view kAuditKeyLabel = "\0frontdoor.audit.chain-key.v1"sv;
constexpr std::string_view kAuditKeyIdLabel = "\0frontdoor.audit.key-id.v1"sv;
// Hex characters of the audit key's id.
constexpr size_t kAuditKeyIdChars = 16;

}  // namespace

std::string SealedPrefix(std::string_view key_id) {
  return SealHeader(key_id);
}

bool IsValidKeyId(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct KeyRing::State {
  struct Key {
    std::string id;
    std::array<unsigned char, kKeyBytes> bytes;
  };

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    for (Key& key : keys) OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
    EVP_MAC_CTX_free(blind_index_mac);  // wipes the HMAC key
    EVP_MAC_CTX_free(audit_mac);
  }

  const Key* Find(std::string_view id) const {
    for (const Key& key : keys) {
      if (key.id == id) return &key;
    }
    return nullptr;
  }

  // A handful of keys at most: a linear scan beats hashing.
  std::vector<Key> keys;
  const Key* active = nullptr;
  // HMAC-SHA256 keyed with the blind-index key. Never updated: each
  // BlindIndex call works on its own duplicate, so concurrent calls only
  // read it.
  EVP_MAC_CTX* blind_index_mac = nullptr;
  // HMAC-SHA256 keyed with the audit key (derived from the blind-index key,
  // see AuditMac); used the same way.
  EVP_MAC_CTX* audit_mac = nullptr;
  std::string audit_key_id;
};

KeyRing::KeyRing(std::shared_ptr<const State> state)
    : state_(std::move(state)) {}

const std::string& KeyRing::active_key_id() const {
  return state_->active->id;
}

absl::StatusOr<KeyRing> KeyRing::FromProto(
    const frontdoor::config::v1::KeyRingFile& file) {
  return Build(file, "key ring");
}

absl::StatusOr<KeyRing> KeyRing::LoadFile(const std::string& path) {
  auto file = config::LoadJsonFile<frontdoor::config::v1::KeyRingFile>(path);
  if (!file.ok()) return file.status();
  absl::StatusOr<KeyRing> ring = Build(*file, absl::StrCat("key ring ", path));
  // The parsed file holds the keys in base64; wipe them.
  for (auto& key : *file->mutable_keys()) {
    Cleanse(*key.mutable_aes256_key_base64());
  }
  Cleanse(*file->mutable_blind_index_key_base64());
  return ring;
}

absl::StatusOr<KeyRing> KeyRing::Build(
    const frontdoor::config::v1::KeyRingFile& file, std::string_view what) {
  const absl::string_view where = Absl(what);
  if (Aes256Gcm() == nullptr || Sha256() == nullptr) {
    return absl::InternalError("OpenSSL lacks AES-256-GCM or SHA-256");
  }
  auto state = std::make_shared<State>();
  if (file.keys().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": keys: at least one key is required"));
  }
  absl::flat_hash_set<std::string> seen;
  std::string decoded;
  for (int i = 0; i < file.keys_size(); ++i) {
    const auto& key = file.keys(i);
    if (!IsValidKeyId(key.id())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": keys[", i, "]: id ", QuoteId(key.id()), " must be 1 to ",
          kMaxKeyIdLength, " characters from [A-Za-z0-9_-]"));
    }
    if (!seen.insert(key.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": keys[", i, "]: duplicate key id \"", key.id(), "\""));
    }
    const bool decodes = absl::Base64Unescape(key.aes256_key_base64(), &decoded);
    if (!decodes || decoded.size() != kKeyBytes) {
      const size_t got = decoded.size();
      Cleanse(decoded);
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": key \"", key.id(), "\": aes256_key_base64 ",
          decodes ? absl::StrCat("must decode to ", kKeyBytes,
                                 " bytes, got ", got)
                  : std::string("is not valid base64")));
    }
    State::Key& out = state->keys.emplace_back();
    out.id = key.id();
    std::copy(decoded.begin(), decoded.end(), out.bytes.begin());
    Cleanse(decoded);
  }
  if (file.active_key_id().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": active_key_id is required"));
  }
  state->active = state->Find(file.active_key_id());
  if (state->active == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": active_key_id ", QuoteId(file.active_key_id()),
                     " is not one of keys"));
  }

  const bool index_decodes =
      absl::Base64Unescape(file.blind_index_key_base64(), &decoded);
  if (!index_decodes || decoded.size() < kMinBlindIndexKeyBytes) {
    const size_t got = decoded.size();
    Cleanse(decoded);
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": blind_index_key_base64 ",
        index_decodes ? absl::StrCat("must decode to at least ",
                                     kMinBlindIndexKeyBytes, " bytes, got ",
                                     got)
                      : std::string("is not valid base64")));
  }
  state->blind_index_mac =
      NewHmac(Bytes(decoded), decoded.size());
  Cleanse(decoded);
  if (state->blind_index_mac == nullptr) {
    return absl::InternalError("OpenSSL HMAC set-up failed");
  }
  std::array<unsigned char, kSha256Bytes> audit_key =
      MacWith(state->blind_index_mac, kAuditKeyLabel);
  state->audit_mac = NewHmac(audit_key.data(), audit_key.size());
  OPENSSL_cleanse(audit_key.data(), audit_key.size());
  if (state->audit_mac == nullptr) {
    return absl::InternalError("OpenSSL HMAC set-up failed");
  }
  state->audit_key_id =
      Hex(MacWith(state->audit_mac, kAuditKeyIdLabel)).substr(0, kAuditKeyIdChars);
  return KeyRing(std::move(state));
}

absl::StatusOr<std::string> KeyRing::Seal(std::string_view plaintext,
                                          std::string_view aad) const {
  const State::Key& key = *state_->active;
  return SealRaw(key.bytes.data(), SealHeader(key.id), plaintext, aad);
}

absl::StatusOr<std::string> KeyRing::Open(std::string_view sealed,
                                          std::string_view aad) const {
  if (sealed.size() < 2) {
    return absl::InvalidArgumentError("sealed value is truncated");
  }
  const auto version = static_cast<uint8_t>(sealed[0]);
  if (version == kSealFormatV2) {
    return absl::FailedPreconditionError(
        "sealed under a referral's data key, not under the key ring");
  }
  if (version != kSealFormatV1) {
    return absl::InvalidArgumentError(
        absl::StrCat("sealed value has unsupported format version ", version));
  }
  const size_t id_length = static_cast<uint8_t>(sealed[1]);
  if (id_length == 0 || id_length > kMaxKeyIdLength) {
    return absl::InvalidArgumentError("sealed value has a malformed key id");
  }
  if (sealed.size() < SealOverheadBytes(id_length)) {
    return absl::InvalidArgumentError("sealed value is truncated");
  }
  const std::string_view key_id = sealed.substr(2, id_length);
  if (!IsValidKeyId(key_id)) {
    return absl::InvalidArgumentError("sealed value has a malformed key id");
  }
  const State::Key* key = state_->Find(key_id);
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "sealed under key id \"", Absl(key_id),
        "\", which is not in the key ring"));
  }
  return OpenRaw(key->bytes.data(), sealed, 2 + id_length, aad);
}

absl::StatusOr<std::string> KeyRing::WrapDataKey(
    const DataKey& key, std::string_view reference) const {
  return Seal(key.bytes(), DataKeyWrapAad(reference));
}

absl::StatusOr<DataKey> KeyRing::UnwrapDataKey(
    std::string_view wrapped, std::string_view reference) const {
  absl::StatusOr<std::string> bytes = Open(wrapped, DataKeyWrapAad(reference));
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<DataKey> key = DataKey::FromBytes(*bytes);
  Cleanse(*bytes);
  return key;
}

std::string DataKeyWrapAad(std::string_view reference) {
  return absl::StrCat(kDataKeyWrapAadPrefix, Absl(reference));
}

bool IsValidSealedReference(std::string_view reference) {
  if (reference.empty() || reference.size() > kMaxSealedReferenceLength) {
    return false;
  }
  for (char c : reference) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string DataKeySealedPrefix(std::string_view reference) {
  return DataKeyHeader(reference);
}

std::optional<std::string> SealedReference(std::string_view sealed) {
  if (sealed.size() < 2 || static_cast<uint8_t>(sealed[0]) != kSealFormatV2) {
    return std::nullopt;
  }
  const size_t length = static_cast<uint8_t>(sealed[1]);
  if (sealed.size() < 2 + length) return std::nullopt;
  std::string_view reference = sealed.substr(2, length);
  if (!IsValidSealedReference(reference)) return std::nullopt;
  return std::string(reference);
}

DataKey::DataKey() { bytes_.fill(0); }
DataKey::~DataKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
DataKey::DataKey(const DataKey& other) : bytes_(other.bytes_) {}
DataKey& DataKey::operator=(const DataKey& other) {
  bytes_ = other.bytes_;
  return *this;
}

absl::StatusOr<DataKey> DataKey::Generate() {
  DataKey key;
  if (RAND_priv_bytes(key.bytes_.data(), static_cast<int>(key.bytes_.size())) !=
      1) {
    return absl::InternalError("random data key generation failed");
  }
  return key;
}

absl::StatusOr<DataKey> DataKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kKeyBytes) {
    return absl::DataLossError(absl::StrCat("a data key must be ", kKeyBytes,
                                            " bytes, got ", bytes.size()));
  }
  DataKey key;
  std::copy_n(Bytes(bytes), kKeyBytes, key.bytes_.begin());
  return key;
}

std::string_view DataKey::bytes() const {
  return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
}

absl::StatusOr<std::string> DataKey::Seal(std::string_view reference,
                                          std::string_view plaintext,
                                          std::string_view aad) const {
  if (!IsValidSealedReference(reference)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a data key seals under a reference of 1 to ",
        kMaxSealedReferenceLength, " characters from [A-Za-z0-9_-]"));
  }
  return SealRaw(bytes_.data(), DataKeyHeader(reference), plaintext, aad);
}

absl::StatusOr<std::string> DataKey::Open(std::string_view sealed,
                                          std::string_view aad) const {
  std::optional<std::string> reference = SealedReference(sealed);
  if (!reference.has_value()) {
    return absl::InvalidArgumentError(
        "not a value sealed under a referral's data key");
  }
  return OpenRaw(bytes_.data(), sealed, 2 + reference->size(), aad);
}

std::string KeyRing::BlindIndex(std::string_view normalised) const {
  return Hex(MacWith(state_->blind_index_mac, normalised));
}

std::string KeyRing::AuditMac(std::string_view data) const {
  return Hex(MacWith(state_->audit_mac, data));
}

const std::string& KeyRing::audit_key_id() const {
  return state_->audit_key_id;
}

absl::StatusOr<std::string> GenerateKeyRingJson(std::string_view key_id) {
  if (!IsValidKeyId(key_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key id ", QuoteId(key_id), " must be 1 to ",
                     kMaxKeyIdLength, " characters from [A-Za-z0-9_-]"));
  }
  std::array<unsigned char, kKeyBytes> key;
  std::array<unsigned char, kMinBlindIndexKeyBytes> index_key;
  if (RAND_priv_bytes(key.data(), static_cast<int>(key.size())) != 1 ||
      RAND_priv_bytes(index_key.data(), static_cast<int>(index_key.size())) !=
          1) {
    return absl::InternalError("random key generation failed");
  }
  frontdoor::config::v1::KeyRingFile file;
  file.set_active_key_id(std::string(key_id));
  auto* sealing_key = file.add_keys();
  sealing_key->set_id(std::string(key_id));
  sealing_key->set_aes256_key_base64(absl::Base64Escape(absl::string_view(
      reinterpret_cast<const char*>(key.data()), key.size())));
  file.set_blind_index_key_base64(absl::Base64Escape(absl::string_view(
      reinterpret_cast<const char*>(index_key.data()), index_key.size())));
  OPENSSL_cleanse(key.data(), key.size());
  OPENSSL_cleanse(index_key.data(), index_key.size());

  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(file, &json, options);
  // Loading it back proves the file is one LoadFile accepts.
  const bool valid = status.ok() && KeyRing::FromProto(file).ok();
  Cleanse(*sealing_key->mutable_aes256_key_base64());
  Cleanse(*file.mutable_blind_index_key_base64());
  if (!valid) {
    Cleanse(json);
    return absl::InternalError("key ring generation failed");
  }
  return json;
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, kSha256Bytes> digest;
  unsigned int digest_len = 0;
  if (Sha256() == nullptr ||
      EVP_Digest(data.data(), data.size(), digest.data(), &digest_len,
                 Sha256(), nullptr) != 1 ||
      digest_len != digest.size()) {
    DieOpenSsl("SHA-256");
  }
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace frontdoor::crypto
