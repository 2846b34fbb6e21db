#pragma once

// Where a test keeps its store. By default an SQLite file in the test's
// directory. When FRONTDOOR_TEST_POSTGRES_DIR is set (ctest runs every
// storage and service test a second time so, with the suffix ".postgres"),
// a fresh schema on the throwaway PostgreSQL server that
// tests/testing/pg-server started, whose URL is in that directory.
// If that server could not be started, every test of the binary is skipped
// with the reason.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store/store.h"

namespace frontdoor::testing {

// Whether this run's stores are on PostgreSQL.
bool OnPostgres();

// The test server's URL (its "postgres" database), or why there is none.
absl::StatusOr<std::string> PostgresServerUrl();

// A new, empty schema on the test server, named after `hint` and the
// running test; returns a URL whose connections work in it.
absl::StatusOr<std::string> FreshPostgresSchema(absl::string_view hint);

// The same on the server at `server_url`.
absl::StatusOr<std::string> FreshPostgresSchemaOn(const std::string& server_url,
                                                  absl::string_view hint);

// A PostgreSQL server of the test's own (tests/testing/pg-server), durable
// (fsync on), for tests that stop it, so that the shared server stays up for
// the others. Stopped and removed on destruction.
class PrivatePostgresServer {
 public:
  explicit PrivatePostgresServer(const std::filesystem::path& state_dir);
  ~PrivatePostgresServer();
  PrivatePostgresServer(const PrivatePostgresServer&) = delete;
  PrivatePostgresServer& operator=(const PrivatePostgresServer&) = delete;

  // Starts it; the URL of its "postgres" database, or why not.
  absl::StatusOr<std::string> Start();
  // Stops it as a crash would (connections cut, no checkpoint) / starts it
  // again on the same data.
  absl::Status Down();
  absl::Status Up();
  // Down, `down_seconds`, Up.
  absl::Status Restart(int down_seconds);

 private:
  absl::Status Run(absl::string_view command, absl::string_view extra = "");
  const std::filesystem::path state_dir_;
};

// A store location for `name` (for example "intake"): `dir`/<name>.db, or
// on PostgreSQL the URL of a fresh schema. Opening the same location again
// reopens the same data.
std::string TestStoreLocation(const std::filesystem::path& dir,
                              absl::string_view name);

// Opens the store at a location from TestStoreLocation.
absl::StatusOr<std::unique_ptr<store::Store>> OpenTestStore(
    const std::string& location, const std::vector<store::Migration>& migrations);

// Every byte the store at `location` holds, for checking that personal
// data is sealed at rest: for SQLite the database file and its WAL (free
// pages included), for PostgreSQL every value of every table in the
// location's schema, read raw (bytea undecoded, not as hex).
absl::StatusOr<std::string> StoredBytes(const std::string& location);

}  // namespace frontdoor::testing
