// Cron expressions of `on: schedule` (POSIX crontab syntax, as GitHub Actions reads it).
//
// Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC),
// day of week (0-6 or SUN-SAT; 7 is also Sunday). Each field is `*`, a value, a range
// `a-b`, a step `*/n`, `a-b/n` or `a/n` (from a to the field's maximum), or a
// comma-separated list of those. As in Vixie cron, when both day of month and day of
// week are restricted (neither starts with `*`), a day matches if either matches.
// Times are UTC.
#pragma once

#include <bitset>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice::triggers {

class CronSchedule {
 public:
  // Errors name the field ("invalid hour field '25': 25 is out of range 0-23") and put the
  // 1-based column of the offending field within `text` in Error::pos.column.
  static Result<CronSchedule> parse(std::string_view text);

  // The first fire time strictly after `after` (seconds since the epoch, UTC), always on a
  // whole minute; nullopt when the expression never fires (e.g. `0 0 30 2 *`).
  std::optional<std::time_t> next_after(std::time_t after) const;

  // Whether the schedule fires in the minute containing `t`.
  bool matches(std::time_t t) const;

  const std::string& text() const { return text_; }

 private:
  bool day_matches(int day_of_month, int month, int weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace sluice::triggers
