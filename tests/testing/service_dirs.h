#pragma once

// What every in-process service test prepares: a fresh directory named
// after the test, a key ring in it, and a server block on free ports.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include "absl/strings/string_view.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/crypto/key_ring.h"
#include "frontdoor/config/v1/config.pb.h"
#include "tests/testing/pki.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace frontdoor::testing {

// A fresh directory for the test (FreshTestDir) with a new key ring at
// keys.json.
inline std::filesystem::path FreshServiceDir(absl::string_view prefix) {
  const std::filesystem::path dir = FreshTestDir(prefix);
  auto keys = crypto::GenerateKeyRingJson("k1");
  EXPECT_TRUE(keys.ok()) << keys.status();
  if (keys.ok()) std::ofstream(dir / "keys.json") << *keys;
  return dir;
}

// A server on free loopback ports with the dev-PKI certificate `cert`.
inline void LocalServer(config::v1::ServerConfig* server,
                        absl::string_view cert) {
  server->set_api_address("127.0.0.1:0");
  server->set_health_address("127.0.0.1:0");
  server->set_metrics_address("127.0.0.1:0");
  *server->mutable_tls() = PkiFiles(std::string_view(cert.data(), cert.size()));
  server->set_shutdown_grace_seconds(5);
}

// Points `store` at a test store named `name` (test_store.h): an SQLite
// file in `dir`, or a fresh PostgreSQL schema.
inline void UseTestStore(config::v1::StoreConfig* store,
                         const std::filesystem::path& dir,
                         absl::string_view name) {
  const std::string location = TestStoreLocation(dir, name);
  if (store::IsPostgresUrl(location)) {
    store->set_postgres_url(location);
  } else {
    store->set_sqlite_path(location);
  }
}

// The location UseTestStore gave `store`, for opening it in the test.
inline std::string StoreLocationOf(const config::v1::StoreConfig& store) {
  return store.postgres_url().empty() ? store.sqlite_path()
                                      : store.postgres_url();
}

// The repository's config/<file>.
inline std::string ConfigFile(absl::string_view file) {
  return absl::StrCat(FRONTDOOR_SOURCE_DIR, "/config/", file);
}

}  // namespace frontdoor::testing
