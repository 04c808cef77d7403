// Notifications about runs and deployments (docs/environments.md "Notifications"): on
// failure, recovery, approval needed and rollback (and, when asked, success), to the
// targets of `.sluice/environments.yml` — file-wide ones (filtered by workflow and
// environment) and an environment's own.
//
// Two payloads: a generic JSON document and a Slack-compatible one ({"text": ...}). Every
// request carries `X-Sluice-Event` and a unique `X-Sluice-Delivery`; with a `secret`, also
// `X-Sluice-Signature-256: sha256=<hex HMAC-SHA256 of the body under the secret>` (as
// GitHub signs its webhooks), so a receiver can check where it came from.
//
// Never blocking the run: notify() only queues; one worker thread delivers, retrying a
// failed delivery (unreachable, 5xx, 429) with exponential back-off up to the target's
// max-attempts. Every text goes through the run's masker before it is queued, and a
// delivery error names the target, never its URL (a Slack URL is itself a secret).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/secret_masker.h"
#include "core/value.h"
#include "deploy/environments.h"
#include "gates/sources.h"

namespace sluice::deploy {

struct NotificationMessage {
  NotificationEvent event = NotificationEvent::kFailure;
  std::string workflow_file;
  std::string workflow_name;
  int64_t run_id = 0;
  int64_t run_number = 0;
  std::string ref;
  std::string sha;
  std::string status;  // the run's or the deployment's
  std::string reason;
  std::string environment;  // "" for a run's own notification
  int64_t deployment_id = 0;
  std::string job_key;
  std::string url;      // the deployment's url
  std::string creator;  // who started the run
};

// The JSON body: {"event", "text", "workflow": {file, name}, "run": {id, number, ref, sha,
// status, reason, actor}, "deployment": {...} when about one}.
std::string json_payload(const NotificationMessage& message);
// {"text": "...", "attachments": [{"color": ..., "fields": [...]}]}
std::string slack_payload(const NotificationMessage& message);
// One line for humans: "failure: deploy.yml run 12 on refs/heads/main — <reason>".
std::string summary_line(const NotificationMessage& message);
// "sha256=<lowercase hex>" of HMAC-SHA256(key, body).
std::string signature_header(const std::string& key, const std::string& body);

struct NotifierOptions {
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds request_timeout{10'000};
  gates::HttpFetch fetch;  // empty: gates::default_http_fetch(request_timeout)
  // Where delivery problems are reported (already masked); may be called from the worker.
  std::function<void(const std::string&)> report;
};

class Notifier {
 public:
  // `secrets` are the run's: a target's `secret` and `url-secret` name one of them (else
  // an environment variable of this process).
  Notifier(std::vector<NotificationSpec> targets, Value secrets,
           std::shared_ptr<const SecretMasker> masker, NotifierOptions options = {});
  ~Notifier();  // stops at once: what is still queued is dropped (call drain() first)

  // Queues the message for every target that wants it (event, workflow, environment).
  // `environment_targets` are the environment's own targets. Any thread.
  void notify(const NotificationMessage& message,
              const std::vector<NotificationSpec>& environment_targets = {});
  // Waits until everything queued is delivered or given up, at most `max_wait`. True when
  // nothing is left.
  bool drain(std::chrono::milliseconds max_wait);

  struct Counts {
    int delivered = 0;
    int failed = 0;  // given up after max-attempts
    int attempts = 0;
  };
  Counts counts() const;

 private:
  struct Delivery {
    std::string target;  // its name, for messages
    std::string url;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    int max_attempts = 1;
    int attempt = 0;
    std::chrono::steady_clock::time_point due;
  };
  bool wanted(const NotificationSpec& target, const NotificationMessage& message,
              bool environment_target) const;
  std::string secret(const std::string& name) const;
  void enqueue(const NotificationSpec& target, const NotificationMessage& message);
  void run_worker();

  std::vector<NotificationSpec> targets_;
  Value secrets_;
  std::shared_ptr<const SecretMasker> masker_;
  NotifierOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Delivery> queue_;
  int in_flight_ = 0;
  bool stopping_ = false;
  Counts counts_;
  uint64_t next_delivery_ = 1;
  std::thread worker_;
};

}  // namespace sluice::deploy
