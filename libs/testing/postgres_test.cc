#include "libs/testing/postgres.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "postgresql/libpq-fe.h"

namespace wm::testing {
namespace {

using ::testing::HasSubstr;

// Connects with `conninfo`; "" when that worked, else libpq's message.
std::string ConnectError(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error = PQstatus(conn) == CONNECTION_OK ? "" : PQerrorMessage(conn);
  PQfinish(conn);
  return error;
}

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

TEST(PostgresProcessTest, StartsAFreshClusterThatAnswersQueries) {
  auto postgres = PostgresProcess::Start();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  EXPECT_TRUE((*postgres)->running());
  EXPECT_GT((*postgres)->port(), 0);
  EXPECT_THAT((*postgres)->conninfo(),
              HasSubstr(absl::StrCat("host=127.0.0.1 port=", (*postgres)->port())));
  EXPECT_EQ((*postgres)->Query("SELECT 1 + 1").value_or("?"), "2");
  EXPECT_EQ((*postgres)->Query("SELECT current_user").value_or("?"), PostgresProcess::kUser);
  EXPECT_EQ((*postgres)->Query("SHOW fsync").value_or("?"), "off");
  EXPECT_EQ((*postgres)
                ->Query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                .value_or("?"),
            "0");
  // The unix socket is in the cluster's directory, not the system's.
  EXPECT_TRUE(Exists(absl::StrCat((*postgres)->dir(), "/.s.PGSQL.", (*postgres)->port())));
  absl::StatusOr<std::string> bad = (*postgres)->Query("SELECT FROM no_such_table");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("no_such_table"));
}

TEST(PostgresProcessTest, APasswordIsRequiredWhenSet) {
  auto postgres = PostgresProcess::Start({.password = "it's a s3cret"});
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  EXPECT_EQ(ConnectError((*postgres)->conninfo()), "");
  EXPECT_EQ(ConnectError((*postgres)->url()), "");
  const std::string no_password = absl::StrCat("host=127.0.0.1 port=", (*postgres)->port(),
                                               " dbname=postgres user=postgres password=wrong");
  EXPECT_THAT(ConnectError(no_password), HasSubstr("password authentication failed"));
}

TEST(PostgresProcessTest, StopsAndStartsAgainWithItsData) {
  auto postgres = PostgresProcess::Start();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  ASSERT_TRUE((*postgres)->Query("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)").ok());
  const int port = (*postgres)->port();
  // An open session with a transaction does not hold up the shutdown.
  PGconn* session = PQconnectdb((*postgres)->conninfo().c_str());
  ASSERT_EQ(PQstatus(session), CONNECTION_OK);
  PQclear(PQexec(session, "BEGIN; INSERT INTO kept VALUES (8)"));

  ASSERT_TRUE((*postgres)->Stop().ok());
  EXPECT_FALSE((*postgres)->running());
  EXPECT_NE(PQping((*postgres)->conninfo().c_str()), PQPING_OK);
  PGresult* result = PQexec(session, "COMMIT");
  EXPECT_NE(PQresultStatus(result), PGRES_COMMAND_OK) << "the session was cut";
  PQclear(result);
  PQfinish(session);

  ASSERT_TRUE((*postgres)->StartAgain().ok());
  EXPECT_EQ((*postgres)->port(), port);
  EXPECT_EQ((*postgres)->Query("SELECT string_agg(v::text, ',') FROM kept").value_or("?"), "7");
  ASSERT_TRUE((*postgres)->Restart().ok());
  EXPECT_EQ((*postgres)->Query("SELECT count(*) FROM kept").value_or("?"), "1");
}

TEST(PostgresProcessTest, CreatesDatabases) {
  auto postgres = PostgresProcess::Start();
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  absl::StatusOr<std::string> conninfo = (*postgres)->CreateDatabase("inventory");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  EXPECT_EQ(*conninfo, (*postgres)->conninfo("inventory"));
  EXPECT_EQ((*postgres)->Query("SELECT current_database()", "inventory").value_or("?"),
            "inventory");
  EXPECT_FALSE((*postgres)->CreateDatabase("inventory").ok()) << "it exists already";
}

TEST(PostgresProcessTest, TheDestructorStopsTheServerAndRemovesItsDirectory) {
  std::string dir;
  std::string conninfo;
  {
    auto postgres = PostgresProcess::Start();
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    dir = (*postgres)->dir();
    conninfo = (*postgres)->conninfo();
    EXPECT_TRUE(Exists(dir + "/data/PG_VERSION"));
  }
  EXPECT_NE(PQping(conninfo.c_str()), PQPING_OK);
  EXPECT_FALSE(Exists(dir));
}

}  // namespace
}  // namespace wm::testing
