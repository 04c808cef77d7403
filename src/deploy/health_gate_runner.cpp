// The real HealthGateRunner: each gate of an environment runs gates::run_gate on a thread
// of its own, with a clock whose sleep ends early when the gate is stopped (the run was
// cancelled, the job abandoned), so that stopping never waits out a poll interval.
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <thread>

#include "deploy/environment_admission.h"
#include "gates/gate_inputs.h"
#include "gates/gate_loop.h"
#include "gates/sources.h"

namespace sluice::deploy {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Hands each complete line written to it to `sink`.
class LineBuffer : public std::streambuf {
 public:
  explicit LineBuffer(std::function<void(const std::string&)> sink) : sink_(std::move(sink)) {}
  ~LineBuffer() override {
    if (!line_.empty()) sink_(line_);
  }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    if (c == '\n') {
      sink_(line_);
      line_.clear();
    } else if (line_.size() < 4096) {
      line_.push_back(static_cast<char>(c));
    }
    return c;
  }

 private:
  std::function<void(const std::string&)> sink_;
  std::string line_;
};

class StoppableClock : public gates::GateClock {
 public:
  std::chrono::milliseconds now() override { return system_.now(); }
  bool sleep_for(std::chrono::milliseconds d) override {
    std::unique_lock lock(mutex_);
    return !stopped_.wait_for(lock, d, [&] { return stop_; });
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    stopped_.notify_all();
  }
  bool stopping() {
    std::lock_guard lock(mutex_);
    return stop_;
  }

 private:
  gates::SystemGateClock system_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stop_ = false;
};

class ThreadGate : public RunningGate {
 public:
  ThreadGate(const HealthGateSpec& spec, std::function<void(const std::string&)> progress,
             std::function<void(bool, const std::string&)> done) {
    thread_ = std::thread([this, spec, progress = std::move(progress), done = std::move(done)] {
      auto input = [&](const std::string& name) {
        auto it = spec.inputs.find(name);
        return it == spec.inputs.end() ? std::string() : it->second;
      };
      auto setup = gates::gate_from_inputs(
          input,
          {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")});
      if (!setup.ok()) return done(false, setup.error().message);
      auto source = gates::make_source(setup->source);
      if (!source.ok()) return done(false, source.error().message);
      gates::GateOutcome outcome;
      {
        LineBuffer lines(progress);
        std::ostream log(&lines);
        outcome = gates::run_gate(setup->config, **source, setup->filter, clock_, log);
      }
      if (clock_.stopping()) return;  // abandoned: nobody waits for the decision
      done(outcome.passed, outcome.reason);
    });
  }
  ~ThreadGate() override {
    clock_.stop();
    thread_.join();
  }

 private:
  StoppableClock clock_;
  std::thread thread_;
};

class ThreadGateRunner : public HealthGateRunner {
 public:
  std::unique_ptr<RunningGate> start(const HealthGateSpec& gate,
                                     std::function<void(const std::string&)> progress,
                                     std::function<void(bool, const std::string&)> done) override {
    return std::make_unique<ThreadGate>(gate, std::move(progress), std::move(done));
  }
};

}  // namespace

std::unique_ptr<HealthGateRunner> make_health_gate_runner() {
  return std::make_unique<ThreadGateRunner>();
}

}  // namespace sluice::deploy
