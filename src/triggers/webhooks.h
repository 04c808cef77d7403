// Webhook deliveries from GitHub, GitLab and Gitea/Forgejo: verification and parsing.
//
// Pure functions over a delivery's headers and raw body; server/hook_routes does the HTTP.
// The order matters and is the caller's contract:
//
//   1. refuse a body over kMaxWebhookBody (413) before reading it;
//   2. webhook_json_text(): the JSON the provider sent (the body for `application/json`,
//      the `payload` field of an `application/x-www-form-urlencoded` body);
//   3. verify_webhook() with each candidate project's secret, over the raw bytes (GitHub's
//      HMAC covers the raw body, Gitea's the JSON text); nothing is parsed before a secret
//      verifies, so unauthenticated input only ever reaches the form splitter;
//   4. parse_webhook() on the verified JSON (depth- and size-limited): which repository,
//      which event, and for a push the TriggerEvent to run.
//
// Signatures:
//   GitHub   X-Hub-Signature-256: "sha256=" + lowercase hex HMAC-SHA256(secret, raw body)
//   Gitea    X-Gitea-Signature / X-Forgejo-Signature: bare hex HMAC-SHA256(secret, JSON);
//            also accepted: X-Hub-Signature-256 "sha256=<hex>" over the same JSON
//   GitLab   X-Gitlab-Token: the secret itself
// Comparisons are constant-time. An empty secret verifies nothing: a project without a
// webhook secret accepts no webhook (there is no unsigned mode). Replays of a signed
// delivery verify (no provider signs a timestamp); the caller dedupes by delivery id.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "triggers/trigger_event.h"

namespace sluice::triggers {

enum class HookProvider { kGitHub, kGitLab, kGitea };

// "github" | "gitlab" | "gitea" (the path segment after /hooks/); nullopt otherwise.
std::optional<HookProvider> hook_provider_from_name(std::string_view name);
const char* hook_provider_name(HookProvider provider);

inline constexpr size_t kMaxWebhookBody = 1 << 20;  // GitHub sends up to 25 MB; pushes are small
inline constexpr int kMaxWebhookJsonDepth = 32;     // real payloads nest 4-5 levels

using HookHeaders = std::map<std::string, std::string>;  // lower-case names

// The JSON text of a delivery (step 2). Errors: an unsupported content type, a form body
// without a `payload` field, a body over kMaxWebhookBody.
Result<std::string> webhook_json_text(const HookHeaders& headers, std::string_view raw_body);

// Whether `secret` authenticates the delivery (step 3). `json_text` is what
// webhook_json_text returned for `raw_body`.
bool verify_webhook(HookProvider provider, const HookHeaders& headers, std::string_view raw_body,
                    std::string_view json_text, std::string_view secret);

// Lowercase hex HMAC-SHA256: the signature GitHub and Gitea send.
std::string webhook_signature_hex(std::string_view secret, std::string_view data);

enum class HookKind {
  kPush,     // a push of a branch or a tag
  kPing,     // GitHub's hook-created ping: answered, nothing runs
  kIgnored,  // another event (pull_request, issues, ...): accepted, nothing runs
};

struct WebhookDelivery {
  HookProvider provider = HookProvider::kGitHub;
  HookKind kind = HookKind::kIgnored;
  std::string event;        // the event header as sent: "push", "Push Hook", "ping"
  std::string delivery_id;  // stable across redeliveries; "" when the provider sends none
  // The repository the delivery is about, in the forms repository_identity() gives: the
  // full name ("owner/repo", GitLab's "group/sub/repo") and the path of each clone URL.
  std::vector<std::string> repository_ids;
  std::optional<TriggerEvent> push;  // kPush of a ref that still exists
  std::string note;                  // why nothing runs ("ref deleted", "event 'issues' ignored")
};

// Parses a verified delivery (step 4). Errors (400): malformed JSON, nesting deeper than
// kMaxWebhookJsonDepth, a push without a valid `ref` ("refs/heads/..." or "refs/tags/...")
// or `after` (40 or 64 hex digits: it reaches `git checkout`, so it is never trusted).
// GitLab pushes are reshaped into GitHub's push payload (ref, before, after, created,
// deleted, repository{full_name, name, clone_url, default_branch}, head_commit, commits,
// pusher) so that workflows read github.event the same way whoever sent it.
Result<WebhookDelivery> parse_webhook(HookProvider provider, const HookHeaders& headers,
                                      std::string_view json_text);

// A repository's identity for matching a delivery to a project: the lower-cased path of a
// URL without ".git" or a trailing "/" ("https://github.com/Owner/Repo.git" and
// "git@github.com:owner/repo" both give "owner/repo"), or a full name as given, lower-cased.
// "" for a local path or a file:// URL (such projects are named with ?project=).
std::string repository_identity(std::string_view url_or_full_name);

}  // namespace sluice::triggers
