#include "tests/testing/test_store.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace frontdoor::testing {
namespace {

constexpr char kPostgresDirVariable[] = "FRONTDOOR_TEST_POSTGRES_DIR";
// PostgreSQL truncates identifiers beyond 63 bytes: the schema is
// t_<test name, cut>_<hint>_<pid>_<n>.
constexpr size_t kMaxTestName = 24;
constexpr size_t kMaxSchemaHint = 40;

absl::StatusOr<std::string> ReadFirstLine(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return absl::NotFoundError(absl::StrCat("no ", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

// Skips every test of the binary, with the reason, when this run is on
// PostgreSQL but the test server could not be started.
class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!OnPostgres()) return;
    absl::StatusOr<std::string> url = PostgresServerUrl();
    if (!url.ok()) GTEST_SKIP() << url.status().message();
  }
};

::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

}  // namespace

bool OnPostgres() {
  const char* dir = std::getenv(kPostgresDirVariable);
  return dir != nullptr && *dir != '\0';
}

absl::StatusOr<std::string> PostgresServerUrl() {
  const char* dir = std::getenv(kPostgresDirVariable);
  if (dir == nullptr || *dir == '\0') {
    return absl::FailedPreconditionError(
        absl::StrCat(kPostgresDirVariable, " is not set"));
  }
  const std::filesystem::path state(dir);
  if (absl::StatusOr<std::string> why = ReadFirstLine(state / "unavailable");
      why.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("skipped: no PostgreSQL server for the tests: ", *why));
  }
  absl::StatusOr<std::string> url = ReadFirstLine(state / "url");
  if (!url.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "skipped: no PostgreSQL server for the tests (tests/testing/pg-server "
        "start has not run: ",
        url.status().message(), ")"));
  }
  return url;
}

absl::StatusOr<std::string> FreshPostgresSchema(absl::string_view hint) {
  absl::StatusOr<std::string> url = PostgresServerUrl();
  if (!url.ok()) return url.status();
  return FreshPostgresSchemaOn(*url, hint);
}

absl::StatusOr<std::string> FreshPostgresSchemaOn(const std::string& server_url,
                                                  absl::string_view hint) {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info == nullptr ? "" : info->name();
  if (test.size() > kMaxTestName) test.resize(kMaxTestName);
  std::string name = absl::StrCat(test, "_", hint);
  for (char& c : name) {
    c = absl::ascii_isalnum(static_cast<unsigned char>(c))
            ? absl::ascii_tolower(static_cast<unsigned char>(c))
            : '_';
  }
  if (name.size() > kMaxSchemaHint) name.resize(kMaxSchemaHint);
  const std::string schema =
      absl::StrCat("t_", name, "_", getpid(), "_", counter++);
  PGconn* conn = PQconnectdb(server_url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status error = absl::UnavailableError(
        absl::StrCat("connecting to the test server: ", PQerrorMessage(conn)));
    PQfinish(conn);
    return error;
  }
  PGresult* created =
      PQexec(conn, absl::StrCat("CREATE SCHEMA \"", schema, "\"").c_str());
  absl::Status status = absl::OkStatus();
  if (PQresultStatus(created) != PGRES_COMMAND_OK) {
    status = absl::InternalError(
        absl::StrCat("CREATE SCHEMA ", schema, ": ", PQerrorMessage(conn)));
  }
  PQclear(created);
  PQfinish(conn);
  if (!status.ok()) return status;
  return absl::StrCat(server_url, server_url.find('?') == std::string::npos ? "?" : "&",
                      "options=-csearch_path%3D", schema);
}

std::string TestStoreLocation(const std::filesystem::path& dir,
                              absl::string_view name) {
  if (!OnPostgres()) return (dir / absl::StrCat(name, ".db")).string();
  absl::StatusOr<std::string> url = FreshPostgresSchema(name);
  EXPECT_TRUE(url.ok()) << url.status();
  return url.ok() ? *url : std::string();
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenTestStore(
    const std::string& location,
    const std::vector<store::Migration>& migrations) {
  return store::OpenStore(location, migrations);
}

absl::StatusOr<std::string> StoredBytes(const std::string& location) {
  std::string bytes;
  if (!store::IsPostgresUrl(location)) {
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(location + suffix, std::ios::binary);
      bytes.append(std::istreambuf_iterator<char>(in), {});
    }
    return bytes;
  }
  PGconn* conn = PQconnectdb(location.c_str());
  absl::Status status = absl::OkStatus();
  const auto query = [&](const std::string& sql) -> PGresult* {
    PGresult* r = PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr,
                               nullptr, /*resultFormat=binary*/ 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      status = absl::InternalError(absl::StrCat(sql, ": ", PQerrorMessage(conn)));
      PQclear(r);
      return nullptr;
    }
    return r;
  };
  if (PQstatus(conn) != CONNECTION_OK) {
    status = absl::UnavailableError(PQerrorMessage(conn));
  } else if (PGresult* tables = query(
                 "SELECT table_name::text FROM information_schema.tables "
                 "WHERE table_schema = current_schema()")) {
    for (int t = 0; t < PQntuples(tables) && status.ok(); ++t) {
      const std::string table(PQgetvalue(tables, t, 0), PQgetlength(tables, t, 0));
      if (PGresult* rows = query(absl::StrCat("SELECT * FROM \"", table, "\""))) {
        for (int r = 0; r < PQntuples(rows); ++r) {
          for (int c = 0; c < PQnfields(rows); ++c) {
            bytes.append(PQgetvalue(rows, r, c), PQgetlength(rows, r, c));
            bytes.push_back('\n');
          }
        }
        PQclear(rows);
      }
    }
    PQclear(tables);
  }
  PQfinish(conn);
  if (!status.ok()) return status;
  return bytes;
}

PrivatePostgresServer::PrivatePostgresServer(
    const std::filesystem::path& state_dir)
    : state_dir_(state_dir) {}

PrivatePostgresServer::~PrivatePostgresServer() {
  (void)Run("stop");
  std::filesystem::remove_all(state_dir_);
}

absl::Status PrivatePostgresServer::Run(absl::string_view command,
                                        absl::string_view extra) {
  const std::string line =
      absl::StrCat(FRONTDOOR_SOURCE_DIR, "/tests/testing/pg-server ", command,
                   " ", state_dir_.string(), " ", extra);
  if (std::system(line.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", line));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PrivatePostgresServer::Start() {
  if (absl::Status s = Run("start", "durable"); !s.ok()) return s;
  if (auto why = ReadFirstLine(state_dir_ / "unavailable"); why.ok()) {
    return absl::FailedPreconditionError(*why);
  }
  return ReadFirstLine(state_dir_ / "url");
}

absl::Status PrivatePostgresServer::Down() { return Run("down"); }
absl::Status PrivatePostgresServer::Up() { return Run("up"); }
absl::Status PrivatePostgresServer::Restart(int down_seconds) {
  return Run("restart", absl::StrCat(down_seconds));
}

}  // namespace frontdoor::testing
