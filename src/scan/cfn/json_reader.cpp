#include "scan/cfn/json_reader.h"

#include <cmath>
#include <cstdlib>

#include "scan/cfn/template.h"

namespace sluice::scan::cfn {
namespace {

class Reader {
 public:
  Reader(std::string_view text, const LoadLimits& limits) : s_(text), limits_(limits) {}

  bool parse(CfnNode& out) {
    skip_ws();
    if (!value(out, 0)) return false;
    skip_ws();
    if (i_ != s_.size()) return fail("unexpected text after the JSON document");
    return true;
  }

  std::string error;
  int error_line = 0, error_col = 0;

 private:
  bool fail(std::string message) {
    if (error.empty()) {
      error = std::move(message);
      error_line = line_;
      error_col = static_cast<int>(i_ - line_start_) + 1;
    }
    return false;
  }

  void skip_ws() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n') {
        ++line_;
        line_start_ = ++i_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
      } else {
        break;
      }
    }
  }

  void mark(CfnNode& n) {
    n.line = line_;
    n.column = static_cast<int>(i_ - line_start_) + 1;
  }

  bool value(CfnNode& n, int depth) {
    if (++nodes_ > limits_.max_nodes) return fail("template has too many nodes");
    if (depth > limits_.max_depth)
      return fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    if (i_ >= s_.size()) return fail("unexpected end of file");
    mark(n);
    char c = s_[i_];
    if (c == '{') return object(n, depth);
    if (c == '[') return array(n, depth);
    if (c == '"') {
      n.kind = CfnNode::Kind::kString;
      return string(n.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(n);
    if (s_.substr(i_, 4) == "true") return literal(n, 4, CfnNode::Kind::kBool, true);
    if (s_.substr(i_, 5) == "false") return literal(n, 5, CfnNode::Kind::kBool, false);
    if (s_.substr(i_, 4) == "null") return literal(n, 4, CfnNode::Kind::kNull, false);
    return fail(std::string("unexpected character '") + c + "'");
  }

  bool literal(CfnNode& n, size_t len, CfnNode::Kind kind, bool b) {
    n.kind = kind;
    n.boolean = b;
    i_ += len;
    return true;
  }

  bool object(CfnNode& n, int depth) {
    n.kind = CfnNode::Kind::kObject;
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    while (true) {
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a quoted member name");
      int key_line = line_;
      int key_col = static_cast<int>(i_ - line_start_) + 1;
      std::string key;
      if (!string(key)) return false;
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':' after member name");
      ++i_;
      skip_ws();
      n.keys.push_back(std::move(key));
      n.items.emplace_back();
      if (!value(n.items.back(), depth + 1)) return false;
      CfnNode& v = n.items.back();
      if (!v.is_scalar()) {  // collections point at their key, as the YAML loader does
        v.line = key_line;
        v.column = key_col;
      }
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      return fail("expected ',' or '}' in object");
    }
  }

  bool array(CfnNode& n, int depth) {
    n.kind = CfnNode::Kind::kArray;
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    while (true) {
      skip_ws();
      n.items.emplace_back();
      if (!value(n.items.back(), depth + 1)) return false;
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      return fail("expected ',' or ']' in array");
    }
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(unsigned& out) {
    if (i_ + 4 > s_.size()) return fail("truncated \\u escape");
    out = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= c - '0';
      else if (c >= 'a' && c <= 'f')
        out |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        out |= c - 'A' + 10;
      else
        return fail("invalid \\u escape");
    }
    return true;
  }

  bool string(std::string& out) {
    ++i_;  // opening quote
    while (true) {
      size_t run = i_;
      while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' &&
             static_cast<unsigned char>(s_[i_]) >= 0x20)
        ++i_;
      out.append(s_.data() + run, i_ - run);
      if (i_ >= s_.size()) return fail("unterminated string");
      char c = s_[i_];
      if (c == '"') return ++i_, true;
      if (c != '\\') return fail("control character in string (escape it)");
      if (++i_ >= s_.size()) return fail("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 1 < s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            unsigned low;
            if (!hex4(low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            else
              cp = 0xFFFD;
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;  // lone surrogate
          }
          append_utf8(out, cp);
          break;
        }
        default:
          i_ -= 2;  // point at the backslash
          return fail(std::string("invalid escape \\") + e);
      }
    }
  }

  bool number(CfnNode& n) {
    size_t start = i_;
    if (s_[i_] == '-') ++i_;
    size_t digits = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ == digits) return fail("invalid number");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      size_t frac = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ == frac) return fail("invalid number");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      size_t exp = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ == exp) return fail("invalid number");
    }
    n.kind = CfnNode::Kind::kNumber;
    n.text.assign(s_.data() + start, i_ - start);
    n.number = std::strtod(n.text.c_str(), nullptr);
    if (!std::isfinite(n.number)) return fail("number out of range");
    return true;
  }

  std::string_view s_;
  const LoadLimits& limits_;
  size_t i_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
  size_t nodes_ = 0;
};

}  // namespace

Result<CfnNode> read_json(std::string_view text, const std::string& file,
                          const LoadLimits& limits) {
  Reader reader(text, limits);
  CfnNode root;
  if (!reader.parse(root)) {
    return Error{"malformed JSON: " + reader.error,
                 SourcePos{file, reader.error_line, reader.error_col}};
  }
  return root;
}

}  // namespace sluice::scan::cfn
