//===--- FormatsTest.cpp - conninfo, durations, SQL SET -------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Model/Formats.h"
#include "gtest/gtest.h"
#include <climits>

using namespace serverless::formats;

TEST(Formats, Durations) {
  EXPECT_EQ(parseDuration("5000", "ms"), 5000);
  EXPECT_EQ(parseDuration("5", "s"), 5000);
  EXPECT_EQ(parseDuration("'5s'", "ms"), 5000);
  EXPECT_EQ(parseDuration("2min", "ms"), 120000);
  EXPECT_EQ(parseDuration("1h", "ms"), 3600000);
  EXPECT_EQ(parseDuration("150ms", "s"), 150);
  EXPECT_EQ(parseDuration("10us", "ms"), 0);
  EXPECT_EQ(parseDuration("five", "ms"), std::nullopt);
  EXPECT_EQ(parseDuration("5 parsecs", "ms"), std::nullopt);
  // More digits than fit: effectively infinite, never a wrapped number.
  EXPECT_EQ(parseDuration("99999999999999999999999s", "ms"), LLONG_MAX);
  EXPECT_EQ(scaleSat(LLONG_MAX / 2, 1000), LLONG_MAX);
  EXPECT_EQ(scaleSat(-LLONG_MAX / 2, 1000), LLONG_MIN);
  EXPECT_EQ(toMs(3, "s"), 3000);
  EXPECT_EQ(toMs(3000, "us"), 3);
}

TEST(Formats, Conninfo) {
  EXPECT_EQ(conninfoValue("host=db connect_timeout=5 dbname=x", "connect_timeout"), "5");
  EXPECT_EQ(conninfoValue("host=db connect_timeout = 7", "connect_timeout"), "7");
  // A key that only ends another key's name is not it.
  EXPECT_EQ(conninfoValue("xconnect_timeout=5", "connect_timeout"), std::nullopt);
  EXPECT_EQ(conninfoValue("postgresql://db/x?sslmode=require&connect_timeout=3",
                          "connect_timeout"),
            "3");
  EXPECT_EQ(conninfoValue("postgresql://db/x?connect_timeout%3D4", "connect_timeout"), "4");
  // options='-c statement_timeout=5000' (libpq passes -c settings to the server).
  EXPECT_EQ(conninfoValue("host=db options='-c statement_timeout=5000'", "statement_timeout"),
            "5000");
  EXPECT_EQ(conninfoValue("host=db", "connect_timeout"), std::nullopt);
}

TEST(Formats, SqlSet) {
  EXPECT_EQ(sqlSetValue("SET statement_timeout = 5000", "statement_timeout"), "5000");
  EXPECT_EQ(sqlSetValue("set local statement_timeout to '5s';", "statement_timeout"), "'5s'");
  EXPECT_EQ(sqlSetValue("SET SESSION statement_timeout=100\nSELECT 1", "statement_timeout"),
            "100");
  // `reset` and `offset` contain "set"; neither sets anything.
  EXPECT_EQ(sqlSetValue("RESET statement_timeout", "statement_timeout"), std::nullopt);
  EXPECT_EQ(sqlSetValue("SELECT 1 OFFSET statement_timeout", "statement_timeout"), std::nullopt);
  EXPECT_EQ(sqlSetValue("SET lock_timeout = 1", "statement_timeout"), std::nullopt);
}

TEST(Formats, ConninfoWellFormed) {
  using serverless::formats::conninfoWellFormed;
  EXPECT_TRUE(conninfoWellFormed(""));
  EXPECT_TRUE(conninfoWellFormed("host=db connect_timeout=2"));
  EXPECT_TRUE(conninfoWellFormed("host = db  port= 5432"));
  EXPECT_TRUE(conninfoWellFormed("host=db options='-c statement_timeout=5000'"));
  EXPECT_TRUE(conninfoWellFormed("password='it\\'s' host=db"));
  EXPECT_TRUE(conninfoWellFormed("postgresql://u@db/app?connect_timeout=2"));
  EXPECT_TRUE(conninfoWellFormed("postgres://db"));
  EXPECT_FALSE(conninfoWellFormed("totally#invalid@connect$string!?"));
  EXPECT_FALSE(conninfoWellFormed("host=db port"));
  EXPECT_FALSE(conninfoWellFormed("=db"));
  EXPECT_FALSE(conninfoWellFormed("host='db"));
}
