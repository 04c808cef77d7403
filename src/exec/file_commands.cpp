#include "exec/file_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::exec {
namespace {

// Splits on '\n', dropping one trailing '\r' per line (files written on Windows agents or
// by tools that emit CRLF).
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    size_t end = nl == std::string_view::npos ? text_.size() : nl;
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    ++number_;
    return true;
  }
  int number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int number_ = 0;
};

std::string where(std::string_view label, int line) {
  return std::string(label) + " line " + std::to_string(line) + ": ";
}

}  // namespace

std::string parse_key_value_file(std::string_view content, std::string_view label, KeyValues& out) {
  LineReader reader(content);
  std::string_view line;
  while (reader.next(line)) {
    if (line.empty()) continue;
    size_t eq = line.find('=');
    size_t heredoc = line.find("<<");
    if (eq != std::string_view::npos && (heredoc == std::string_view::npos || eq < heredoc)) {
      if (eq == 0) return where(label, reader.number()) + "a name is required before '='";
      out.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
      continue;
    }
    if (heredoc == std::string_view::npos) {
      return where(label, reader.number()) +
             "invalid format: expected 'name=value' or 'name<<DELIMITER'";
    }
    std::string_view name = line.substr(0, heredoc);
    std::string_view delimiter = line.substr(heredoc + 2);
    int start_line = reader.number();
    if (name.empty()) return where(label, start_line) + "a name is required before '<<'";
    if (delimiter.empty()) {
      return where(label, start_line) + "a delimiter is required after '" + std::string(name) +
             "<<'";
    }
    std::string value;
    bool first = true;
    bool closed = false;
    while (reader.next(line)) {
      if (line == delimiter) {
        closed = true;
        break;
      }
      if (!first) value.push_back('\n');
      value.append(line);
      first = false;
    }
    if (!closed) {
      return where(label, start_line) + "matching delimiter '" + std::string(delimiter) +
             "' not found for '" + std::string(name) + "'";
    }
    out.emplace_back(std::string(name), std::move(value));
  }
  return "";
}

std::vector<std::string> parse_path_file(std::string_view content) {
  std::vector<std::string> paths;
  LineReader reader(content);
  std::string_view line;
  while (reader.next(line)) {
    size_t begin = line.find_first_not_of(" \t");
    if (begin == std::string_view::npos) continue;
    size_t end = line.find_last_not_of(" \t");
    paths.emplace_back(line.substr(begin, end - begin + 1));
  }
  return paths;
}

std::string read_file_limited(const std::string& path, size_t max_bytes, std::string_view label,
                              std::string& content) {
  content.clear();
  // Most steps write none of their command files: one stat() instead of four calls.
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0 && errno == ENOENT) return "";
  if (S_ISREG(before.st_mode) && before.st_size == 0) return "";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return "";
    return std::string(label) + ": cannot read " + path + ": " + std::strerror(errno);
  }
  struct stat st {};
  std::string error;
  if (::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) > max_bytes) {
    error = std::string(label) + " is " + std::to_string(st.st_size / 1024) +
            " KiB, more than the " + std::to_string(max_bytes / 1024) + " KiB allowed; ignored";
  } else {
    if (st.st_size > 0) content.reserve(static_cast<size_t>(st.st_size));
    char buffer[16384];
    for (;;) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = std::string(label) + ": cannot read " + path + ": " + std::strerror(errno);
        break;
      }
      if (n == 0) break;
      // The file can grow after fstat (a background process still writing to it).
      if (content.size() + static_cast<size_t>(n) > max_bytes) {
        error = std::string(label) + " is larger than " + std::to_string(max_bytes / 1024) +
                " KiB; ignored";
        break;
      }
      content.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  if (!error.empty()) content.clear();
  return error;
}

}  // namespace sluice::exec
