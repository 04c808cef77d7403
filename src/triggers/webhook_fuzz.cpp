// libFuzzer target: a webhook delivery as server/hook_routes sees it — content type and
// event chosen by the first byte, the rest the raw body — through webhook_json_text,
// verify_webhook and parse_webhook for each provider, and repository_identity over the
// repository names a parse yields.
// Build: cmake -DSLUICE_FUZZ=ON with clang; run: build/fuzz/webhook_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "triggers/webhooks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::triggers;
  if (size == 0) return 0;
  uint8_t selector = data[0];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const char* kEvents[] = {"push", "ping", "Push Hook", "Tag Push Hook", "issues"};
  HookHeaders headers{
      {"content-type", (selector & 1) ? "application/x-www-form-urlencoded" : "application/json"},
      {"x-github-event", kEvents[(selector >> 1) % 5]},
      {"x-gitea-event", kEvents[(selector >> 1) % 5]},
      {"x-gitlab-event", kEvents[(selector >> 1) % 5]},
      {"x-github-delivery", "d"},
      {"x-hub-signature-256", "sha256=00"},
      {"x-gitlab-token", "secret"}};
  auto json = webhook_json_text(headers, body);
  if (!json.ok()) return 0;
  for (HookProvider provider :
       {HookProvider::kGitHub, HookProvider::kGitLab, HookProvider::kGitea}) {
    (void)verify_webhook(provider, headers, body, *json, "secret");
    auto delivery = parse_webhook(provider, headers, *json);
    if (!delivery.ok()) continue;
    for (const std::string& id : delivery->repository_ids) (void)repository_identity(id);
  }
  (void)repository_identity(body);
  return 0;
}
