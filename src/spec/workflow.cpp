#include "spec/workflow.h"

namespace sluice::spec {

SourcePos Scalar::pos_at(size_t offset) const {
  if (offset > text.size()) return pos;
  if (text_column > 0 && text.find('\n') == std::string::npos) {
    SourcePos p = pos;
    p.column = text_column + static_cast<int>(offset);
    return p;
  }
  if (block_indent > 0) {
    // Literal blocks keep the line structure: count the newlines before `offset`.
    int line = 0;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    SourcePos p = pos;
    p.line = pos.line + 1 + line;
    p.column = block_indent + static_cast<int>(offset - line_start);
    return p;
  }
  return pos;
}

const EventFilter* Triggers::find(std::string_view event) const {
  for (const auto& e : events)
    if (e.event == event) return &e;
  return nullptr;
}

std::string Permissions::level(const std::string& scope) const {
  if (all == "write-all") return "write";
  if (all == "read-all") return scope == "id-token" ? "none" : "read";  // GitHub: no read
  auto it = scopes.find(scope);
  return it == scopes.end() ? "none" : it->second;
}

const Job* Workflow::find_job(std::string_view id) const {
  for (const auto& j : jobs)
    if (j.id == id) return &j;
  return nullptr;
}

std::string Workflow::display_name() const {
  if (name && !name->text.empty()) return name->text;
  return file;
}

}  // namespace sluice::spec
