#include "triggers/git_remote.h"

#include <cctype>
#include <vector>

#include "core/value.h"

namespace sluice::triggers {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
}

std::string lower(std::string_view text) {
  return to_lower(text);
}

// Reads git-config(1) text one character at a time, as git's config parser does: "\r\n"
// reads as "\n", the end of the text as a final "\n".
class ConfigReader {
 public:
  explicit ConfigReader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  int line() const { return line_; }
  char peek() const {
    if (pos_ >= text_.size()) return '\n';
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') return '\n';
    return text_[pos_];
  }
  char next() {
    char c = peek();
    if (pos_ < text_.size()) pos_ += text_.compare(pos_, 2, "\r\n") == 0 ? 2 : 1;
    if (c == '\n') ++line_;
    return c;
  }
  void skip_line() {
    while (!at_end() && next() != '\n') {
    }
  }

  // "[section]", "[section \"subsection\"]" or "[section.subsection]"; the '[' is read.
  bool section(std::string& name, std::string& subsection) {
    name.clear();
    subsection.clear();
    while (is_name_char(peek()) || peek() == '.') name += next();
    if (name.empty()) return false;
    if (peek() == ']') {
      next();
      size_t dot = name.find('.');
      if (dot != std::string::npos) {  // the old syntax: the subsection is case-insensitive
        subsection = lower(name.substr(dot + 1));
        name.resize(dot);
      }
      name = lower(name);
      return true;
    }
    if (name.find('.') != std::string::npos) return false;
    name = lower(name);
    while (peek() == ' ' || peek() == '\t') next();
    if (next() != '"') return false;
    while (true) {
      char c = next();
      if (c == '\n') return false;
      if (c == '"') break;
      if (c == '\\') c = next();
      if (c == '\n') return false;
      subsection += c;
    }
    return next() == ']';
  }

  // The value after '=' up to the end of its (possibly continued) line.
  bool value(std::string& out) {
    out.clear();
    bool quote = false, comment = false;
    size_t spaces = 0;
    while (true) {
      char c = next();
      if (c == '\n') return !quote;
      if (comment) continue;
      if ((c == ' ' || c == '\t') && !quote) {
        if (!out.empty()) ++spaces;
        continue;
      }
      if (!quote && (c == ';' || c == '#')) {
        comment = true;
        continue;
      }
      out.append(spaces, ' ');
      spaces = 0;
      if (c == '\\') {
        c = next();
        switch (c) {
          case '\n':
            continue;  // a continued line
          case 't':
            c = '\t';
            break;
          case 'b':
            c = '\b';
            break;
          case 'n':
            c = '\n';
            break;
          case '\\':
          case '"':
            break;
          default:
            return false;
        }
        out += c;
        continue;
      }
      if (c == '"') {
        quote = !quote;
        continue;
      }
      out += c;
    }
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

Result<std::optional<std::string>> git_config_value(std::string_view text, std::string_view section,
                                                    std::string_view subsection,
                                                    std::string_view key) {
  ConfigReader in(text);
  std::string current, current_sub;
  bool in_section = false;
  auto bad = [&](int line) { return Error{"bad config line " + std::to_string(line), {}}; };
  while (!in.at_end()) {
    char c = in.peek();
    int line = in.line();
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
      in.next();
    } else if (c == '#' || c == ';') {
      in.skip_line();
    } else if (c == '[') {
      in.next();
      if (!in.section(current, current_sub)) return bad(line);
      in_section = true;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      std::string name;
      while (is_name_char(in.peek())) name += in.next();
      while (in.peek() == ' ' || in.peek() == '\t') in.next();
      std::string value = "true";  // a key alone is a boolean
      char after = in.peek();
      if (after == '=') {
        in.next();
        if (!in.value(value)) return bad(line);
      } else if (after == '\n' || after == '#' || after == ';') {
        in.skip_line();
      } else {
        return bad(line);
      }
      if (!in_section) return bad(line);
      if (current == lower(section) && current_sub == subsection && lower(name) == lower(key))
        return std::optional<std::string>(std::move(value));
    } else {
      return bad(line);
    }
  }
  return std::optional<std::string>();
}

Result<std::optional<std::string>> read_remote_url(const GitRepository& repo,
                                                   std::string_view name) {
  auto text = read_git_config_file(repo);
  if (!text.ok()) return text.error();
  if (!text->has_value()) return std::optional<std::string>();
  auto url = git_config_value(**text, "remote", name, "url");
  if (!url.ok())
    return Error{(repo.common_dir / "config").string() + ": " + url.error().message, {}};
  return url;
}

std::optional<RepositorySlug> repository_from_remote_url(std::string_view url) {
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front())))
    url.remove_prefix(1);
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.remove_suffix(1);
  std::string_view path;
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    if (lower(url.substr(0, scheme)) == "file") return std::nullopt;
    std::string_view rest = url.substr(scheme + 3);  // [user[:password]@]host[:port]/path
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    path = rest.substr(slash + 1);
  } else {
    // scp-like [user@]host:path: a ':' before any '/' (else it is a local path).
    size_t colon = url.find(':');
    size_t slash = url.find('/');
    if (colon == std::string_view::npos || colon == 0 ||
        (slash != std::string_view::npos && slash < colon))
      return std::nullopt;
    path = url.substr(colon + 1);
  }
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    if (!segment.empty()) segments.push_back(segment);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  if (segments.size() < 2) return std::nullopt;
  std::string_view owner = segments[segments.size() - 2];
  std::string_view name = segments.back();
  if (name.size() > 4 && name.substr(name.size() - 4) == ".git") name.remove_suffix(4);
  for (std::string_view part : {owner, name})
    if (part.empty() || part == "." || part == ".." || part.find(':') != std::string_view::npos ||
        part.find('@') != std::string_view::npos)
      return std::nullopt;
  return RepositorySlug{std::string(owner), std::string(name)};
}

}  // namespace sluice::triggers
