#include "expr/lexer.h"

#include <cmath>
#include <limits>

#include "core/value.h"

namespace sluice::expr {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool is_boundary(char c) {
  switch (c) {
    case '(':
    case ')':
    case '[':
    case ']':
    case ',':
    case '.':
    case '!':
    case '<':
    case '>':
    case '=':
    case '&':
    case '|':
      return true;
    default:
      return is_space(c);
  }
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_legal_identifier(std::string_view s) {
  if (s.empty() || !(is_letter(s[0]) || s[0] == '_')) return false;
  for (char c : s.substr(1))
    if (!(is_letter(c) || is_digit(c) || c == '_' || c == '-')) return false;
  return true;
}

Error error_at(std::string message, int column) {
  message += " at column " + std::to_string(column);
  return Error{std::move(message), SourcePos{"", 0, column}};
}

// Shortens a lexeme quoted in an error message so hostile input cannot make huge messages.
std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return std::string(s);
  return std::string(s.substr(0, kMax)) + "...";
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> run() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (is_space(c)) {
        ++pos_;
        continue;
      }
      start_ = pos_;
      if (auto error = lex_one(c); !error.message.empty()) return error;
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.column = static_cast<int>(text_.size()) + 1;
    tokens_.push_back(std::move(end));
    return std::move(tokens_);
  }

 private:
  // Returns an Error with an empty message on success (keeps the loop simple).
  Error lex_one(char c) {
    switch (c) {
      case '(':
        return single(TokenKind::kLeftParen);
      case ')':
        return single(TokenKind::kRightParen);
      case '[':
        return single(TokenKind::kLeftBracket);
      case ']':
        return single(TokenKind::kRightBracket);
      case ',':
        return single(TokenKind::kComma);
      case '*':
        return single(TokenKind::kStar);
      case '.': {
        TokenKind prev = tokens_.empty() ? TokenKind::kEnd : tokens_.back().kind;
        if (prev == TokenKind::kIdentifier || prev == TokenKind::kRightBracket ||
            prev == TokenKind::kRightParen || prev == TokenKind::kStar)
          return single(TokenKind::kDot);
        return number();
      }
      case '!':
        return pair('=', TokenKind::kNotEqual, TokenKind::kNot);
      case '<':
        return pair('=', TokenKind::kLessEqual, TokenKind::kLess);
      case '>':
        return pair('=', TokenKind::kGreaterEqual, TokenKind::kGreater);
      case '=':
        if (peek(1) == '=') return emit(TokenKind::kEqual, 2);
        return error_at("unexpected '=' (did you mean '=='?)", column());
      case '&':
        if (peek(1) == '&') return emit(TokenKind::kAnd, 2);
        return error_at("unexpected '&' (did you mean '&&'?)", column());
      case '|':
        if (peek(1) == '|') return emit(TokenKind::kOr, 2);
        return error_at("unexpected '|' (did you mean '||'?)", column());
      case '\'':
        return string();
      case '"':
        return error_at(
            "double-quoted string; strings use single quotes ('text', with '' for a quote)",
            column());
      default:
        if (is_digit(c) || c == '-' || c == '+') return number();
        return word();
    }
  }

  char peek(size_t ahead) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  int column() const { return static_cast<int>(start_) + 1; }

  Error single(TokenKind kind) { return emit(kind, 1); }
  Error pair(char second, TokenKind two, TokenKind one) {
    return peek(1) == second ? emit(two, 2) : emit(one, 1);
  }
  Error emit(TokenKind kind, size_t length) {
    Token t;
    t.kind = kind;
    t.text = text_.substr(start_, length);
    t.column = column();
    pos_ = start_ + length;
    tokens_.push_back(std::move(t));
    return Error{};
  }

  Error number() {
    size_t end = pos_ + 1;
    while (end < text_.size() && (!is_boundary(text_[end]) || text_[end] == '.')) ++end;
    std::string_view lexeme = text_.substr(start_, end - start_);
    double value = Value(lexeme).to_number();
    if (std::isnan(value)) return error_at("invalid number '" + excerpt(lexeme) + "'", column());
    Token t;
    t.kind = TokenKind::kNumber;
    t.text = lexeme;
    t.column = column();
    t.number = value;
    pos_ = end;
    tokens_.push_back(std::move(t));
    return Error{};
  }

  Error string() {
    std::string value;
    size_t i = pos_ + 1;
    for (;;) {
      if (i >= text_.size()) return error_at("unterminated string (add a closing ')", column());
      char c = text_[i];
      if (c == '\'') {
        if (i + 1 < text_.size() && text_[i + 1] == '\'') {
          value += '\'';
          i += 2;
          continue;
        }
        break;
      }
      value += c;
      ++i;
    }
    Token t;
    t.kind = TokenKind::kString;
    t.text = text_.substr(start_, i + 1 - start_);
    t.column = column();
    t.string = std::move(value);
    pos_ = i + 1;
    tokens_.push_back(std::move(t));
    return Error{};
  }

  Error word() {
    size_t end = pos_ + 1;
    while (end < text_.size() && !is_boundary(text_[end])) ++end;
    std::string_view lexeme = text_.substr(start_, end - start_);
    Token t;
    t.kind = TokenKind::kIdentifier;
    t.text = lexeme;
    t.column = column();
    bool after_dot = !tokens_.empty() && tokens_.back().kind == TokenKind::kDot;
    // Keywords are case-sensitive, as in GitHub; after '.' they are plain member names.
    if (!after_dot) {
      if (lexeme == "true")
        t.kind = TokenKind::kTrue;
      else if (lexeme == "false")
        t.kind = TokenKind::kFalse;
      else if (lexeme == "null")
        t.kind = TokenKind::kNull;
      else if (lexeme == "NaN") {
        t.kind = TokenKind::kNumber;
        t.number = std::numeric_limits<double>::quiet_NaN();
      } else if (lexeme == "Infinity") {
        t.kind = TokenKind::kNumber;
        t.number = std::numeric_limits<double>::infinity();
      }
    }
    if (t.kind == TokenKind::kIdentifier && !is_legal_identifier(lexeme))
      return error_at("unexpected symbol '" + excerpt(lexeme) + "'", column());
    pos_ = end;
    tokens_.push_back(std::move(t));
    return Error{};
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t start_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text) {
  return Lexer(text).run();
}

std::string describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "end of expression";
  return "token '" + excerpt(token.text) + "'";
}

}  // namespace sluice::expr
