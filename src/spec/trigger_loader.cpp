// `on:` — the events that trigger a workflow, their filters, schedules and inputs.
#include <algorithm>

#include "spec/loader_parts.h"
#include "spec/suggest.h"

namespace sluice::spec::detail {

namespace {

constexpr std::string_view kEvents[] = {"branch_protection_rule",
                                        "check_run",
                                        "check_suite",
                                        "create",
                                        "delete",
                                        "deployment",
                                        "deployment_status",
                                        "discussion",
                                        "discussion_comment",
                                        "fork",
                                        "gollum",
                                        "image_version",
                                        "issue_comment",
                                        "issues",
                                        "label",
                                        "merge_group",
                                        "milestone",
                                        "page_build",
                                        "project",
                                        "project_card",
                                        "project_column",
                                        "public",
                                        "pull_request",
                                        "pull_request_comment",
                                        "pull_request_review",
                                        "pull_request_review_comment",
                                        "pull_request_target",
                                        "push",
                                        "registry_package",
                                        "release",
                                        "repository_dispatch",
                                        "schedule",
                                        "status",
                                        "watch",
                                        "workflow_call",
                                        "workflow_dispatch",
                                        "workflow_run"};

constexpr std::string_view kPushKeys[] = {"branches",    "branches-ignore", "tags",
                                          "tags-ignore", "paths",           "paths-ignore"};
constexpr std::string_view kPullRequestKeys[] = {"types", "branches", "branches-ignore", "paths",
                                                 "paths-ignore"};
constexpr std::string_view kMergeGroupKeys[] = {"types", "branches", "branches-ignore"};
constexpr std::string_view kWorkflowRunKeys[] = {"types", "workflows", "branches",
                                                 "branches-ignore"};
constexpr std::string_view kTypesKeys[] = {"types"};
// GitHub accepts the push filters under workflow_dispatch and ignores them ("not available
// for this event type and has no effect"): real workflows carry them, so they are warned about.
constexpr std::string_view kDispatchKeys[] = {"inputs",      "branches", "branches-ignore", "tags",
                                              "tags-ignore", "paths",    "paths-ignore"};
constexpr std::string_view kCallKeys[] = {"inputs", "outputs", "secrets"};
constexpr std::string_view kDispatchInputKeys[] = {"description", "type", "required", "default",
                                                   "options"};
constexpr std::string_view kCallInputKeys[] = {"description", "type", "required", "default"};
constexpr std::string_view kCallOutputKeys[] = {"description", "value"};
constexpr std::string_view kCallSecretKeys[] = {"description", "required"};
constexpr std::string_view kScheduleKeys[] = {"cron", "timezone"};
constexpr std::string_view kDispatchTypes[] = {"string", "boolean", "number", "choice",
                                               "environment"};
constexpr std::string_view kCallTypes[] = {"string", "boolean", "number"};

bool is_known_event(std::string_view e) {
  return std::find(std::begin(kEvents), std::end(kEvents), e) != std::end(kEvents);
}

std::span<const std::string_view> filter_keys(std::string_view event) {
  if (event == "push") return kPushKeys;
  if (event == "pull_request" || event == "pull_request_target") return kPullRequestKeys;
  if (event == "merge_group") return kMergeGroupKeys;
  if (event == "workflow_run") return kWorkflowRunKeys;
  return kTypesKeys;
}

std::vector<std::string> texts(const std::vector<Scalar>& scalars) {
  std::vector<std::string> out;
  for (const auto& s : scalars) out.push_back(s.text);
  return out;
}

void read_filters(YamlReader& r, const YAML::Node& node, EventFilter& f) {
  const std::string where = "event '" + f.event + "'";
  if (!r.expect_map(node, where, "write filters such as `branches: [main]`")) return;
  bool branches = false, branches_ignore = false, paths = false, paths_ignore = false, tags = false,
       tags_ignore = false;
  for (auto& e : r.entries(node, where, filter_keys(f.event))) {
    auto values = texts(r.string_or_list(e.value, "'" + e.key + "' in " + where));
    if (e.key == "branches")
      f.branches = values, branches = true;
    else if (e.key == "branches-ignore")
      f.branches_ignore = values, branches_ignore = true;
    else if (e.key == "tags")
      f.tags = values, tags = true;
    else if (e.key == "tags-ignore")
      f.tags_ignore = values, tags_ignore = true;
    else if (e.key == "paths")
      f.paths = values, paths = true;
    else if (e.key == "paths-ignore")
      f.paths_ignore = values, paths_ignore = true;
    else if (e.key == "types")
      f.types = values;
    else if (e.key == "workflows")
      f.workflows = values;
  }
  auto both = [&](bool a, bool b, const char* key) {
    if (a && b)
      r.diagnostics().error(
          f.pos, where + " has both '" + std::string(key) + "' and '" + key + "-ignore'",
          std::string("use one of them; negate patterns in '") + key + "' with a leading '!'");
  };
  both(branches, branches_ignore, "branches");
  both(paths, paths_ignore, "paths");
  both(tags, tags_ignore, "tags");
}

void read_schedule(YamlReader& r, const YAML::Node& node, Triggers& out) {
  if (!r.expect_seq(node, "'schedule'", "write `schedule:` then `- cron: '0 10 1 * *'`")) return;
  for (const auto& item : node) {
    if (!r.expect_map(item, "a schedule entry", "write `- cron: '0 10 1 * *'`")) continue;
    bool has_cron = false;
    for (auto& e : r.entries(item, "a schedule entry", kScheduleKeys)) {
      if (e.key == "cron") {
        if (auto s = r.scalar(e.value, "'cron'")) out.schedules.push_back(*s), has_cron = true;
      } else {
        r.diagnostics().warning(e.key_pos,
                                "'timezone' in schedule is not supported yet and is ignored",
                                "sluice evaluates cron expressions in UTC");
      }
    }
    if (!has_cron)
      r.diagnostics().error(r.pos(item), "schedule entry has no 'cron'",
                            "add `cron: '<m> <h> <dom> <mon> <dow>'`");
  }
}

std::optional<Value> typed_default(YamlReader& r, const YAML::Node& node, const InputSpec& in) {
  auto s = r.scalar(node, "'default' of input '" + in.id + "'");
  if (!s) return std::nullopt;
  if (has_expression(s->text)) return Value(s->text);
  if (in.type == "boolean") {
    Value v = r.to_value(node);
    if (!v.is_bool()) {
      r.diagnostics().error(
          s->pos,
          "default of boolean input '" + in.id + "' is '" + s->text + "', not true or false",
          "write `default: true` or `default: false`");
      return std::nullopt;
    }
    return v;
  }
  if (in.type == "number") {
    Value v = r.to_value(node);
    if (!v.is_number()) {
      r.diagnostics().error(
          s->pos, "default of number input '" + in.id + "' is '" + s->text + "', not a number",
          "write a number such as `default: 3`");
      return std::nullopt;
    }
    return v;
  }
  return Value(s->text);
}

void read_inputs(YamlReader& r, const YAML::Node& node, bool dispatch,
                 std::vector<InputSpec>& out) {
  const std::string event = dispatch ? "workflow_dispatch" : "workflow_call";
  if (node.IsNull()) return;
  if (!r.expect_map(node, "'inputs' of " + event)) return;
  for (auto& e : r.entries(node, "'inputs' of " + event, {})) {
    InputSpec in;
    in.id = e.key;
    in.pos = e.key_pos;
    const std::string where = "input '" + in.id + "'";
    if (e.value.IsNull()) {
      if (!dispatch)
        r.diagnostics().error(in.pos, where + " of workflow_call has no 'type'",
                              "add `type: string`, `type: boolean` or `type: number`");
      out.push_back(std::move(in));
      continue;
    }
    if (!r.expect_map(e.value, where, "write `type:`, `required:`, `default:` under the input"))
      continue;
    auto entries = r.entries(e.value, where,
                             dispatch ? std::span<const std::string_view>(kDispatchInputKeys)
                                      : std::span<const std::string_view>(kCallInputKeys));
    bool has_type = false;
    for (auto& k : entries) {  // type first: the default is read according to it
      if (k.key != "type") continue;
      auto t = r.scalar(k.value, "'type' of " + where);
      if (!t) continue;
      std::span<const std::string_view> types =
          dispatch ? std::span<const std::string_view>(kDispatchTypes)
                   : std::span<const std::string_view>(kCallTypes);
      if (std::find(types.begin(), types.end(), t->text) == types.end()) {
        std::string valid;
        for (auto x : types) valid += (valid.empty() ? "" : ", ") + std::string(x);
        r.diagnostics().error(t->pos, "unknown type '" + t->text + "' of " + where,
                              did_you_mean(t->text, types, "valid types: " + valid));
      } else {
        in.type = t->text;
        has_type = true;
      }
    }
    if (!dispatch && !has_type)
      r.diagnostics().error(in.pos, where + " of workflow_call has no 'type'",
                            "add `type: string`, `type: boolean` or `type: number`");
    std::optional<SourcePos> default_pos;
    for (auto& k : entries) {
      if (k.key == "description") {
        if (auto d = r.string(k.value, "'description' of " + where)) in.description = *d;
      } else if (k.key == "required") {
        if (auto b = r.boolean(k.value, "'required' of " + where)) in.required = *b;
      } else if (k.key == "default") {
        in.default_value = typed_default(r, k.value, in);
        default_pos = r.pos(k.value);
      } else if (k.key == "options") {
        for (auto& o : r.string_or_list(k.value, "'options' of " + where))
          in.options.push_back(o.text);
      }
    }
    if (in.type == "choice") {
      if (in.options.empty()) {
        r.diagnostics().error(in.pos, "choice " + where + " has no 'options'",
                              "list the allowed values: `options: [a, b]`");
      } else if (in.default_value && in.default_value->is_string() &&
                 std::find(in.options.begin(), in.options.end(), in.default_value->as_string()) ==
                     in.options.end()) {
        r.diagnostics().error(
            *default_pos,
            "default '" + in.default_value->as_string() + "' of choice " + where +
                " is not one of its options",
            "use one of: " + [&] {
              std::string s;
              for (auto& o : in.options) s += (s.empty() ? "" : ", ") + o;
              return s;
            }());
      }
    } else if (!in.options.empty()) {
      r.diagnostics().error(in.pos, "'options' of " + where + " is only for `type: choice`",
                            "add `type: choice` or remove 'options'");
    }
    out.push_back(std::move(in));
  }
}

void read_call(YamlReader& r, const YAML::Node& node, Triggers& out) {
  if (node.IsNull()) return;
  if (!r.expect_map(node, "event 'workflow_call'")) return;
  for (auto& e : r.entries(node, "event 'workflow_call'", kCallKeys)) {
    if (e.key == "inputs") {
      read_inputs(r, e.value, false, out.call_inputs);
    } else if (e.key == "outputs") {
      if (e.value.IsNull() || !r.expect_map(e.value, "'outputs' of workflow_call")) continue;
      for (auto& o : r.entries(e.value, "'outputs' of workflow_call", {})) {
        const std::string where = "output '" + o.key + "' of workflow_call";
        if (!r.expect_map(o.value, where, "write `value: ${{ jobs.<job>.outputs.<name> }}`"))
          continue;
        std::optional<Scalar> value;
        for (auto& k : r.entries(o.value, where, kCallOutputKeys))
          if (k.key == "value") value = r.scalar(k.value, "'value' of " + where);
        if (!value) {
          r.diagnostics().error(o.key_pos, where + " has no 'value'",
                                "add `value: ${{ jobs.<job>.outputs.<name> }}`");
          continue;
        }
        out.call_outputs.emplace_back(o.key, std::move(*value));
      }
    } else if (e.key == "secrets") {
      if (e.value.IsNull() || !r.expect_map(e.value, "'secrets' of workflow_call")) continue;
      for (auto& s : r.entries(e.value, "'secrets' of workflow_call", {})) {
        SecretSpec spec{s.key, false, s.key_pos};
        if (!s.value.IsNull() && r.expect_map(s.value, "secret '" + s.key + "'")) {
          for (auto& k : r.entries(s.value, "secret '" + s.key + "'", kCallSecretKeys))
            if (k.key == "required")
              if (auto b = r.boolean(k.value, "'required' of secret '" + s.key + "'"))
                spec.required = *b;
        }
        out.call_secrets.push_back(std::move(spec));
      }
    }
  }
}

void add_event(YamlReader& r, const std::string& name, const SourcePos& pos, const YAML::Node* body,
               Triggers& out) {
  if (!is_known_event(name)) {
    r.diagnostics().error(
        pos, "unknown event '" + name + "'",
        did_you_mean(name, kEvents, "see the list of events in docs/workflow-syntax.md"));
    return;
  }
  if (out.find(name)) {
    r.diagnostics().error(pos, "event '" + name + "' is listed twice", "remove one of them");
    return;
  }
  EventFilter f;
  f.event = name;
  f.pos = pos;
  if (name == "workflow_dispatch") out.workflow_dispatch = true;
  if (name == "workflow_call") out.workflow_call = true;
  if (name == "schedule") {
    if (!body) {
      r.diagnostics().error(pos, "event 'schedule' needs cron expressions",
                            "write `schedule:` then `- cron: '0 10 1 * *'`");
    } else {
      read_schedule(r, *body, out);
    }
  } else if (body && !body->IsNull()) {
    if (name == "workflow_dispatch") {
      if (r.expect_map(*body, "event 'workflow_dispatch'"))
        for (auto& e : r.entries(*body, "event 'workflow_dispatch'", kDispatchKeys)) {
          if (e.key == "inputs") {
            read_inputs(r, e.value, true, out.dispatch_inputs);
          } else {
            r.diagnostics().warning(e.key_pos,
                                    "'" + e.key +
                                        "' has no effect on workflow_dispatch: a manual "
                                        "run uses the ref it is started on (GitHub ignores it too)",
                                    "remove it, or check github.ref in a job's `if:`");
          }
        }
    } else if (name == "workflow_call") {
      read_call(r, *body, out);
    } else {
      read_filters(r, *body, f);
    }
  }
  out.events.push_back(std::move(f));
}

}  // namespace

void read_triggers(YamlReader& r, const YAML::Node& node, Triggers& out) {
  const char* hint = "write `on: push`, `on: [push, workflow_dispatch]` or a mapping of events";
  if (node.IsScalar()) {
    add_event(r, node.Scalar(), r.pos(node), nullptr, out);
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (auto s = r.string(item, "an event in 'on'")) add_event(r, *s, r.pos(item), nullptr, out);
    }
  } else if (node.IsMap()) {
    for (auto& e : r.entries(node, "'on'", {})) add_event(r, e.key, e.key_pos, &e.value, out);
  } else {
    r.diagnostics().error(r.pos(node), "'on' is empty", hint);
  }
  if (node.IsDefined() && out.events.empty() && !r.diagnostics().has_errors())
    r.diagnostics().error(r.pos(node), "'on' names no event", hint);
}

}  // namespace sluice::spec::detail
