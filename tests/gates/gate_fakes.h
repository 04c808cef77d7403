// Fakes for the gate loop: a manual clock whose sleep advances time, and a source that
// answers from a script of results (the last one repeats).
#pragma once

#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gates/gate_loop.h"

namespace sluice::gates::testing {

class ManualGateClock : public GateClock {
 public:
  std::chrono::milliseconds now() override { return now_; }
  bool sleep_for(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    now_ += d;
    return true;
  }
  std::vector<std::chrono::milliseconds> sleeps;

 private:
  std::chrono::milliseconds now_{1'000'000};
};

class ScriptedSource : public HealthSource {
 public:
  void add(std::vector<HealthEvent> events, int times = 1) {
    for (int i = 0; i < times; ++i) script_.push_back(events);
  }
  void add_error(const std::string& message, int times = 1) {
    for (int i = 0; i < times; ++i) script_.push_back(Error{message, {}});
  }
  Result<std::vector<HealthEvent>> poll() override {
    ++polls;
    Result<std::vector<HealthEvent>> r = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return r;
  }
  std::string name() const override { return "scripted"; }
  int polls = 0;

 private:
  std::deque<Result<std::vector<HealthEvent>>> script_;
};

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SLUICE_TEST_DATA) + "/gates/fixtures/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace sluice::gates::testing
