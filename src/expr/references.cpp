// referenced_paths(): the context paths an expression reads with constant member names.
#include <algorithm>
#include <string>
#include <vector>

#include "expr/ast.h"
#include "expr/expression.h"

namespace sluice::expr {
namespace {

// A member name when `index` is a constant string (`.name` or `['name']`).
const std::string* constant_member(const Node& index_node) {
  if (index_node.wildcard || index_node.children.size() < 2) return nullptr;
  const Node& index = *index_node.children[1];
  if (index.kind != NodeKind::kLiteral || !index.literal.is_string()) return nullptr;
  return &index.literal.as_string();
}

void add(std::vector<MemberPath>& out, MemberPath path) {
  if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(std::move(path));
}

void visit(const Node& node, std::vector<MemberPath>& out) {
  if (node.kind == NodeKind::kIndex || node.kind == NodeKind::kContext) {
    // Collect the chain of index nodes down to its base, outermost first.
    std::vector<const Node*> chain;
    const Node* base = &node;
    while (base->kind == NodeKind::kIndex) {
      chain.push_back(base);
      base = base->children[0].get();
    }
    if (base->kind == NodeKind::kContext) {
      MemberPath path{base->name};
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const std::string* member = constant_member(**it);
        if (!member) break;
        path.push_back(*member);
      }
      add(out, std::move(path));
    } else {
      visit(*base, out);
    }
    // Index expressions may read contexts themselves: steps[inputs.id].
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      if (!(*it)->wildcard && !(*it)->member) visit(*(*it)->children[1], out);
    return;
  }
  for (const auto& child : node.children) visit(*child, out);
}

}  // namespace

std::vector<MemberPath> referenced_member_paths(const Expression& expression) {
  std::vector<MemberPath> out;
  if (expression.root) visit(*expression.root, out);
  return out;
}

std::vector<std::string> referenced_paths(const Expression& expression) {
  std::vector<std::string> out;
  for (const MemberPath& members : referenced_member_paths(expression)) {
    std::string path;
    for (const std::string& member : members) path += (path.empty() ? "" : ".") + member;
    if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(std::move(path));
  }
  return out;
}

}  // namespace sluice::expr
