#include "deploy/deployer.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <thread>

#include "deploy/batches.h"

namespace sluice::deploy {

using nlohmann::json;

const char* to_string(DeployStatus status) {
  switch (status) {
    case DeployStatus::kSucceeded:
      return "succeeded";
    case DeployStatus::kRolledBack:
      return "rolled-back";
    case DeployStatus::kFailed:
      return "failed";
  }
  return "?";
}

namespace {

constexpr LifecycleEvent kBlockEvents[] = {LifecycleEvent::kBeforeBlockTraffic,
                                           LifecycleEvent::kAfterBlockTraffic};
constexpr LifecycleEvent kInstallEvents[] = {
    LifecycleEvent::kApplicationStop,  LifecycleEvent::kBeforeInstall,
    LifecycleEvent::kInstall,          LifecycleEvent::kAfterInstall,
    LifecycleEvent::kApplicationStart, LifecycleEvent::kValidateService};

bool is_traffic_strategy(Strategy s) {
  return s == Strategy::kBlueGreen || s == Strategy::kCanary;
}

// The directory an earlier deployment's hooks ran in, or `fallback` when it is gone (the
// controller removes a run's workspace when the run ends): the last good revision's hooks
// then run in the current deployment's directory.
std::string directory_or(const std::string& dir, const std::string& fallback) {
  std::error_code ec;
  return dir.empty() || std::filesystem::is_directory(dir, ec) ? dir : fallback;
}

std::string other_colour(const std::string& colour) {
  return colour == "green" ? "blue" : "green";
}

std::string traffic_detail(const std::string& colour, int weight) {
  return json{{"colour", colour}, {"weight", weight}}.dump();
}

enum class Wake { kElapsed, kPromoted, kAborted };

// One deployment (a forward one or a rollback): the state run() and the rollback share.
class Deployment {
 public:
  Deployment(const DeployParts& parts, DeploySpec spec, JournalHeader header, std::string id,
             int64_t run_id, std::optional<GoodDeployment> previous)
      : parts_(parts),
        spec_(std::move(spec)),
        header_(std::move(header)),
        previous_(std::move(previous)),
        journal_(parts.store, std::move(id), spec_.environment, run_id, parts.now_ms),
        run_id_(run_id) {
    header_.spec = spec_;
    set_live_colour(previous_ && !previous_->colour.empty() ? previous_->colour : "blue");
  }

  // Traffic strategies: `colour` serves traffic now; the deployment installs on the other.
  void set_live_colour(const std::string& colour) {
    live_colour_ = colour;
    new_colour_ = other_colour(colour);
  }

  DeployOutcome run();
  // A rollback deployment: the install events on `targets`, or only the traffic switch back
  // to `colour` (traffic strategies).
  DeployOutcome run_rollback(const std::vector<Target>& targets, const std::string& colour);
  // Recovery: the journal of the cut-short deployment says what may have changed.
  DeployOutcome recover(const std::vector<engine::DeployJournalEntry>& journal);

 private:
  void say(const std::string& line) {
    std::lock_guard lock(log_mutex_);
    parts_.log << line << "\n" << std::flush;
  }
  bool record(const std::string& target, const std::string& phase, const std::string& state,
              const std::string& detail = "");
  void note(const std::string& target, const std::string& phase, const std::string& state,
            const std::string& detail = "");
  std::map<std::string, std::string> hook_env(LifecycleEvent event, const std::string& target,
                                              const std::string& colour) const;
  bool run_event(LifecycleEvent event, const Target& target, std::string& failure);
  bool run_events(const std::vector<const Target*>& batch,
                  const std::vector<LifecycleEvent>& events, std::string& failure);
  bool set_traffic(const std::string& colour, int weight, std::string& failure,
                   const HookMap& hooks);
  std::optional<Journal::Request> poll_control();
  Wake wait_for(std::optional<std::chrono::milliseconds> duration, const std::string& why);
  // Returns false and sets `failure` when the analysis failed or a person aborted.
  bool analyse(const std::vector<CheckSpec>& checks, std::string& failure);
  std::vector<const Target*> colour_targets(const std::string& colour) const;
  DeployOutcome in_place();
  DeployOutcome traffic_shift();
  DeployOutcome succeed(const std::string& colour);
  DeployOutcome roll_back(const std::string& reason, const std::vector<Target>& touched,
                          bool traffic_moved);

  const DeployParts& parts_;
  DeploySpec spec_;
  JournalHeader header_;
  std::optional<GoodDeployment> previous_;
  Journal journal_;
  int64_t run_id_;
  std::mutex log_mutex_;
  bool journal_failed_ = false;
  bool pending_promote_ = false;
  std::string live_colour_, new_colour_;
};

void Deployment::note(const std::string& target, const std::string& phase, const std::string& state,
                      const std::string& detail) {
  // A lost note is seen at the next record(), which then fails: nothing acts on it.
  (void)journal_.note(target, phase, state, detail);
}

bool Deployment::record(const std::string& target, const std::string& phase,
                        const std::string& state, const std::string& detail) {
  Status s = journal_.record(target, phase, state, detail);
  if (s) return true;
  journal_failed_ = true;
  say("::error::deploy: the journal could not be written (" + s.error().message +
      "); not acting on " + phase + " " + state);
  return false;
}

std::map<std::string, std::string> Deployment::hook_env(LifecycleEvent event,
                                                        const std::string& target,
                                                        const std::string& colour) const {
  std::string previous = previous_ ? previous_->revision : "";
  return {{"SLUICE_DEPLOY_TARGET", target},
          {"SLUICE_DEPLOY_REVISION", spec_.revision},
          {"SLUICE_DEPLOY_PREVIOUS_REVISION", previous},
          {"SLUICE_DEPLOY_ENVIRONMENT", spec_.environment},
          {"SLUICE_DEPLOY_STRATEGY", to_string(spec_.strategy)},
          {"SLUICE_DEPLOY_COLOUR", colour},
          {"LIFECYCLE_EVENT", to_string(event)},
          {"DEPLOYMENT_ID", journal_.deployment_id()},
          {"DEPLOYMENT_GROUP_NAME", spec_.environment}};
}

bool Deployment::run_event(LifecycleEvent event, const Target& target, std::string& failure) {
  // ApplicationStop stops what runs now: the previous good revision's script (CodeDeploy).
  const HookMap* hooks = &spec_.hooks;
  std::string dir = spec_.hooks_dir;
  if (event == LifecycleEvent::kApplicationStop) {
    if (!previous_) return true;  // nothing was deployed by sluice before
    hooks = &previous_->spec.hooks;
    dir = directory_or(previous_->spec.hooks_dir, spec_.hooks_dir);
  }
  auto it = hooks->find(event);
  if (it == hooks->end()) return true;
  for (const HookScript& script : it->second) {
    if (!record(target.name, to_string(event), kStarted, script.command)) {
      failure = "the journal could not be written";
      return false;
    }
    std::string label = "[" + target.name + " " + to_string(event) + "] ";
    say(label + "runs " + script.command);
    HookCall call{label, script, hook_env(event, target.name, target.colour), dir};
    HookOutcome outcome =
        parts_.hooks.run(call, [&](const std::string& line) { say(label + line); });
    if (!outcome.ok()) {
      failure =
          std::string(to_string(event)) + " failed on " + target.name + ": " + outcome.describe();
      note(target.name, to_string(event), kFailed, outcome.describe());
      return false;
    }
    note(target.name, to_string(event), kSucceeded);
  }
  return true;
}

bool Deployment::run_events(const std::vector<const Target*>& batch,
                            const std::vector<LifecycleEvent>& events, std::string& failure) {
  std::vector<std::string> failures(batch.size());
  auto one = [&](size_t i) {
    for (LifecycleEvent e : events)
      if (!run_event(e, *batch[i], failures[i])) return;
  };
  if (batch.size() == 1) {
    one(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < batch.size(); ++i) threads.emplace_back(one, i);
    for (auto& t : threads) t.join();
  }
  for (const std::string& f : failures)
    if (!f.empty()) {
      failure = f;
      return false;
    }
  return true;
}

std::vector<const Target*> Deployment::colour_targets(const std::string& colour) const {
  std::vector<const Target*> out;
  for (const Target& t : spec_.targets)
    if (t.colour == colour) out.push_back(&t);
  return out;
}

bool Deployment::set_traffic(const std::string& colour, int weight, std::string& failure,
                             const HookMap& hooks) {
  if (!record("", kPhaseTraffic, kStarted, traffic_detail(colour, weight))) {
    failure = "the journal could not be written";
    return false;
  }
  std::string names, stable_names;
  for (const Target& t : spec_.targets) {
    std::string& list = t.colour == colour ? names : stable_names;
    list += (list.empty() ? "" : ",") + t.name;
  }
  say("traffic: " + std::to_string(weight) + "% to " + colour + " (" + names + ")");
  auto it = hooks.find(LifecycleEvent::kSetTraffic);
  if (it != hooks.end()) {
    for (const HookScript& script : it->second) {
      auto env = hook_env(LifecycleEvent::kSetTraffic, names, colour);
      env["SLUICE_DEPLOY_WEIGHT"] = std::to_string(weight);
      env["SLUICE_DEPLOY_STABLE_COLOUR"] = other_colour(colour);
      env["SLUICE_DEPLOY_TARGETS"] = names;
      env["SLUICE_DEPLOY_STABLE_TARGETS"] = stable_names;
      std::string label = "[SetTraffic] ";
      HookCall call{label, script, env, spec_.hooks_dir};
      HookOutcome outcome =
          parts_.hooks.run(call, [&](const std::string& line) { say(label + line); });
      if (!outcome.ok()) {
        failure = "SetTraffic failed: " + outcome.describe();
        note("", kPhaseTraffic, kFailed, outcome.describe());
        return false;
      }
    }
  }
  note("", kPhaseTraffic, kSucceeded, traffic_detail(colour, weight));
  return true;
}

std::optional<Journal::Request> Deployment::poll_control() {
  if (parts_.cancelled && parts_.cancelled()) return Journal::Request::kAbort;
  auto requests = journal_.new_requests();
  if (!requests) return std::nullopt;  // a read error: look again at the next poll
  std::optional<Journal::Request> seen;
  for (Journal::Request r : *requests) {
    if (r == Journal::Request::kAbort) return r;
    seen = r;
  }
  return seen;
}

Wake Deployment::wait_for(std::optional<std::chrono::milliseconds> duration,
                          const std::string& why) {
  record(
      "", kPhasePause, kStarted,
      why + (duration ? " for " + std::to_string(duration->count()) + " ms" : " until promoted"));
  say("pause: " + why +
      (duration ? " (" + std::to_string(duration->count()) + " ms)"
                : " until `sluice deploy promote " + std::to_string(run_id_) + "`"));
  auto end = duration ? parts_.clock.now() + *duration : std::chrono::milliseconds::max();
  Wake wake = Wake::kElapsed;
  while (true) {
    auto request = poll_control();
    if (!request && pending_promote_) request = Journal::Request::kPromote;
    pending_promote_ = false;
    if (request == Journal::Request::kAbort) {
      wake = Wake::kAborted;
      break;
    }
    if (request == Journal::Request::kPromote) {
      wake = Wake::kPromoted;
      break;
    }
    auto now = parts_.clock.now();
    if (now >= end) break;
    parts_.clock.sleep_for(std::min(std::chrono::milliseconds(100), end - now));
  }
  const char* how = wake == Wake::kAborted    ? "aborted"
                    : wake == Wake::kPromoted ? "promoted"
                                              : "elapsed";
  note("", kPhasePause, "ended", how);
  say(std::string("pause ended: ") + how);
  return wake;
}

bool Deployment::analyse(const std::vector<CheckSpec>& checks, std::string& failure) {
  if (checks.empty()) return true;
  if (!record("", kPhaseAnalysis, kStarted)) {
    failure = "the journal could not be written";
    return false;
  }
  bool aborted = false;
  auto interrupted = [&] {
    auto r = poll_control();
    if (r == Journal::Request::kPromote) pending_promote_ = true;
    if (r == Journal::Request::kAbort) aborted = true;
    return aborted;
  };
  AnalysisResult result = run_analysis(
      checks, parts_.probe, parts_.clock, parts_.log,
      [&](const CheckSpec& c, const Measurement& m) {
        note(c.name, kPhaseCheck, to_string(m.verdict), m.text);
      },
      interrupted);
  if (aborted) {
    record("", kPhaseAnalysis, "aborted");
    failure = "aborted during analysis";
    return false;
  }
  note("", kPhaseAnalysis, to_string(result.verdict), result.reason);
  say("analysis: " + std::string(to_string(result.verdict)) + ": " + result.reason);
  if (result.verdict == Verdict::kPass) return true;
  if (result.verdict == Verdict::kFail) {
    failure = "analysis failed: " + result.reason;
    return false;
  }
  say("::warning::analysis inconclusive: waiting for a person (`sluice deploy promote|abort " +
      std::to_string(run_id_) + "`)");
  if (wait_for(std::nullopt, "analysis inconclusive") == Wake::kPromoted) return true;
  failure = "aborted after an inconclusive analysis: " + result.reason;
  return false;
}

DeployOutcome Deployment::succeed(const std::string& colour) {
  DeployOutcome out;
  out.deployment_id = journal_.deployment_id();
  out.revision = spec_.revision;
  out.colour = colour;
  if (!record("", kPhaseDeployment, kSucceeded,
              json{{"revision", spec_.revision}, {"colour", colour}}.dump())) {
    out.status = DeployStatus::kFailed;
    out.reason = "the journal could not be written";
    return out;
  }
  out.status = DeployStatus::kSucceeded;
  say("deployment " + journal_.deployment_id() + " succeeded: revision " + spec_.revision +
      (colour.empty() ? "" : " live on " + colour));
  return out;
}

DeployOutcome Deployment::run() {
  header_.live_colour = live_colour_;
  if (!record("", kPhaseDeployment, kStarted, header_json(header_))) {
    DeployOutcome out;
    out.reason = "the journal could not be written";
    out.deployment_id = journal_.deployment_id();
    return out;
  }
  say("deployment " + journal_.deployment_id() + ": " + to_string(spec_.strategy) + " of " +
      spec_.revision + " to " + std::to_string(spec_.targets.size()) + " target(s)" +
      (previous_ ? " (previous good revision " + previous_->revision + ")" : ""));
  return is_traffic_strategy(spec_.strategy) ? traffic_shift() : in_place();
}

DeployOutcome Deployment::in_place() {
  auto batches = plan_batches(spec_.targets.size(), spec_.strategy, spec_.min_healthy);
  if (!batches) return roll_back(batches.error().message, {}, false);
  std::vector<LifecycleEvent> events(std::begin(kBlockEvents), std::end(kBlockEvents));
  events.insert(events.end(), std::begin(kInstallEvents), std::end(kInstallEvents));
  events.push_back(LifecycleEvent::kBeforeAllowTraffic);
  events.push_back(LifecycleEvent::kAfterAllowTraffic);
  std::vector<Target> touched;
  for (size_t b = 0; b < batches->size(); ++b) {
    if (poll_control() == Journal::Request::kAbort) return roll_back("aborted", touched, false);
    std::vector<const Target*> batch;
    std::string names;
    for (size_t i : (*batches)[b]) {
      batch.push_back(&spec_.targets[i]);
      touched.push_back(spec_.targets[i]);
      names += (names.empty() ? "" : ", ") + spec_.targets[i].name;
    }
    say("batch " + std::to_string(b + 1) + "/" + std::to_string(batches->size()) + ": " + names);
    std::string failure;
    if (!run_events(batch, events, failure)) return roll_back(failure, touched, false);
  }
  std::string failure;
  if (!analyse(spec_.checks, failure)) return roll_back(failure, touched, false);
  return succeed("");
}

DeployOutcome Deployment::traffic_shift() {
  std::vector<const Target*> idle = colour_targets(new_colour_);
  std::vector<Target> touched;
  for (const Target* t : idle) touched.push_back(*t);
  say("live colour " + live_colour_ + "; installing on " + new_colour_);
  std::string failure;
  std::vector<LifecycleEvent> install(std::begin(kInstallEvents), std::end(kInstallEvents));
  if (!run_events(idle, install, failure)) return roll_back(failure, touched, false);
  if (!run_events(idle, {LifecycleEvent::kBeforeAllowTraffic}, failure))
    return roll_back(failure, touched, false);
  bool moved = false;
  int weight = 0;
  if (spec_.strategy == Strategy::kBlueGreen) {
    moved = true;  // the entry before the switch is the point of no silent return
    if (!set_traffic(new_colour_, 100, failure, spec_.hooks))
      return roll_back(failure, touched, true);
    weight = 100;
    if (!analyse(spec_.checks, failure)) return roll_back(failure, touched, true);
    if (spec_.rollback_window.count() > 0 &&
        wait_for(spec_.rollback_window, "rollback window") == Wake::kAborted)
      return roll_back("aborted during the rollback window", touched, true);
  } else {
    for (const CanaryStep& step : spec_.steps) {
      if (poll_control() == Journal::Request::kAbort) return roll_back("aborted", touched, moved);
      if (step.kind == CanaryStep::Kind::kSetWeight) {
        moved = moved || step.weight > 0;
        if (!set_traffic(new_colour_, step.weight, failure, spec_.hooks))
          return roll_back(failure, touched, true);
        weight = step.weight;
      } else if (step.kind == CanaryStep::Kind::kPause) {
        if (wait_for(step.pause, "canary at " + std::to_string(weight) + "%") == Wake::kAborted)
          return roll_back("aborted during a pause", touched, moved);
      } else {
        std::vector<CheckSpec> checks;
        for (const std::string& name : step.checks)
          for (const CheckSpec& c : spec_.checks)
            if (c.name == name) checks.push_back(c);
        if (!analyse(checks, failure)) return roll_back(failure, touched, moved);
      }
    }
    if (weight < 100 && !set_traffic(new_colour_, 100, failure, spec_.hooks))
      return roll_back(failure, touched, true);
    moved = true;
  }
  if (!run_events(idle, {LifecycleEvent::kAfterAllowTraffic}, failure))
    return roll_back(failure, touched, moved);
  if (spec_.strategy == Strategy::kCanary) {
    Target all{"", new_colour_};
    for (const Target* t : idle) all.name += (all.name.empty() ? "" : ",") + t->name;
    if (!run_event(LifecycleEvent::kPromote, all, failure))
      return roll_back(failure, touched, moved);
  }
  return succeed(new_colour_);
}

DeployOutcome Deployment::roll_back(const std::string& reason, const std::vector<Target>& touched,
                                    bool traffic_moved) {
  DeployOutcome out;
  out.deployment_id = journal_.deployment_id();
  out.reason = reason;
  say("::error::deployment " + journal_.deployment_id() + " failed: " + reason);
  bool traffic = is_traffic_strategy(spec_.strategy);
  bool nothing_to_undo = traffic ? !traffic_moved : touched.empty();
  if (nothing_to_undo) {
    // Nothing reached users: the last good revision still serves all traffic.
    out.status = previous_ || traffic ? DeployStatus::kRolledBack : DeployStatus::kFailed;
    out.revision = previous_ ? previous_->revision : "";
    out.colour = live_colour_;
    record("", kPhaseDeployment, out.status == DeployStatus::kRolledBack ? kRolledBack : kFailed,
           json{{"reason", reason},
                {"revision", out.revision},
                {"colour", out.colour},
                {"rollback", ""}}
               .dump());
    if (traffic) say("traffic never left " + live_colour_ + ": nothing to roll back");
    return out;
  }
  record("", kPhaseDeployment, kRollingBack, reason);
  if (!spec_.auto_rollback || (!previous_ && !traffic)) {
    out.status = DeployStatus::kFailed;
    out.reason = reason + (spec_.auto_rollback ? "; no previous good revision to roll back to"
                                               : "; auto-rollback is off");
    record("", kPhaseDeployment, kFailed, json{{"reason", out.reason}}.dump());
    say("::error::" + out.reason);
    return out;
  }
  // The rollback is a deployment of its own, of the last good revision with its hooks.
  DeploySpec rb = previous_ ? previous_->spec : spec_;
  rb.revision = previous_ ? previous_->revision : "";
  rb.hooks_dir = directory_or(rb.hooks_dir, spec_.hooks_dir);
  rb.environment = spec_.environment;
  rb.strategy = spec_.strategy;
  rb.targets = traffic ? spec_.targets : touched;
  rb.steps.clear();
  rb.checks.clear();
  JournalHeader h;
  h.owner = header_.owner;
  h.rollback_of = journal_.deployment_id();
  h.previous = previous_ ? previous_->deployment_id : "";
  h.live_colour = new_colour_;
  std::string rb_id = new_deployment_id(run_id_, parts_.now_ms());
  say("rolling back: deployment " + rb_id + " of " +
      (rb.revision.empty() ? std::string("the previous state") : "revision " + rb.revision));
  Deployment rollback(parts_, rb, h, rb_id, run_id_, previous_);
  rollback.set_live_colour(new_colour_);
  DeployOutcome r = rollback.run_rollback(touched, live_colour_);
  out.rollback_id = rb_id;
  out.revision = r.revision;
  out.colour = r.colour;
  if (r.status == DeployStatus::kSucceeded) {
    out.status = DeployStatus::kRolledBack;
    record(
        "", kPhaseDeployment, kRolledBack,
        json{
            {"reason", reason}, {"rollback", rb_id}, {"revision", r.revision}, {"colour", r.colour}}
            .dump());
    say("rolled back: " + (r.revision.empty() ? "the previous state" : r.revision) +
        " is live again" + (r.colour.empty() ? "" : " on " + r.colour));
  } else {
    out.status = DeployStatus::kFailed;
    out.reason = reason + "; the rollback failed too: " + r.reason;
    record("", kPhaseDeployment, kFailed, json{{"reason", out.reason}, {"rollback", rb_id}}.dump());
    say("::error::" + out.reason);
  }
  return out;
}

DeployOutcome Deployment::run_rollback(const std::vector<Target>& targets,
                                       const std::string& colour) {
  DeployOutcome out;
  out.deployment_id = journal_.deployment_id();
  if (!record("", kPhaseDeployment, kStarted, header_json(header_))) {
    out.reason = "the journal could not be written";
    return out;
  }
  std::string failure;
  bool ok = true;
  if (is_traffic_strategy(spec_.strategy)) {
    ok = set_traffic(colour, 100, failure, spec_.hooks);
  } else {
    // A rolling deployment is rolled back one target at a time (the fleet's other
    // targets keep serving); an all-at-once one all at once.
    std::vector<LifecycleEvent> events(std::begin(kBlockEvents), std::end(kBlockEvents));
    events.insert(events.end(), std::begin(kInstallEvents), std::end(kInstallEvents));
    events.push_back(LifecycleEvent::kBeforeAllowTraffic);
    events.push_back(LifecycleEvent::kAfterAllowTraffic);
    std::vector<const Target*> batch;
    for (const Target& t : targets) {
      batch.push_back(&t);
      if (spec_.strategy == Strategy::kRolling && ok) {
        ok = run_events(batch, events, failure);
        batch.clear();
      }
    }
    if (ok && !batch.empty()) ok = run_events(batch, events, failure);
  }
  if (!ok) {
    out.reason = failure;
    record("", kPhaseDeployment, kFailed, json{{"reason", failure}}.dump());
    return out;
  }
  // Without a previous revision the old state is back but is no "good revision" of sluice's.
  if (spec_.revision.empty()) {
    record("", kPhaseDeployment, kRolledBack, json{{"colour", colour}}.dump());
    out.status = DeployStatus::kSucceeded;
    out.colour = colour;
    return out;
  }
  return succeed(is_traffic_strategy(spec_.strategy) ? colour : "");
}

DeployOutcome Deployment::recover(const std::vector<engine::DeployJournalEntry>& journal) {
  std::vector<Target> touched;
  std::set<std::string> seen;
  bool moved = false;
  for (const auto& e : journal) {
    if (e.phase == kPhaseTraffic && e.state == kStarted) {
      try {
        json t = json::parse(e.detail);
        if (t.value("colour", "") == new_colour_ && t.value("weight", 0) > 0) moved = true;
      } catch (const std::exception&) {
        moved = true;  // unreadable: assume the worst
      }
    }
    if (!e.target.empty() && parse_lifecycle_event(e.phase) && seen.insert(e.target).second)
      for (const Target& t : spec_.targets)
        if (t.name == e.target) touched.push_back(t);
  }
  say("recovering deployment " + journal_.deployment_id() + " (its process is gone)");
  return roll_back(
      "sluice stopped before the deployment finished (recovered by " + header_.owner + ")", touched,
      moved);
}

}  // namespace

Status check_deployable(const DeploySpec& spec) {
  if (spec.targets.empty()) return Error{"targets: no targets to deploy to", {}};
  if (is_traffic_strategy(spec.strategy)) {
    bool blue = false, green = false;
    for (const Target& t : spec.targets) {
      blue |= t.colour == "blue";
      green |= t.colour == "green";
    }
    if (!blue || !green)
      return Error{std::string("targets: ") + to_string(spec.strategy) +
                       " needs targets of both colours, written `blue=NAME` and `green=NAME`",
                   {}};
  }
  if (spec.strategy == Strategy::kCanary && spec.steps.empty())
    return Error{"steps: a canary needs steps (set-weight, pause, analysis)", {}};
  for (const CanaryStep& step : spec.steps)
    for (const std::string& name : step.checks) {
      bool found = std::any_of(spec.checks.begin(), spec.checks.end(),
                               [&](const CheckSpec& c) { return c.name == name; });
      if (!found)
        return Error{"steps: analysis names check '" + name + "', which `checks` lacks", {}};
    }
  if (!is_traffic_strategy(spec.strategy)) {
    auto batches = plan_batches(spec.targets.size(), spec.strategy, spec.min_healthy);
    if (!batches) return batches.error();
  }
  return Status::Ok();
}

DeployOutcome deploy(const DeployParts& parts, const DeploySpec& spec,
                     const DeployRequest& request) {
  JournalHeader header;
  header.owner = request.owner;
  header.previous = request.previous ? request.previous->deployment_id : "";
  std::string id = request.deployment_id.empty() ? new_deployment_id(request.run_id, parts.now_ms())
                                                 : request.deployment_id;
  Deployment d(parts, spec, header, id, request.run_id, request.previous);
  return d.run();
}

DeployOutcome recover(const DeployParts& parts,
                      const std::vector<engine::DeployJournalEntry>& journal,
                      const std::optional<GoodDeployment>& previous, const std::string& owner) {
  DeployOutcome out;
  if (journal.empty()) return out;
  out.deployment_id = journal.front().deployment_id;
  auto header = parse_header(journal.front().detail);
  if (!header) {
    out.reason = header.error().message;
    return out;
  }
  Journal j(parts.store, out.deployment_id, journal.front().environment, journal.front().run_id,
            parts.now_ms);
  if (!header->rollback_of.empty()) {
    // Its original, cut short in the state rolling-back, is rolled back afresh.
    (void)j.record("", kPhaseDeployment, kInterrupted, "its process is gone");
    out.reason = "interrupted rollback of " + header->rollback_of;
    return out;
  }
  JournalHeader h = *header;
  h.owner = owner;
  // Its run's workspace may be gone (the controller's recovery): its hooks then run in
  // this process's directory, and so do the last good revision's if theirs is gone too.
  h.spec.hooks_dir = directory_or(h.spec.hooks_dir, "");
  Deployment d(parts, h.spec, h, out.deployment_id, journal.front().run_id, previous);
  if (!header->live_colour.empty()) d.set_live_colour(header->live_colour);
  return d.recover(journal);
}

}  // namespace sluice::deploy
