#include "agent/agent_paths.h"

#include <algorithm>
#include <cctype>

namespace sluice::agent {

void PathMap::add(std::string from, std::string to) {
  while (from.size() > 1 && from.back() == '/') from.pop_back();
  if (from.empty() || from == to) return;
  pairs_.emplace_back(std::move(from), std::move(to));
  std::stable_sort(pairs_.begin(), pairs_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::string PathMap::apply(const std::string& text) const {
  if (pairs_.empty()) return text;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool at_start = i == 0 || text[i - 1] == ':' || text[i - 1] == '=' ||
                    std::isspace(static_cast<unsigned char>(text[i - 1]));
    bool replaced = false;
    if (at_start && text[i] == '/') {
      for (const auto& [from, to] : pairs_) {
        if (text.compare(i, from.size(), from) != 0) continue;
        size_t end = i + from.size();
        if (end < text.size() && text[end] != '/' && text[end] != ':') continue;
        out += to;
        i = end;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

PathMap PathMap::reversed() const {
  PathMap r;
  for (const auto& [from, to] : pairs_) r.add(to, from);
  return r;
}

void map_request(engine::StepRequest& request, const PathMap& map) {
  request.working_directory = map.apply(request.working_directory);
  request.script_path = map.apply(request.script_path);
  for (auto& [name, value] : request.env) value = map.apply(value);
}

void map_outcome(engine::StepOutcome& outcome, const PathMap& map) {
  for (std::string& p : outcome.path) p = map.apply(p);
  for (auto& [name, value] : outcome.env) value = map.apply(value);
}

}  // namespace sluice::agent
