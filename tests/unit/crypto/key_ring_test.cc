#include "common/crypto/key_ring.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "common/config/config.h"
#include "frontdoor/config/v1/config.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace frontdoor::crypto {
namespace {

using ::frontdoor::config::v1::KeyRingFile;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// Deterministic test key material: `n` bytes all equal to `fill`.
std::string Base64Of(size_t n, char fill) {
  return absl::Base64Escape(std::string(n, fill));
}

KeyRingFile RingFile(const std::vector<std::pair<std::string, char>>& keys,
                     const std::string& active, char index_fill = 'i') {
  KeyRingFile file;
  for (const auto& [id, fill] : keys) {
    auto* key = file.add_keys();
    key->set_id(id);
    key->set_aes256_key_base64(Base64Of(kKeyBytes, fill));
  }
  file.set_active_key_id(active);
  file.set_blind_index_key_base64(Base64Of(kMinBlindIndexKeyBytes, index_fill));
  return file;
}

KeyRing MustRing(const KeyRingFile& file) {
  absl::StatusOr<KeyRing> ring = KeyRing::FromProto(file);
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

// The key id stored in a sealed value (format version 1).
std::string KeyIdOf(const std::string& sealed) {
  return sealed.substr(2, static_cast<uint8_t>(sealed[1]));
}

class SealTest : public ::testing::Test {
 protected:
  KeyRing ring_ = MustRing(RingFile({{"k1", 'a'}}, "k1"));
};

TEST_F(SealTest, RoundTripsText) {
  auto sealed = ring_.Seal("Jane Doe, 1 High Street", "REF-1/name");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  auto opened = ring_.Open(*sealed, "REF-1/name");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "Jane Doe, 1 High Street");
}

TEST_F(SealTest, RoundTripsEmptyPlaintextAndEmptyAad) {
  auto sealed = ring_.Seal("", "");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->size(), SealOverheadBytes(2));
  auto opened = ring_.Open(*sealed, "");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "");
}

TEST_F(SealTest, RoundTripsBinaryWithNulBytes) {
  std::string binary;
  for (int i = 0; i < 512; ++i) binary.push_back(static_cast<char>(i % 256));
  binary += std::string("\0\0\0", 3);
  const std::string aad("ref\0col", 7);
  auto sealed = ring_.Seal(binary, aad);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  auto opened = ring_.Open(*sealed, aad);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, binary);
}

TEST_F(SealTest, FormatIsVersionKeyIdNonceCiphertextTag) {
  const std::string plaintext = "0123456789";
  auto sealed = ring_.Seal(plaintext, "aad");
  ASSERT_TRUE(sealed.ok());
  ASSERT_EQ(sealed->size(), SealOverheadBytes(2) + plaintext.size());
  EXPECT_EQ(static_cast<uint8_t>((*sealed)[0]), kSealFormatV1);
  EXPECT_EQ(static_cast<uint8_t>((*sealed)[1]), 2);
  EXPECT_EQ(KeyIdOf(*sealed), "k1");
  EXPECT_THAT(*sealed, Not(HasSubstr(plaintext)));
}

TEST_F(SealTest, WrongAadIsDataLoss) {
  auto sealed = ring_.Seal("secret", "REF-1");
  ASSERT_TRUE(sealed.ok());
  auto opened = ring_.Open(*sealed, "REF-2");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(opened.status().message(), Not(HasSubstr("secret")));
  EXPECT_EQ(ring_.Open(*sealed, "").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(SealTest, EveryFlippedBitIsDetected) {
  const std::string plaintext = "date of birth 1990-01-01";
  auto sealed = ring_.Seal(plaintext, "REF-9");
  ASSERT_TRUE(sealed.ok());
  const size_t header = 2 + 2;
  const size_t nonce_at = header;
  const size_t ciphertext_at = nonce_at + kNonceBytes;
  const size_t tag_at = ciphertext_at + plaintext.size();
  // Every bit of nonce, ciphertext and tag.
  for (size_t byte = nonce_at; byte < sealed->size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = *sealed;
      tampered[byte] = static_cast<char>(tampered[byte] ^ (1 << bit));
      auto opened = ring_.Open(tampered, "REF-9");
      ASSERT_FALSE(opened.ok()) << "byte " << byte << " bit " << bit;
      EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss)
          << "byte " << byte << " (nonce at " << nonce_at << ", ciphertext at "
          << ciphertext_at << ", tag at " << tag_at << ")";
      EXPECT_THAT(opened.status().message(), Not(HasSubstr("1990")));
    }
  }
}

TEST_F(SealTest, NoncesDifferBetweenSealsOfTheSamePlaintext) {
  std::set<std::string> nonces;
  std::set<std::string> sealed_values;
  constexpr int kSeals = 50;
  for (int i = 0; i < kSeals; ++i) {
    auto sealed = ring_.Seal("same", "same");
    ASSERT_TRUE(sealed.ok());
    nonces.insert(sealed->substr(4, kNonceBytes));
    sealed_values.insert(*sealed);
  }
  EXPECT_EQ(nonces.size(), kSeals);
  EXPECT_EQ(sealed_values.size(), kSeals);
}

TEST_F(SealTest, MalformedValuesAreInvalidArgument) {
  auto sealed = ring_.Seal("x", "a");
  ASSERT_TRUE(sealed.ok());
  std::string bad_version = *sealed;
  bad_version[0] = 3;  // 1 is the ring's, 2 a data key's
  std::string zero_id = *sealed;
  zero_id[1] = 0;
  std::string long_id = *sealed;
  long_id[1] = static_cast<char>(kMaxKeyIdLength + 1);
  std::string bad_id_chars = *sealed;
  bad_id_chars[2] = '!';
  for (const std::string& value :
       {std::string(), std::string("\x01"), sealed->substr(0, 10),
        sealed->substr(0, sealed->size() - 2), bad_version, zero_id, long_id,
        bad_id_chars}) {
    EXPECT_EQ(ring_.Open(value, "a").status().code(),
              absl::StatusCode::kInvalidArgument)
        << absl::CHexEscape(value);
  }
}

TEST_F(SealTest, SizeLimitsAreEnforced) {
  EXPECT_EQ(ring_.Seal("x", std::string(kMaxAssociatedDataBytes + 1, 'a'))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ring_.Seal("x", std::string(kMaxAssociatedDataBytes, 'a')).ok());
}

TEST(RotationTest, OldDataOpensAndNewDataUsesTheNewKey) {
  KeyRing before = MustRing(RingFile({{"k1", 'a'}}, "k1"));
  auto old_sealed = before.Seal("sealed before rotation", "REF-1");
  ASSERT_TRUE(old_sealed.ok());
  EXPECT_EQ(KeyIdOf(*old_sealed), "k1");

  KeyRing after = MustRing(RingFile({{"k1", 'a'}, {"k2", 'b'}}, "k2"));
  EXPECT_EQ(after.active_key_id(), "k2");
  auto opened = after.Open(*old_sealed, "REF-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "sealed before rotation");

  auto new_sealed = after.Seal("sealed after rotation", "REF-2");
  ASSERT_TRUE(new_sealed.ok());
  EXPECT_EQ(KeyIdOf(*new_sealed), "k2");
  auto reopened = after.Open(*new_sealed, "REF-2");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*reopened, "sealed after rotation");

  // The old ring does not hold k2.
  auto unknown = before.Open(*new_sealed, "REF-2");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(unknown.status().message(), HasSubstr("\"k2\""));
}

TEST(RotationTest, SameIdWithDifferentKeyMaterialFailsAuthentication) {
  KeyRing original = MustRing(RingFile({{"k1", 'a'}}, "k1"));
  KeyRing replaced = MustRing(RingFile({{"k1", 'z'}}, "k1"));
  auto sealed = original.Seal("x", "r");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(replaced.Open(*sealed, "r").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(RotationTest, KeyIdInHeaderIsAuthenticated) {
  // Both keys identical: only the header binding can tell k1 from k2.
  KeyRing ring = MustRing(RingFile({{"k1", 'a'}, {"k2", 'a'}}, "k1"));
  auto sealed = ring.Seal("x", "r");
  ASSERT_TRUE(sealed.ok());
  std::string relabelled = *sealed;
  relabelled[3] = '2';
  ASSERT_EQ(KeyIdOf(relabelled), "k2");
  EXPECT_EQ(ring.Open(relabelled, "r").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(KeyRingValidationTest, AcceptsValidRing) {
  auto ring = KeyRing::FromProto(
      RingFile({{"2024-01_a", 'a'}, {std::string(kMaxKeyIdLength, 'K'), 'b'}},
               "2024-01_a"));
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->active_key_id(), "2024-01_a");
}

void ExpectInvalid(const KeyRingFile& file, const std::string& needle) {
  auto ring = KeyRing::FromProto(file);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ring.status().message(), HasSubstr(needle));
  // Never key material, encoded or not.
  for (const auto& key : file.keys()) {
    if (!key.aes256_key_base64().empty()) {
      EXPECT_THAT(ring.status().message(),
                  Not(HasSubstr(key.aes256_key_base64())));
    }
  }
  if (!file.blind_index_key_base64().empty()) {
    EXPECT_THAT(ring.status().message(),
                Not(HasSubstr(file.blind_index_key_base64())));
  }
}

TEST(KeyRingValidationTest, RejectsShortKeyNamingIt) {
  KeyRingFile file = RingFile({{"k1", 'a'}, {"k2", 'b'}}, "k1");
  file.mutable_keys(1)->set_aes256_key_base64(Base64Of(16, 'b'));
  ExpectInvalid(file, "\"k2\"");
  ExpectInvalid(file, "got 16");
}

TEST(KeyRingValidationTest, RejectsLongKeyNamingIt) {
  KeyRingFile file = RingFile({{"k1", 'a'}}, "k1");
  file.mutable_keys(0)->set_aes256_key_base64(Base64Of(33, 'a'));
  ExpectInvalid(file, "\"k1\"");
}

TEST(KeyRingValidationTest, RejectsNonBase64KeyNamingIt) {
  KeyRingFile file = RingFile({{"k1", 'a'}}, "k1");
  file.mutable_keys(0)->set_aes256_key_base64("not base64 at all!!");
  ExpectInvalid(file, "key \"k1\": aes256_key_base64 is not valid base64");
}

TEST(KeyRingValidationTest, RejectsDuplicateIdsNamingIt) {
  ExpectInvalid(RingFile({{"k1", 'a'}, {"dup", 'b'}, {"dup", 'c'}}, "k1"),
                "duplicate key id \"dup\"");
}

TEST(KeyRingValidationTest, RejectsBadIds) {
  ExpectInvalid(RingFile({{"", 'a'}}, ""), "keys[0]: id \"\"");
  ExpectInvalid(RingFile({{"has space", 'a'}}, "has space"),
                "id \"has space\"");
  ExpectInvalid(RingFile({{"k1", 'a'}, {"k/2", 'a'}}, "k1"), "keys[1]");
  ExpectInvalid(RingFile({{std::string(kMaxKeyIdLength + 1, 'k'), 'a'}}, "k"),
                "keys[0]");
}

TEST(KeyRingValidationTest, RejectsMissingOrUnknownActiveId) {
  ExpectInvalid(RingFile({{"k1", 'a'}}, ""), "active_key_id is required");
  ExpectInvalid(RingFile({{"k1", 'a'}}, "k9"),
                "active_key_id \"k9\" is not one of keys");
}

TEST(KeyRingValidationTest, RejectsEmptyRing) {
  ExpectInvalid(RingFile({}, "k1"), "keys");
}

TEST(KeyRingValidationTest, RejectsShortOrMissingBlindIndexKey) {
  KeyRingFile file = RingFile({{"k1", 'a'}}, "k1");
  file.set_blind_index_key_base64(Base64Of(kMinBlindIndexKeyBytes - 1, 'i'));
  ExpectInvalid(file, "blind_index_key_base64 must decode to at least 32");
  file.clear_blind_index_key_base64();
  ExpectInvalid(file, "blind_index_key_base64");
  file.set_blind_index_key_base64("%%%");
  ExpectInvalid(file, "blind_index_key_base64 is not valid base64");
}

TEST(KeyRingValidationTest, AcceptsLongerBlindIndexKey) {
  KeyRingFile file = RingFile({{"k1", 'a'}}, "k1");
  file.set_blind_index_key_base64(Base64Of(64, 'i'));
  EXPECT_TRUE(KeyRing::FromProto(file).ok());
}

TEST(BlindIndexTest, DeterministicLowercaseHex) {
  KeyRing ring = MustRing(RingFile({{"k1", 'a'}}, "k1"));
  const std::string index = ring.BlindIndex("jane doe|1990-01-01");
  EXPECT_THAT(index, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(index, ring.BlindIndex("jane doe|1990-01-01"));
  // A separately loaded ring with the same key agrees.
  EXPECT_EQ(index, MustRing(RingFile({{"k1", 'a'}}, "k1"))
                       .BlindIndex("jane doe|1990-01-01"));
  EXPECT_NE(index, ring.BlindIndex("jane doe|1990-01-02"));
}

TEST(BlindIndexTest, DependsOnTheIndexKeyNotTheSealingKeys) {
  KeyRing a = MustRing(RingFile({{"k1", 'a'}}, "k1", 'i'));
  KeyRing other_index = MustRing(RingFile({{"k1", 'a'}}, "k1", 'j'));
  KeyRing other_sealing = MustRing(RingFile({{"k2", 'b'}}, "k2", 'i'));
  EXPECT_NE(a.BlindIndex("x"), other_index.BlindIndex("x"));
  EXPECT_EQ(a.BlindIndex("x"), other_sealing.BlindIndex("x"));
}

TEST(BlindIndexTest, IsHmacSha256OfTheIndexKey) {
  // Known answer from `printf abc | openssl dgst -sha256 -hmac <32 x 'i'>`.
  KeyRing ring = MustRing(RingFile({{"k1", 'a'}}, "k1", 'i'));
  EXPECT_EQ(ring.BlindIndex("abc"),
            "3ef44c6abbca4d36977b5ac745020d39830ac354aaec8eec1817a75bfbc848cf");
}

TEST(Sha256HexTest, KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string("\0", 1)),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(ConcurrencyTest, ManyThreadsSealOpenAndIndexTogether) {
  KeyRing ring = MustRing(RingFile({{"k1", 'a'}, {"k2", 'b'}}, "k2"));
  const std::string expected_index = ring.BlindIndex("shared");
  constexpr int kThreads = 8;
  constexpr int kIterations = 300;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      KeyRing copy = ring;  // copies share state
      for (int i = 0; i < kIterations; ++i) {
        const std::string plaintext = "t" + std::to_string(t) + "i" +
                                      std::to_string(i);
        auto sealed = copy.Seal(plaintext, plaintext);
        auto opened =
            sealed.ok() ? ring.Open(*sealed, plaintext) : sealed.status();
        if (!opened.ok() || *opened != plaintext) ++failures[t];
        if (copy.BlindIndex("shared") != expected_index) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

TEST(GenerateKeyRingJsonTest, ProducesALoadableRingWithFreshKeys) {
  auto json = GenerateKeyRingJson("k7");
  ASSERT_TRUE(json.ok()) << json.status();
  auto file = config::ParseJson<KeyRingFile>(*json, "generated");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->active_key_id(), "k7");
  ASSERT_EQ(file->keys_size(), 1);
  EXPECT_EQ(file->keys(0).id(), "k7");
  auto ring = KeyRing::FromProto(*file);
  ASSERT_TRUE(ring.ok()) << ring.status();
  auto sealed = ring->Seal("hello", "r");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*ring->Open(*sealed, "r"), "hello");

  auto second = GenerateKeyRingJson("k7");
  ASSERT_TRUE(second.ok());
  auto second_file = config::ParseJson<KeyRingFile>(*second, "generated");
  ASSERT_TRUE(second_file.ok());
  EXPECT_NE(second_file->keys(0).aes256_key_base64(),
            file->keys(0).aes256_key_base64());
  EXPECT_NE(second_file->blind_index_key_base64(),
            file->blind_index_key_base64());
}

TEST(GenerateKeyRingJsonTest, RejectsInvalidKeyId) {
  EXPECT_EQ(GenerateKeyRingJson("bad id").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateKeyRingJson("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LoadFileTest, LoadsGeneratedFileAndNamesPathOnErrors) {
  const std::string path = ::testing::TempDir() + "/key_ring_test_ring.json";
  auto json = GenerateKeyRingJson("dev");
  ASSERT_TRUE(json.ok());
  {
    std::ofstream out(path, std::ios::trunc);
    out << *json;
  }
  auto ring = KeyRing::LoadFile(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ(ring->active_key_id(), "dev");

  {
    std::ofstream out(path, std::ios::trunc);
    out << R"({"active_key_id": "k1", "keys": [{"id": "k1",
              "aes256_key_base64": ")"
        << Base64Of(20, 'a') << R"("}], "blind_index_key_base64": ")"
        << Base64Of(32, 'i') << R"("})";
  }
  auto short_key = KeyRing::LoadFile(path);
  ASSERT_FALSE(short_key.ok());
  EXPECT_THAT(short_key.status().message(),
              AllOf(HasSubstr("key ring " + path), HasSubstr("\"k1\""),
                    Not(HasSubstr(Base64Of(20, 'a')))));

  {
    std::ofstream out(path, std::ios::trunc);
    out << R"({"active_key_id": "k1", "keyz": []})";
  }
  auto unknown = KeyRing::LoadFile(path);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "config " + path + ": unknown field \"keyz\"");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace frontdoor::crypto
