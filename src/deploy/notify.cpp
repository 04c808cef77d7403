#include "deploy/notify.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/encodings.h"
#include "core/glob.h"
#include "core/hmac.h"
#include "core/json.h"

namespace sluice::deploy {

namespace {

const char* headline(NotificationEvent event) {
  switch (event) {
    case NotificationEvent::kFailure:
      return "failed";
    case NotificationEvent::kRecovery:
      return "recovered";
    case NotificationEvent::kApproval:
      return "is waiting for approval";
    case NotificationEvent::kRollback:
      return "was rolled back";
    case NotificationEvent::kSuccess:
      return "succeeded";
  }
  return "";
}

const char* slack_color(NotificationEvent event) {
  switch (event) {
    case NotificationEvent::kFailure:
    case NotificationEvent::kRollback:
      return "danger";
    case NotificationEvent::kApproval:
      return "warning";
    default:
      return "good";
  }
}

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
  if (what.empty()) return text;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

}  // namespace

std::string summary_line(const NotificationMessage& m) {
  std::string subject =
      m.environment.empty()
          ? fmt::format("{} run {}", m.workflow_name.empty() ? m.workflow_file : m.workflow_name,
                        m.run_id)
          : fmt::format("deployment to {} ({} run {}, job {})", m.environment,
                        m.workflow_name.empty() ? m.workflow_file : m.workflow_name, m.run_id,
                        m.job_key);
  std::string line = fmt::format("{} {}", subject, headline(m.event));
  if (!m.ref.empty()) line += " on " + m.ref;
  if (!m.reason.empty()) line += ": " + m.reason;
  return line;
}

std::string json_payload(const NotificationMessage& m) {
  Value workflow = Value::object();
  workflow.set("file", m.workflow_file);
  workflow.set("name", m.workflow_name);
  Value run = Value::object();
  run.set("id", static_cast<double>(m.run_id));
  run.set("number", static_cast<double>(m.run_number));
  run.set("ref", m.ref);
  run.set("sha", m.sha);
  run.set("actor", m.creator);
  Value body = Value::object();
  body.set("event", to_string(m.event));
  body.set("text", summary_line(m));
  body.set("status", m.status);
  body.set("reason", m.reason);
  body.set("workflow", workflow);
  body.set("run", run);
  if (!m.environment.empty()) {
    Value deployment = Value::object();
    deployment.set("id", static_cast<double>(m.deployment_id));
    deployment.set("environment", m.environment);
    deployment.set("job", m.job_key);
    deployment.set("url", m.url);
    deployment.set("status", m.status);
    body.set("deployment", deployment);
  }
  return to_json(body);
}

std::string slack_payload(const NotificationMessage& m) {
  Value::Array fields;
  auto field = [&](const char* title, const std::string& value) {
    if (value.empty()) return;
    Value f = Value::object();
    f.set("title", title);
    f.set("value", value);
    f.set("short", true);
    fields.push_back(f);
  };
  field("Workflow", m.workflow_name.empty() ? m.workflow_file : m.workflow_name);
  field("Run", std::to_string(m.run_id));
  field("Ref", m.ref);
  field("Environment", m.environment);
  field("Status", m.status);
  field("URL", m.url);
  Value attachment = Value::object();
  attachment.set("color", slack_color(m.event));
  attachment.set("fields", Value::array(std::move(fields)));
  Value body = Value::object();
  body.set("text", summary_line(m));
  body.set("attachments", Value::array({attachment}));
  return to_json(body);
}

std::string signature_header(const std::string& key, const std::string& body) {
  return "sha256=" + hex_encode(hmac_sha256(key, body));
}

Notifier::Notifier(std::vector<NotificationSpec> targets, Value secrets,
                   std::shared_ptr<const SecretMasker> masker, NotifierOptions options)
    : targets_(std::move(targets)),
      secrets_(std::move(secrets)),
      masker_(std::move(masker)),
      options_(std::move(options)) {
  if (!options_.fetch) options_.fetch = gates::default_http_fetch(options_.request_timeout);
  worker_ = std::thread([this] { run_worker(); });
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

std::string Notifier::secret(const std::string& name) const {
  if (name.empty()) return "";
  if (const Value* v = secrets_.find(name)) return v->to_string();
  const char* env = std::getenv(name.c_str());
  return env ? env : "";
}

bool Notifier::wanted(const NotificationSpec& target, const NotificationMessage& message,
                      bool environment_target) const {
  if (!target.wants(message.event)) return false;
  if (!target.workflows.empty()) {
    bool any = false;
    for (const std::string& pattern : target.workflows)
      any = any || glob_match(pattern, message.workflow_file) ||
            glob_match("**/" + pattern, message.workflow_file);
    if (!any) return false;
  }
  if (environment_target) return true;
  if (!target.environments.empty())
    return std::find(target.environments.begin(), target.environments.end(), message.environment) !=
           target.environments.end();
  return true;
}

void Notifier::notify(const NotificationMessage& message,
                      const std::vector<NotificationSpec>& environment_targets) {
  NotificationMessage masked = message;
  if (masker_) {
    for (std::string* text : {&masked.reason, &masked.url, &masked.workflow_name, &masked.ref})
      *text = masker_->mask(*text);
  }
  for (const NotificationSpec& target : targets_)
    if (wanted(target, masked, false)) enqueue(target, masked);
  for (const NotificationSpec& target : environment_targets)
    if (wanted(target, masked, true)) enqueue(target, masked);
}

void Notifier::enqueue(const NotificationSpec& target, const NotificationMessage& message) {
  Delivery d;
  d.target = target.name;
  d.url = target.url.empty() ? secret(target.url_secret) : target.url;
  d.body =
      target.format == NotificationFormat::kSlack ? slack_payload(message) : json_payload(message);
  d.max_attempts = target.max_attempts;
  d.headers.emplace_back("X-Sluice-Event", to_string(message.event));
  std::string key = secret(target.secret);
  if (!key.empty()) d.headers.emplace_back("X-Sluice-Signature-256", signature_header(key, d.body));
  std::lock_guard lock(mutex_);
  if (d.url.empty()) {
    ++counts_.failed;
    if (options_.report)
      options_.report("notification '" + d.target + "': its url-secret '" + target.url_secret +
                      "' is not set");
    return;
  }
  d.headers.emplace_back("X-Sluice-Delivery", std::to_string(next_delivery_++));
  d.due = std::chrono::steady_clock::now();
  queue_.push_back(std::move(d));
  changed_.notify_all();
}

void Notifier::run_worker() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    // The delivery due first; wait for it unless something sooner arrives.
    auto next =
        std::min_element(queue_.begin(), queue_.end(),
                         [](const Delivery& a, const Delivery& b) { return a.due < b.due; });
    if (next->due > std::chrono::steady_clock::now()) {
      changed_.wait_until(lock, next->due);
      continue;
    }
    Delivery d = std::move(*next);
    queue_.erase(next);
    ++in_flight_;
    lock.unlock();
    gates::HttpCall call;
    call.method = "POST";
    call.url = d.url;
    call.headers = d.headers;
    call.body = d.body;
    call.content_type = "application/json";
    auto reply = options_.fetch(call);
    ++d.attempt;
    bool ok = reply.ok() && reply->status >= 200 && reply->status < 300;
    // A 4xx other than 408/429 will not get better by trying again.
    bool retry = !ok && (!reply.ok() || reply->status >= 500 || reply->status == 408 ||
                         reply->status == 429);
    std::string problem = ok           ? ""
                          : reply.ok() ? fmt::format("HTTP {}", reply->status)
                                       : reply.error().message;
    // Neither the URL nor its server may show (a Slack URL is a secret; the HTTP client
    // names the server it could not reach).
    size_t scheme = d.url.find("://");
    std::string origin =
        d.url.substr(0, scheme == std::string::npos ? 0 : d.url.find('/', scheme + 3));
    problem = replace_all(problem, d.url, "<url>");
    problem = replace_all(problem, origin + "/", "<url>");
    problem = replace_all(problem, origin, "<url>");
    if (masker_) problem = masker_->mask(problem);
    lock.lock();
    --in_flight_;
    ++counts_.attempts;
    if (ok) {
      ++counts_.delivered;
    } else if (retry && d.attempt < d.max_attempts) {
      auto backoff = options_.first_backoff * (1 << std::min(d.attempt - 1, 16));
      d.due = std::chrono::steady_clock::now() + std::min(backoff, options_.max_backoff);
      if (options_.report)
        options_.report(fmt::format("notification '{}': attempt {} failed ({}); retrying", d.target,
                                    d.attempt, problem));
      queue_.push_back(std::move(d));
    } else {
      ++counts_.failed;
      if (options_.report)
        options_.report(fmt::format("notification '{}': not delivered after {} attempt{} ({})",
                                    d.target, d.attempt, d.attempt == 1 ? "" : "s", problem));
    }
    changed_.notify_all();
  }
}

bool Notifier::drain(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, max_wait, [&] { return queue_.empty() && in_flight_ == 0; });
}

Notifier::Counts Notifier::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace sluice::deploy
