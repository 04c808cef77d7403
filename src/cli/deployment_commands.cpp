// `sluice approve RUN`, `sluice reject RUN` and `sluice deployments [ENV]`: deciding on a
// deployment that waits for reviewers, from another terminal than the run's, and the
// deployment history of the data dir (docs/environments.md).
//
// A review is appended to the deployment's record in the store; the waiting run reads it
// at its next poll (deploy/environment_admission.h). The reviewer is $SLUICE_USER or the
// OS user. A review that would not count (not a reviewer, self-review where prevented) is
// refused here with the reason, so the reviewer learns it at once.
//
// Exit codes: 0 done; 1 the review is refused; 2 no such run, or nothing waits for review.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/run_lookup.h"
#include "deploy/environments.h"
#include "deploy/reviewers.h"
#include "store/deployment_json.h"
#include "store/run_json.h"

namespace sluice::cli {

namespace {

using engine::DeploymentRecord;
using engine::DeploymentStatus;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_time(int64_t ms) {
  return store::iso8601_utc(ms);
}

struct ReviewArgs {
  std::string run;
  std::string environment;
  std::string comment;
  std::string data_dir = ".sluice";
};

int review(const ReviewArgs& args, engine::ReviewDecision decision) {
  const char* command = decision == engine::ReviewDecision::kApproved ? "approve" : "reject";
  auto fail = [&](int code, const std::string& message) {
    std::cerr << "sluice " << command << ": error: " << message << "\n";
    return code;
  };
  auto history = open_history(args.data_dir, command);
  if (!history) return fail(kExitInvalid, history.error().message);
  auto run_id = resolve_run(**history, args.run);
  if (!run_id) return fail(kExitInvalid, run_id.error().message);
  const std::string user = deploy::current_user();
  auto outcome = deploy::submit_review(**history, *run_id, args.environment, user, decision,
                                       args.comment, now_ms());
  using Kind = deploy::ReviewOutcome::Kind;
  for (const DeploymentRecord& d : outcome.reviewed)
    std::cout << fmt::format(
        "{} deployment {} of run {} (job {}) to '{}' as {}\n",
        decision == engine::ReviewDecision::kApproved ? "approved" : "rejected", d.id, d.run_id,
        d.job_key, d.environment, user);
  switch (outcome.kind) {
    case Kind::kRecorded:
      return kExitOk;
    case Kind::kNothingWaiting:
      return fail(kExitInvalid, outcome.message);
    case Kind::kAmbiguous:
      return fail(kExitInvalid, outcome.message + " with --env");
    case Kind::kRefused:
    case Kind::kFailed:
      break;
  }
  return fail(kExitFailure, outcome.message);
}

void add_review_command(CLI::App& app, int& exit_code, engine::ReviewDecision decision) {
  bool approve = decision == engine::ReviewDecision::kApproved;
  auto* cmd = app.add_subcommand(approve ? "approve" : "reject",
                                 approve ? "Approve a deployment that waits for reviewers"
                                         : "Reject a deployment that waits for reviewers");
  auto args = std::make_shared<ReviewArgs>();
  cmd->add_option("RUN", args->run, "Run id (see `sluice runs`) or 'latest'")->required();
  cmd->add_option("--env", args->environment,
                  "The environment (needed when the run waits for several)");
  cmd->add_option("--comment", args->comment, "Why; kept with the review");
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  cmd->callback([&exit_code, args, decision] { exit_code = review(*args, decision); });
}

void print_deployments(const std::vector<DeploymentRecord>& deployments, bool json,
                       const std::string& environment) {
  if (json) {
    std::cout << store::deployments_json(deployments).dump(2) << "\n";
    return;
  }
  if (deployments.empty()) {
    std::cout << "no deployments" << (environment.empty() ? "" : " to " + environment) << "\n";
    return;
  }
  std::cout << fmt::format("{:<5} {:<14} {:<12} {:<5} {:<16} {:<20} {:<8} {:<20} {}\n", "ID",
                           "ENVIRONMENT", "STATUS", "RUN", "JOB", "REF", "SHA", "UPDATED",
                           "REVIEWS / REASON");
  for (const auto& d : deployments) {
    std::string notes;
    for (const auto& r : d.reviews)
      notes += (notes.empty() ? "" : ", ") + r.user + " " + engine::to_string(r.decision);
    if (!d.reason.empty()) notes += (notes.empty() ? "" : "; ") + d.reason;
    std::cout << fmt::format("{:<5} {:<14} {:<12} {:<5} {:<16} {:<20} {:<8} {:<20} {}\n", d.id,
                             d.environment, engine::to_string(d.status), d.run_id, d.job_key, d.ref,
                             d.sha.substr(0, 7), iso_time(d.updated_ms), notes);
  }
}

void add_deployments_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("deployments", "List deployments to environments, newest first");
  struct Args {
    std::string environment;
    std::string data_dir = ".sluice";
    int limit = 20;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("ENV", args->environment, "Only this environment");
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  cmd->add_option("--limit,-n", args->limit, "How many to list (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "Print them as JSON (docs/environments.md)");
  cmd->callback([&exit_code, args] {
    std::vector<DeploymentRecord> list;
    if (std::filesystem::exists(std::filesystem::path(args->data_dir) /
                                store::SqliteStore::kDatabaseFile)) {
      auto history = open_history(args->data_dir, "deployments");
      if (!history) {
        std::cerr << "sluice deployments: error: " << history.error().message << "\n";
        exit_code = kExitInvalid;
        return;
      }
      auto found =
          (*history)->list_deployments(engine::DeploymentQuery{args->environment, 0, args->limit});
      if (!found) {
        std::cerr << "sluice deployments: error: " << found.error().message << "\n";
        exit_code = kExitFailure;
        return;
      }
      list = std::move(*found);
    }
    print_deployments(list, args->json, args->environment);
    exit_code = kExitOk;
  });
}

}  // namespace

void add_deployment_commands(CLI::App& app, int& exit_code) {
  add_review_command(app, exit_code, engine::ReviewDecision::kApproved);
  add_review_command(app, exit_code, engine::ReviewDecision::kRejected);
  add_deployments_command(app, exit_code);
}

}  // namespace sluice::cli
