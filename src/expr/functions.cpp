#include "expr/functions.h"

#include <exception>

#include "core/json.h"
#include "expr/compare.h"

namespace sluice::expr {
namespace {

bool is_primitive(const Value& v) {
  return !v.is_array() && !v.is_object();
}

// Format strings quoted in errors are shortened: they may be long or come from a context.
std::string excerpt(const std::string& s) {
  constexpr size_t kMax = 60;
  return s.size() <= kMax ? s : s.substr(0, kMax) + "...";
}

Error too_long(const char* function) {
  return Error{std::string(function) + "() result is longer than " +
                   std::to_string(kMaxResultLength) + " bytes",
               {}};
}

}  // namespace

bool fn_contains(const Value& search, const Value& item) {
  if (search.is_array()) {
    for (const Value& element : search.as_array())
      if (loose_equals(element, item)) return true;
    return false;
  }
  if (!is_primitive(search) || !is_primitive(item)) return false;
  return icontains(search.to_string(), item.to_string());
}

bool fn_starts_with(const Value& text, const Value& prefix) {
  if (!is_primitive(text) || !is_primitive(prefix)) return false;
  return istarts_with(text.to_string(), prefix.to_string());
}

bool fn_ends_with(const Value& text, const Value& suffix) {
  if (!is_primitive(text) || !is_primitive(suffix)) return false;
  return iends_with(text.to_string(), suffix.to_string());
}

Result<Value> fn_format(const std::vector<Value>& args) {
  const std::string format = args.at(0).to_string();
  auto invalid = [&] {
    return Error{"format(): invalid format string '" + excerpt(format) +
                     "' (use {0}, {1}, ... for arguments and {{ or }} for literal braces)",
                 {}};
  };
  std::string out;
  out.reserve(format.size());
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c == '{') {
      if (i + 1 < format.size() && format[i + 1] == '{') {
        out += '{';
        i += 2;
        continue;
      }
      size_t j = i + 1;
      size_t index = 0;
      bool overflow = false;
      while (j < format.size() && format[j] >= '0' && format[j] <= '9') {
        if (index > 100000000)
          overflow = true;
        else
          index = index * 10 + static_cast<size_t>(format[j] - '0');
        ++j;
      }
      if (j == i + 1 || j >= format.size() || format[j] != '}') return invalid();
      if (overflow || index + 1 >= args.size())
        return Error{"format(): the format string '" + excerpt(format) + "' references argument {" +
                         format.substr(i + 1, j - i - 1) + "} but only " +
                         std::to_string(args.size() - 1) + " were supplied",
                     {}};
      out += args[index + 1].to_string();
      if (out.size() > kMaxResultLength) return too_long("format");
      i = j + 1;
    } else if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      return invalid();
    } else {
      out += c;
      ++i;
    }
  }
  return Value(std::move(out));
}

Result<Value> fn_join(const Value& items, const Value* separator) {
  if (!items.is_array()) {
    if (is_primitive(items)) return Value(items.to_string());
    return Value("");
  }
  std::string sep = ",";
  if (separator && is_primitive(*separator)) sep = separator->to_string();
  std::string out;
  bool first = true;
  for (const Value& item : items.as_array()) {
    if (!first) out += sep;
    first = false;
    out += item.to_string();
    if (out.size() > kMaxResultLength) return too_long("join");
  }
  return Value(std::move(out));
}

Result<Value> fn_to_json(const Value& value) {
  std::string out = to_json(value, 2);
  if (out.size() > kMaxResultLength) return too_long("toJSON");
  return Value(std::move(out));
}

Result<Value> fn_from_json(const Value& text) {
  std::string s = text.to_string();
  if (s.empty())
    return Error{"fromJSON(): the input is an empty string, which is not valid JSON", {}};
  // parse_json (core/json.cpp) lets nlohmann's out_of_range escape for numbers such as 1e400;
  // untrusted text must not terminate the process, so contain it here as well.
  Result<Value> parsed = Value();
  try {
    parsed = parse_json(s);
  } catch (const std::exception&) {
    return Error{"fromJSON(): invalid JSON (a number is out of range)", {}};
  }
  if (!parsed) {
    // Drop the parser's "last read: '...'" excerpt: the input may be a secret.
    std::string message = parsed.error().message;
    if (size_t at = message.find("; last read:"); at != std::string::npos) message.erase(at);
    return Error{"fromJSON(): " + message, {}};
  }
  return parsed;
}

}  // namespace sluice::expr
