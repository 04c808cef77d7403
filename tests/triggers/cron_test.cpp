#include "triggers/cron.h"

#include <gtest/gtest.h>

namespace sluice::triggers {
namespace {

// Seconds since the epoch of a UTC date-time (timegm is a GNU/BSD extension, fine in tests).
std::time_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return timegm(&tm);
}

CronSchedule parse_ok(const std::string& text) {
  auto c = CronSchedule::parse(text);
  EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : *CronSchedule::parse("* * * * *");
}

std::string parse_error(const std::string& text, int* column = nullptr) {
  auto c = CronSchedule::parse(text);
  EXPECT_FALSE(c.ok()) << text;
  if (c.ok()) return "";
  if (column) *column = c.error().pos.column;
  return c.error().message;
}

TEST(Cron, MonthlyAtTen) {
  auto c = parse_ok("0 10 1 * *");
  EXPECT_EQ(*c.next_after(utc(2026, 11, 29, 19, 0)), utc(2026, 12, 1, 10, 0));
  EXPECT_EQ(*c.next_after(utc(2026, 12, 1, 10, 0)), utc(2027, 1, 1, 10, 0));
  EXPECT_EQ(*c.next_after(utc(2026, 12, 1, 9, 59, 59)), utc(2026, 12, 1, 10, 0));
}

TEST(Cron, EveryFifteenMinutes) {
  auto c = parse_ok("*/15 * * * *");
  EXPECT_EQ(*c.next_after(utc(2026, 1, 1, 0, 0)), utc(2026, 1, 1, 0, 15));
  EXPECT_EQ(*c.next_after(utc(2026, 1, 1, 0, 14, 59)), utc(2026, 1, 1, 0, 15));
  EXPECT_EQ(*c.next_after(utc(2026, 12, 31, 23, 50)), utc(2027, 1, 1, 0, 0));
}

TEST(Cron, ListsRangesAndSteps) {
  auto c = parse_ok("5,35 8-17/3 * * MON-FRI");
  // 2026-11-28 is a Saturday: next is Monday 30th 08:05.
  EXPECT_EQ(*c.next_after(utc(2026, 11, 28, 12, 0)), utc(2026, 11, 30, 8, 5));
  EXPECT_EQ(*c.next_after(utc(2026, 11, 30, 8, 5)), utc(2026, 11, 30, 8, 35));
  EXPECT_EQ(*c.next_after(utc(2026, 11, 30, 8, 35)), utc(2026, 11, 30, 11, 5));
  EXPECT_EQ(*c.next_after(utc(2026, 11, 30, 17, 35)), utc(2026, 12, 1, 8, 5));
}

TEST(Cron, StartSlashStepRunsToMaximum) {
  auto c = parse_ok("10/20 * * * *");
  EXPECT_TRUE(c.matches(utc(2026, 1, 1, 0, 10)));
  EXPECT_TRUE(c.matches(utc(2026, 1, 1, 0, 30)));
  EXPECT_TRUE(c.matches(utc(2026, 1, 1, 0, 50)));
  EXPECT_FALSE(c.matches(utc(2026, 1, 1, 0, 0)));
}

TEST(Cron, NamesAreCaseInsensitive) {
  auto c = parse_ok("0 0 1 jan,Jul sun");
  // Restricted day-of-month and day-of-week: either matches (Vixie semantics).
  EXPECT_TRUE(c.matches(utc(2026, 1, 1)));   // 1 Jan (a Thursday)
  EXPECT_TRUE(c.matches(utc(2026, 1, 4)));   // a Sunday in January
  EXPECT_FALSE(c.matches(utc(2026, 1, 5)));  // Monday
  EXPECT_FALSE(c.matches(utc(2026, 2, 1)));  // February
}

TEST(Cron, SevenIsSunday) {
  auto c = parse_ok("0 12 * * 7");
  EXPECT_EQ(*c.next_after(utc(2026, 11, 29, 13, 0)), utc(2026, 12, 6, 12, 0));
}

TEST(Cron, DayOfMonthOnlyWhenWeekdayIsStar) {
  auto c = parse_ok("0 0 13 * *");
  EXPECT_FALSE(c.matches(utc(2026, 11, 20)));
  EXPECT_TRUE(c.matches(utc(2026, 11, 13)));
}

TEST(Cron, LeapDay) {
  auto c = parse_ok("0 0 29 2 *");
  EXPECT_EQ(*c.next_after(utc(2026, 3, 1)), utc(2028, 2, 29));
  // 2100 is not a leap year.
  EXPECT_EQ(*c.next_after(utc(2096, 3, 1)), utc(2104, 2, 29));
}

TEST(Cron, NeverFires) {
  auto c = parse_ok("0 0 30 2 *");
  EXPECT_FALSE(c.next_after(utc(2026, 1, 1)).has_value());
  auto c31 = parse_ok("0 0 31 4,6,9,11 *");
  EXPECT_FALSE(c31.next_after(utc(2026, 1, 1)).has_value());
}

TEST(Cron, NextAfterIsStrictlyLater) {
  auto c = parse_ok("* * * * *");
  EXPECT_EQ(*c.next_after(utc(2026, 5, 5, 5, 5, 0)), utc(2026, 5, 5, 5, 6));
  EXPECT_EQ(*c.next_after(utc(2026, 5, 5, 5, 5, 30)), utc(2026, 5, 5, 5, 6));
}

TEST(Cron, ExtraWhitespaceIsAccepted) {
  auto c = parse_ok("  0   10\t1 * *  ");
  EXPECT_TRUE(c.matches(utc(2026, 3, 1, 10, 0)));
}

TEST(Cron, ErrorsNameTheFieldAndColumn) {
  int col = 0;
  EXPECT_EQ(parse_error("61 * * * *", &col), "invalid minute field '61': 61 is out of range 0-59");
  EXPECT_EQ(col, 1);
  EXPECT_EQ(parse_error("0 25 * * *", &col), "invalid hour field '25': 25 is out of range 0-23");
  EXPECT_EQ(col, 3);
  EXPECT_EQ(parse_error("0 0 0 * *", &col),
            "invalid day-of-month field '0': 0 is out of range 1-31");
  EXPECT_EQ(col, 5);
  EXPECT_EQ(parse_error("0 0 * FOO *", &col),
            "invalid month field 'FOO': 'FOO' is not a number or name");
  EXPECT_EQ(col, 7);
  EXPECT_EQ(parse_error("0 0 * * 8", &col), "invalid day-of-week field '8': 8 is out of range 0-7");
  EXPECT_EQ(col, 9);
  EXPECT_EQ(parse_error("*/0 * * * *"),
            "invalid minute field '*/0': step '0' must be a positive number");
  EXPECT_EQ(parse_error("5-1 * * * *"), "invalid minute field '5-1': range 5-1 is backwards");
  EXPECT_EQ(parse_error("1,,2 * * * *"), "invalid minute field '1,,2': empty list item");
  EXPECT_EQ(parse_error("a * * * *"), "invalid minute field 'a': 'a' is not a number");
}

TEST(Cron, WrongFieldCount) {
  EXPECT_EQ(parse_error("* * * *"),
            "cron expression '* * * *' has 4 fields, expected 5 (minute hour day-of-month month "
            "day-of-week)");
  EXPECT_NE(parse_error("").find("has 0 fields"), std::string::npos);
  EXPECT_NE(parse_error("0 0 * * * 2026").find("has 6 fields"), std::string::npos);
}

}  // namespace
}  // namespace sluice::triggers
