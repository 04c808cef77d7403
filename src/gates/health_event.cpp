#include "gates/health_event.h"

#include <algorithm>

#include "core/glob.h"

namespace sluice::gates {
namespace {

bool any_glob(const std::vector<std::string>& patterns, const std::string& text) {
  if (patterns.empty()) return true;
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return glob_match(p, text); });
}

bool any_equal(const std::vector<std::string>& values, const std::string& text) {
  if (values.empty()) return true;
  return std::find(values.begin(), values.end(), text) != values.end();
}

}  // namespace

std::string describe_event(const HealthEvent& e) {
  auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  std::string line = "id=" + or_dash(e.id) + " region=" + or_dash(e.region) +
                     " service=" + or_dash(e.service) + " status=" + or_dash(e.status) +
                     " category=" + or_dash(e.category) + " type=" + or_dash(e.event_type);
  if (!e.summary.empty()) line += " (" + e.summary + ")";
  return line;
}

bool EventFilter::blocks(const HealthEvent& e) const {
  for (const auto& pattern : ignore)
    if (glob_match(pattern, e.id)) return false;
  // An event without a region (a global service event) is not filtered out by `regions`:
  // it may affect every region.
  if (!e.region.empty() && !any_glob(regions, e.region)) return false;
  return any_equal(categories, e.category) && any_equal(statuses, e.status) &&
         any_glob(services, e.service) && any_glob(event_types, e.event_type);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text + "\n") {
    if (c == ',' || c == '\n' || c == ' ' || c == '\t' || c == '\r') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

}  // namespace sluice::gates
