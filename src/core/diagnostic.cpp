#include "core/diagnostic.h"

#include "core/text.h"

namespace sluice {

std::string SourcePos::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

std::string Diagnostic::format() const {
  std::string out = escape_for_display(pos.to_string());
  if (!out.empty()) out += ": ";
  switch (severity) {
    case Severity::kError:
      out += "error: ";
      break;
    case Severity::kWarning:
      out += "warning: ";
      break;
    case Severity::kNote:
      out += "note: ";
      break;
  }
  out += escape_for_display(message);
  if (!hint.empty()) out += "\n  hint: " + escape_for_display(hint);
  return out;
}

void Diagnostics::error(SourcePos pos, std::string message, std::string hint) {
  add({Severity::kError, std::move(pos), std::move(message), std::move(hint)});
}

void Diagnostics::warning(SourcePos pos, std::string message, std::string hint) {
  add({Severity::kWarning, std::move(pos), std::move(message), std::move(hint)});
}

void Diagnostics::add(Diagnostic d) {
  // Messages quote the user's text; stored escaped, they are safe in every report
  // (terminal, JSON, SARIF) and valid UTF-8.
  d.message = escape_for_display(d.message);
  d.hint = escape_for_display(d.hint);
  items_.push_back(std::move(d));
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const {
  return error_count() > 0;
}

size_t Diagnostics::error_count() const {
  size_t n = 0;
  for (const auto& d : items_) n += d.severity == Severity::kError;
  return n;
}

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : items_) out += d.format() + "\n";
  return out;
}

}  // namespace sluice
