#include "common/rewrap/rewrap.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "frontdoor/config/v1/config.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace frontdoor::rewrap {
namespace {

using ::testing::HasSubstr;

constexpr int kRows = 250;  // more than two batches

std::string RandomKeyBase64(char fill) {
  return absl::Base64Escape(std::string(crypto::kKeyBytes, fill));
}

// A ring holding `ids` (each key's bytes fixed by its id), `active` active.
crypto::KeyRing Ring(const std::vector<std::string>& ids,
                     const std::string& active) {
  config::v1::KeyRingFile file;
  for (const std::string& id : ids) {
    auto* key = file.add_keys();
    key->set_id(id);
    key->set_aes256_key_base64(RandomKeyBase64(id.back()));
  }
  file.set_active_key_id(active);
  file.set_blind_index_key_base64(
      absl::Base64Escape(std::string(crypto::kMinBlindIndexKeyBytes, 'b')));
  auto ring = crypto::KeyRing::FromProto(file);
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

const SealedColumn kNotes = {"notes", "sealed", {"reference"}, "reference"};
const SealedColumn kVersions = {
    "versions", "sealed", {"reference", "number"},
    "reference || ':' || number"};

class RewrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("rewrap_test_", getpid(), "_", info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = testing::OpenTestStore(
        testing::TestStoreLocation(dir_, "rewrap"),
        {{"test/001_sealed",
          "CREATE TABLE notes (reference TEXT PRIMARY KEY, sealed BLOB NOT "
          "NULL);"
          "CREATE TABLE versions (reference TEXT NOT NULL, number INTEGER NOT "
          "NULL, sealed BLOB NOT NULL, PRIMARY KEY (reference, number))"}});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void TearDown() override {
    if (store_ != nullptr) store_->Close();
    std::filesystem::remove_all(dir_);
  }

  static std::string Ref(int i) { return absl::StrFormat("FD-%04d", i); }
  static std::string Plain(int i) { return absl::StrCat("safety plan ", i); }

  // kRows notes and 2 versions of each, sealed under `ring`.
  void Fill(const crypto::KeyRing& ring) {
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) -> absl::Status {
                      for (int i = 0; i < kRows; ++i) {
                        auto note = ring.Seal(Plain(i), Ref(i));
                        if (!note.ok()) return note.status();
                        auto s = tx.Exec(
                            "INSERT INTO notes VALUES ($1, $2)",
                            {Ref(i), store::Blob{*note}});
                        if (!s.ok()) return s.status();
                        for (int64_t n = 1; n <= 2; ++n) {
                          auto v = ring.Seal(Plain(i),
                                             absl::StrCat(Ref(i), ":", n));
                          if (!v.ok()) return v.status();
                          auto t = tx.Exec(
                              "INSERT INTO versions VALUES ($1, $2, $3)",
                              {Ref(i), n, store::Blob{*v}});
                          if (!t.ok()) return t.status();
                        }
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  int64_t Count(const crypto::KeyRing& ring, const SealedColumn& c) {
    auto n = CountOnOldKeys(*store_, ring, c);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }

  // Every row opens under `ring` to what was sealed.
  void ExpectAllOpen(const crypto::KeyRing& ring) {
    ASSERT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT reference, sealed FROM notes ORDER BY "
                          "reference");
                      if (!rows.ok()) return rows.status();
                      EXPECT_EQ(rows->size(), static_cast<size_t>(kRows));
                      for (size_t i = 0; i < rows->size(); ++i) {
                        auto plain = ring.Open((*rows)[i].Text(1),
                                               (*rows)[i].Text(0));
                        EXPECT_TRUE(plain.ok()) << plain.status();
                        if (plain.ok()) {
                          EXPECT_EQ(*plain, Plain(static_cast<int>(i)));
                        }
                      }
                      auto versions = tx.Query(
                          "SELECT reference || ':' || number, sealed FROM "
                          "versions");
                      if (!versions.ok()) return versions.status();
                      for (const store::Row& row : *versions) {
                        EXPECT_TRUE(
                            ring.Open(row.Text(1), row.Text(0)).ok());
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(RewrapTest, AfterRotationEveryRowMovesToTheNewKeyAndTheOldCanGo) {
  Fill(Ring({"k1"}, "k1"));
  const crypto::KeyRing rotated = Ring({"k1", "k2"}, "k2");
  EXPECT_EQ(Count(rotated, kNotes), kRows);
  EXPECT_EQ(Count(rotated, kVersions), 2 * kRows);

  for (const SealedColumn& c : {kNotes, kVersions}) {
    auto pass = RewrapColumn(*store_, rotated, c);
    ASSERT_TRUE(pass.ok()) << pass.status();
    EXPECT_EQ(pass->rewrapped, c.table == "notes" ? kRows : 2 * kRows);
    EXPECT_EQ(pass->failed, 0);
    EXPECT_EQ(Count(rotated, c), 0);
  }
  // The old key is no longer needed.
  ExpectAllOpen(Ring({"k2"}, "k2"));
}

TEST_F(RewrapTest, AnAlteredRowIsCountedAndPassedOverAndThePassEnds) {
  Fill(Ring({"k1"}, "k1"));
  // Two referrals' sealed values swapped, as someone with the file could.
  ASSERT_TRUE(store_
                  ->WriteSync([](store::Tx& tx) -> absl::Status {
                    auto a = tx.Exec(
                        "UPDATE notes SET reference = 'swap' WHERE "
                        "reference = 'FD-0003'");
                    if (!a.ok()) return a.status();
                    auto b = tx.Exec(
                        "UPDATE notes SET reference = 'FD-0003' WHERE "
                        "reference = 'FD-0150'");
                    if (!b.ok()) return b.status();
                    return tx
                        .Exec("UPDATE notes SET reference = 'FD-0150' WHERE "
                              "reference = 'swap'")
                        .status();
                  })
                  .ok());
  const crypto::KeyRing rotated = Ring({"k1", "k2"}, "k2");
  auto pass = RewrapColumn(*store_, rotated, kNotes);
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->failed, 2);
  EXPECT_EQ(pass->rewrapped, kRows - 2);
  EXPECT_EQ(Count(rotated, kNotes), 2);
}

TEST_F(RewrapTest, TheRewrapperReportsRowsOnOldKeysReachingZero) {
  Fill(Ring({"k1"}, "k1"));
  const crypto::KeyRing rotated = Ring({"k1", "k2"}, "k2");
  Rewrapper rewrapper(*store_, rotated, {kNotes, kVersions});
  std::string before;
  for (const auto& family : RewrapCollector(rewrapper).Collect()) {
    before += family.name + ":" + std::to_string(family.metric.size()) + " ";
  }
  EXPECT_THAT(before, HasSubstr("frontdoor_sealed_rows_on_old_keys:0"));
  rewrapper.RunOnce();
  for (const auto& c : rewrapper.columns()) {
    EXPECT_EQ(c.on_old_keys, 0) << c.table;
  }
  EXPECT_EQ(rewrapper.rewrapped_total(), 3 * kRows);
  bool found = false;
  for (const auto& family : RewrapCollector(rewrapper).Collect()) {
    if (family.name != "frontdoor_sealed_rows_on_old_keys") continue;
    ASSERT_EQ(family.metric.size(), 2u);
    for (const auto& m : family.metric) EXPECT_EQ(m.gauge.value, 0);
    found = true;
  }
  EXPECT_TRUE(found);
  // Nothing left: a second round changes nothing.
  rewrapper.RunOnce();
  EXPECT_EQ(rewrapper.rewrapped_total(), 3 * kRows);
}

TEST_F(RewrapTest, NothingToDoUnderTheActiveKey) {
  const crypto::KeyRing ring = Ring({"k1"}, "k1");
  Fill(ring);
  EXPECT_EQ(Count(ring, kNotes), 0);
  auto pass = RewrapColumn(*store_, ring, kNotes);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->rewrapped, 0);
}

}  // namespace
}  // namespace frontdoor::rewrap
