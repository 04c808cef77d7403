#include "triggers/webhooks.h"

#include <algorithm>
#include <cctype>

#include "core/encodings.h"
#include "core/hmac.h"
#include "core/json.h"

namespace sluice::triggers {
namespace {

constexpr size_t kMaxChangedPaths = 10000;
constexpr size_t kGitHubMaxCommits = 2048;  // GitHub truncates `commits` here, silently

std::string header(const HookHeaders& headers, const std::string& lower_name) {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string first_header(const HookHeaders& headers, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (std::string value = header(headers, name); !value.empty()) return value;
  return "";
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte; a malformed escape is kept.
std::string form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
               hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string media_type(const HookHeaders& headers) {
  std::string type = to_lower(header(headers, "content-type"));
  if (size_t semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

std::string lower_hex(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool hex_signature_matches(std::string_view received, std::string_view secret,
                           std::string_view data) {
  return constant_time_equal(lower_hex(std::string(received)), webhook_signature_hex(secret, data));
}

bool prefixed_signature_matches(const std::string& received, std::string_view secret,
                                std::string_view data) {
  constexpr std::string_view kPrefix = "sha256=";
  if (!received.starts_with(kPrefix)) return false;
  return hex_signature_matches(std::string_view(received).substr(kPrefix.size()), secret, data);
}

// Typed reads of untrusted JSON: a missing member or one of another type reads as empty.
std::string string_field(const Value& object, std::string_view key) {
  const Value* v = object.find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

const Value& object_field(const Value& object, std::string_view key) {
  static const Value kEmpty = Value::object();
  const Value* v = object.find(key);
  return v && v->is_object() ? *v : kEmpty;
}

const Value::Array& array_field(const Value& object, std::string_view key) {
  static const Value::Array kEmpty;
  const Value* v = object.find(key);
  return v && v->is_array() ? v->as_array() : kEmpty;
}

bool is_object_id(const std::string& sha) {
  if (sha.size() != 40 && sha.size() != 64) return false;
  return std::all_of(sha.begin(), sha.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A branch or tag ref git would accept (git-check-ref-format, the parts that matter here:
// the value becomes a `git` argument and a directory-free label, so no option-looking or
// traversing names).
bool is_push_ref(const std::string& ref) {
  if (!ref.starts_with("refs/heads/") && !ref.starts_with("refs/tags/")) return false;
  if (ref.size() > 1024 || ref.ends_with("/") || ref.ends_with(".lock") || ref.ends_with("."))
    return false;
  if (ref.find("..") != std::string::npos || ref.find("//") != std::string::npos ||
      ref.find("/.") != std::string::npos || ref.find("@{") != std::string::npos)
    return false;
  return std::none_of(ref.begin(), ref.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' ||
           c == '*' || c == '[' || c == '\\';
  });
}

void add_identity(std::vector<std::string>& ids, const std::string& text) {
  std::string id = repository_identity(text);
  if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
}

// The union of the files the listed commits added, removed or modified; nullopt when the
// list may be incomplete or does not describe the push (a new ref, a tag).
std::optional<std::vector<std::string>> changed_paths(const Value& payload, bool complete) {
  if (!complete) return std::nullopt;
  std::vector<std::string> paths;
  for (const Value& commit : array_field(payload, "commits")) {
    for (const char* list : {"added", "removed", "modified"}) {
      for (const Value& path : array_field(commit, list)) {
        if (!path.is_string() || path.as_string().empty()) continue;
        if (std::find(paths.begin(), paths.end(), path.as_string()) != paths.end()) continue;
        if (paths.size() >= kMaxChangedPaths) return std::nullopt;
        paths.push_back(path.as_string());
      }
    }
  }
  return paths;
}

struct PushFields {
  std::string ref, before, after;
};

// Fills a push delivery from its ref, before and after: deleted refs run nothing.
Status finish_push(WebhookDelivery& delivery, const PushFields& f, Value payload,
                   bool commits_complete) {
  if (!is_push_ref(f.ref))
    return Error{"push payload has no valid 'ref' (refs/heads/... or refs/tags/...)", {}};
  std::string after = lower_hex(f.after);
  if (!is_object_id(after)) return Error{"push payload has no valid 'after' commit id", {}};
  delivery.kind = HookKind::kPush;
  if (is_null_sha(after)) {
    delivery.note = "ref " + f.ref + " deleted: nothing to run";
    return {};
  }
  bool created = f.before.empty() || is_null_sha(f.before);
  TriggerEvent event;
  event.name = "push";
  event.ref = f.ref;
  event.sha = after;
  event.changed_paths =
      changed_paths(payload, commits_complete && !created && f.ref.starts_with("refs/heads/"));
  event.payload = std::move(payload);
  delivery.push = std::move(event);
  return {};
}

Status parse_github_like(WebhookDelivery& delivery, Value payload) {
  const Value& repository = object_field(payload, "repository");
  add_identity(delivery.repository_ids, string_field(repository, "full_name"));
  for (const char* url : {"clone_url", "ssh_url", "html_url", "git_url"})
    add_identity(delivery.repository_ids, string_field(repository, url));
  if (delivery.event == "ping") {
    delivery.kind = HookKind::kPing;
    return {};
  }
  if (delivery.event != "push") {
    delivery.note = "event '" + delivery.event + "' ignored (sluice runs push events)";
    return {};
  }
  size_t listed = array_field(payload, "commits").size();
  bool complete = listed < kGitHubMaxCommits;
  // Gitea and Forgejo say how many commits there were; GitHub does not.
  if (const Value* total = payload.find("total_commits"); total && total->is_number())
    complete = complete && total->as_number() <= static_cast<double>(listed);
  PushFields f{string_field(payload, "ref"), string_field(payload, "before"),
               string_field(payload, "after")};
  return finish_push(delivery, f, std::move(payload), complete);
}

Value gitlab_commit(const Value& commit) {
  Value out = Value::object();
  out.set("id", string_field(commit, "id"));
  out.set("message", string_field(commit, "message"));
  out.set("timestamp", string_field(commit, "timestamp"));
  out.set("url", string_field(commit, "url"));
  const Value& author = object_field(commit, "author");
  Value person = Value::object();
  person.set("name", string_field(author, "name"));
  person.set("email", string_field(author, "email"));
  out.set("author", person);
  out.set("committer", person);
  for (const char* list : {"added", "removed", "modified"}) {
    Value paths = Value::array();
    for (const Value& path : array_field(commit, list))
      if (path.is_string()) paths.as_array().push_back(path);
    out.set(list, paths);
  }
  return out;
}

// GitLab's push and tag_push in GitHub's push shape (github.event reads the same).
Value github_shaped_gitlab_push(const Value& gitlab, const PushFields& f) {
  const Value& project = object_field(gitlab, "project");
  Value repository = Value::object();
  repository.set("full_name", string_field(project, "path_with_namespace"));
  repository.set("name", string_field(project, "name"));
  repository.set("clone_url", string_field(project, "git_http_url"));
  repository.set("ssh_url", string_field(project, "git_ssh_url"));
  repository.set("html_url", string_field(project, "web_url"));
  repository.set("default_branch", string_field(project, "default_branch"));
  Value commits = Value::array();
  Value head_commit;
  std::string head = string_field(gitlab, "checkout_sha");
  if (head.empty()) head = f.after;
  for (const Value& commit : array_field(gitlab, "commits")) {
    commits.as_array().push_back(gitlab_commit(commit));
    if (string_field(commit, "id") == head) head_commit = commits.as_array().back();
  }
  Value pusher = Value::object();
  pusher.set("name", string_field(gitlab, "user_username"));
  pusher.set("email", string_field(gitlab, "user_email"));
  Value out = Value::object();
  out.set("ref", f.ref);
  out.set("before", f.before);
  out.set("after", f.after);
  out.set("created", f.before.empty() || is_null_sha(f.before));
  out.set("deleted", is_null_sha(f.after));
  out.set("repository", repository);
  out.set("head_commit", head_commit);
  out.set("commits", commits);
  out.set("pusher", pusher);
  return out;
}

Status parse_gitlab(WebhookDelivery& delivery, const Value& payload) {
  const Value& project = object_field(payload, "project");
  add_identity(delivery.repository_ids, string_field(project, "path_with_namespace"));
  for (const char* url : {"git_http_url", "git_ssh_url", "web_url"})
    add_identity(delivery.repository_ids, string_field(project, url));
  std::string kind = string_field(payload, "object_kind");
  if (kind != "push" && kind != "tag_push") {
    delivery.note = "event '" + delivery.event + "' ignored (sluice runs push events)";
    return {};
  }
  PushFields f{string_field(payload, "ref"), string_field(payload, "before"),
               string_field(payload, "after")};
  size_t listed = array_field(payload, "commits").size();
  bool complete = true;  // GitLab lists the first 20 and says how many there were
  if (const Value* total = payload.find("total_commits_count"); total && total->is_number())
    complete = total->as_number() <= static_cast<double>(listed);
  Value shaped = github_shaped_gitlab_push(payload, f);
  return finish_push(delivery, f, std::move(shaped), complete);
}

}  // namespace

bool is_null_sha(const std::string& sha) {
  return !sha.empty() && std::all_of(sha.begin(), sha.end(), [](char c) { return c == '0'; });
}

std::optional<HookProvider> hook_provider_from_name(std::string_view name) {
  if (name == "github") return HookProvider::kGitHub;
  if (name == "gitlab") return HookProvider::kGitLab;
  if (name == "gitea") return HookProvider::kGitea;
  return std::nullopt;
}

const char* hook_provider_name(HookProvider provider) {
  switch (provider) {
    case HookProvider::kGitHub:
      return "github";
    case HookProvider::kGitLab:
      return "gitlab";
    case HookProvider::kGitea:
      return "gitea";
  }
  return "?";
}

std::string webhook_signature_hex(std::string_view secret, std::string_view data) {
  return hex_encode(hmac_sha256(secret, data));
}

Result<std::string> webhook_json_text(const HookHeaders& headers, std::string_view raw_body) {
  if (raw_body.size() > kMaxWebhookBody)
    return Error{"webhook body larger than " + std::to_string(kMaxWebhookBody) + " bytes", {}};
  std::string type = media_type(headers);
  if (type == "application/json" || (type.empty() && raw_body.starts_with("{")))
    return std::string(raw_body);
  if (type != "application/x-www-form-urlencoded")
    return Error{"unsupported webhook content type '" + type +
                     "' (configure the hook to send application/json)",
                 {}};
  size_t start = 0;
  while (start <= raw_body.size()) {
    size_t end = raw_body.find('&', start);
    if (end == std::string_view::npos) end = raw_body.size();
    std::string_view pair = raw_body.substr(start, end - start);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && form_decode(pair.substr(0, eq)) == "payload")
      return form_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return Error{"form-encoded webhook without a 'payload' field", {}};
}

bool verify_webhook(HookProvider provider, const HookHeaders& headers, std::string_view raw_body,
                    std::string_view json_text, std::string_view secret) {
  if (secret.empty()) return false;
  switch (provider) {
    case HookProvider::kGitHub:
      return prefixed_signature_matches(header(headers, "x-hub-signature-256"), secret, raw_body);
    case HookProvider::kGitLab:
      return constant_time_equal(header(headers, "x-gitlab-token"), secret);
    case HookProvider::kGitea: {
      for (const char* name : {"x-gitea-signature", "x-forgejo-signature"}) {
        std::string received = header(headers, name);
        if (!received.empty() && hex_signature_matches(received, secret, json_text)) return true;
      }
      return prefixed_signature_matches(header(headers, "x-hub-signature-256"), secret, json_text);
    }
  }
  return false;
}

Result<WebhookDelivery> parse_webhook(HookProvider provider, const HookHeaders& headers,
                                      std::string_view json_text) {
  if (json_text.size() > kMaxWebhookBody)
    return Error{"webhook payload larger than " + std::to_string(kMaxWebhookBody) + " bytes", {}};
  // parse_json's own limit is for workflow data; a webhook gets a tighter one, checked on the
  // text first so a deep payload costs no allocation.
  if (json_nesting_depth(json_text) > kMaxWebhookJsonDepth)
    return Error{
        "webhook payload nested deeper than " + std::to_string(kMaxWebhookJsonDepth) + " levels",
        {}};
  Result<Value> parsed = parse_json(json_text);
  if (!parsed.ok()) return Error{"webhook payload: " + parsed.error().message, {}};
  if (!parsed->is_object()) return Error{"webhook payload is not a JSON object", {}};

  WebhookDelivery delivery;
  delivery.provider = provider;
  Status status;
  switch (provider) {
    case HookProvider::kGitHub:
      delivery.event = header(headers, "x-github-event");
      delivery.delivery_id = header(headers, "x-github-delivery");
      status = parse_github_like(delivery, std::move(*parsed));
      break;
    case HookProvider::kGitea:
      delivery.event = first_header(
          headers, {"x-gitea-event", "x-forgejo-event", "x-gogs-event", "x-github-event"});
      delivery.delivery_id = first_header(headers, {"x-gitea-delivery", "x-forgejo-delivery",
                                                    "x-gogs-delivery", "x-github-delivery"});
      status = parse_github_like(delivery, std::move(*parsed));
      break;
    case HookProvider::kGitLab:
      delivery.event = header(headers, "x-gitlab-event");
      // X-Gitlab-Webhook-UUID changes on every retry; Idempotency-Key (GitLab 17.4+) does not.
      delivery.delivery_id = header(headers, "idempotency-key");
      status = parse_gitlab(delivery, *parsed);
      break;
  }
  if (!status.ok()) return status.error();
  return delivery;
}

std::string repository_identity(std::string_view text) {
  std::string_view path;
  if (size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    if (to_lower(text.substr(0, scheme)) == "file") return "";
    std::string_view rest = text.substr(scheme + 3);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return "";
    path = rest.substr(slash);
  } else if (text.starts_with("/") || text.starts_with(".") || text.starts_with("~")) {
    return "";
  } else if (size_t colon = text.find(':');
             colon != std::string_view::npos && text.substr(0, colon).find('/') == text.npos) {
    path = text.substr(colon + 1);  // scp-like git@host:owner/repo
  } else {
    path = text;  // a full name, "owner/repo"
  }
  while (path.starts_with("/")) path.remove_prefix(1);
  while (path.ends_with("/")) path.remove_suffix(1);
  if (path.ends_with(".git")) path.remove_suffix(4);
  if (path.find('/') == std::string_view::npos) return "";
  return to_lower(path);
}

}  // namespace sluice::triggers
