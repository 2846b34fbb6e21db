#pragma once

// A base for tests of a service's core over a real store (SQLite, or
// PostgreSQL when the run is on it: tests/testing/test_store.h): a fresh
// directory, a new key ring, the store with the service's migrations plus
// the outbox, audit and data rights tables, and helpers to wait for an
// asynchronous result and to count rows.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/audit/audit.h"
#include "common/crypto/key_ring.h"
#include "common/outbox/outbox.h"
#include "common/rights/rights.h"
#include "common/store/store.h"
#include "tests/testing/test_store.h"
#include "tests/testing/temp_dir.h"

namespace frontdoor::testing {

class CoreStoreTest : public ::testing::Test {
 protected:
  // Call first in SetUp.
  void OpenStore(std::vector<store::Migration> migrations) {
    dir_ = FreshTestDir("core");
    auto json = crypto::GenerateKeyRingJson("k1");
    ASSERT_TRUE(json.ok()) << json.status();
    std::ofstream(dir_ / "keys.json") << *json;
    auto keys = crypto::KeyRing::LoadFile((dir_ / "keys.json").string());
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));
    for (auto& m : outbox::Migrations()) migrations.push_back(m);
    for (auto& m : audit::Migrations()) migrations.push_back(m);
    for (auto& m : rights::Migrations()) migrations.push_back(m);
    location_ = TestStoreLocation(dir_, "service");
    auto store = OpenTestStore(location_, migrations);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs `call` with a callback and waits for its result.
  template <typename T, typename Call>
  absl::StatusOr<T> Wait(Call call) {
    absl::StatusOr<T> out = absl::UnknownError("not called");
    absl::Notification done;
    call([&](absl::StatusOr<T> r) {
      out = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return out;
  }

  // The first column of the first row of `sql`, or -1 (and a failure).
  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(sql);
                      if (!rows.ok()) return rows.status();
                      n = (*rows)[0].Int(0);
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  }

  std::filesystem::path dir_;
  std::string location_;  // of the store
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace frontdoor::testing
