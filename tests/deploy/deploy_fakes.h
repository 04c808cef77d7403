// Fakes for the deployer's interfaces: hooks that record their calls and fail on cue, a
// probe with scripted verdicts, a manual clock whose sleep advances time.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "deploy/checks.h"
#include "deploy/deployer.h"
#include "deploy/hook_runner.h"
#include "engine/memory_store.h"

namespace sluice::deploy::testing {

struct RecordedCall {
  std::string event;   // LIFECYCLE_EVENT
  std::string target;  // SLUICE_DEPLOY_TARGET
  std::string command;
  std::map<std::string, std::string> env;
  std::string working_directory;
};

class FakeHooks : public HookRunner {
 public:
  // Returns the exit code of a call; default 0. Runs before the call is recorded.
  std::function<int(const RecordedCall&)> exit_code;

  HookOutcome run(const HookCall& call, const std::function<void(const std::string&)>&) override {
    RecordedCall r{call.env.at("LIFECYCLE_EVENT"), call.env.at("SLUICE_DEPLOY_TARGET"),
                   call.script.command, call.env, call.working_directory};
    int code = exit_code ? exit_code(r) : 0;
    std::lock_guard lock(mutex);
    calls.push_back(r);
    HookOutcome o;
    o.exit_code = code;
    return o;
  }

  // "Event target" per call, in order.
  std::vector<std::string> trace() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& c : calls) out.push_back(c.event + " " + c.target);
    return out;
  }
  std::vector<RecordedCall> of(const std::string& event) {
    std::lock_guard lock(mutex);
    std::vector<RecordedCall> out;
    for (const auto& c : calls)
      if (c.event == event) out.push_back(c);
    return out;
  }

  std::mutex mutex;
  std::vector<RecordedCall> calls;
};

class ScriptedProbe : public CheckProbe {
 public:
  // Verdicts per check name, taken in order; the last one repeats.
  std::map<std::string, std::vector<Verdict>> script;
  std::map<std::string, int> taken;
  Measurement measure(const CheckSpec& check) override {
    auto& list = script[check.name];
    int i = taken[check.name]++;
    Verdict v = list.empty() ? Verdict::kPass : list[std::min<size_t>(i, list.size() - 1)];
    return {v, "scripted " + std::string(to_string(v))};
  }
};

class ManualClock : public DeployClock {
 public:
  std::chrono::milliseconds now() override { return now_; }
  void sleep_for(std::chrono::milliseconds d) override {
    now_ += d;
    if (on_sleep) on_sleep();
  }
  std::function<void()> on_sleep;
  std::chrono::milliseconds now_{0};
};

// A deployer wired to the fakes and a MemoryStore.
struct Harness {
  FakeHooks hooks;
  ScriptedProbe probe;
  ManualClock clock;
  engine::MemoryStore store;
  std::ostringstream log;
  bool cancel = false;
  int64_t ms = 1'000'000;
  DeployParts parts{hooks, probe, clock, store, [this] { return ++ms; }, [this] { return cancel; },
                    log};

  DeployOutcome deploy(const DeploySpec& spec) {
    auto previous = last_good_deployment(store, spec.environment);
    DeployRequest request;
    request.run_id = 5;
    request.owner = "1:1";
    if (previous.ok()) request.previous = *previous;
    return sluice::deploy::deploy(parts, spec, request);
  }
  std::vector<engine::DeployJournalEntry> journal(const std::string& id) {
    return store.load_deploy_journal(id).value();
  }
  // "target phase state" lines of a deployment's journal.
  std::vector<std::string> journal_lines(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : journal(id))
      out.push_back((e.target.empty() ? "-" : e.target) + " " + e.phase + " " + e.state);
    return out;
  }
};

inline HookScript cmd(const std::string& command) {
  HookScript s;
  s.command = command;
  return s;
}

}  // namespace sluice::deploy::testing
