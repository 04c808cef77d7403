// Diagnostics: errors and warnings that point at a place in a user's file.
//
// Every parser in sluice reports all the problems it finds, not just the first,
// each as a Diagnostic with file:line:column and a one-line hint the user can act on.
#pragma once

#include <string>
#include <vector>

namespace sluice {

// A position in a source file. Lines and columns are 1-based; 0 means "unknown".
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:col", leaving out the parts that are unknown.
  std::string to_string() const;
};

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string message;  // what is wrong, one line
  std::string hint;     // how to fix it, one line; may be empty

  // "file:line:col: error: message\n  hint: ..." (hint line only when present). Control
  // characters and invalid UTF-8 in the file name, message and hint are shown escaped
  // (\x01, \xff; see core/text.h), so a message cannot act on the terminal.
  std::string format() const;
};

// An ordered list of diagnostics collected while processing one or more files.
class Diagnostics {
 public:
  void error(SourcePos pos, std::string message, std::string hint = "");
  void warning(SourcePos pos, std::string message, std::string hint = "");
  // Message and hint are stored with control characters and invalid UTF-8 escaped.
  void add(Diagnostic d);
  void append(const Diagnostics& other);

  bool has_errors() const;
  size_t error_count() const;
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }

  // All diagnostics, formatted, one per line (hints on their own indented line).
  std::string format() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace sluice
