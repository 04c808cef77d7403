#include "actions/deploy_action.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "actions/action_inputs.h"
#include "deploy/deploy_inputs.h"
#include "deploy/deployer.h"
#include "deploy/hook_runner.h"
#include "deploy/probe.h"
#include "deploy/recovery.h"
#include "store/run_owner.h"
#include "store/sqlite/sqlite_store.h"

namespace fs = std::filesystem;

namespace sluice::actions {
namespace {

constexpr const char* kInputs[] = {
    "strategy", "targets", "targets-command", "revision", "environment",     "min-healthy",
    "appspec",  "hooks",   "steps",           "checks",   "rollback-window", "auto-rollback"};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string data_dir_of_step() {
  if (std::string d = env_value("SLUICE_DATA_DIR"); !d.empty()) return d;
  if (std::string a = env_value("SLUICE_ARTIFACTS_DIR"); !a.empty())
    return fs::path(a).parent_path().parent_path().string();
  std::string ws = env_value("GITHUB_WORKSPACE");
  return (fs::path(ws.empty() ? "." : ws) / ".sluice").string();
}

std::atomic<bool> g_cancelled{false};
extern "C" void on_cancel(int) {
  g_cancelled = true;
}

// Everything a deployer needs that talks to the world. The store and the owner lock are
// its own (a deploy step, `sluice deploy recover`) or its caller's (`store`, `owner_token`
// only: a process that already holds them must not take a second lock on the same file).
struct World {
  deploy::ProcessHookRunner hooks;
  std::unique_ptr<deploy::GateCheckProbe> probe;
  deploy::SystemDeployClock clock;
  std::unique_ptr<store::SqliteStore> own_store;
  std::unique_ptr<store::RunOwnerLock> owner;
  engine::Store* store = nullptr;
  std::string owner_token;
  fs::path data_dir;
};

Result<std::unique_ptr<World>> open_world(const std::string& data_dir, const std::string& workdir,
                                          bool create) {
  auto w = std::make_unique<World>();
  w->data_dir = data_dir;
  store::SqliteStoreOptions options;
  options.create_if_missing = create;
  auto opened = store::SqliteStore::open(data_dir, options);
  if (!opened) return opened.error();
  w->own_store = std::move(*opened);
  w->store = w->own_store.get();
  auto owner = store::RunOwnerLock::acquire(data_dir);
  if (!owner) return owner.error();
  w->owner = std::move(*owner);
  w->owner_token = w->owner->token();
  w->probe = std::make_unique<deploy::GateCheckProbe>(w->hooks, workdir);
  return w;
}

deploy::DeployParts parts_of(World& w, std::ostream& out) {
  return deploy::DeployParts{
      w.hooks, *w.probe, w.clock, *w.store, now_ms, [] { return g_cancelled.load(); }, out};
}

Result<std::vector<deploy::DeployOutcome>> recover(World& w, std::ostream& out,
                                                   const std::string& environment,
                                                   int64_t run_id = 0) {
  auto gone = [&w](const std::string& owner) {
    return store::owner_state(w.data_dir, owner) == store::OwnerState::kGone;
  };
  return deploy::recover_orphans(parts_of(w, out), environment, gone, w.owner_token, run_id);
}

// Prints what recovery did; returns 1 when a deployment could not be rolled back.
int report_recovered(const Result<std::vector<deploy::DeployOutcome>>& outcomes, const char* prefix,
                     std::ostream& out, std::ostream& err) {
  if (!outcomes) {
    err << prefix << "error: " << outcomes.error().message << "\n";
    return 1;
  }
  int failed = 0;
  for (const auto& o : *outcomes) {
    out << o.deployment_id << ": " << deploy::to_string(o.status)
        << (o.reason.empty() ? "" : " (" + o.reason + ")") << "\n";
    failed += o.status == deploy::DeployStatus::kFailed && !o.rollback_id.empty();
  }
  return failed ? 1 : 0;
}

std::string resolve_targets(std::ostream& out, std::ostream& err, const std::string& workspace,
                            bool& ok) {
  ok = true;
  std::string targets = action_input("targets");
  std::string command = action_input("targets-command");
  if (command.empty()) return targets;
  deploy::ProcessHookRunner runner;
  deploy::HookScript script;
  script.command = command;
  script.timeout = std::chrono::seconds(60);
  auto outcome = runner.run({"[targets-command] ", script, {}, workspace}, {});
  if (!outcome.ok()) {
    err << "::error::deploy: targets-command failed (" << outcome.describe()
        << "): " << outcome.output.substr(0, 500) << "\n";
    ok = false;
    return "";
  }
  out << "targets-command printed:\n" << outcome.output;
  return targets.empty() ? outcome.output : targets + "\n" + outcome.output;
}

// The job's deployment record (a job with `environment:`; docs/environments.md), when this
// run has one in progress for the environment: it gets the revision deployed, and the
// status rolled_back when the deployment was rolled back (the job's end keeps that status,
// so the environment's last good revision stays the previous one).
void update_deployment_record(engine::Store& store, int64_t run_id, const std::string& environment,
                              const std::string& revision, const deploy::DeployOutcome* outcome) {
  if (run_id == 0 || environment.empty()) return;
  auto records = store.list_deployments({environment, run_id, 0});
  if (!records) return;
  for (engine::DeploymentRecord d : *records) {
    if (d.status != engine::DeploymentStatus::kInProgress) continue;
    d.revision = revision;
    if (outcome && outcome->status != deploy::DeployStatus::kSucceeded) {
      if (outcome->status == deploy::DeployStatus::kRolledBack)
        d.status = engine::DeploymentStatus::kRolledBack;
      d.reason = outcome->reason;
    }
    d.updated_ms = now_ms();
    (void)store.save_deployment(d);
    return;
  }
}

void write_outputs(const deploy::DeployOutcome& o) {
  std::string path = env_value("GITHUB_OUTPUT");
  if (path.empty()) return;
  std::ofstream f(path, std::ios::app);
  f << "deployment-id=" << o.deployment_id << "\nstatus=" << deploy::to_string(o.status)
    << "\nrevision=" << o.revision << "\ncolour=" << o.colour << "\nrollback-id=" << o.rollback_id
    << "\n";
}

}  // namespace

int run_deploy(std::ostream& out, std::ostream& err) {
  out << std::unitbuf;
  std::string workspace = env_value("GITHUB_WORKSPACE");
  if (workspace.empty()) workspace = fs::current_path().string();
  bool ok = true;
  std::map<std::string, std::string> inputs;
  for (const char* name : kInputs) inputs[name] = action_input(name);
  inputs["targets"] = resolve_targets(out, err, workspace, ok);
  if (!ok) return 2;
  Diagnostics diagnostics;
  deploy::DeploySpec spec =
      deploy::read_deploy_inputs(inputs, {workspace, env_value("GITHUB_SHA")}, diagnostics);
  for (const Diagnostic& d : diagnostics.items())
    err << (d.severity == Severity::kError ? "::error::" : "::warning::") << d.pos.to_string()
        << (d.pos.to_string().empty() ? "" : ": ") << d.message
        << (d.hint.empty() ? "" : " (" + d.hint + ")") << "\n";
  if (diagnostics.has_errors()) return 2;
  if (Status s = deploy::check_deployable(spec); !s) {
    err << "::error::deploy: " << s.error().message << "\n";
    return 2;
  }
  auto world = open_world(data_dir_of_step(), workspace, true);
  if (!world) {
    err << "::error::deploy: " << world.error().message << "\n";
    return 1;
  }
  // Cancelling the run sends SIGTERM: the deployer sees it within a poll and rolls back.
  ::signal(SIGTERM, on_cancel);
  ::signal(SIGINT, on_cancel);
  World& w = **world;
  auto recovered = recover(w, out, spec.environment);
  if (!recovered) {
    err << "::error::deploy: recovery: " << recovered.error().message << "\n";
    return 1;
  }
  auto previous = deploy::last_good_deployment(*w.store, spec.environment);
  if (!previous) {
    err << "::error::deploy: " << previous.error().message << "\n";
    return 1;
  }
  deploy::DeployRequest request;
  request.run_id = std::atoi(env_value("SLUICE_RUN_ID").c_str());
  request.owner = w.owner_token;
  request.previous = *previous;
  update_deployment_record(*w.store, request.run_id, spec.environment, spec.revision, nullptr);
  deploy::DeployOutcome outcome = deploy::deploy(parts_of(w, out), spec, request);
  update_deployment_record(*w.store, request.run_id, spec.environment, spec.revision, &outcome);
  write_outputs(outcome);
  if (outcome.status == deploy::DeployStatus::kSucceeded) return 0;
  err << "::error::deployment " << outcome.deployment_id << " " << deploy::to_string(outcome.status)
      << ": " << outcome.reason << "\n";
  return 1;
}

namespace {

Result<std::unique_ptr<store::SqliteStore>> open_existing(const std::string& data_dir) {
  store::SqliteStoreOptions options;
  options.create_if_missing = false;
  return store::SqliteStore::open(data_dir, options);
}

}  // namespace

int request_deploy(const std::string& data_dir, int64_t run_id, DeployRequestKind kind,
                   std::ostream& out, std::ostream& err) {
  auto store = open_existing(data_dir);
  if (!store) {
    err << "sluice deploy: error: " << store.error().message << "\n";
    return 2;
  }
  auto what = kind == DeployRequestKind::kPromote ? deploy::Journal::Request::kPromote
                                                  : deploy::Journal::Request::kAbort;
  std::string who =
      env_value("USER").empty() ? "uid " + std::to_string(::getuid()) : env_value("USER");
  auto heads = deploy::request_run(**store, run_id, what, who, now_ms());
  if (!heads) {
    err << "sluice deploy: error: " << heads.error().message << "\n";
    return 1;
  }
  for (const auto& head : *heads)
    out << (kind == DeployRequestKind::kPromote ? "promote" : "abort") << " requested for "
        << head.deployment_id << " (" << (head.environment.empty() ? "-" : head.environment)
        << ", at " << head.phase << " " << head.state << ")\n";
  size_t requested = heads->size();
  if (requested == 0) {
    err << "sluice deploy: error: run " << run_id << " has no deployment in progress\n";
    return 2;
  }
  return 0;
}

int show_deploy_status(const std::string& data_dir, const std::string& environment, int64_t run_id,
                       std::ostream& out, std::ostream& err) {
  auto store = open_existing(data_dir);
  if (!store) {
    err << "sluice deploy: error: " << store.error().message << "\n";
    return 2;
  }
  auto heads = (*store)->list_deploy_heads(environment, 200);
  if (!heads) {
    err << "sluice deploy: error: " << heads.error().message << "\n";
    return 1;
  }
  for (const auto& head : *heads) {
    if (run_id != 0 && head.run_id != run_id) continue;
    auto journal = (*store)->load_deploy_journal(head.deployment_id);
    std::string strategy, revision, kind = "deploy";
    if (journal && !journal->empty())
      if (auto h = deploy::parse_header(journal->front().detail)) {
        strategy = deploy::to_string(h->spec.strategy);
        revision = h->spec.revision;
        if (!h->rollback_of.empty()) kind = "rollback of " + h->rollback_of;
      }
    out << head.deployment_id << "  " << (head.environment.empty() ? "-" : head.environment)
        << "  run " << head.run_id << "  " << strategy << "  "
        << (revision.empty() ? "-" : revision) << "  " << kind << "  " << head.phase << " "
        << head.state << (head.target.empty() ? "" : " (" + head.target + ")") << "\n";
  }
  return 0;
}

int recover_deployments(const std::string& data_dir, const std::string& environment,
                        std::ostream& out, std::ostream& err) {
  auto world = open_world(data_dir, fs::current_path().string(), false);
  if (!world) {
    err << "sluice deploy: error: " << world.error().message << "\n";
    return 2;
  }
  auto outcomes = recover(**world, out, environment);
  if (outcomes && outcomes->empty()) out << "no deployment to recover\n";
  return report_recovered(outcomes, "sluice deploy: ", out, err);
}

int recover_run_deployments(engine::Store& store, const fs::path& data_dir,
                            const std::string& owner_token, int64_t run_id, std::ostream& out,
                            std::ostream& err) {
  World w;
  w.store = &store;
  w.owner_token = owner_token;
  w.data_dir = data_dir;
  w.probe = std::make_unique<deploy::GateCheckProbe>(w.hooks, fs::current_path().string());
  return report_recovered(recover(w, out, "", run_id), "deployment recovery: ", out, err);
}

}  // namespace sluice::actions
