// Which store a service's configuration names, and the errors an operator
// sees when it names none, several, or a bad URL.

#include <cstdlib>
#include <string>

#include "common/server/service_main.h"
#include "common/status/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace frontdoor::server {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

constexpr char kUrlVariable[] = "FRONTDOOR_TEST_DATABASE_URL";

TEST(StoreLocationTest, SqlitePath) {
  config::v1::StoreConfig c;
  c.set_sqlite_path("/var/lib/frontdoor/intake.db");
  EXPECT_EQ(*StoreLocation(c), "/var/lib/frontdoor/intake.db");
}

TEST(StoreLocationTest, PostgresUrlGivenOrFromTheEnvironment) {
  config::v1::StoreConfig c;
  c.set_postgres_url("postgresql://intake@db/frontdoor");
  EXPECT_EQ(*StoreLocation(c), "postgresql://intake@db/frontdoor");

  config::v1::StoreConfig from_env;
  from_env.set_postgres_url_env(kUrlVariable);
  ::setenv(kUrlVariable, "postgres://intake:secret@db/frontdoor", 1);
  EXPECT_EQ(*StoreLocation(from_env), "postgres://intake:secret@db/frontdoor");
  ::unsetenv(kUrlVariable);
}

TEST(StoreLocationTest, NoneOrSeveralIsInvalidArgumentOnStore) {
  for (int mask : {0, 3, 5, 6, 7}) {
    config::v1::StoreConfig c;
    if (mask & 1) c.set_sqlite_path("a.db");
    if (mask & 2) c.set_postgres_url("postgresql://db/x");
    if (mask & 4) c.set_postgres_url_env(kUrlVariable);
    const absl::Status status = StoreLocation(c).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << mask;
    EXPECT_THAT(GetFieldViolations(status),
                ElementsAre(Field(&FieldViolation::field, "store")))
        << mask;
  }
}

TEST(StoreLocationTest, BadOrMissingUrlNamesTheField) {
  config::v1::StoreConfig c;
  c.set_postgres_url("mysql://db/x");
  absl::Status status = StoreLocation(c).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetFieldViolations(status),
              ElementsAre(Field(&FieldViolation::field, "store.postgres_url")));

  config::v1::StoreConfig from_env;
  from_env.set_postgres_url_env(kUrlVariable);
  ::unsetenv(kUrlVariable);
  status = StoreLocation(from_env).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const auto violations = GetFieldViolations(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_THAT(violations[0].field, HasSubstr(kUrlVariable));
  EXPECT_THAT(violations[0].description, HasSubstr("empty"));
}

}  // namespace
}  // namespace frontdoor::server
