// Action metadata files (action.yml / action.yaml): YAML → spec::Action.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec/loader_parts.h"
#include "spec/suggest.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {

namespace {

using detail::YamlReader;

constexpr std::string_view kActionKeys[] = {"name",    "author", "description", "inputs",
                                            "outputs", "runs",   "branding"};
constexpr std::string_view kInputKeys[] = {"description", "required", "default",
                                           "deprecationMessage"};
constexpr std::string_view kOutputKeys[] = {"description", "value"};
constexpr std::string_view kRunsKeys[] = {
    "using", "main",       "pre",  "post", "pre-if",         "post-if",        "steps",
    "image", "entrypoint", "args", "env",  "pre-entrypoint", "post-entrypoint"};
constexpr std::string_view kUsings[] = {"composite", "node12", "node16",
                                        "node20",    "node24", "docker"};

void read_inputs(YamlReader& r, const YAML::Node& node, Action& a) {
  if (node.IsNull() || !r.expect_map(node, "'inputs' of the action")) return;
  for (auto& e : r.entries(node, "'inputs' of the action", {})) {
    ActionInput& in = a.inputs.emplace_back();
    in.id = e.key;
    in.pos = e.key_pos;
    const std::string where = "input '" + e.key + "' of the action";
    if (!e.value.IsNull() && r.expect_map(e.value, where)) {
      for (auto& k : r.entries(e.value, where, kInputKeys)) {
        if (k.key == "required") {
          // Actions in the wild write `required: 'false'`; GitHub reads it as a boolean.
          auto s = r.string(k.value, "'required' of " + where);
          in.required = s && (*s == "true" || *s == "True" || *s == "TRUE");
        } else if (k.key == "default") {
          if (auto s = r.string(k.value, "'default' of " + where)) in.default_value = *s;
        } else {
          r.string(k.value, "'" + k.key + "' of " + where);
        }
      }
    }
  }
}

void read_outputs(YamlReader& r, const YAML::Node& node, Action& a) {
  if (node.IsNull() || !r.expect_map(node, "'outputs' of the action")) return;
  for (auto& e : r.entries(node, "'outputs' of the action", {})) {
    const std::string where = "output '" + e.key + "' of the action";
    Scalar value{"", e.key_pos};
    if (!e.value.IsNull() && r.expect_map(e.value, where)) {
      for (auto& k : r.entries(e.value, where, kOutputKeys)) {
        auto s = r.scalar(k.value, "'" + k.key + "' of " + where);
        if (s && k.key == "value") value = *s;
      }
    }
    a.outputs.emplace_back(e.key, std::move(value));
  }
}

// `runs:` of `using: docker`: image, entrypoint, args, env, pre-/post-entrypoint, pre-/post-if.
void read_docker_runs(YamlReader& r, const YAML::Node& node,
                      const std::vector<YamlReader::Entry>& entries, Action& a) {
  for (auto& e : entries) {
    const std::string what = "'" + e.key + "' of the action";
    if (e.key == "using") continue;
    if (e.key == "image") {
      a.image = r.scalar(e.value, what);
    } else if (e.key == "entrypoint" || e.key == "pre-entrypoint" || e.key == "post-entrypoint") {
      auto s = r.string(e.value, what);
      if (s)
        (e.key == "entrypoint"       ? a.entrypoint
         : e.key == "pre-entrypoint" ? a.pre_entrypoint
                                     : a.post_entrypoint) = *s;
    } else if (e.key == "args") {
      if (!r.expect_seq(e.value, what, "write `args: [\"--flag\", \"${{ inputs.x }}\"]`")) continue;
      for (const auto& item : e.value)
        if (auto s = r.scalar(item, what)) a.args.push_back(*s);
    } else if (e.key == "env") {
      a.env = r.scalar_map(e.value, what);
    } else if (e.key == "pre-if" || e.key == "post-if") {
      (e.key == "pre-if" ? a.pre_if : a.post_if) = r.scalar(e.value, what);
    } else {
      r.diagnostics().error(
          e.key_pos, what + " does not apply to `using: docker`",
          "Docker actions have image, entrypoint, args, env, pre-entrypoint, post-entrypoint");
    }
  }
  if (!a.image || a.image->text.empty())
    r.diagnostics().error(r.pos(node), "Docker action has no 'image'",
                          "add `image: Dockerfile` or `image: docker://IMAGE` under `runs:`");
}

void read_runs(YamlReader& r, const YAML::Node& node, Action& a) {
  if (!r.expect_map(node, "'runs' of the action", "write `runs: {using: composite, steps: [...]}`"))
    return;
  auto entries = r.entries(node, "'runs' of the action", kRunsKeys);
  SourcePos using_pos = r.pos(node);
  for (auto& e : entries) {
    if (e.key != "using") continue;
    if (auto s = r.scalar(e.value, "'using' of the action")) a.using_ = s->text, using_pos = s->pos;
  }
  if (a.using_.empty()) {
    r.diagnostics().error(r.pos(node), "'runs' of the action has no 'using'",
                          "add `using: composite` or `using: node20`");
    return;
  }
  if (std::find(std::begin(kUsings), std::end(kUsings), a.using_) == std::end(kUsings)) {
    r.diagnostics().error(using_pos, "unknown 'using: " + a.using_ + "' in the action",
                          did_you_mean(a.using_, kUsings, "use composite, node16 or node20"));
    return;
  }
  if (a.using_ == "docker") return read_docker_runs(r, node, entries, a);
  const bool composite = a.using_ == "composite";
  bool has_steps = false;
  for (auto& e : entries) {
    const std::string what = "'" + e.key + "' of the action";
    if (e.key == "using") continue;
    if (composite && e.key == "steps") {
      has_steps = true;
      a.steps = detail::read_steps(r, e.value, "the composite action", true);
    } else if (!composite && (e.key == "main" || e.key == "pre" || e.key == "post")) {
      auto s = r.string(e.value, what);
      if (s) (e.key == "main" ? a.main : e.key == "pre" ? a.pre : a.post) = *s;
    } else if (!composite && (e.key == "pre-if" || e.key == "post-if")) {
      (e.key == "pre-if" ? a.pre_if : a.post_if) = r.scalar(e.value, what);
    } else {
      r.diagnostics().error(e.key_pos, what + " does not apply to `using: " + a.using_ + "`",
                            composite ? "composite actions have `steps:`"
                                      : "JavaScript actions have main, pre, post, pre-if, post-if");
    }
  }
  if (composite && !has_steps)
    r.diagnostics().error(r.pos(node), "composite action has no 'steps'",
                          "add `steps:` under `runs:`");
  if (!composite && a.main.empty())
    r.diagnostics().error(r.pos(node), "JavaScript action has no 'main'",
                          "add `main: dist/index.js` under `runs:`");
}

}  // namespace

std::optional<Action> load_action_file(const std::string& path, Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string file = path;
  if (fs::is_directory(path, ec)) {
    file.clear();
    for (const char* name : {"action.yml", "action.yaml"}) {
      if (fs::is_regular_file(fs::path(path) / name, ec)) {
        file = (fs::path(path) / name).string();
        break;
      }
    }
    if (file.empty()) {
      diagnostics.error({path, 0, 0}, "no action.yml or action.yaml in '" + path + "'",
                        "check the path given to `uses:`");
      return std::nullopt;
    }
  }
  auto size = fs::file_size(file, ec);
  if (ec || size > kMaxWorkflowFileBytes) {
    diagnostics.error({file, 0, 0},
                      ec ? "cannot read action file: " + ec.message() : "action file is too large",
                      "check the path given to `uses:`");
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  Diagnostics local;
  YamlReader r(file, text, local);
  auto root = r.parse();
  Action a;
  a.file = file;
  a.pos = SourcePos{file, 1, 1};
  if (root &&
      r.expect_map(*root, "the action", "an action file is a mapping with `name:` and `runs:`")) {
    bool has_runs = false;
    for (auto& e : r.entries(*root, "the action", kActionKeys)) {
      if (e.key == "name") {
        if (auto s = r.string(e.value, "'name' of the action")) a.name = *s;
      } else if (e.key == "inputs") {
        read_inputs(r, e.value, a);
      } else if (e.key == "outputs") {
        read_outputs(r, e.value, a);
      } else if (e.key == "runs") {
        has_runs = true;
        read_runs(r, e.value, a);
      }
    }
    if (!has_runs)
      local.error(a.pos, "action has no 'runs'", "add `runs: {using: composite, steps: [...]}`");
  }
  bool failed = local.has_errors();
  diagnostics.append(local);
  if (failed) return std::nullopt;
  return a;
}

}  // namespace sluice::spec
