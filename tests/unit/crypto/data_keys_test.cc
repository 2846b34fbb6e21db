// Per-referral data keys (common/rights/data_keys.h, crypto::DataKey) on
// SQLite and PostgreSQL: sealing and opening, the reference bound to the
// value, a destroyed key, rotation re-wrapping the wrapped keys (never the
// data), and values sealed under the ring before data keys.
#include "common/rights/data_keys.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/rewrap/rewrap.h"
#include "common/rights/rights.h"
#include "common/store/store.h"
#include "frontdoor/config/v1/config.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace frontdoor::rights {
namespace {

using ::testing::HasSubstr;

constexpr char kRef[] = "FD-AAAAAAAAAAA1";
constexpr char kOtherRef[] = "FD-BBBBBBBBBBB2";
const absl::Time kNow = absl::FromUnixSeconds(1'780'000'000);

// A ring holding `ids` (each key's bytes fixed by its id), `active` active.
crypto::KeyRing Ring(const std::vector<std::string>& ids,
                     const std::string& active) {
  config::v1::KeyRingFile file;
  for (const std::string& id : ids) {
    auto* key = file.add_keys();
    key->set_id(id);
    key->set_aes256_key_base64(
        absl::Base64Escape(std::string(crypto::kKeyBytes, id.back())));
  }
  file.set_active_key_id(active);
  file.set_blind_index_key_base64(
      absl::Base64Escape(std::string(crypto::kMinBlindIndexKeyBytes, 'b')));
  auto ring = crypto::KeyRing::FromProto(file);
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

// A table of a referral's sealed notes, under data keys.
const rewrap::SealedColumn kNotes = {
    "notes", "sealed", {"reference"}, "reference", "reference"};

class DataKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("data_keys_test_", getpid(), "_", info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::vector<store::Migration> migrations = Migrations();
    migrations.push_back(
        {"test/001_notes",
         "CREATE TABLE notes (reference TEXT PRIMARY KEY, sealed BLOB NOT "
         "NULL)"});
    auto store = testing::OpenTestStore(
        testing::TestStoreLocation(dir_, "data_keys"), migrations);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void TearDown() override {
    if (store_ != nullptr) store_->Close();
    std::filesystem::remove_all(dir_);
  }

  absl::StatusOr<std::string> Seal(const crypto::KeyRing& ring,
                                   const std::string& reference,
                                   const std::string& plain,
                                   const std::string& aad) {
    absl::StatusOr<std::string> sealed = absl::InternalError("not run");
    absl::Status s = store_->WriteSync([&](store::Tx& tx) -> absl::Status {
      sealed = SealFor(tx, ring, reference, plain, aad, kNow);
      return sealed.status();
    });
    if (!s.ok()) return s;
    return sealed;
  }

  absl::StatusOr<std::string> Open(const crypto::KeyRing& ring,
                                   const std::string& sealed,
                                   const std::string& aad) {
    return OpenSealed(*store_, ring, sealed, aad);
  }

  absl::Status Destroy(const std::string& reference) {
    return store_->WriteSync([&](store::Tx& tx) -> absl::Status {
      return DestroyDataKey(tx, reference, kNow).status();
    });
  }

  void Insert(const std::string& reference, const std::string& sealed) {
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) {
                      return tx
                          .Exec("INSERT INTO notes VALUES ($1, $2)",
                                {reference, store::Blob{sealed}})
                          .status();
                    })
                    .ok());
  }

  std::string Stored(const std::string& reference) {
    std::string out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT sealed FROM notes WHERE reference = $1",
                          {reference});
                      if (!rows.ok()) return rows.status();
                      if (!rows->empty()) out = (*rows)[0].Text(0);
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(DataKeysTest, SealsUnderTheReferralsKeyAndOpens) {
  const crypto::KeyRing ring = Ring({"k1"}, "k1");
  auto sealed = Seal(ring, kRef, "Jo Bloggs, 1 Safe Street", kRef);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(static_cast<uint8_t>((*sealed)[0]), crypto::kSealFormatV2);
  EXPECT_EQ(crypto::SealedReference(*sealed), std::string(kRef));
  EXPECT_TRUE(IsUnderDataKey(*sealed));
  // Not openable by the ring itself: only through the referral's key.
  EXPECT_EQ(ring.Open(*sealed, kRef).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Open(ring, *sealed, kRef).value_or(""), "Jo Bloggs, 1 Safe Street");
  // A second value of the same referral uses the same key (one row).
  auto second = Seal(ring, kRef, "second", "aad2");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Open(ring, *second, "aad2").value_or(""), "second");
  int64_t keys = 0;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query("SELECT COUNT(*) FROM data_keys");
                    if (!rows.ok()) return rows.status();
                    keys = (*rows)[0].Int(0);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(keys, 1);
}

TEST_F(DataKeysTest, AnotherReferenceOrAadDoesNotOpen) {
  const crypto::KeyRing ring = Ring({"k1"}, "k1");
  auto mine = Seal(ring, kRef, "mine", kRef);
  auto theirs = Seal(ring, kOtherRef, "theirs", kOtherRef);
  ASSERT_TRUE(mine.ok() && theirs.ok());
  EXPECT_EQ(Open(ring, *mine, kOtherRef).status().code(),
            absl::StatusCode::kDataLoss);
  // The header names the reference and is authenticated: relabelling a
  // value with another referral's reference (whose key then opens it)
  // fails.
  std::string relabelled = *mine;
  relabelled.replace(2, std::string(kRef).size(), kOtherRef);
  EXPECT_EQ(Open(ring, relabelled, kRef).status().code(),
            absl::StatusCode::kDataLoss);
  // A wrapped key cannot be unwrapped as another referral's.
  auto made = PrepareDataKey(ring, kRef);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(ring.UnwrapDataKey(made->wrapped, kOtherRef).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_TRUE(ring.UnwrapDataKey(made->wrapped, kRef).ok());
}

TEST_F(DataKeysTest, ADestroyedKeyOpensNothingAndIsNotMadeAgain) {
  const crypto::KeyRing ring = Ring({"k1"}, "k1");
  auto sealed = Seal(ring, kRef, "Jo Bloggs", kRef);
  auto other = Seal(ring, kOtherRef, "Sam Other", kOtherRef);
  ASSERT_TRUE(sealed.ok() && other.ok());
  ASSERT_TRUE(Destroy(kRef).ok());
  absl::StatusOr<std::string> opened = Open(ring, *sealed, kRef);
  EXPECT_TRUE(IsErased(opened.status())) << opened.status();
  EXPECT_THAT(opened.status().message(), HasSubstr("erased"));
  // Sealing for it again is refused: no new key is made.
  EXPECT_TRUE(IsErased(Seal(ring, kRef, "again", kRef).status()));
  // Other referrals are untouched; destroying again is a no-op.
  EXPECT_EQ(Open(ring, *other, kOtherRef).value_or(""), "Sam Other");
  EXPECT_TRUE(Destroy(kRef).ok());
  // A referral erased before it has a key here never gets one.
  ASSERT_TRUE(Destroy("FD-CCCCCCCCCCC3").ok());
  EXPECT_TRUE(IsErased(Seal(ring, "FD-CCCCCCCCCCC3", "x", "a").status()));
  // Other failures are not "erased".
  EXPECT_FALSE(IsErased(absl::FailedPreconditionError(kErasedMessage)));
}

TEST_F(DataKeysTest, ValuesSealedUnderTheRingStillOpenAndMoveToTheDataKey) {
  const crypto::KeyRing ring = Ring({"k1"}, "k1");
  auto old = ring.Seal("Jo Bloggs", kRef);
  ASSERT_TRUE(old.ok());
  Insert(kRef, *old);
  EXPECT_EQ(Open(ring, *old, kRef).value_or(""), "Jo Bloggs");
  // Counted as on an old key until moved, then moved by a pass.
  EXPECT_EQ(rewrap::CountOnOldKeys(*store_, ring, kNotes).value_or(-1), 1);
  auto pass = rewrap::RewrapColumn(*store_, ring, kNotes);
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->rewrapped, 1);
  EXPECT_EQ(rewrap::CountOnOldKeys(*store_, ring, kNotes).value_or(-1), 0);
  const std::string moved = Stored(kRef);
  EXPECT_TRUE(IsUnderDataKey(moved));
  EXPECT_EQ(Open(ring, moved, kRef).value_or(""), "Jo Bloggs");
  // Now the erasure covers it.
  ASSERT_TRUE(Destroy(kRef).ok());
  EXPECT_TRUE(IsErased(Open(ring, moved, kRef).status()));
}

TEST_F(DataKeysTest, MoveToDataKeyTakesOneReferralsRingValues) {
  const crypto::KeyRing ring = Ring({"k1"}, "k1");
  auto mine = ring.Seal("mine", kRef);
  auto theirs = ring.Seal("theirs", kOtherRef);
  ASSERT_TRUE(mine.ok() && theirs.ok());
  Insert(kRef, *mine);
  Insert(kOtherRef, *theirs);
  int64_t moved = -1;
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    auto n = rewrap::MoveToDataKey(tx, ring, kNotes, kRef, kNow);
                    if (!n.ok()) return n.status();
                    moved = *n;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(moved, 1);
  EXPECT_TRUE(IsUnderDataKey(Stored(kRef)));
  EXPECT_EQ(Stored(kOtherRef), *theirs);
}

TEST_F(DataKeysTest, RotationRewrapsTheWrappedKeysAndNeverTheData) {
  const crypto::KeyRing before = Ring({"k1"}, "k1");
  auto sealed = Seal(before, kRef, "Jo Bloggs", kRef);
  ASSERT_TRUE(sealed.ok());
  Insert(kRef, *sealed);
  const crypto::KeyRing after = Ring({"k1", "k2"}, "k2");
  // The data is under its data key: never on an old key.
  EXPECT_EQ(rewrap::CountOnOldKeys(*store_, after, kNotes).value_or(-1), 0);
  const rewrap::SealedColumn wrapped = rewrap::DataKeysColumn();
  EXPECT_EQ(rewrap::CountOnOldKeys(*store_, after, wrapped).value_or(-1), 1);
  auto pass = rewrap::RewrapColumn(*store_, after, wrapped);
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->rewrapped, 1);
  EXPECT_EQ(pass->failed, 0);
  EXPECT_EQ(rewrap::CountOnOldKeys(*store_, after, wrapped).value_or(-1), 0);
  // The data's bytes are unchanged, and open with only the new key.
  EXPECT_EQ(Stored(kRef), *sealed);
  const crypto::KeyRing only_new = Ring({"k2"}, "k2");
  EXPECT_EQ(Open(only_new, *sealed, kRef).value_or(""), "Jo Bloggs");
  // A destroyed key (NULL) is never counted as on an old key.
  ASSERT_TRUE(Destroy(kRef).ok());
  const crypto::KeyRing third = Ring({"k2", "k3"}, "k3");
  EXPECT_EQ(rewrap::CountOnOldKeys(*store_, third, wrapped).value_or(-1), 0);
}

TEST(DataKeyFormatTest, SealedReferenceReadsOnlyFormatTwo) {
  auto key = crypto::DataKey::Generate();
  ASSERT_TRUE(key.ok());
  auto sealed = key->Seal(kRef, "x", "a");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(crypto::SealedReference(*sealed), std::string(kRef));
  EXPECT_TRUE(absl::StartsWith(*sealed, crypto::DataKeySealedPrefix(kRef)));
  EXPECT_EQ(key->Open(*sealed, "a").value_or(""), "x");
  EXPECT_EQ(key->Open(*sealed, "b").status().code(),
            absl::StatusCode::kDataLoss);
  const crypto::KeyRing ring = Ring({"k1"}, "k1");
  auto v1 = ring.Seal("x", "a");
  ASSERT_TRUE(v1.ok());
  EXPECT_FALSE(crypto::SealedReference(*v1).has_value());
  EXPECT_EQ(key->Open(*v1, "a").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(key->Seal("bad ref!", "x", "a").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string truncated = sealed->substr(0, 10);
  EXPECT_FALSE(key->Open(truncated, "a").ok());
}

}  // namespace
}  // namespace frontdoor::rights
