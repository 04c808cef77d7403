#include "triggers/cron.h"

#include <cctype>
#include <charconv>
#include <vector>

namespace sluice::triggers {

namespace {

struct FieldSpec {
  const char* name;
  int min, max;
  const char* const* names;  // symbolic names for min..; nullptr when none
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr FieldSpec kFields[] = {
    {"minute", 0, 59, nullptr},       {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr}, {"month", 1, 12, kMonthNames},
    {"day-of-week", 0, 7, kDayNames},  // 7 = Sunday, folded into 0
};

struct FieldError {
  std::string message;
};

// A number or (for month and weekday) a three-letter name.
std::optional<int> read_value(std::string_view s, const FieldSpec& spec) {
  if (s.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  }
  if (spec.names && s.size() == 3) {
    int count = spec.max == 12 ? 12 : 7;
    for (int i = 0; i < count; ++i) {
      bool eq = true;
      for (int k = 0; k < 3; ++k)
        eq = eq && std::toupper(static_cast<unsigned char>(s[k])) == spec.names[i][k];
      if (eq) return spec.min + i;
    }
  }
  return std::nullopt;
}

// Parses one field into `bits` (index = value); returns an error message or "".
std::string parse_field(std::string_view field, const FieldSpec& spec, std::vector<bool>& bits) {
  bits.assign(spec.max + 1, false);
  const std::string where =
      std::string("invalid ") + spec.name + " field '" + std::string(field) + "': ";
  size_t start = 0;
  while (true) {
    size_t comma = field.find(',', start);
    std::string_view part =
        field.substr(start, comma == std::string_view::npos ? field.npos : comma - start);
    if (part.empty()) return where + "empty list item";
    int step = 1;
    size_t slash = part.find('/');
    std::string_view range = part.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::string_view s = part.substr(slash + 1);
      int v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 1)
        return where + "step '" + std::string(s) + "' must be a positive number";
      if (v > spec.max)
        return where + "step " + std::to_string(v) + " is larger than the field's range";
      step = v;
    }
    int lo, hi;
    if (range == "*") {
      lo = spec.min;
      hi = spec.max == 7 ? 6 : spec.max;
    } else {
      size_t dash = range.find('-');
      auto a = read_value(range.substr(0, dash), spec);
      if (!a)
        return where + "'" + std::string(range.substr(0, dash)) + "' is not a " +
               (spec.names ? "number or name" : "number");
      lo = *a;
      if (dash != std::string_view::npos) {
        auto b = read_value(range.substr(dash + 1), spec);
        if (!b)
          return where + "'" + std::string(range.substr(dash + 1)) + "' is not a " +
                 (spec.names ? "number or name" : "number");
        hi = *b;
      } else {
        hi = slash != std::string_view::npos ? spec.max : lo;  // `a/n` runs to the maximum
      }
      for (int v : {lo, hi})
        if (v < spec.min || v > spec.max)
          return where + std::to_string(v) + " is out of range " + std::to_string(spec.min) + "-" +
                 std::to_string(spec.max);
      if (lo > hi)
        return where + "range " + std::to_string(lo) + "-" + std::to_string(hi) + " is backwards";
    }
    for (int v = lo; v <= hi; v += step) bits[v] = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return "";
}

// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
void civil_from_days(long z, long& y, int& m, int& d) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

int weekday_of(long days) {
  return static_cast<int>(((days % 7) + 7 + 4) % 7);
}  // 1970-01-01 was a Thursday

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  // Split on spaces/tabs, remembering each field's column for error positions.
  std::vector<std::pair<std::string_view, int>> fields;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    fields.emplace_back(text.substr(i, j - i), static_cast<int>(i) + 1);
    i = j;
  }
  if (fields.size() != 5) {
    return Error{"cron expression '" + std::string(text) + "' has " +
                     std::to_string(fields.size()) +
                     " fields, expected 5 (minute hour day-of-month month day-of-week)",
                 SourcePos{"", 0, 1}};
  }
  CronSchedule c;
  c.text_ = std::string(text);
  std::vector<bool> bits;
  for (size_t f = 0; f < 5; ++f) {
    std::string err = parse_field(fields[f].first, kFields[f], bits);
    if (!err.empty()) return Error{err, SourcePos{"", 0, fields[f].second}};
    for (size_t v = 0; v < bits.size(); ++v) {
      if (!bits[v]) continue;
      switch (f) {
        case 0:
          c.minutes_.set(v);
          break;
        case 1:
          c.hours_.set(v);
          break;
        case 2:
          c.days_.set(v);
          break;
        case 3:
          c.months_.set(v);
          break;
        case 4:
          c.weekdays_.set(v % 7);
          break;
      }
    }
  }
  c.days_restricted_ = fields[2].first[0] != '*';
  c.weekdays_restricted_ = fields[4].first[0] != '*';
  return c;
}

bool CronSchedule::day_matches(int day_of_month, int month, int weekday) const {
  if (!months_[month]) return false;
  if (days_restricted_ && weekdays_restricted_) return days_[day_of_month] || weekdays_[weekday];
  return days_[day_of_month] && weekdays_[weekday];
}

bool CronSchedule::matches(std::time_t t) const {
  long days = static_cast<long>(t >= 0 ? t / 86400 : (t - 86399) / 86400);
  long secs = static_cast<long>(t - days * 86400L);
  long y;
  int m, d;
  civil_from_days(days, y, m, d);
  return day_matches(d, m, weekday_of(days)) && hours_[secs / 3600] && minutes_[(secs / 60) % 60];
}

std::optional<std::time_t> CronSchedule::next_after(std::time_t after) const {
  // Walk day by day (skipping non-matching days whole), then hours, then minutes. 28 years
  // covers every combination of leap years and weekdays, so a day that never comes (30 Feb)
  // ends the search.
  long days = static_cast<long>(after >= 0 ? after / 86400 : (after - 86399) / 86400);
  long secs = static_cast<long>(after - days * 86400L);
  long minute_of_day = secs / 60 + 1;  // strictly after
  const long last_day = days + 28 * 366;
  for (; days <= last_day; ++days, minute_of_day = 0) {
    if (minute_of_day >= 24 * 60) continue;
    long y;
    int m, d;
    civil_from_days(days, y, m, d);
    if (!day_matches(d, m, weekday_of(days))) continue;
    for (long mod = minute_of_day; mod < 24 * 60; ++mod) {
      if (!hours_[mod / 60]) {
        mod = (mod / 60) * 60 + 59;  // jump to the next hour
        continue;
      }
      if (minutes_[mod % 60]) return static_cast<std::time_t>(days * 86400L + mod * 60);
    }
  }
  return std::nullopt;
}

}  // namespace sluice::triggers
