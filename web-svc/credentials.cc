#include "web-svc/credentials.h"

#include <argon2.h>
#include <liboath/oath.h>
#include <openssl/rand.h>
#include <qrencode.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::web {
namespace {

// Quiet zone around a QR code, in modules (ISO/IEC 18004 asks for 4).
constexpr int kQrQuietModules = 4;

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(n)) != 1) {
    std::abort();  // no randomness: nothing here can be made safely
  }
  return out;
}

void InitOath() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (oath_init() != OATH_OK) std::abort();
  });
}

std::string UriEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> HashPassword(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError("password too long");
  }
  const std::string salt = RandomBytes(kArgon2SaltBytes);
  std::string encoded(
      argon2_encodedlen(kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Parallelism,
                        kArgon2SaltBytes, kArgon2HashBytes, Argon2_id),
      '\0');
  const int rc = argon2id_hash_encoded(
      kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Parallelism, password.data(),
      password.size(), salt.data(), salt.size(), kArgon2HashBytes,
      encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return absl::InternalError(
        absl::StrCat("argon2id: ", argon2_error_message(rc)));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  if (password.size() > kMaxPasswordBytes) return false;
  const std::string e(encoded);  // argon2 wants a C string
  return argon2id_verify(e.c_str(), password.data(), password.size()) ==
         ARGON2_OK;
}

const std::string& DecoyPasswordHash() {
  static const std::string* decoy = [] {
    absl::StatusOr<std::string> h = HashPassword(RandomBytes(kArgon2SaltBytes));
    if (!h.ok()) std::abort();
    return new std::string(*std::move(h));
  }();
  return *decoy;
}

std::string PasswordProblem(std::string_view password) {
  size_t chars = 0;  // UTF-8 code points
  for (unsigned char c : password) chars += (c & 0xC0) != 0x80;
  if (password.empty()) return "Enter a password";
  if (chars < kMinPasswordChars) {
    return absl::StrCat("Password must be ", kMinPasswordChars,
                        " characters or more");
  }
  if (password.size() > kMaxPasswordBytes) {
    return absl::StrCat("Password must be ", kMaxPasswordBytes,
                        " characters or fewer");
  }
  return "";
}

std::string NewTotpSecret() { return RandomBytes(kTotpSecretBytes); }

std::string Base32(std::string_view raw) {
  InitOath();
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(raw.data(), raw.size(), &out, &len) != OATH_OK) {
    std::abort();
  }
  std::string s(out, len);
  std::free(out);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string GroupedBase32(std::string_view raw) {
  const std::string b = Base32(raw);
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += b[i];
  }
  return out;
}

std::string TotpUri(std::string_view issuer, std::string_view label,
                    std::string_view secret) {
  return absl::StrCat(
      "otpauth://totp/", UriEscape(issuer), ":", UriEscape(label),
      "?secret=", Base32(secret), "&issuer=", UriEscape(issuer),
      "&algorithm=SHA1&digits=", kTotpDigits, "&period=", kTotpStepSeconds);
}

int64_t TotpStep(absl::Time at) {
  return absl::ToUnixSeconds(at) / kTotpStepSeconds;
}

std::string TotpCode(std::string_view secret, absl::Time at) {
  InitOath();
  char code[kTotpDigits + 1] = {};
  if (oath_totp_generate(secret.data(), secret.size(), absl::ToTimeT(at),
                         kTotpStepSeconds, 0, kTotpDigits, code) != OATH_OK) {
    std::abort();
  }
  return code;
}

absl::StatusOr<int64_t> CheckTotp(std::string_view secret,
                                  std::string_view code, absl::Time now,
                                  int64_t last_used_step) {
  InitOath();
  std::string digits;
  for (char c : code) {
    if (c == ' ' || c == '-') continue;  // as people type or paste it
    digits += c;
  }
  if (digits.size() != kTotpDigits ||
      !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
    return absl::PermissionDeniedError("not a code");
  }
  int position = 0;
  uint64_t counter = 0;
  const int rc = oath_totp_validate3(
      secret.data(), secret.size(), absl::ToTimeT(now), kTotpStepSeconds, 0,
      kTotpWindowSteps, &position, &counter, digits.c_str());
  if (rc < 0) return absl::PermissionDeniedError("wrong code");
  const int64_t step = static_cast<int64_t>(counter);
  if (step <= last_used_step) {
    return absl::PermissionDeniedError("code already used");
  }
  return step;
}

absl::StatusOr<std::string> QrSvg(std::string_view text,
                                  std::string_view label) {
  const std::string t(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString(t.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
      &QRcode_free);
  if (qr == nullptr) return absl::InternalError("QR code could not be made");
  const int size = qr->width + 2 * kQrQuietModules;
  std::string path;
  for (int y = 0; y < qr->width; ++y) {
    for (int x = 0; x < qr->width; ++x) {
      if (qr->data[y * qr->width + x] & 1) {
        absl::StrAppend(&path, "M", x + kQrQuietModules, " ",
                        y + kQrQuietModules, "h1v1h-1z");
      }
    }
  }
  std::string escaped_label;
  for (char c : label) {
    switch (c) {
      case '&':
        escaped_label += "&amp;";
        break;
      case '<':
        escaped_label += "&lt;";
        break;
      case '>':
        escaped_label += "&gt;";
        break;
      case '"':
        escaped_label += "&quot;";
        break;
      default:
        escaped_label += c;
    }
  }
  return absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"frontdoor-qr\" "
      "role=\"img\" aria-label=\"",
      escaped_label, "\" viewBox=\"0 0 ", size, " ", size, "\" width=\"",
      size * 6, "\" height=\"", size * 6,
      "\" shape-rendering=\"crispEdges\"><rect width=\"", size, "\" height=\"",
      size, "\" fill=\"#fff\"/><path fill=\"#000\" d=\"", path, "\"/></svg>");
}

}  // namespace frontdoor::web
