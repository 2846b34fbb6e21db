#include "common/audit/audit.h"

#include <unistd.h>

#include <cstdio>
#include <limits>
#include <optional>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/audit/audit_cli.h"
#include "common/audit/history.h"
#include "common/status/errors.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/database_owner.h"
#include "tests/testing/test_store.h"

namespace frontdoor::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

Entry MakeEntry(int i) {
  Entry e;
  e.at = kT0 + absl::Seconds(i);
  e.actor_agency = "staffs-police";
  e.actor_person = absl::StrCat("officer-", i);
  e.action = "referral.read";
  e.subject = absl::StrCat("REF-", i);
  e.reason = "triage";
  e.lawful_basis = "UK GDPR 6(1)(e)";
  e.details = absl::StrCat("{\"n\":", i, "}");
  return e;
}

// The hash rows had before the chain was keyed (frontdoor.audit.v1): plain
// SHA-256 of tagged, length-prefixed fields. Anyone can compute it, which is
// what an attacker rewriting the log would do.
std::string UnkeyedHash(const std::string& prev_hash, int64_t seq,
                        int64_t at_us,
                        const std::vector<std::optional<std::string>>& text) {
  auto big_endian = [](uint64_t v, std::string* out) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out->push_back(static_cast<char>((v >> shift) & 0xff));
    }
  };
  auto encode_text = [&](const std::optional<std::string>& v,
                         std::string* out) {
    if (!v.has_value()) {
      out->push_back(0);
      return;
    }
    out->push_back(1);
    big_endian(v->size(), out);
    out->append(*v);
  };
  std::string encoded = "frontdoor.audit.v1";
  encode_text(prev_hash, &encoded);
  encoded.push_back(2);
  big_endian(static_cast<uint64_t>(seq), &encoded);
  encoded.push_back(2);
  big_endian(static_cast<uint64_t>(at_us), &encoded);
  for (const auto& t : text) encode_text(t, &encoded);
  return crypto::Sha256Hex(encoded);
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = absl::StrCat(::testing::TempDir(), "/audit_test_", getpid(), "_",
                         info->name(), ".db");
    RemoveFiles();
    keys_path_ = path_ + ".keys.json";
    anchor_path_ = path_ + ".anchor.json";
    {
      auto json = crypto::GenerateKeyRingJson("k1");
      ASSERT_TRUE(json.ok()) << json.status();
      std::ofstream(keys_path_) << *json;
    }
    auto keys = crypto::KeyRing::LoadFile(keys_path_);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));
    location_ = testing::OnPostgres() ? testing::TestStoreLocation("", "audit")
                                      : path_;
    Open();
  }

  void TearDown() override {
    if (store_ != nullptr) store_->Close();
    store_.reset();
    RemoveFiles();
  }

  void Open() {
    auto store = testing::OpenTestStore(location_, Migrations());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void RemoveFiles() {
    for (const char* suffix : {"", "-wal", "-shm", ".keys.json",
                               ".anchor.json", ".other-keys.json"}) {
      std::remove((path_ + suffix).c_str());
    }
  }

  // Appends entries [first, first + n) in one transaction.
  void AppendN(int n, int first = 1) {
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) -> absl::Status {
                      for (int i = first; i < first + n; ++i) {
                        absl::Status s = Append(tx, *keys_, MakeEntry(i));
                        if (!s.ok()) return s;
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  // Runs raw SQL as someone with write access to the file (or the owner's
  // rights) might: first removing the append-only triggers.
  void Exec(const std::string& sql, const store::Params& params = {}) {
    absl::Status status = testing::ExecAsDatabaseOwner(*store_, sql, params);
    ASSERT_TRUE(status.ok()) << status << " for " << sql;
  }

  // Runs SQL as the application does: the triggers in place.
  absl::Status ExecAsTheApplication(const std::string& sql) {
    return store_->WriteSync(
        [&](store::Tx& tx) { return tx.Exec(sql).status(); });
  }

  std::vector<store::Row> Query(const std::string& sql,
                                const store::Params& params = {}) {
    std::vector<store::Row> rows;
    absl::Status status = store_->Read([&](store::Tx& tx) -> absl::Status {
      auto r = tx.Query(sql, params);
      if (!r.ok()) return r.status();
      rows = *std::move(r);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return rows;
  }

  VerifyResult MustVerify(const std::optional<Anchor>& anchor = std::nullopt) {
    absl::StatusOr<VerifyResult> result = Verify(*store_, *keys_, anchor);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : VerifyResult{};
  }

  // Rewrites the rows from `from_seq` to `to_seq` as unkeyed (v1) rows with
  // a recomputed plain SHA-256 chain, and links the next row to them, after
  // `mutate` has changed the rows: what an attacker with the database but
  // not the key ring can do.
  void RewriteAsUnkeyedFrom(
      int64_t from_seq, const std::string& mutate = "",
      int64_t to_seq = std::numeric_limits<int64_t>::max()) {
    if (!mutate.empty()) Exec(mutate);
    Exec("UPDATE audit_log SET key_id = NULL WHERE seq >= $1 AND seq <= $2",
         {from_seq, to_seq});
    auto rows = Query(
        "SELECT seq, at_us, actor_agency, actor_person, action, subject, "
        "reason, lawful_basis, details, prev_hash FROM audit_log ORDER BY seq");
    std::string prev(kGenesisHash);
    for (const store::Row& row : rows) {
      const int64_t seq = row.Int(0);
      if (seq < from_seq) {
        prev = Query("SELECT hash FROM audit_log WHERE seq = $1", {seq})[0]
                   .Text(0);
        continue;
      }
      if (seq > to_seq) {
        Exec("UPDATE audit_log SET prev_hash = $1 WHERE seq = $2", {prev, seq});
        break;
      }
      std::vector<std::optional<std::string>> text;
      for (size_t c = 2; c <= 8; ++c) {
        text.push_back(row.IsNull(c) ? std::nullopt
                                     : std::optional<std::string>(row.Text(c)));
      }
      const std::string hash = UnkeyedHash(prev, seq, row.Int(1), text);
      Exec("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3",
           {prev, hash, seq});
      prev = hash;
    }
  }

  // A key ring other than keys_ (another blind-index key, so another audit
  // key), written beside the store.
  std::unique_ptr<crypto::KeyRing> OtherKeys() {
    auto json = crypto::GenerateKeyRingJson("k1");
    EXPECT_TRUE(json.ok());
    const std::string path = path_ + ".other-keys.json";
    std::ofstream(path) << *json;
    auto keys = crypto::KeyRing::LoadFile(path);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return std::make_unique<crypto::KeyRing>(*std::move(keys));
  }

  Anchor AnchorNow() {
    VerifyResult result = MustVerify();
    EXPECT_TRUE(result.ok()) << result.problem;
    return MakeAnchor(*keys_, result.last_seq, result.last_hash,
                      kT0 + absl::Hours(1));
  }

  // The store: an SQLite file at path_, or a PostgreSQL schema.
  std::string path_;
  std::string location_;
  std::string keys_path_;    // the key ring file keys_ was loaded from
  std::string anchor_path_;  // where a test may write an anchor
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(AuditTest, TheApplicationCannotChangeOrDeleteRows) {
  AppendN(3);
  EXPECT_FALSE(
      ExecAsTheApplication("UPDATE audit_log SET reason = 'x' WHERE seq = 2")
          .ok());
  EXPECT_FALSE(ExecAsTheApplication("DELETE FROM audit_log WHERE seq = 3").ok());
  EXPECT_FALSE(ExecAsTheApplication("DELETE FROM audit_log").ok());
  if (testing::OnPostgres()) {
    EXPECT_FALSE(ExecAsTheApplication("TRUNCATE audit_log").ok());
  }
  EXPECT_EQ(Query("SELECT reason FROM audit_log WHERE seq = 2")[0].Text(0),
            "triage");
  EXPECT_EQ(Query("SELECT COUNT(*) FROM audit_log")[0].Int(0), 3);
  // Appending still works, and the chain is intact.
  AppendN(1, 4);
  EXPECT_TRUE(MustVerify().ok());
}

TEST_F(AuditTest, EmptyLogIsIntact) {
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.entries, 0);
}

TEST_F(AuditTest, AppendedEntriesFormAVerifiableChain) {
  AppendN(10);
  AppendN(5, 11);  // a second transaction continues the chain
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok()) << result.problem;
  EXPECT_EQ(result.entries, 15);

  auto rows = Query("SELECT seq, prev_hash, hash, at_us, subject FROM audit_log "
                    "ORDER BY seq");
  ASSERT_EQ(rows.size(), 15u);
  EXPECT_EQ(rows[0].Int(0), 1);
  EXPECT_EQ(rows[0].Text(1), kGenesisHash);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].Int(0), static_cast<int64_t>(i + 1));
    EXPECT_THAT(rows[i].Text(2), MatchesRegex("[0-9a-f]{64}"));
    if (i > 0) {
      EXPECT_EQ(rows[i].Text(1), rows[i - 1].Text(2));
    }
  }
  EXPECT_EQ(rows[2].Int(3), absl::ToUnixMicros(kT0 + absl::Seconds(3)));
  EXPECT_EQ(rows[2].Text(4), "REF-3");
}

TEST_F(AuditTest, EmptyOptionalFieldsAreStoredAsNull) {
  ASSERT_TRUE(store_
                  ->WriteSync([this](store::Tx& tx) {
                    Entry e;
                    e.at = kT0;
                    e.action = "service.start";
                    return Append(tx, *keys_, e);
                  })
                  .ok());
  auto rows = Query("SELECT actor_agency, subject, details FROM audit_log");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].IsNull(0));
  EXPECT_TRUE(rows[0].IsNull(1));
  EXPECT_TRUE(rows[0].IsNull(2));
  EXPECT_TRUE(MustVerify().ok());
}

TEST_F(AuditTest, AppendRejectsMissingActionAndInfiniteTime) {
  Entry no_action = MakeEntry(1);
  no_action.action.clear();
  Entry infinite = MakeEntry(1);
  infinite.at = absl::InfiniteFuture();
  for (const Entry& e : {no_action, infinite}) {
    absl::Status status =
        store_->WriteSync([&](store::Tx& tx) { return Append(tx, *keys_, e); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(Query("SELECT seq FROM audit_log").empty());
}

TEST_F(AuditTest, ReasonMustBeACode) {
  EXPECT_TRUE(IsReasonCode(""));
  EXPECT_TRUE(IsReasonCode("practitioner_assessment"));
  EXPECT_TRUE(IsReasonCode(std::string(kMaxReasonCodeChars, 'a')));
  EXPECT_FALSE(IsReasonCode(std::string(kMaxReasonCodeChars + 1, 'a')));
  for (const char* text :
       {"practitioner view", "Told Zebedee on 07700 900461", "auto-triage",
        "Consent_Recorded", "consent;recorded"}) {
    EXPECT_FALSE(IsReasonCode(text)) << text;
    Entry e = MakeEntry(1);
    e.reason = text;
    absl::Status status =
        store_->WriteSync([&](store::Tx& tx) { return Append(tx, *keys_, e); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    // The refusal does not repeat what might be personal data.
    EXPECT_THAT(status.message(), ::testing::Not(HasSubstr(text)));
  }
  EXPECT_TRUE(Query("SELECT seq FROM audit_log").empty());
}

TEST_F(AuditTest, RecordTakesWhoFromTheCaller) {
  Caller staff;
  staff.agency_id = "frontdoor-helpline";
  staff.actor = "Alex Alloc";
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return Record(tx, *keys_, staff, kT0,
                                  {"placement.read", "FD-AAAAAAAAAAA1",
                                   "practitioner_view", "basis", "{}"});
                  })
                  .ok());
  auto rows = Query(
      "SELECT actor_agency, actor_person, action, subject, reason, "
      "lawful_basis, details, at_us FROM audit_log");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "frontdoor-helpline");
  EXPECT_EQ(rows[0].Text(1), "Alex Alloc");
  EXPECT_EQ(rows[0].Text(2), "placement.read");
  EXPECT_EQ(rows[0].Text(3), "FD-AAAAAAAAAAA1");
  EXPECT_EQ(rows[0].Text(4), "practitioner_view");
  EXPECT_EQ(rows[0].Text(5), "basis");
  EXPECT_EQ(rows[0].Text(6), "{}");
  EXPECT_EQ(rows[0].Int(7), absl::ToUnixMicros(kT0));
  EXPECT_TRUE(MustVerify().ok());
}

TEST_F(AuditTest, ListBySubjectReadsOneSubjectOldestFirst) {
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    for (int i = 1; i <= 6; ++i) {
                      Entry e = MakeEntry(i);
                      e.subject = i % 2 == 0 ? "FD-AAAAAAAAAAA2"
                                             : "FD-AAAAAAAAAAA1";
                      if (absl::Status s = Append(tx, *keys_, e); !s.ok()) {
                        return s;
                      }
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  std::vector<StoredEntry> got;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto rows = ListBySubject(tx, "FD-AAAAAAAAAAA2", 2);
                    if (!rows.ok()) return rows.status();
                    got = *std::move(rows);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(got.size(), 2u);  // of three, the limit
  EXPECT_EQ(got[0].seq, 2);
  EXPECT_EQ(got[1].seq, 4);
  const Entry want = MakeEntry(2);
  EXPECT_EQ(got[0].entry.at, want.at);
  EXPECT_EQ(got[0].entry.actor_agency, want.actor_agency);
  EXPECT_EQ(got[0].entry.actor_person, want.actor_person);
  EXPECT_EQ(got[0].entry.action, want.action);
  EXPECT_EQ(got[0].entry.subject, "FD-AAAAAAAAAAA2");
  EXPECT_EQ(got[0].entry.reason, want.reason);
  EXPECT_EQ(got[0].entry.details, want.details);
}

// The shared body of the services' ListHistory: the reference's rows as
// entries of the service, at most kMaxHistoryEntries (the oldest), the
// read itself audited in the same transaction, and the chain intact.
TEST_F(AuditTest, AHistoryIsBoundedOldestFirstAndItsReadIsAudited) {
  constexpr char kRef[] = "FD-AAAAAAAAAAA1";
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    for (int i = 1; i <= kMaxHistoryEntries + 1; ++i) {
                      Entry e = MakeEntry(i);
                      e.subject = kRef;
                      if (absl::Status s = Append(tx, *keys_, e); !s.ok()) {
                        return s;
                      }
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  Caller staff;
  staff.agency_id = "frontdoor-web";
  staff.actor = "staff-42";
  staff.staff_role = "practitioner";
  const auto list = [&](const std::string& reference) {
    absl::StatusOr<common::v1::ListHistoryResponse> out =
        absl::UnknownError("not called");
    absl::Notification done;
    common::v1::ListHistoryRequest request;
    request.set_reference(reference);
    ListHistory(*store_, *keys_, staff, kT0 + absl::Hours(1), "triage-svc",
                "basis", request,
                [&](absl::StatusOr<common::v1::ListHistoryResponse> r) {
                  out = std::move(r);
                  done.Notify();
                });
    done.WaitForNotification();
    return out;
  };
  absl::StatusOr<common::v1::ListHistoryResponse> history = list(kRef);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_TRUE(history->truncated());
  ASSERT_EQ(history->entries_size(), kMaxHistoryEntries);
  const common::v1::HistoryEntry& first = history->entries(0);
  EXPECT_EQ(first.seq(), 1);
  EXPECT_EQ(first.at().seconds(), absl::ToUnixSeconds(MakeEntry(1).at));
  EXPECT_EQ(first.service(), "triage-svc");
  EXPECT_EQ(first.action(), "referral.read");
  EXPECT_EQ(first.reason(), "triage");
  EXPECT_EQ(first.actor(), "officer-1");
  EXPECT_EQ(first.agency(), "staffs-police");
  EXPECT_EQ(history->entries(kMaxHistoryEntries - 1).seq(),
            kMaxHistoryEntries);

  // Nothing about it: an empty answer, not NOT_FOUND; a malformed
  // reference is refused naming the field, and not audited.
  absl::StatusOr<common::v1::ListHistoryResponse> none =
      list("FD-AAAAAAAAAAA9");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->entries_size(), 0);
  EXPECT_FALSE(none->truncated());
  absl::StatusOr<common::v1::ListHistoryResponse> bad = list("REF-1");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(GetFieldViolations(bad.status()).size(), 1u);
  EXPECT_EQ(GetFieldViolations(bad.status())[0].field, "reference");

  auto reads = Query(
      "SELECT actor_agency, actor_person, subject, reason, details, at_us "
      "FROM audit_log WHERE action = $1 ORDER BY seq",
      {std::string(kActionHistoryRead)});
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].Text(0), "frontdoor-web");
  EXPECT_EQ(reads[0].Text(1), "staff-42 as practitioner");
  EXPECT_EQ(reads[0].Text(2), kRef);
  EXPECT_EQ(reads[0].Text(3), kReasonHistoryView);
  EXPECT_EQ(reads[0].Text(4), absl::StrCat("{\"entries\":",
                                           kMaxHistoryEntries, "}"));
  EXPECT_EQ(reads[0].Int(5), absl::ToUnixMicros(kT0 + absl::Hours(1)));
  EXPECT_EQ(reads[1].Text(2), "FD-AAAAAAAAAAA9");
  EXPECT_EQ(reads[1].Text(4), "{\"entries\":0}");
  EXPECT_TRUE(MustVerify().ok());
}

TEST_F(AuditTest, EntryRollsBackWithTheCallersTransaction) {
  absl::Status status = store_->WriteSync([this](store::Tx& tx) -> absl::Status {
    absl::Status s = Append(tx, *keys_, MakeEntry(1));
    if (!s.ok()) return s;
    return absl::AbortedError("the audited change failed");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(Query("SELECT seq FROM audit_log").empty());
  AppendN(2);
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok()) << result.problem;
  EXPECT_EQ(result.entries, 2);
}

TEST_F(AuditTest, ConcurrentWritersProduceOneChain) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status s = store_->WriteSync([&](store::Tx& tx) {
          return Append(tx, *keys_, MakeEntry(t * kPerThread + i));
        });
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok()) << result.problem;
  EXPECT_EQ(result.entries, kThreads * kPerThread);
}

TEST_F(AuditTest, TamperedFieldIsReportedAtItsSeq) {
  AppendN(10);
  Exec("UPDATE audit_log SET reason = $1 WHERE seq = $2",
       {std::string("curiosity"), int64_t{6}});
  VerifyResult result = MustVerify();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.first_bad_seq, 6);
  EXPECT_EQ(result.entries, 5);
  EXPECT_THAT(result.problem, HasSubstr("hash"));
}

TEST_F(AuditTest, EveryColumnIsCoveredByTheHash) {
  AppendN(4);
  const std::vector<std::pair<std::string, store::Value>> edits = {
      {"at_us", int64_t{1}},
      {"actor_agency", std::string("other-agency")},
      {"actor_person", std::string("someone-else")},
      {"action", std::string("referral.delete")},
      {"subject", std::string("REF-999")},
      {"reason", std::string("other")},
      {"lawful_basis", std::string("none")},
      {"details", std::string("{}")},
      {"subject", std::monostate()},  // value to NULL
  };
  for (const auto& [column, value] : edits) {
    // Keep the original to restore it after each edit.
    auto original = Query(absl::StrCat("SELECT ", column,
                                       " FROM audit_log WHERE seq = 3"));
    ASSERT_EQ(original.size(), 1u);
    Exec(absl::StrCat("UPDATE audit_log SET ", column, " = $1 WHERE seq = 3"),
         {value});
    VerifyResult result = MustVerify();
    EXPECT_EQ(result.first_bad_seq, 3) << column;
    Exec(absl::StrCat("UPDATE audit_log SET ", column, " = $1 WHERE seq = 3"),
         {original[0].at(0)});
    EXPECT_TRUE(MustVerify().ok()) << column << " not restored";
  }
}

TEST_F(AuditTest, NullAndEmptyStringAreDistinguished) {
  ASSERT_TRUE(store_
                  ->WriteSync([this](store::Tx& tx) {
                    Entry e = MakeEntry(1);
                    e.subject.clear();
                    return Append(tx, *keys_, e);
                  })
                  .ok());
  Exec("UPDATE audit_log SET subject = '' WHERE seq = 1");
  EXPECT_EQ(MustVerify().first_bad_seq, 1);
}

TEST_F(AuditTest, ShiftingAFieldBoundaryIsDetected) {
  ASSERT_TRUE(store_
                  ->WriteSync([this](store::Tx& tx) {
                    Entry e = MakeEntry(1);
                    e.reason = "ab";
                    e.lawful_basis = "c";
                    return Append(tx, *keys_, e);
                  })
                  .ok());
  // Same concatenation "abc", different boundary.
  Exec("UPDATE audit_log SET reason = 'a', lawful_basis = 'bc' WHERE seq = 1");
  EXPECT_EQ(MustVerify().first_bad_seq, 1);
}

TEST_F(AuditTest, DeletedMiddleRowIsReported) {
  AppendN(10);
  Exec("DELETE FROM audit_log WHERE seq = 5");
  VerifyResult result = MustVerify();
  EXPECT_EQ(result.first_bad_seq, 5);
  EXPECT_EQ(result.entries, 4);
  EXPECT_THAT(result.problem, HasSubstr("missing"));
}

TEST_F(AuditTest, DeletedFirstRowIsReported) {
  AppendN(3);
  Exec("DELETE FROM audit_log WHERE seq = 1");
  EXPECT_EQ(MustVerify().first_bad_seq, 1);
}

TEST_F(AuditTest, ForgedHashWithMatchingNextPrevHashIsDetected) {
  AppendN(10);
  const std::string forged = crypto::Sha256Hex("forged");
  Exec("UPDATE audit_log SET hash = $1 WHERE seq = 4", {forged});
  Exec("UPDATE audit_log SET prev_hash = $1 WHERE seq = 5", {forged});
  VerifyResult result = MustVerify();
  EXPECT_EQ(result.first_bad_seq, 4);
  EXPECT_THAT(result.problem, HasSubstr("hash"));
}

TEST_F(AuditTest, RowsAddedOutsideAppendAreDetected) {
  AppendN(3);
  // A plausible-looking row that continues seq and links to the head.
  auto head = Query("SELECT hash FROM audit_log WHERE seq = 3");
  ASSERT_EQ(head.size(), 1u);
  Exec("INSERT INTO audit_log (seq, at_us, action, prev_hash, hash) "
       "VALUES (4, 0, 'x', $1, $2)",
       {head[0].Text(0), crypto::Sha256Hex("made up")});
  EXPECT_EQ(MustVerify().first_bad_seq, 4);

  Exec("DELETE FROM audit_log WHERE seq = 4");
  Exec("INSERT INTO audit_log (seq, at_us, action, prev_hash, hash) "
       "VALUES (0, 0, 'x', $1, $1)",
       {std::string(kGenesisHash)});
  EXPECT_EQ(MustVerify().first_bad_seq, 0);
}

TEST_F(AuditTest, VerifyPagesThroughALongLog) {
  const int n = static_cast<int>(2 * kVerifyPageRows + 3);
  AppendN(n);
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok()) << result.problem;
  EXPECT_EQ(result.entries, n);

  // A problem on a page boundary and one on a later page.
  Exec("DELETE FROM audit_log WHERE seq = $1", {kVerifyPageRows + 1});
  EXPECT_EQ(MustVerify().first_bad_seq, kVerifyPageRows + 1);
}

TEST_F(AuditTest, TamperingOnALaterPageIsFound) {
  const int n = static_cast<int>(kVerifyPageRows + 10);
  AppendN(n);
  Exec("UPDATE audit_log SET details = '{}' WHERE seq = $1",
       {int64_t{kVerifyPageRows + 5}});
  VerifyResult result = MustVerify();
  EXPECT_EQ(result.first_bad_seq, kVerifyPageRows + 5);
  EXPECT_EQ(result.entries, kVerifyPageRows + 4);
}

TEST_F(AuditTest, ReopeningTheStoreKeepsTheChain) {
  AppendN(3);
  store_->Close();
  store_.reset();
  Open();  // migrations already applied: a no-op
  AppendN(2, 4);
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok()) << result.problem;
  EXPECT_EQ(result.entries, 5);
}


TEST_F(AuditTest, RowsAreKeyedUnderTheRingsAuditKey) {
  AppendN(3);
  auto rows = Query("SELECT DISTINCT key_id FROM audit_log");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), keys_->audit_key_id());
  EXPECT_EQ(keys_->audit_key_id().size(), 16u);
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok()) << result.problem;
  EXPECT_EQ(result.unkeyed_entries, 0);
  EXPECT_EQ(result.last_seq, 3);
}

TEST_F(AuditTest, RewrittenRowWithRecomputedPlainHashesIsDetected) {
  AppendN(10);
  // The attack the unkeyed chain could not see: change a row, recompute the
  // hashes from there on with plain SHA-256.
  RewriteAsUnkeyedFrom(6, "UPDATE audit_log SET reason = 'curiosity' "
                          "WHERE seq = 6");
  VerifyResult result = MustVerify();
  EXPECT_EQ(result.first_bad_seq, 6);
  EXPECT_THAT(result.problem, HasSubstr("unkeyed row after keyed rows"));
  EXPECT_EQ(result.last_seq, 5);
}

TEST_F(AuditTest, RecomputingTheMacNeedsTheKey) {
  AppendN(5);
  // An attacker's own ring makes well-formed rows, under another key.
  std::unique_ptr<crypto::KeyRing> theirs = OtherKeys();
  ASSERT_NE(theirs->audit_key_id(), keys_->audit_key_id());
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return Append(tx, *theirs, MakeEntry(6));
                  })
                  .ok());
  VerifyResult result = MustVerify();
  EXPECT_EQ(result.first_bad_seq, 6);
  EXPECT_THAT(result.problem, HasSubstr("another audit key"));
  // Claiming our key id does not help without our key.
  Exec("UPDATE audit_log SET key_id = $1 WHERE seq = 6",
       {keys_->audit_key_id()});
  result = MustVerify();
  EXPECT_EQ(result.first_bad_seq, 6);
  EXPECT_THAT(result.problem, HasSubstr("hash does not match"));
}

TEST_F(AuditTest, RowsWrittenBeforeKeyingVerifyAsAPrefixOnly) {
  AppendN(4);
  // As a log written before the chain was keyed, then extended by Append.
  RewriteAsUnkeyedFrom(1);
  AppendN(2, 5);
  VerifyResult result = MustVerify();
  EXPECT_TRUE(result.ok()) << result.problem;
  EXPECT_EQ(result.entries, 6);
  EXPECT_EQ(result.unkeyed_entries, 4);
  // The first keyed row's MAC covers the unkeyed rows' head.
  RewriteAsUnkeyedFrom(2, "UPDATE audit_log SET reason = 'x' WHERE seq = 2",
                       4);
  VerifyResult changed = MustVerify();
  EXPECT_EQ(changed.first_bad_seq, 5);
  EXPECT_THAT(changed.problem, HasSubstr("hash does not match"));
}

TEST_F(AuditTest, TailTruncationIsDetectedByTheAnchor) {
  AppendN(10);
  const Anchor anchor = AnchorNow();
  EXPECT_EQ(anchor.seq, 10);
  EXPECT_TRUE(MustVerify(anchor).ok());
  AppendN(2, 11);  // later rows are fine
  EXPECT_TRUE(MustVerify(anchor).ok());

  Exec("DELETE FROM audit_log WHERE seq >= 9");
  EXPECT_TRUE(MustVerify().ok()) << "a chain alone cannot see this";
  VerifyResult result = MustVerify(anchor);
  EXPECT_EQ(result.first_bad_seq, 9);
  EXPECT_THAT(result.problem,
              HasSubstr("ends at seq 8 but was anchored at seq 10"));
}

TEST_F(AuditTest, AWholeLogRewrittenWithoutTheKeyIsDetectedByTheAnchor) {
  AppendN(6);
  const Anchor anchor = AnchorNow();
  // Everything rewritten as if from before keying, with one row changed.
  RewriteAsUnkeyedFrom(1, "UPDATE audit_log SET reason = 'x' WHERE seq = 2");
  EXPECT_TRUE(MustVerify().ok()) << "an unkeyed log verifies alone";
  VerifyResult result = MustVerify(anchor);
  EXPECT_EQ(result.first_bad_seq, 6);
  EXPECT_THAT(result.problem, HasSubstr("anchored row's hash has changed"));
}

TEST_F(AuditTest, AnAlteredOrForeignAnchorIsRefused) {
  AppendN(5);
  Anchor anchor = AnchorNow();
  Anchor moved = anchor;
  moved.seq = 3;  // an attacker wanting to cut rows 4 and 5
  EXPECT_THAT(MustVerify(moved).problem, HasSubstr("MAC does not match"));
  Anchor later = anchor;
  later.anchored_at += absl::Seconds(1);
  EXPECT_FALSE(MustVerify(later).ok());
  std::unique_ptr<crypto::KeyRing> theirs = OtherKeys();
  const Anchor foreign = MakeAnchor(*theirs, 3, anchor.hash, kT0);
  EXPECT_THAT(MustVerify(foreign).problem, HasSubstr("another audit key"));
}

TEST_F(AuditTest, AnchorFileRoundTripsAndOnlyTheOwnerMayReadIt) {
  auto none = ReadAnchorFile(anchor_path_);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  AppendN(3);
  const Anchor anchor = AnchorNow();
  ASSERT_TRUE(WriteAnchorFile(anchor_path_, anchor).ok());
  EXPECT_EQ(std::filesystem::status(anchor_path_).permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read |
                std::filesystem::perms::owner_write);
  auto read = ReadAnchorFile(anchor_path_);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->seq, anchor.seq);
  EXPECT_EQ((*read)->hash, anchor.hash);
  EXPECT_EQ((*read)->anchored_at, anchor.anchored_at);
  EXPECT_EQ((*read)->key_id, anchor.key_id);
  EXPECT_EQ((*read)->mac, anchor.mac);
  EXPECT_TRUE(MustVerify(**read).ok());

  std::ofstream(anchor_path_) << "{\"seq\": \"x\"}";
  auto garbage = ReadAnchorFile(anchor_path_);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr(anchor_path_));
}

class AuditCommandTest : public AuditTest {
 protected:
  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return RunAuditCommand(args, out_, err_);
  }
  // The command line's flag for this test's store.
  std::string StoreFlag() const {
    return store::IsPostgresUrl(location_) ? "--postgres" : "--sqlite";
  }
  // verify this test's store under its key ring, then `more`.
  std::vector<std::string> VerifyArgs(std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"verify", StoreFlag(), location_,
                                     "--keys", keys_path_};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(AuditCommandTest, IntactChainPrintsOkAndExitsZero) {
  AppendN(7);
  EXPECT_EQ(Run(VerifyArgs()), kExitChainIntact);
  EXPECT_EQ(out_.str(), "{\"entries\":7,\"ok\":true}\n");
  EXPECT_EQ(Run({"verify", StoreFlag() + "=" + location_,
                 "--keys=" + keys_path_}),
            kExitChainIntact);
}

TEST_F(AuditCommandTest, TamperedChainPrintsProblemAndExitsOne) {
  AppendN(7);
  Exec("UPDATE audit_log SET reason = 'changed' WHERE seq = 3");
  EXPECT_EQ(Run(VerifyArgs()), kExitChainBroken);
  EXPECT_THAT(out_.str(),
              StartsWith("{\"entries\":2,\"ok\":false,\"first_bad_seq\":3,"
                         "\"problem\":\"hash does not match"));
  EXPECT_EQ(out_.str().back(), '\n');
}

TEST_F(AuditCommandTest, MissingDatabaseIsAnErrorNotAnEmptyLog) {
  if (testing::OnPostgres()) {
    // A schema with no audit log in it.
    const std::string empty = testing::TestStoreLocation("", "empty");
    EXPECT_EQ(Run({"verify", "--postgres", empty, "--keys", keys_path_}),
              kExitError);
    EXPECT_EQ(out_.str(), "");
    EXPECT_THAT(err_.str(), HasSubstr("audit_log"));
    return;
  }
  const std::string missing = path_ + ".missing";
  EXPECT_EQ(Run({"verify", "--sqlite", missing, "--keys", keys_path_}),
            kExitError);
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(err_.str(), HasSubstr(missing));
  EXPECT_NE(access(missing.c_str(), F_OK), 0) << "must not create it";
}

TEST_F(AuditCommandTest, BadUsageExitsTwo) {
  EXPECT_EQ(Run({}), kExitError);
  EXPECT_EQ(Run({"verify"}), kExitError);
  EXPECT_EQ(Run({"check", "--sqlite", path_}), kExitError);
  EXPECT_EQ(Run({"verify", "--postgres", "x"}), kExitError);  // not a URL
  EXPECT_EQ(Run({"verify", "--sqlite", path_, "--postgres",
                 "postgresql:///x"}),
            kExitError);  // one store at a time
  EXPECT_EQ(Run({"verify", "--mysql", "x"}), kExitError);
  EXPECT_EQ(Run({"verify", StoreFlag(), location_}), kExitError);  // no keys
  EXPECT_THAT(err_.str(), HasSubstr("usage"));
}

TEST_F(AuditCommandTest, ChecksTheKeyAndTheAnchor) {
  AppendN(7);
  ASSERT_TRUE(WriteAnchorFile(anchor_path_, AnchorNow()).ok());
  EXPECT_EQ(Run(VerifyArgs({"--anchor", anchor_path_})), kExitChainIntact);
  EXPECT_EQ(out_.str(), "{\"entries\":7,\"anchored_seq\":7,\"ok\":true}\n");

  Exec("DELETE FROM audit_log WHERE seq = 7");
  EXPECT_EQ(Run(VerifyArgs()), kExitChainIntact);
  EXPECT_EQ(Run(VerifyArgs({"--anchor", anchor_path_})), kExitChainBroken);
  EXPECT_THAT(out_.str(), HasSubstr("\"first_bad_seq\":7"));
  EXPECT_THAT(out_.str(), HasSubstr("rows were cut off the end"));

  // Another ring: every keyed row is under another key.
  OtherKeys();
  EXPECT_EQ(Run({"verify", StoreFlag(), location_, "--keys",
                 path_ + ".other-keys.json"}),
            kExitChainBroken);
  EXPECT_THAT(out_.str(), HasSubstr("another audit key"));

  EXPECT_EQ(Run(VerifyArgs({"--anchor", anchor_path_ + ".missing"})),
            kExitError);
  EXPECT_THAT(err_.str(), HasSubstr("no anchor file"));
  EXPECT_EQ(Run({"verify", StoreFlag(), location_, "--keys",
                 keys_path_ + ".missing"}),
            kExitError);
}

}  // namespace
}  // namespace frontdoor::audit
