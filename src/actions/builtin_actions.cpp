#include "actions/builtin_actions.h"

#include "core/text.h"

namespace sluice::actions {
namespace {

spec::ActionInput input(const char* id, const char* default_value) {
  spec::ActionInput in;
  in.id = id;
  in.default_value = std::string(default_value);
  return in;
}

}  // namespace

std::shared_ptr<engine::ResolvedAction> checkout_action(const std::string& uses) {
  auto a = std::make_shared<engine::ResolvedAction>();
  a->kind = engine::ResolvedAction::Kind::kBuiltin;
  a->uses = uses;
  a->action.name = "checkout (built-in)";
  a->action.inputs = {input("path", ""),       input("ref", ""),   input("fetch-depth", "1"),
                      input("repository", ""), input("token", ""), input("submodules", "false")};
  a->builtin_script = R"SH(
if [ -z "$INPUT_PATH" ] || [ "$INPUT_PATH" = "." ]; then
  echo "checkout: the workspace is the working tree at $GITHUB_WORKSPACE (commit ${GITHUB_SHA:-unknown})"
  exit 0
fi
target="$GITHUB_WORKSPACE/$INPUT_PATH"
if [ -e "$target" ]; then
  echo "checkout: $target already exists; leaving it as it is"
  exit 0
fi
git clone --quiet --no-hardlinks "$GITHUB_WORKSPACE" "$target"
if [ -n "$INPUT_REF" ]; then git -C "$target" checkout --quiet "$INPUT_REF"; fi
echo "checkout: cloned $(git -C "$target" rev-parse HEAD) into $target"
)SH";
  return a;
}

std::shared_ptr<engine::ResolvedAction> scan_action(const std::string& uses,
                                                    const std::string& sluice_binary) {
  auto a = std::make_shared<engine::ResolvedAction>();
  a->kind = engine::ResolvedAction::Kind::kBuiltin;
  a->uses = uses;
  a->action.name = "scan (built-in)";
  a->action.inputs = {input("paths", "."),       input("packs", "aws-solutions,secrets"),
                      input("fail-on", "error"), input("format", "sarif"),
                      input("output", ""),       input("suppressions", ""),
                      input("parameters", ""),   input("config", ""),
                      input("since", "")};
  a->builtin_script = "exec " + shell_quote(sluice_binary) + " __scan-gate\n";
  return a;
}

std::shared_ptr<engine::ResolvedAction> health_gate_action(const std::string& uses,
                                                           const std::string& sluice_binary) {
  auto a = std::make_shared<engine::ResolvedAction>();
  a->kind = engine::ResolvedAction::Kind::kBuiltin;
  a->uses = uses;
  a->action.name = "health-gate (built-in)";
  a->action.inputs = {input("source", ""),
                      input("url", ""),
                      input("query", ""),
                      input("condition", ""),
                      input("threshold", ""),
                      input("command", ""),
                      input("endpoint", ""),
                      input("region", ""),
                      input("services", ""),
                      input("categories", ""),
                      input("statuses", "open"),
                      input("event-types", ""),
                      input("ignore", ""),
                      input("interval", "10s"),
                      input("stable-for", "2"),
                      input("timeout", "30m"),
                      input("on-source-error", "retry"),
                      input("on-timeout", "fail")};
  a->builtin_script = "exec " + shell_quote(sluice_binary) + " __health-gate\n";
  return a;
}

std::shared_ptr<engine::ResolvedAction> deploy_action(const std::string& uses,
                                                      const std::string& sluice_binary) {
  auto a = std::make_shared<engine::ResolvedAction>();
  a->kind = engine::ResolvedAction::Kind::kBuiltin;
  a->uses = uses;
  a->action.name = "deploy (built-in)";
  a->action.inputs = {input("strategy", "all-at-once"),
                      input("targets", ""),
                      input("targets-command", ""),
                      input("revision", ""),
                      input("environment", ""),
                      input("min-healthy", ""),
                      input("appspec", ""),
                      input("hooks", ""),
                      input("steps", ""),
                      input("checks", ""),
                      input("rollback-window", "0"),
                      input("auto-rollback", "true")};
  a->builtin_script = "exec " + shell_quote(sluice_binary) + " __deploy\n";
  return a;
}

}  // namespace sluice::actions
