#include "server/controller.h"

#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "actions/action_sources.h"
#include "actions/deploy_action.h"
#include "core/json.h"
#include "core/secret_masker.h"
#include "engine/engine.h"
#include "engine/rerun_selection.h"
#include "exec/remote/remote_executor.h"
#include "plan/inputs.h"
#include "plan/run_plan.h"
#include "runner/action_setup.h"
#include "runner/workflow_runner.h"
#include "runner/workflow_set.h"
#include "server/agent_hub.h"
#include "server/metrics.h"
#include "server/run_registry.h"
#include "server/run_workspaces.h"
#include "server/secret_store.h"
#include "server/step_proof.h"
#include "server/workspaces.h"

namespace sluice::server {

namespace fs = std::filesystem;

struct Controller::Impl {
  Controller& owner;
  std::unique_ptr<runner::RunSession> session;
  std::unique_ptr<runner::ActionSetup> actions;
  Workspaces workspaces;
  RunWorkspaces run_workspaces;  // which runs' workspaces are still their snapshot (outlives
                                 // the hub, which asks it, and the runs, which register)
  engine::SystemClock clock;
  std::unique_ptr<AgentHub> hub;  // outlives the runs (destroyed after the registry)
  RunRegistry registry;
  JobMetrics metrics;
  // By project, fixed at open: its secrets (each run has its own masker, made from them).
  std::map<std::string, std::shared_ptr<SecretMasker>> maskers;

  Impl(Controller& c, const fs::path& data_dir) : owner(c), workspaces(data_dir) {}

  // One run to start: what the run's thread owns until the run is over.
  struct Prepared {
    std::string project;
    Checkout checkout;
    Snapshot origin;          // what `checkout` is a copy of
    runner::WorkflowSet set;  // holds the workflow the plan points into
    const spec::Workflow* workflow = nullptr;
    std::unique_ptr<plan::RunPlan> plan;
    runner::WorkflowRun run;
  };

  Result<std::unique_ptr<Prepared>> prepare(const ProjectConfig& project, const plan::Event& event,
                                            const std::string& file, const Checkout& checkout,
                                            const Snapshot& origin);
  Result<int64_t> start(std::unique_ptr<Prepared> prepared);
  Result<std::vector<int64_t>> start_all(
      const ProjectConfig& project, plan::Event event, const std::string& only_file,
      const std::vector<std::pair<std::string, std::string>>* inputs);
};

namespace {

Value object_of(const std::map<std::string, std::string>& values) {
  Value o = Value::object();
  for (const auto& [k, v] : values) o.set(k, v);
  return o;
}

std::string relative_file(const std::string& file, const fs::path& root) {
  std::error_code ec;
  fs::path rel = fs::relative(file, root, ec);
  return ec || rel.empty() ? file : rel.string();
}

}  // namespace

Result<std::unique_ptr<Controller::Impl::Prepared>> Controller::Impl::prepare(
    const ProjectConfig& project, const plan::Event& event, const std::string& file,
    const Checkout& checkout, const Snapshot& origin) {
  auto p = std::make_unique<Prepared>();
  p->project = project.name;
  p->checkout = checkout;
  p->origin = origin;
  p->set = runner::load_workflow_set(checkout.dir.string(), file);
  Diagnostics problems = runner::all_problems(p->set);
  if (problems.has_errors() || p->set.workflows.empty())
    return Error{problems.format().empty() ? "no workflow " + file : problems.format(), {}};
  p->workflow = p->set.workflows.front().get();
  p->run.event = event;
  if (event.name == "workflow_dispatch") {
    auto resolved = plan::resolve_dispatch_inputs(*p->workflow, event.inputs);
    if (!resolved) return resolved.error();
    p->run.inputs = *resolved;
    p->run.event.payload.set("inputs", p->run.inputs);
  }
  Diagnostics diagnostics;
  p->plan = plan::build_run_plan(*p->workflow, checkout.dir.string(), diagnostics,
                                 actions->workflow_loader);
  if (!p->plan) return Error{diagnostics.format(), {}};
  std::vector<Error> fetch_errors = actions->resolver.prefetch(*p->plan, checkout.dir.string());
  if (!fetch_errors.empty()) return fetch_errors.front();
  p->run.workflow = p->workflow;
  p->run.plan = p->plan.get();
  p->run.repo_dir = checkout.dir.string();
  p->run.vars = object_of(project.vars);
  Value secrets = object_of(project.secrets);
  secrets.set("GITHUB_TOKEN", "");
  p->run.secrets = secrets;
  // The run's own masker, with the project's secrets: what the run adds to it (each job's
  // runtime token, its ::add-mask:: values) goes with the run. A masker shared by the
  // project's runs grew with every job the controller ran (memory, and a slower rebuild of
  // its tables after each job's token).
  p->run.masker = std::make_shared<SecretMasker>();
  for (const auto& [name, value] : project.secrets) p->run.masker->add(value);
  return p;
}

Result<int64_t> Controller::Impl::start(std::unique_ptr<Prepared> prepared) {
  auto started = std::make_shared<std::promise<int64_t>>();
  std::future<int64_t> id = started->get_future();
  std::string project = prepared->project;
  bool accepted = registry.spawn([this, started,
                                  p = std::shared_ptr<Prepared>(std::move(prepared))] {
    bool announced = false;
    auto registration = run_workspaces.add(p->checkout.dir.string(), p->origin);
    std::unique_ptr<engine::Executor> watched;  // outlives the run's executors
    runner::RunHooks hooks;
    std::ostringstream log;
    hooks.err = &log;
    std::unique_ptr<engine::RunObserver> observer = metrics.observer();
    hooks.observer = observer.get();
    hooks.attach = [&](runner::ActiveRun& active) -> std::unique_ptr<runner::RunAttachment> {
      auto attachment = registry.attach(active);
      started->set_value(active.run.id);
      announced = true;
      return attachment;
    };
    hooks.acquire_group = [&](const std::string& group, bool cancel_in_progress, bool queue_all) {
      return registry.acquire_group(group, cancel_in_progress, queue_all);
    };
    hooks.release_group = [&](const std::string& group) { registry.release_group(group); };
    hooks.executor = [&](engine::Executor& local) -> std::unique_ptr<engine::Executor> {
      watched = RunWorkspaces::watch(local, *registration);
      return std::make_unique<exec::remote::RemoteExecutor>(*hub, *watched);
    };
    runner::WorkflowOutcome outcome = runner::run_workflow(*session, p->run, hooks);
    if (!announced) started->set_value(outcome.run_id > 0 ? outcome.run_id : -1);
    registration.reset();
    std::error_code ec;
    fs::remove_all(p->checkout.dir, ec);
  });
  if (!accepted) return Error{"the controller is shutting down", {}};
  int64_t run_id = id.get();
  if (run_id < 0) return Error{"the run could not be recorded", {}};
  return run_id;
}

Result<std::vector<int64_t>> Controller::Impl::start_all(
    const ProjectConfig& project, plan::Event event, const std::string& only_file,
    const std::vector<std::pair<std::string, std::string>>* inputs) {
  if (registry.stopping()) return Error{"the controller is shutting down", {}};
  // The commit's snapshot decides what runs (read only); each run gets its own copy.
  auto snapshot = workspaces.snapshot(project.name, project.repository, event.ref, event.sha);
  if (!snapshot) return snapshot.error();
  const Checkout& tree = snapshot->checkout;
  event.ref = tree.ref;
  event.sha = tree.sha;
  if (inputs) event.inputs = *inputs;
  event.payload.set("ref", event.ref);
  event.payload.set("after", event.sha);
  runner::WorkflowSet set = runner::load_workflow_set(tree.dir.string(), only_file);
  std::vector<std::string> files;
  for (const auto& workflow : set.workflows) {
    if (only_file.empty() && plan::only_called_by_workflows(*workflow)) continue;
    if (!plan::decide_trigger(*workflow, event).triggered) {
      if (!only_file.empty())
        return Error{relative_file(workflow->file, tree.dir) + " is not triggered by " + event.name,
                     {}};
      continue;
    }
    files.push_back(relative_file(workflow->file, tree.dir));
  }
  if (!only_file.empty() && set.workflows.empty()) {
    Diagnostics problems = runner::all_problems(set);
    return Error{problems.has_errors() ? problems.format() : "no workflow " + only_file, {}};
  }
  std::vector<int64_t> ids;
  for (const std::string& file : files) {
    auto checkout = workspaces.link(project.name, *snapshot);
    if (!checkout) return checkout.error();
    auto prepared = prepare(project, event, file, *checkout, *snapshot);
    if (!prepared) {
      std::error_code ec;
      fs::remove_all(checkout->dir, ec);
      if (!only_file.empty()) return prepared.error();
      continue;  // a broken workflow does not stop the others (it is reported by validate)
    }
    auto id = start(std::move(*prepared));
    if (!id) return id.error();
    ids.push_back(*id);
  }
  return ids;
}

Controller::Controller(ControllerOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(*this, options_.data_dir)) {}

Controller::~Controller() {
  shutdown(std::chrono::milliseconds(0));
}

Result<std::unique_ptr<Controller>> Controller::open(ControllerOptions options) {
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return Error{"cannot create " + options.data_dir.string() + ": " + ec.message(), {}};
  // One reaper for every run's steps, forked first, while this process is small: a fork
  // per run cost a quarter of the controller's CPU in copy-on-write faults (orphan_reaper.h).
  // Should it fail, each run forks its own.
  auto reaper = exec::SharedOrphanReaper::start();
  std::unique_ptr<Controller> c(new Controller(std::move(options)));
  std::ostringstream warnings;
  bool store_failed = false;
  auto session = runner::open_run_session(c->options_.data_dir, warnings, store_failed);
  if (!session) return session.error();
  c->impl_->session = std::move(*session);
  if (reaper) c->impl_->session->orphan_reaper = std::move(*reaper);
  // Deployments cut short with an earlier process on this data dir are rolled back before
  // any run can deploy again (deploy/recovery.h); this blocks the start for their hooks.
  (void)actions::recover_run_deployments(*c->impl_->session->store, c->options_.data_dir,
                                         c->impl_->session->owner->token(), 0, std::cerr,
                                         std::cerr);
  // The hub caps the jobs of all runs (each agent's executors); a run's own cap only
  // bounds how many of its jobs wait for a place at once.
  c->impl_->session->max_parallel_jobs = 1024;
  AgentHubOptions agents;
  agents.builtin_executors = std::max(1, c->options_.executors);
  agents.builtin_labels = c->options_.builtin_labels;
  agents.label_map = c->options_.label_map;
  agents.label_map.emplace_back("ubuntu-*", "linux");
  agents.lease_ttl_ms = std::max<int64_t>(100, c->options_.agent_lease_ttl_ms);
  agents.heartbeat_ms = std::max<int64_t>(50, agents.lease_ttl_ms / 3);
  agents.scratch_dir = (c->options_.data_dir / "tmp").string();
  agents.shared_workspace_archive = [impl = c->impl_.get()](const std::string& workspace) {
    return impl->run_workspaces.shared_archive(workspace);
  };
  fs::create_directories(agents.scratch_dir, ec);
  // Steps that agents held while this controller was down land in the runs the start-up
  // recovery (open_run_session) has just marked interrupted (docs/agent-protocol.md,
  // "Controller restarts").
  auto proof_key = load_step_proof_key(c->options_.data_dir);
  if (!proof_key) return proof_key.error();
  agents.proof_key = std::move(*proof_key);
  Controller* controller = c.get();
  agents.held_steps = std::make_shared<StoreHeldSteps>(
      *c->impl_->session->store, c->options_.data_dir, c->impl_->session->owner->token(),
      [controller](const std::string& text) { return controller->mask(text); }, c->impl_->clock);
  c->impl_->hub = std::make_unique<AgentHub>(c->impl_->clock, std::move(agents));
  c->impl_->hub->start_ticker(std::min<int64_t>(100, c->options_.agent_lease_ttl_ms / 10 + 1));
  c->impl_->session->runner_name = "sluice-controller";
  auto sources =
      actions::action_sources(c->options_.action_sources, std::getenv("SLUICE_ACTION_SOURCES"));
  if (!sources) return sources.error();
  actions::FetchOptions fetch;
  fetch.sources = std::move(*sources);
  fetch.offline = c->options_.offline;
  c->impl_->actions = std::make_unique<runner::ActionSetup>(
      actions::LocalActionResolver::default_actions_dir(),
      actions::ActionCache(actions::ActionCache::default_root()), std::move(fetch));
  c->impl_->session->actions = c->impl_->actions.get();
  // Secrets: the config's are sealed into the store (so that they are at rest encrypted
  // like those set with `sluice secret set`), then every stored one is loaded.
  auto secrets = SecretStore::open(c->options_.data_dir);
  if (!secrets) return secrets.error();
  for (const ProjectConfig& p : c->options_.projects)
    for (const auto& [name, value] : p.secrets)
      if (Status s = (*secrets)->set(p.name, name, value); !s) return s.error();
  auto stored = (*secrets)->load_all();
  if (!stored) return stored.error();
  for (ProjectConfig& p : c->options_.projects)
    for (const auto& [name, value] : (*stored)[p.name]) p.secrets[name] = value;
  for (const ProjectConfig& p : c->options_.projects) {
    auto masker = std::make_shared<SecretMasker>();
    for (const auto& [name, value] : p.secrets) masker->add(value);
    c->impl_->maskers[p.name] = masker;
  }
  return c;
}

const ProjectConfig* Controller::project(const std::string& name) const {
  for (const ProjectConfig& p : options_.projects)
    if (p.name == name) return &p;
  return nullptr;
}

std::string Controller::mask(const std::string& text) const {
  std::string out = text;
  for (const auto& [project, masker] : impl_->maskers) out = masker->mask(out);
  return out;
}

engine::Store& Controller::store() {
  return *impl_->session->store;
}

Result<std::vector<int64_t>> Controller::trigger(const std::string& project, plan::Event event) {
  const ProjectConfig* p = this->project(project);
  if (!p) return Error{"no project '" + project + "'", {}};
  return impl_->start_all(*p, std::move(event), "", nullptr);
}

Result<std::vector<int64_t>> Controller::dispatch(
    const std::string& project, const std::string& file, const std::string& ref,
    const std::vector<std::pair<std::string, std::string>>& inputs) {
  const ProjectConfig* p = this->project(project);
  if (!p) return Error{"no project '" + project + "'", {}};
  plan::Event event;
  event.name = "workflow_dispatch";
  event.ref = ref.empty() && !p->branches.empty() && Workspaces::is_git(p->repository)
                  ? p->branches.front()
                  : ref;
  return impl_->start_all(*p, std::move(event), file, &inputs);
}

Status Controller::cancel(int64_t run_id) {
  if (impl_->registry.cancel(run_id)) return Status::Ok();
  // A run of an earlier controller process whose steps agents still hold (they go on
  // after a restart): the agents stop them.
  if (impl_->hub && impl_->hub->cancel_held(run_id) > 0) return Status::Ok();
  auto detail = store().load_run(run_id);
  if (!detail) return Error{"no run " + std::to_string(run_id), {}};
  return Error{"run " + std::to_string(run_id) + " is not in progress (" +
                   engine::to_string(detail->run.status) + ")",
               {}};
}

Result<int64_t> Controller::rerun(int64_t run_id, bool failed_only) {
  auto detail = store().load_run(run_id);
  if (!detail) return Error{"no run " + std::to_string(run_id), {}};
  const engine::RunRecord& prior = detail->run;
  if (!engine::is_terminal(prior.status))
    return Error{"run " + std::to_string(run_id) + " is still " + engine::to_string(prior.status),
                 {}};
  std::string project_name = project_of(prior);
  const ProjectConfig* p = project(project_name);
  if (!p)
    return Error{"run " + std::to_string(run_id) + " belongs to no project of this controller", {}};
  auto snapshot = impl_->workspaces.snapshot(p->name, p->repository, prior.ref,
                                             Workspaces::is_git(p->repository) ? prior.sha : "");
  if (!snapshot) return snapshot.error();
  auto checkout = impl_->workspaces.link(p->name, *snapshot);
  if (!checkout) return checkout.error();
  plan::Event event;
  event.name = prior.event;
  event.ref = prior.ref;
  event.sha = prior.sha;
  Value inputs = Value::object();
  if (!prior.inputs_json.empty())
    if (auto parsed = parse_json(prior.inputs_json); parsed && parsed->is_object())
      inputs = *parsed;
  for (const auto& [k, v] : inputs.as_object()) event.inputs.emplace_back(k, v.to_string());
  event.payload.set("ref", event.ref);
  event.payload.set("after", event.sha);
  std::string file = relative_file(prior.workflow_file, prior.workspace);
  auto prepared = impl_->prepare(*p, event, file, *checkout, *snapshot);
  if (!prepared) {
    std::error_code ec;
    fs::remove_all(checkout->dir, ec);
    return prepared.error();
  }
  Impl::Prepared& run = **prepared;
  run.run.rerun_of = run_id;
  run.run.job = prior.job_filter;
  if (failed_only) {
    run.run.reused_jobs = engine::reusable_jobs(*run.plan, detail->jobs, run_id);
    bool all_reused = true;
    for (const auto& job : run.plan->jobs) {
      bool selected = false;
      for (const auto& record : detail->jobs) selected = selected || record.key == job.key;
      all_reused = all_reused && (!selected || run.run.reused_jobs.count(job.key) > 0);
    }
    if (all_reused) {
      std::error_code ec;
      fs::remove_all(checkout->dir, ec);
      return Error{"run " + std::to_string(run_id) + " has no failed jobs to re-run", {}};
    }
  }
  return impl_->start(std::move(*prepared));
}

Result<std::vector<WorkflowInfo>> Controller::workflows(const std::string& project_name) {
  const ProjectConfig* p = project(project_name);
  if (!p) return Error{"no project '" + project_name + "'", {}};
  std::string ref =
      p->branches.empty() || !Workspaces::is_git(p->repository) ? "" : p->branches.front();
  auto snapshot = impl_->workspaces.snapshot(p->name, p->repository, ref, "");
  if (!snapshot) return snapshot.error();
  const Checkout& tree = snapshot->checkout;  // read only
  runner::WorkflowSet set = runner::load_workflow_set(tree.dir.string(), "");
  std::vector<WorkflowInfo> out;
  for (const auto& w : set.workflows) {
    WorkflowInfo info;
    info.file = relative_file(w->file, tree.dir);
    info.name = w->display_name();
    info.dispatchable = w->on.workflow_dispatch;
    for (const auto& line : w->on.schedules) info.schedules.push_back(line.text);
    for (const auto& input : w->on.dispatch_inputs) {
      WorkflowInput i;
      i.name = input.id;
      i.type = input.type;
      i.description = input.description;
      if (input.default_value) i.default_value = input.default_value->to_string();
      i.required = input.required;
      i.options = input.options;
      info.inputs.push_back(std::move(i));
    }
    out.push_back(std::move(info));
  }
  for (const auto& invalid : set.invalid) {
    WorkflowInfo info;
    info.file = relative_file(invalid.file, tree.dir);
    for (const auto& d : invalid.diagnostics.items())
      if (d.severity == Severity::kError) info.errors.push_back(d.format());
    out.push_back(std::move(info));
  }
  return out;
}

void Controller::set_public_url(const std::string& url) {
  impl_->session->oidc_issuer = url;
}

std::string Controller::project_of(const engine::RunRecord& run) const {
  fs::path root = fs::absolute(options_.data_dir / "workspaces").lexically_normal();
  fs::path rel = fs::path(run.workspace).lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return "";
  std::string name = rel.begin()->string();
  return project(name) ? name : "";
}

Result<std::vector<RunListing>> Controller::query_runs(const RunFilter& filter) {
  // The history is read newest first in pages and filtered here, so a page of the runs
  // list costs a page of reads however long the history is (unless the filter matches
  // only old runs: then the scan goes on until it has enough or reaches the first run).
  constexpr int kPage = 256;
  std::vector<RunListing> out;
  int64_t before = filter.before_id;
  while (filter.limit <= 0 || static_cast<int>(out.size()) < filter.limit) {
    auto runs = store().list_runs_before(before, kPage);
    if (!runs) return runs.error();
    for (engine::RunRecord& r : *runs) {
      before = r.id;
      if (!filter.status.empty() && filter.status != engine::to_string(r.status)) continue;
      if (!filter.ref.empty() && filter.ref != r.ref) continue;
      std::string project = project_of(r);
      if (!filter.project.empty() && filter.project != project) continue;
      if (!filter.workflow.empty() && filter.workflow != r.workflow_name &&
          filter.workflow != relative_file(r.workflow_file, r.workspace))
        continue;
      out.push_back({std::move(r), std::move(project)});
      if (filter.limit > 0 && static_cast<int>(out.size()) >= filter.limit) break;
    }
    if (static_cast<int>(runs->size()) < kPage) break;
  }
  return out;
}

Controller::Stats Controller::stats() const {
  Stats s;
  s.active_runs = impl_->registry.active_count();
  s.queued_jobs = impl_->metrics.queued_jobs();
  return s;
}

JobMetrics& Controller::job_metrics() {
  return impl_->metrics;
}

AgentHub& Controller::agents() {
  return *impl_->hub;
}

void Controller::shutdown(std::chrono::milliseconds grace) {
  if (!impl_) return;
  impl_->registry.shutdown(grace);
  if (impl_->session) (void)impl_->session->store->flush();
}

}  // namespace sluice::server
