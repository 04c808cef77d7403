// Recursive-descent parser. Precedence, lowest first: || , && , == != , < <= > >= , ! ,
// postfix (. [ ] and calls), primary — GitHub's documented order.
//
// Hostile input: the text length is capped (kMaxExpressionLength), recursion is counted
// (kMaxExpressionDepth nested groups/calls/indexes/`!`), and the height of every built tree
// is capped by the same limit so that evaluating and destroying it stays shallow.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "expr/ast.h"
#include "expr/expression.h"
#include "expr/lexer.h"

namespace sluice::expr {
namespace {

using NodePtr = std::unique_ptr<Node>;

Error error_at(std::string message, int column) {
  message += " at column " + std::to_string(column);
  return Error{std::move(message), SourcePos{"", 0, column}};
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<NodePtr> parse_all() {
    auto root = parse_or();
    if (!root) return root;
    if (peek().kind != TokenKind::kEnd)
      return error_at("unexpected " + describe(peek()), peek().column);
    return root;
  }

  bool uses_status_function() const { return uses_status_function_; }

 private:
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(index_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& t = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return t;
  }
  bool accept(TokenKind kind) {
    if (peek().kind != kind) return false;
    next();
    return true;
  }

  // Counts recursion; every recursive production enters through one of these.
  struct DepthGuard {
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    int& depth_;
  };
  bool too_deep() const { return depth_ > kMaxExpressionDepth; }
  Error depth_error(int column) const {
    return error_at("expression nested too deeply (the limit is " +
                        std::to_string(kMaxExpressionDepth) + " levels)",
                    column);
  }

  Result<NodePtr> finish(NodePtr node) {
    int height = 0;
    for (const auto& c : node->children) height = std::max(height, c->height);
    node->height = height + 1;
    if (node->height > kMaxExpressionDepth) return depth_error(node->column);
    return node;
  }

  static NodePtr make(NodeKind kind, int column) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->column = column;
    return n;
  }

  // Left-associative n-ary operators (&&, ||) keep the tree flat: `a && b && c` is one node.
  Result<NodePtr> parse_logical(TokenKind op, NodeKind kind, Result<NodePtr> (Parser::*operand)()) {
    auto first = (this->*operand)();
    if (!first || peek().kind != op) return first;
    auto node = make(kind, first.value()->column);
    node->children.push_back(std::move(first.value()));
    while (accept(op)) {
      auto rhs = (this->*operand)();
      if (!rhs) return rhs;
      node->children.push_back(std::move(rhs.value()));
    }
    return finish(std::move(node));
  }

  Result<NodePtr> parse_or() {
    DepthGuard guard(depth_);
    if (too_deep()) return depth_error(peek().column);
    return parse_logical(TokenKind::kOr, NodeKind::kOr, &Parser::parse_and);
  }
  Result<NodePtr> parse_and() {
    return parse_logical(TokenKind::kAnd, NodeKind::kAnd, &Parser::parse_equality);
  }

  Result<NodePtr> parse_equality() {
    auto lhs = parse_comparison();
    while (lhs) {
      TokenKind k = peek().kind;
      if (k != TokenKind::kEqual && k != TokenKind::kNotEqual) break;
      next();
      auto rhs = parse_comparison();
      if (!rhs) return rhs;
      auto node = make(k == TokenKind::kEqual ? NodeKind::kEqual : NodeKind::kNotEqual,
                       lhs.value()->column);
      node->children.push_back(std::move(lhs.value()));
      node->children.push_back(std::move(rhs.value()));
      lhs = finish(std::move(node));
    }
    return lhs;
  }

  Result<NodePtr> parse_comparison() {
    auto lhs = parse_unary();
    while (lhs) {
      NodeKind kind;
      switch (peek().kind) {
        case TokenKind::kLess:
          kind = NodeKind::kLess;
          break;
        case TokenKind::kLessEqual:
          kind = NodeKind::kLessEqual;
          break;
        case TokenKind::kGreater:
          kind = NodeKind::kGreater;
          break;
        case TokenKind::kGreaterEqual:
          kind = NodeKind::kGreaterEqual;
          break;
        default:
          return lhs;
      }
      next();
      auto rhs = parse_unary();
      if (!rhs) return rhs;
      auto node = make(kind, lhs.value()->column);
      node->children.push_back(std::move(lhs.value()));
      node->children.push_back(std::move(rhs.value()));
      lhs = finish(std::move(node));
    }
    return lhs;
  }

  Result<NodePtr> parse_unary() {
    if (peek().kind != TokenKind::kNot) return parse_postfix();
    DepthGuard guard(depth_);
    int column = next().column;
    if (too_deep()) return depth_error(column);
    auto operand = parse_unary();
    if (!operand) return operand;
    auto node = make(NodeKind::kNot, column);
    node->children.push_back(std::move(operand.value()));
    return finish(std::move(node));
  }

  Result<NodePtr> parse_postfix() {
    auto object = parse_primary();
    while (object) {
      if (peek().kind == TokenKind::kDot) {
        int column = next().column;
        auto node = make(NodeKind::kIndex, object.value()->column);
        node->children.push_back(std::move(object.value()));
        const Token& t = peek();
        if (t.kind == TokenKind::kStar) {
          next();
          node->wildcard = true;
        } else if (t.kind == TokenKind::kIdentifier) {
          next();
          node->member = true;
          auto name = make(NodeKind::kLiteral, t.column);
          name->literal = Value(t.text);
          node->children.push_back(std::move(name));
        } else {
          return error_at("expected a property name or '*' after '.', found " + describe(t),
                          t.kind == TokenKind::kEnd ? column + 1 : t.column);
        }
        object = finish(std::move(node));
      } else if (peek().kind == TokenKind::kLeftBracket) {
        DepthGuard guard(depth_);
        int column = next().column;
        if (too_deep()) return depth_error(column);
        auto node = make(NodeKind::kIndex, object.value()->column);
        node->children.push_back(std::move(object.value()));
        if (accept(TokenKind::kStar)) {
          node->wildcard = true;
        } else {
          auto index = parse_or();
          if (!index) return index;
          node->children.push_back(std::move(index.value()));
        }
        if (!accept(TokenKind::kRightBracket))
          return error_at("expected ']' to close '[' from column " + std::to_string(column) +
                              ", found " + describe(peek()),
                          peek().column);
        object = finish(std::move(node));
      } else {
        break;
      }
    }
    return object;
  }

  Result<NodePtr> parse_primary() {
    const Token& t = next();
    switch (t.kind) {
      case TokenKind::kNull:
        return make(NodeKind::kLiteral, t.column);
      case TokenKind::kTrue:
      case TokenKind::kFalse: {
        auto n = make(NodeKind::kLiteral, t.column);
        n->literal = Value(t.kind == TokenKind::kTrue);
        return n;
      }
      case TokenKind::kNumber: {
        auto n = make(NodeKind::kLiteral, t.column);
        n->literal = Value(t.number);
        return n;
      }
      case TokenKind::kString: {
        auto n = make(NodeKind::kLiteral, t.column);
        n->literal = Value(t.string);
        return n;
      }
      case TokenKind::kIdentifier:
        if (peek().kind == TokenKind::kLeftParen) return parse_call(t);
        {
          auto n = make(NodeKind::kContext, t.column);
          n->name = std::string(t.text);
          return n;
        }
      case TokenKind::kLeftParen: {
        auto inner = parse_or();
        if (!inner) return inner;
        if (!accept(TokenKind::kRightParen))
          return error_at("expected ')' to close '(' from column " + std::to_string(t.column) +
                              ", found " + describe(peek()),
                          peek().column);
        return inner;
      }
      case TokenKind::kEnd:
        return error_at("unexpected end of expression (an operand is missing)", t.column);
      default:
        return error_at("unexpected " + describe(t), t.column);
    }
  }

  Result<NodePtr> parse_call(const Token& name) {
    const FunctionInfo* info = find_function(name.text);
    if (!info)
      return error_at("unknown function '" + std::string(name.text) +
                          "' (known: contains, startsWith, endsWith, format, join, toJSON, "
                          "fromJSON, hashFiles, success, always, cancelled, failure, case)",
                      name.column);
    DepthGuard guard(depth_);
    int open = next().column;  // '('
    if (too_deep()) return depth_error(open);
    auto node = make(NodeKind::kCall, name.column);
    node->name = std::string(name.text);
    node->function = info->function;
    if (info->is_status) uses_status_function_ = true;
    if (!accept(TokenKind::kRightParen)) {
      for (;;) {
        auto arg = parse_or();
        if (!arg) return arg;
        node->children.push_back(std::move(arg.value()));
        if (accept(TokenKind::kComma)) continue;
        if (accept(TokenKind::kRightParen)) break;
        return error_at("expected ',' or ')' in the arguments of " + std::string(info->name) +
                            "(), found " + describe(peek()),
                        peek().column);
      }
    }
    int count = static_cast<int>(node->children.size());
    if (count < info->min_args || (info->max_args >= 0 && count > info->max_args)) {
      std::string expected = std::to_string(info->min_args);
      if (info->max_args < 0)
        expected = "at least " + expected;
      else if (info->max_args != info->min_args)
        expected += " or " + std::to_string(info->max_args);
      return error_at(std::string(info->name) + "() takes " + expected + " argument" +
                          (info->min_args == 1 && info->max_args <= 1 ? "" : "s") + ", got " +
                          std::to_string(count),
                      name.column);
    }
    if (info->function == Function::kCase && count % 2 == 0)
      return error_at(
          "case() takes pairs of predicate and value followed by a default value "
          "(an odd number of arguments), got " +
              std::to_string(count),
          name.column);
    return finish(std::move(node));
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
  int depth_ = 0;
  bool uses_status_function_ = false;
};

}  // namespace

Result<Expression> parse(std::string_view text) {
  if (text.size() > kMaxExpressionLength)
    return Error{"expression is " + std::to_string(text.size()) +
                     " characters long (the limit is " + std::to_string(kMaxExpressionLength) + ")",
                 SourcePos{"", 0, 1}};
  auto tokens = tokenize(text);
  if (!tokens) return tokens.error();
  if (tokens->size() == 1) return error_at("empty expression", 1);
  Parser parser(std::move(tokens.value()));
  auto root = parser.parse_all();
  if (!root) return root.error();
  Expression expression;
  expression.root = std::shared_ptr<const Node>(std::move(root.value()));
  expression.text = std::string(text);
  expression.uses_status_function = parser.uses_status_function();
  return expression;
}

}  // namespace sluice::expr
