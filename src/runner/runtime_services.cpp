#include "runner/runtime_services.h"

#include <fstream>
#include <mutex>
#include <ostream>

#include "engine/engine.h"
#include "expr/expression.h"

namespace sluice::runner {

namespace fs = std::filesystem;

namespace {

// The toolkit accepts only these hosts as "not GHES" (docs/runner-protocol.md).
bool toolkit_accepts_server(const std::string& url) {
  size_t start = url.find("://");
  std::string host = url.substr(start == std::string::npos ? 0 : start + 3);
  host = host.substr(0, host.find_first_of(":/"));
  auto ends_with = [&](const std::string& suffix) {
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return host == "github.com" || ends_with(".ghe.com") || ends_with(".localhost");
}

}  // namespace

std::string default_branch_ref(const std::string& repo_dir, const Value& event) {
  std::ifstream head(fs::path(repo_dir) / ".git" / "refs" / "remotes" / "origin" / "HEAD");
  std::string line;
  const std::string prefix = "ref: refs/remotes/origin/";
  if (head && std::getline(head, line) && line.rfind(prefix, 0) == 0 && line.size() > prefix.size())
    return "refs/heads/" + line.substr(prefix.size());
  std::string branch = event.get("repository").get("default_branch").to_string();
  return "refs/heads/" + (branch.empty() ? std::string("main") : branch);
}

const plan::PlannedJob* planned_job_of(const plan::RunPlan& plan, const std::string& job_key) {
  if (const plan::PlannedJob* exact = plan.find(job_key)) return exact;
  const plan::PlannedJob* best = nullptr;
  for (const plan::PlannedJob& job : plan.jobs) {
    const std::string prefix = job.key + " (";
    if (job_key.rfind(prefix, 0) == 0 && job_key.back() == ')' &&
        (!best || job.key.size() > best->key.size()))
      best = &job;
  }
  return best;
}

bool id_token_writable(const plan::RunPlan& plan, const plan::PlannedJob& job) {
  for (const plan::PlannedJob* at = &job; at;) {
    if (at->job->permissions) return at->job->permissions->level("id-token") == "write";
    if (at->workflow && at->workflow->permissions)
      return at->workflow->permissions->level("id-token") == "write";
    at = at->caller_key.empty() ? nullptr : plan.find(at->caller_key);
  }
  return false;  // GitHub's default token permissions never include id-token
}

Result<runtime::IdTokenClaims> id_token_claims(const plan::RunPlan& plan,
                                               const plan::PlannedJob& job, const Value& github,
                                               const expr::EvalContext& context) {
  auto g = [&](const char* name) { return github.get(name).to_string(); };
  runtime::IdTokenClaims c;
  c.repository = g("repository");
  c.repository_owner = g("repository_owner");
  c.ref = g("ref");
  c.ref_type = g("ref_type");
  c.sha = g("sha");
  c.workflow = g("workflow");
  c.workflow_ref = g("workflow_ref");
  c.workflow_sha = c.sha;
  c.job_workflow_ref = c.workflow_ref;
  c.job_workflow_sha = c.sha;
  // A job of a called workflow: the file that defines it, from its innermost caller's `uses`.
  if (const plan::PlannedJob* caller = job.caller_key.empty() ? nullptr : plan.find(job.caller_key);
      caller && caller->job->uses) {
    std::string uses = caller->job->uses->text;
    if (uses.rfind("./", 0) == 0) {
      c.job_workflow_ref = c.repository + "/" + uses.substr(2) + "@" + c.ref;
    } else {
      c.job_workflow_ref = uses;
      if (!caller->workflow_sha.empty()) c.job_workflow_sha = caller->workflow_sha;
    }
  }
  c.run_id = g("run_id");
  c.run_number = g("run_number");
  c.run_attempt = g("run_attempt");
  c.event_name = g("event_name");
  c.actor = g("actor");
  c.head_ref = g("head_ref");
  c.base_ref = g("base_ref");
  if (job.job->environment) {
    const std::string& text = job.job->environment->name.text;
    if (text.find("${{") == std::string::npos) {
      c.environment = text;
    } else {
      // Only the run's contexts are known here; a name built from matrix or needs is not.
      bool job_context = text.find("matrix") != std::string::npos ||
                         text.find("needs") != std::string::npos ||
                         text.find("strategy") != std::string::npos;
      auto name = job_context ? Result<Value>(Error{"it reads a job context", {}})
                              : expr::evaluate_string(text, context);
      if (!name.ok())
        return Error{"job '" + job.key + "': its environment name '" + text +
                         "' cannot be known before the job runs, so it gets no OIDC token (" +
                         name.error().message + ")",
                     {}};
      c.environment = name->to_string();
    }
  }
  return c;
}

std::unique_ptr<runtime::RuntimeServer> start_runtime_services(
    const fs::path& data_dir, const std::string& repo_dir, engine::RunOptions& options,
    const plan::RunPlan& plan, std::shared_ptr<SecretMasker> masker, std::ostream& warnings) {
  auto server =
      std::make_unique<runtime::RuntimeServer>(data_dir.string(), runtime::RuntimeKeys::random());
  if (Status s = server->listen(); !s.ok()) {
    warnings << "sluice run: warning: the cache and artifact services are unavailable: "
             << s.error().message << "\n";
    return nullptr;
  }
  std::string ref = options.github.get("ref").to_string();
  std::string default_ref = default_branch_ref(repo_dir, options.github.get("event"));
  auto base = options.base_env;
  std::string no_proxy = base.count("NO_PROXY") ? base["NO_PROXY"] : base["no_proxy"];
  bool replace_server = !toolkit_accepts_server(options.github.get("server_url").to_string());
  // One token per job (tokens carry their issue time, so a new one per step would only
  // grow the masker).
  auto cache = std::make_shared<std::map<std::pair<int64_t, std::string>, std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  runtime::RuntimeServer* services = server.get();
  const engine::RunOptions* run_options = &options;
  const plan::RunPlan* run_plan = &plan;
  std::ostream* warning_stream = &warnings;  // outlives the run, as `options` does
  options.job_env = [=](int64_t run_id, const std::string& job_key) {
    std::map<std::string, std::string> env;
    {
      std::lock_guard lock(*mutex);
      std::string& token = (*cache)[{run_id, job_key}];
      bool first = token.empty();
      if (first) {
        token = services->token_for(run_id, job_key, ref, default_ref);
        masker->add(token);
      }
      env = services->job_env(token, no_proxy);
      const plan::PlannedJob* job = planned_job_of(*run_plan, job_key);
      if (job && id_token_writable(*run_plan, *job)) {
        Value github = run_options->github;
        github.set("run_id", std::to_string(run_id));
        auto claims =
            id_token_claims(*run_plan, *job, github,
                            engine::run_expression_context(*run_options, run_options->inputs));
        if (claims.ok()) {
          if (first)
            services->oidc().allow(std::to_string(run_id),
                                   runtime::job_backend_id(std::to_string(run_id), job_key),
                                   std::move(*claims));
          for (auto& [k, v] : services->oidc().job_env(token)) env[k] = v;
        } else if (first) {
          *warning_stream << "sluice run: warning: " << claims.error().message << "\n";
        }
      }
    }
    if (replace_server) env["GITHUB_SERVER_URL"] = "http://github.localhost";
    return env;
  };
  return server;
}

}  // namespace sluice::runner
