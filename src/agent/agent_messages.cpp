#include "agent/agent_messages.h"

#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>

namespace sluice::agent {
namespace {

using engine::Annotation;
using engine::AnnotationLevel;
using nlohmann::json;

// Thrown inside this file only, turned into an Error at each parse_*() boundary: it keeps
// the field-by-field checks readable.
struct BadMessage {
  std::string message;
};

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw BadMessage{where + ": " + what};
}

// Nesting depth of JSON text, counted before parsing so that hostile input cannot make the
// recursive parser exhaust the stack. Brackets inside strings do not count.
int json_depth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') max_depth = std::max(max_depth, ++depth);
    if (c == ']' || c == '}') --depth;
  }
  return max_depth;
}

json parse_object(std::string_view body, size_t limit) {
  if (body.size() > limit)
    bad("body", "too large (" + std::to_string(body.size()) + " bytes, at most " +
                    std::to_string(limit) + ")");
  if (json_depth(body) > kMaxDepth) bad("body", "nested too deeply");
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) bad("body", "not valid JSON");
  if (!j.is_object()) bad("body", "not a JSON object");
  return j;
}

const json* member(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const json& v, const std::string& where, size_t max_bytes) {
  if (!v.is_string()) bad(where, "not a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max_bytes) bad(where, "longer than " + std::to_string(max_bytes) + " bytes");
  return s;
}

std::string str(const json& o, const char* key, size_t max_bytes, bool required = false) {
  const json* v = member(o, key);
  if (!v) {
    if (required) bad(key, "missing");
    return "";
  }
  return text(*v, key, max_bytes);
}

int64_t integer(const json& o, const char* key, int64_t min, int64_t max, int64_t fallback,
                bool required = false) {
  const json* v = member(o, key);
  if (!v) {
    if (required) bad(key, "missing");
    return fallback;
  }
  if (!v->is_number_integer()) bad(key, "not an integer");
  int64_t n = v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX)
                  ? INT64_MAX
                  : v->get<int64_t>();
  if (n < min || n > max)
    bad(key, "out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")");
  return n;
}

bool boolean(const json& o, const char* key) {
  const json* v = member(o, key);
  if (!v) return false;
  if (!v->is_boolean()) bad(key, "not a boolean");
  return v->get<bool>();
}

const json& array(const json& o, const char* key, size_t max_items, bool& present) {
  static const json empty = json::array();
  const json* v = member(o, key);
  present = v != nullptr;
  if (!v) return empty;
  if (!v->is_array()) bad(key, "not an array");
  if (v->size() > max_items) bad(key, "more than " + std::to_string(max_items) + " entries");
  return *v;
}

std::vector<std::string> strings(const json& o, const char* key, size_t max_items,
                                 size_t max_bytes) {
  bool present = false;
  std::vector<std::string> out;
  const json& a = array(o, key, max_items, present);
  for (size_t i = 0; i < a.size(); ++i)
    out.push_back(text(a[i], std::string(key) + "[" + std::to_string(i) + "]", max_bytes));
  return out;
}

std::vector<std::pair<std::string, std::string>> pairs(const json& o, const char* key) {
  bool present = false;
  std::vector<std::pair<std::string, std::string>> out;
  const json& a = array(o, key, kMaxItems, present);
  for (size_t i = 0; i < a.size(); ++i) {
    std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    if (!a[i].is_array() || a[i].size() != 2) bad(where, "not a [name, value] pair");
    out.emplace_back(text(a[i][0], where + "[0]", kMaxLineBytes),
                     text(a[i][1], where + "[1]", kMaxTextBytes));
  }
  return out;
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::map<std::string, std::string> env_map(const json& o, const char* key) {
  std::map<std::string, std::string> out;
  const json* v = member(o, key);
  if (!v) return out;
  if (!v->is_object()) bad(key, "not an object");
  if (v->size() > kMaxEnvEntries)
    bad(key, "more than " + std::to_string(kMaxEnvEntries) + " entries");
  for (const auto& [name, value] : v->items()) {
    if (!valid_env_name(name)) bad(std::string(key) + "." + name, "not a variable name");
    out[name] = text(value, std::string(key) + "." + name, kMaxTextBytes);
  }
  return out;
}

std::string id(const json& o, const char* key) {
  std::string s = str(o, key, 32, true);
  if (!valid_id(s)) bad(key, "not an id");
  return s;
}

// A step_proof: "" (none) or 64 lowercase hex digits.
std::string proof(const json& o, const char* key, const std::string& where) {
  std::string s = str(o, key, kProofChars);
  if (s.empty()) return s;
  bool hex = s.size() == kProofChars;
  for (char c : s) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) bad(where, "not a proof (64 hex digits)");
  return s;
}

// Reads `key` as an array of objects, calling read(object, "key[i]") for each.
template <typename F>
void objects(const json& o, const char* key, size_t max_items, F&& read) {
  bool present = false;
  const json& a = array(o, key, max_items, present);
  for (size_t i = 0; i < a.size(); ++i) {
    std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    if (!a[i].is_object()) bad(where, "not an object");
    try {
      read(a[i]);
    } catch (const BadMessage& e) {
      throw BadMessage{where + "." + e.message};
    }
  }
}

// Runs `read`, naming the field it failed on as a part of `where` ("containers.job.image").
template <typename F>
auto within(const std::string& where, F&& read) {
  try {
    return read();
  } catch (BadMessage& e) {
    e.message = where + (e.message.rfind(": ", 0) == 0 ? "" : ".") + e.message;
    throw;
  }
}

// held_terms: in a step message (with timeout_ms) and in a held step (without).
json held_terms_json(const engine::HeldTerms& t, bool with_timeout) {
  json j{{"continue_on_error", t.continue_on_error},
         {"closes_job", t.closes_job},
         {"job_failed", t.job_failed}};
  if (with_timeout) j["timeout_ms"] = t.timeout_ms;
  if (t.run_if_success != engine::RunStatus::kQueued) {
    j["run_if_success"] = engine::to_string(t.run_if_success);
    j["run_if_failure"] = engine::to_string(t.run_if_failure);
  }
  return j;
}

// A run conclusion: success, failure, timed_out or cancelled ("" none).
engine::RunStatus run_conclusion(const json& o, const char* key) {
  std::string s = str(o, key, 16);
  if (s.empty()) return engine::RunStatus::kQueued;
  engine::RunStatus status = engine::run_status_from_string(s);
  if (status != engine::RunStatus::kSuccess && status != engine::RunStatus::kFailure &&
      status != engine::RunStatus::kTimedOut && status != engine::RunStatus::kCancelled)
    bad(key, "not a run conclusion (success, failure, timed_out, cancelled)");
  return status;
}

engine::HeldTerms read_held_terms(const json& parent) {
  engine::HeldTerms t;
  const json* v = member(parent, "held_terms");
  if (!v) return t;
  if (!v->is_object()) bad("held_terms", "not an object");
  return within("held_terms", [&] {
    t.timeout_ms = integer(*v, "timeout_ms", 0, INT64_MAX, 0);
    t.continue_on_error = boolean(*v, "continue_on_error");
    t.closes_job = boolean(*v, "closes_job");
    t.job_failed = boolean(*v, "job_failed");
    t.run_if_success = run_conclusion(*v, "run_if_success");
    t.run_if_failure = run_conclusion(*v, "run_if_failure");
    if ((t.run_if_success == engine::RunStatus::kQueued) !=
        (t.run_if_failure == engine::RunStatus::kQueued))
      bad("run_if_failure", "run_if_success and run_if_failure go together");
    if (t.run_if_success != engine::RunStatus::kQueued && !t.closes_job)
      bad("run_if_success", "without closes_job");
    return t;
  });
}

HeldStep read_held_step(const json& h) {
  HeldStep s;
  s.lease_id = id(h, "lease_id");
  s.step_id = integer(h, "step_id", 1, INT64_MAX, 0, true);
  s.run_id = integer(h, "run_id", 1, INT64_MAX, 0, true);
  s.job_key = str(h, "job_key", 1024, true);
  if (s.job_key.empty()) bad("job_key", "empty");
  s.attempt = static_cast<int>(integer(h, "attempt", 1, 1000, 1, true));
  s.step_index = static_cast<int>(integer(h, "step_index", 0, 100000, 0, true));
  s.step_attempt = static_cast<int>(integer(h, "step_attempt", 1, 1000, 1, true));
  s.proof = proof(h, "proof", "proof");
  if (s.proof.empty()) bad("proof", "missing");
  s.next_seq = integer(h, "next_seq", 0, INT64_MAX, 0);
  s.finished = boolean(h, "finished");
  s.terms = read_held_terms(h);
  s.terms.timeout_ms = 0;
  return s;
}

template <typename T, typename F>
Result<T> parse_with(std::string_view body, size_t limit, F&& read) {
  try {
    json j = parse_object(body, limit);
    return read(j);
  } catch (const BadMessage& e) {
    return Error{e.message, {}};
  } catch (const json::exception& e) {  // a type check missed above: still refused whole
    return Error{std::string("body: ") + e.what(), {}};
  }
}

const char* kind_name(engine::StepRequest::Kind kind) {
  switch (kind) {
    case engine::StepRequest::Kind::kNode:
      return "node";
    case engine::StepRequest::Kind::kContainersStart:
      return "containers-start";
    case engine::StepRequest::Kind::kContainersStop:
      return "containers-stop";
    case engine::StepRequest::Kind::kDockerAction:
      return "docker";
    case engine::StepRequest::Kind::kScript:
      break;
  }
  return "script";
}

const char* level_name(AnnotationLevel level) {
  return to_string(level);
}

AnnotationLevel level_from(const std::string& name, const std::string& where) {
  for (auto level : {AnnotationLevel::kError, AnnotationLevel::kWarning, AnnotationLevel::kNotice})
    if (name == to_string(level)) return level;
  bad(where, "not an annotation level");
}

json pairs_json(const std::vector<std::pair<std::string, std::string>>& items) {
  json a = json::array();
  for (const auto& [k, v] : items) a.push_back(json::array({k, v}));
  return a;
}

const json& object(const json& o, const char* key) {
  static const json empty = json::object();
  const json* v = member(o, key);
  if (!v) return empty;
  if (!v->is_object()) bad(key, "not an object");
  return *v;
}

json pos_json(const SourcePos& pos) {
  return {{"file", pos.file}, {"line", pos.line}, {"column", pos.column}};
}

SourcePos read_pos(const json& o) {
  const json& p = object(o, "pos");
  return within("pos", [&] {
    return SourcePos{str(p, "file", 4096), static_cast<int>(integer(p, "line", 0, INT32_MAX, 0)),
                     static_cast<int>(integer(p, "column", 0, INT32_MAX, 0))};
  });
}

// A service key becomes a host name, a container name's suffix and a word of the start
// script: the spec's rule (spec/container_loader.cpp), checked again on the agent.
bool valid_service_id(std::string_view id) {
  if (id.empty() || id.size() > 63 || id.front() == '-') return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

json container_json(const engine::ContainerRequest& c) {
  return {{"service_id", c.service_id}, {"image", c.image},         {"username", c.username},
          {"password", c.password},     {"env", pairs_json(c.env)}, {"ports", c.ports},
          {"volumes", c.volumes},       {"options", c.options},     {"pos", pos_json(c.pos)}};
}

engine::ContainerRequest read_container(const json& v, bool service) {
  if (!v.is_object()) bad("", "not an object");
  engine::ContainerRequest c;
  c.service_id = str(v, "service_id", 64);
  if (service != !c.service_id.empty() || (service && !valid_service_id(c.service_id)))
    bad("service_id", service ? "not a service name ([A-Za-z0-9_-], 1..63)" : "not empty");
  c.image = str(v, "image", 4096, true);
  if (c.image.empty()) bad("image", "empty");
  c.username = str(v, "username", 4096);
  c.password = str(v, "password", kMaxLineBytes);
  c.env = pairs(v, "env");
  for (size_t i = 0; i < c.env.size(); ++i)  // exported by name in the start script
    if (!valid_env_name(c.env[i].first))
      bad("env[" + std::to_string(i) + "][0]", "not a variable name");
  c.ports = strings(v, "ports", kMaxItems, 256);
  c.volumes = strings(v, "volumes", kMaxItems, 8192);
  c.options = str(v, "options", kMaxLineBytes);
  c.pos = read_pos(v);
  return c;
}

json containers_json(const engine::JobContainers& c) {
  json services = json::array();
  for (const auto& s : c.services) services.push_back(container_json(s));
  json j = {{"services", services}, {"mounts", c.mounts}, {"workspace", c.workspace}};
  if (c.job) j["job"] = container_json(*c.job);
  return j;
}

std::shared_ptr<const engine::JobContainers> read_containers(const json& m) {
  const json* v = member(m, "containers");
  if (!v) return nullptr;
  if (!v->is_object()) bad("containers", "not an object");
  return within("containers", [&] {
    auto c = std::make_shared<engine::JobContainers>();
    if (const json* job = member(*v, "job"))
      c->job = within("job", [&] { return read_container(*job, false); });
    bool present = false;
    const json& services = array(*v, "services", kMaxServices, present);
    for (size_t i = 0; i < services.size(); ++i)
      c->services.push_back(within("services[" + std::to_string(i) + "]",
                                   [&] { return read_container(services[i], true); }));
    c->mounts = strings(*v, "mounts", 16, 4096);
    c->workspace = str(*v, "workspace", 4096);
    return std::shared_ptr<const engine::JobContainers>(std::move(c));
  });
}

json docker_json(const engine::DockerActionRequest& d) {
  return {{"image", d.image},   {"entrypoint", d.entrypoint}, {"args", d.args},
          {"mounts", d.mounts}, {"workspace", d.workspace},   {"pos", pos_json(d.pos)}};
}

engine::DockerActionRequest read_docker(const json& m) {
  const json* v = member(m, "docker");
  if (!v) bad("docker", "missing");
  if (!v->is_object()) bad("docker", "not an object");
  return within("docker", [&] {
    engine::DockerActionRequest d;
    d.image = str(*v, "image", 4096, true);
    if (d.image.empty()) bad("image", "empty");
    d.entrypoint = str(*v, "entrypoint", 4096);
    d.args = strings(*v, "args", kMaxItems, kMaxLineBytes);
    d.mounts = strings(*v, "mounts", 16, 4096);
    d.workspace = str(*v, "workspace", 4096);
    d.pos = read_pos(*v);
    return d;
  });
}

ControllerMessage read_message(const json& m, size_t index) {
  std::string where = "messages[" + std::to_string(index) + "]";
  if (!m.is_object()) bad(where, "not an object");
  ControllerMessage out;
  std::string type = str(m, "type", 16, true);
  out.lease_id = id(m, "lease_id");
  if (type == "lease") {
    out.type = ControllerMessage::Type::kLease;
    LeaseMessage& l = out.lease;
    l.lease_id = out.lease_id;
    l.job_scope = str(m, "job_scope", 1024, true);
    l.run_id = integer(m, "run_id", 0, INT64_MAX, 0);
    l.job_key = str(m, "job_key", 1024);
    l.attempt = static_cast<int>(integer(m, "attempt", 1, 1000, 1));
    l.ttl_ms = integer(m, "ttl_ms", 1, 86400000, 30000);
    l.secrets = strings(m, "secrets", kMaxItems, kMaxTextBytes);
    if (const json* r = member(m, "roots")) {
      if (!r->is_object()) bad("roots", "not an object");
      l.roots.workspace = str(*r, "workspace", 4096);
      l.roots.temp = str(*r, "temp", 4096);
      l.roots.tool_cache = str(*r, "tool_cache", 4096);
      l.roots.home = str(*r, "home", 4096);
    }
    l.workspace_url = str(m, "workspace", 4096);
    l.workspace_sha256 = str(m, "workspace_sha256", 64);
    if (!l.workspace_sha256.empty() && !valid_sha256(l.workspace_sha256))
      bad("workspace_sha256", "not a SHA-256 (64 lowercase hex digits)");
  } else if (type == "step") {
    out.type = ControllerMessage::Type::kStep;
    StepMessage& s = out.step;
    s.lease_id = out.lease_id;
    s.step_id = integer(m, "step_id", 1, INT64_MAX, 0, true);
    engine::StepRequest& r = s.request;
    std::string kind = str(m, "kind", 32);
    if (kind.empty() || kind == "script")
      r.kind = engine::StepRequest::Kind::kScript;
    else if (kind == "node")
      r.kind = engine::StepRequest::Kind::kNode;
    else if (kind == "containers-start")
      r.kind = engine::StepRequest::Kind::kContainersStart;
    else if (kind == "containers-stop")
      r.kind = engine::StepRequest::Kind::kContainersStop;
    else if (kind == "docker")
      r.kind = engine::StepRequest::Kind::kDockerAction;
    else
      bad("kind", "not a step kind an agent runs ('" + kind + "')");
    r.shell = str(m, "shell", 4096);
    r.script = str(m, "script", kMaxTextBytes);
    r.script_path = str(m, "script_path", 4096);
    r.env = env_map(m, "env");
    r.job_scope = str(m, "job_scope", 1024);
    r.working_directory = str(m, "working_directory", 4096);
    r.log_pattern = str(m, "log_pattern", 4096);
    r.step_files_dir = str(m, "step_files_dir", 4096);
    r.containers = read_containers(m);
    using Kind = engine::StepRequest::Kind;
    if ((r.kind == Kind::kContainersStart || r.kind == Kind::kContainersStop) && !r.containers)
      bad("containers", "missing");
    if (r.kind == Kind::kDockerAction) r.docker = read_docker(m);
    s.runtime_origin = str(m, "runtime_origin", 256);
    if (!s.runtime_origin.empty() && (s.runtime_origin.rfind("http://", 0) != 0 ||
                                      s.runtime_origin.find('/', 7) != std::string::npos))
      bad("runtime_origin", "not an http://host:port origin");
    s.event_path = str(m, "event_path", 4096);
    s.event = str(m, "event", kMaxTextBytes);
    s.action_path = str(m, "action_path", 4096);
    s.action_url = str(m, "action_url", 4096);
    s.step_index = static_cast<int>(integer(m, "step_index", -1, 100000, -1));
    s.step_attempt = static_cast<int>(integer(m, "step_attempt", 0, 1000, 0));
    s.step_proof = proof(m, "step_proof", "step_proof");
    r.held = read_held_terms(m);
  } else if (type == "cancel") {
    out.type = ControllerMessage::Type::kCancel;
    out.step_id = integer(m, "step_id", 1, INT64_MAX, 0, true);
  } else if (type == "end_job") {
    out.type = ControllerMessage::Type::kEndJob;
  } else {
    bad(where + ".type", "unknown message type '" + type + "'");
  }
  return out;
}

}  // namespace

bool valid_id(std::string_view id) {
  if (id.size() < 3 || id.size() > 24 || id[1] != '-') return false;
  if (id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id.substr(2))
    if (c < '0' || c > '9') return false;
  return true;
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_sha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string encode(const RegisterRequest& m) {
  json j{{"protocol", m.protocol}, {"name", m.name},           {"version", m.version},
         {"labels", m.labels},     {"executors", m.executors}, {"features", m.features}};
  if (!m.held.empty()) {
    json held = json::array();
    for (const HeldStep& h : m.held)
      held.push_back({{"lease_id", h.lease_id},
                      {"step_id", h.step_id},
                      {"run_id", h.run_id},
                      {"job_key", h.job_key},
                      {"attempt", h.attempt},
                      {"step_index", h.step_index},
                      {"step_attempt", h.step_attempt},
                      {"proof", h.proof},
                      {"next_seq", h.next_seq},
                      {"finished", h.finished},
                      {"held_terms", held_terms_json(h.terms, false)}});
    j["held"] = std::move(held);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode(const RegisterReply& m) {
  json j{{"agent_id", m.agent_id},
         {"session", m.session},
         {"lease_ttl_ms", m.lease_ttl_ms},
         {"heartbeat_ms", m.heartbeat_ms},
         {"poll_wait_ms", m.poll_wait_ms}};
  j["features"] = m.features;
  if (!m.held.empty()) {
    json held = json::array();
    for (const HeldVerdict& v : m.held) {
      json e{{"lease_id", v.lease_id}, {"step_id", v.step_id}, {"accepted", v.accepted}};
      if (v.accepted) e["delivery"] = v.delivery;
      if (!v.reason.empty()) e["reason"] = v.reason;
      held.push_back(std::move(e));
    }
    j["held"] = std::move(held);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode(const PollRequest& m) {
  return json{{"wait_ms", m.wait_ms}}.dump();
}

std::string encode(const HeartbeatRequest& m) {
  return json{{"leases", m.leases}}.dump();
}

std::string encode(const HeartbeatReply& m) {
  return json{{"lost", m.lost}}.dump();
}

std::string encode(const ControllerMessage& m) {
  json j;
  switch (m.type) {
    case ControllerMessage::Type::kLease: {
      const LeaseMessage& l = m.lease;
      j = {{"type", "lease"},
           {"lease_id", l.lease_id},
           {"job_scope", l.job_scope},
           {"run_id", l.run_id},
           {"job_key", l.job_key},
           {"attempt", l.attempt},
           {"ttl_ms", l.ttl_ms},
           {"secrets", l.secrets},
           {"roots",
            {{"workspace", l.roots.workspace},
             {"temp", l.roots.temp},
             {"tool_cache", l.roots.tool_cache},
             {"home", l.roots.home}}},
           {"workspace", l.workspace_url}};
      if (!l.workspace_sha256.empty()) j["workspace_sha256"] = l.workspace_sha256;
      break;
    }
    case ControllerMessage::Type::kStep: {
      const engine::StepRequest& r = m.step.request;
      j = {{"type", "step"},
           {"lease_id", m.step.lease_id},
           {"step_id", m.step.step_id},
           {"kind", kind_name(r.kind)},
           {"shell", r.shell},
           {"script", r.script},
           {"script_path", r.script_path},
           {"env", r.env},
           {"job_scope", r.job_scope},
           {"working_directory", r.working_directory},
           {"log_pattern", r.log_pattern},
           {"step_files_dir", r.step_files_dir}};
      if (r.containers) j["containers"] = containers_json(*r.containers);
      if (r.kind == engine::StepRequest::Kind::kDockerAction) j["docker"] = docker_json(r.docker);
      if (!m.step.runtime_origin.empty()) j["runtime_origin"] = m.step.runtime_origin;
      if (!m.step.action_path.empty()) {
        j["action_path"] = m.step.action_path;
        j["action_url"] = m.step.action_url;
      }
      if (!m.step.event_path.empty()) {
        j["event_path"] = m.step.event_path;
        j["event"] = m.step.event;
      }
      if (!m.step.step_proof.empty()) {
        j["step_index"] = m.step.step_index;
        j["step_attempt"] = m.step.step_attempt;
        j["step_proof"] = m.step.step_proof;
        j["held_terms"] = held_terms_json(r.held, true);
      }
      break;
    }
    case ControllerMessage::Type::kCancel:
      j = {{"type", "cancel"}, {"lease_id", m.lease_id}, {"step_id", m.step_id}};
      break;
    case ControllerMessage::Type::kEndJob:
      j = {{"type", "end_job"}, {"lease_id", m.lease_id}};
      break;
  }
  // Lines and env values may hold any bytes a process wrote: invalid UTF-8 is replaced
  // rather than refused (a step's output must not stop the protocol).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_poll_reply(const std::vector<std::string>& encoded_messages) {
  std::string out = "{\"messages\":[";
  for (size_t i = 0; i < encoded_messages.size(); ++i) {
    if (i) out += ',';
    out += encoded_messages[i];
  }
  return out + "]}";
}

std::string encode(const LogChunk& m) {
  return json{{"seq", m.seq}, {"lines", m.lines}}.dump(-1, ' ', false,
                                                       json::error_handler_t::replace);
}

std::string encode(const StepResult& m) {
  const engine::StepOutcome& o = m.outcome;
  json annotations = json::array();
  for (const engine::Annotation& a : o.annotations)
    annotations.push_back({{"level", level_name(a.level)},
                           {"message", a.message},
                           {"title", a.title},
                           {"file", a.file},
                           {"line", a.line},
                           {"end_line", a.end_line},
                           {"column", a.column},
                           {"end_column", a.end_column}});
  json j{{"log_chunks", m.log_chunks},
         {"started", o.started},
         {"error_message", o.error_message},
         {"exit_code", o.exit_code},
         {"signal", o.signal},
         {"cancelled", o.cancelled},
         {"log_pattern_matched", o.log_pattern_matched},
         {"outputs", pairs_json(o.outputs)},
         {"env", pairs_json(o.env)},
         {"path", o.path},
         {"state", pairs_json(o.state)},
         {"summary", o.summary},
         {"masks", m.masks},
         {"annotations", annotations}};
  if (!m.lines.empty()) j["lines"] = m.lines;
  if (m.timed_out) j["timed_out"] = true;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<RegisterRequest> parse_register_request(std::string_view body) {
  return parse_with<RegisterRequest>(body, kMaxSmallBody, [](const json& j) {
    RegisterRequest r;
    r.protocol = str(j, "protocol", 64, true);
    r.name = str(j, "name", 256);
    r.version = str(j, "version", 64);
    r.labels = strings(j, "labels", kMaxLabels, 64);
    for (size_t i = 0; i < r.labels.size(); ++i)
      if (!valid_label(r.labels[i]))
        bad("labels[" + std::to_string(i) + "]", "not a label ([A-Za-z0-9._-], 1..64)");
    r.executors = static_cast<int>(integer(j, "executors", 1, 64, 1));
    r.features = strings(j, "features", kMaxLabels, 64);
    objects(j, "held", kMaxHeld, [&](const json& h) { r.held.push_back(read_held_step(h)); });
    return r;
  });
}

Result<RegisterReply> parse_register_reply(std::string_view body) {
  return parse_with<RegisterReply>(body, kMaxSmallBody, [](const json& j) {
    RegisterReply r;
    r.agent_id = id(j, "agent_id");
    r.session = str(j, "session", 128, true);
    r.lease_ttl_ms = integer(j, "lease_ttl_ms", 100, 86400000, 30000);
    r.heartbeat_ms = integer(j, "heartbeat_ms", 10, 86400000, 10000);
    r.poll_wait_ms = integer(j, "poll_wait_ms", 0, 600000, 25000);
    r.features = strings(j, "features", kMaxLabels, 64);
    objects(j, "held", kMaxHeld, [&](const json& h) {
      HeldVerdict v;
      v.lease_id = id(h, "lease_id");
      v.step_id = integer(h, "step_id", 1, INT64_MAX, 0, true);
      v.accepted = boolean(h, "accepted");
      if (v.accepted) v.delivery = id(h, "delivery");
      v.reason = str(h, "reason", 1024);
      r.held.push_back(std::move(v));
    });
    return r;
  });
}

Result<PollRequest> parse_poll_request(std::string_view body) {
  return parse_with<PollRequest>(body, kMaxSmallBody, [](const json& j) {
    return PollRequest{integer(j, "wait_ms", 0, 600000, 0)};
  });
}

Result<HeartbeatRequest> parse_heartbeat_request(std::string_view body) {
  return parse_with<HeartbeatRequest>(body, kMaxSmallBody, [](const json& j) {
    HeartbeatRequest r;
    r.leases = strings(j, "leases", kMaxItems, 32);
    return r;
  });
}

Result<HeartbeatReply> parse_heartbeat_reply(std::string_view body) {
  return parse_with<HeartbeatReply>(body, kMaxSmallBody, [](const json& j) {
    HeartbeatReply r;
    r.lost = strings(j, "lost", kMaxItems, 32);
    return r;
  });
}

Result<std::vector<ControllerMessage>> parse_poll_reply(std::string_view body) {
  return parse_with<std::vector<ControllerMessage>>(body, kMaxPollReplyBody, [](const json& j) {
    bool present = false;
    const json& a = array(j, "messages", 100000, present);
    std::vector<ControllerMessage> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(read_message(a[i], i));
    return out;
  });
}

Result<LogChunk> parse_log_chunk(std::string_view body) {
  return parse_with<LogChunk>(body, kMaxReportBody, [](const json& j) {
    LogChunk c;
    c.seq = integer(j, "seq", 0, INT64_MAX, 0, true);
    c.lines = strings(j, "lines", kMaxLinesPerChunk, kMaxLineBytes);
    return c;
  });
}

Result<StepResult> parse_step_result(std::string_view body) {
  return parse_with<StepResult>(body, kMaxReportBody, [](const json& j) {
    StepResult r;
    engine::StepOutcome& o = r.outcome;
    r.log_chunks = integer(j, "log_chunks", 0, INT64_MAX, 0);
    r.lines = strings(j, "lines", kMaxLinesPerChunk, kMaxLineBytes);
    o.started = boolean(j, "started");
    o.error_message = str(j, "error_message", kMaxLineBytes);
    o.exit_code = static_cast<int>(integer(j, "exit_code", -1, 255, -1));
    o.signal = static_cast<int>(integer(j, "signal", 0, 128, 0));
    o.cancelled = boolean(j, "cancelled");
    o.log_pattern_matched = boolean(j, "log_pattern_matched");
    o.outputs = pairs(j, "outputs");
    o.env = pairs(j, "env");
    o.path = strings(j, "path", kMaxItems, 4096);
    o.state = pairs(j, "state");
    o.summary = str(j, "summary", kMaxTextBytes);
    r.masks = strings(j, "masks", kMaxItems, kMaxTextBytes);
    r.timed_out = boolean(j, "timed_out");
    bool present = false;
    const json& a = array(j, "annotations", kMaxItems, present);
    for (size_t i = 0; i < a.size(); ++i) {
      std::string where = "annotations[" + std::to_string(i) + "]";
      if (!a[i].is_object()) bad(where, "not an object");
      engine::Annotation an;
      an.level = level_from(str(a[i], "level", 16, true), where + ".level");
      an.message = str(a[i], "message", kMaxLineBytes);
      an.title = str(a[i], "title", kMaxLineBytes);
      an.file = str(a[i], "file", 4096);
      an.line = static_cast<int>(integer(a[i], "line", 0, INT32_MAX, 0));
      an.end_line = static_cast<int>(integer(a[i], "end_line", 0, INT32_MAX, 0));
      an.column = static_cast<int>(integer(a[i], "column", 0, INT32_MAX, 0));
      an.end_column = static_cast<int>(integer(a[i], "end_column", 0, INT32_MAX, 0));
      o.annotations.push_back(std::move(an));
    }
    return r;
  });
}

std::string encode_error(std::string_view code, std::string_view message) {
  return json{{"error", {{"code", code}, {"message", message}}}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::string error_code(std::string_view body) {
  if (body.size() > kMaxSmallBody || json_depth(body) > kMaxDepth) return "";
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (!j.is_object()) return "";
  auto e = j.find("error");
  if (e == j.end() || !e->is_object()) return "";
  auto c = e->find("code");
  return c != e->end() && c->is_string() ? c->get<std::string>() : "";
}

}  // namespace sluice::agent
