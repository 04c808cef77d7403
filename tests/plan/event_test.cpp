#include "plan/event.h"

#include <gtest/gtest.h>

#include "spec/workflow_loader.h"

namespace sluice::plan {
namespace {

spec::Workflow load(const std::string& yaml) {
  Diagnostics d;
  auto w = spec::load_workflow_text(yaml, "w.yml", d);
  EXPECT_TRUE(w) << d.format();
  return w ? *w : spec::Workflow{};
}

Event push(const std::string& ref, std::optional<std::vector<std::string>> changed = std::nullopt) {
  Event e;
  e.name = "push";
  e.ref = ref;
  e.changed_paths = std::move(changed);
  return e;
}

const char* kJobs = "\njobs:\n  a: {runs-on: x, steps: [{run: a}]}\n";

TEST(Trigger, EventMustBeListed) {
  auto w = load(std::string("on: pull_request") + kJobs);
  auto d = decide_trigger(w, push("refs/heads/main"));
  EXPECT_FALSE(d.triggered);
  EXPECT_EQ(d.reason, "no 'push' trigger");
}

TEST(Trigger, BranchFiltersWithGlobsAndNegation) {
  auto w =
      load(std::string("on:\n  push:\n    branches: ['main', 'release/**', '!release/**-alpha']") +
           kJobs);
  EXPECT_TRUE(decide_trigger(w, push("refs/heads/main")).triggered);
  EXPECT_TRUE(decide_trigger(w, push("refs/heads/release/v1/x")).triggered);
  EXPECT_FALSE(decide_trigger(w, push("refs/heads/release/v1-alpha")).triggered);
  EXPECT_FALSE(decide_trigger(w, push("refs/heads/feature")).triggered);
}

TEST(Trigger, BranchesIgnore) {
  auto w = load(std::string("on:\n  push:\n    branches-ignore: ['docs/*']") + kJobs);
  EXPECT_TRUE(decide_trigger(w, push("refs/heads/main")).triggered);
  auto d = decide_trigger(w, push("refs/heads/docs/x"));
  EXPECT_FALSE(d.triggered);
  EXPECT_NE(d.reason.find("branches-ignore"), std::string::npos);
}

TEST(Trigger, TagsAndBranchesAreSeparate) {
  auto branches_only = load(std::string("on:\n  push:\n    branches: [main]") + kJobs);
  EXPECT_FALSE(decide_trigger(branches_only, push("refs/tags/v1")).triggered);
  auto tags_only = load(std::string("on:\n  push:\n    tags: ['v*']") + kJobs);
  EXPECT_TRUE(decide_trigger(tags_only, push("refs/tags/v1.2")).triggered);
  EXPECT_FALSE(decide_trigger(tags_only, push("refs/heads/main")).triggered);
}

TEST(Trigger, PathFilters) {
  auto w = load(std::string("on:\n  push:\n    paths: ['src/**', '!src/**/*.md']") + kJobs);
  EXPECT_TRUE(
      decide_trigger(w, push("refs/heads/main", std::vector<std::string>{"src/a/b.c"})).triggered);
  EXPECT_FALSE(
      decide_trigger(w, push("refs/heads/main", std::vector<std::string>{"src/a/readme.md"}))
          .triggered);
  EXPECT_FALSE(
      decide_trigger(w, push("refs/heads/main", std::vector<std::string>{"docs/x"})).triggered);
  auto unknown = decide_trigger(w, push("refs/heads/main"));
  EXPECT_TRUE(unknown.triggered);
  EXPECT_NE(unknown.reason.find("not checked"), std::string::npos);
  auto ignore = load(std::string("on:\n  push:\n    paths-ignore: ['docs/**']") + kJobs);
  EXPECT_FALSE(decide_trigger(ignore, push("refs/heads/main", std::vector<std::string>{"docs/a"}))
                   .triggered);
  EXPECT_TRUE(
      decide_trigger(ignore, push("refs/heads/main", std::vector<std::string>{"docs/a", "src/b"}))
          .triggered);
}

TEST(Trigger, PullRequestMatchesTheBaseBranch) {
  auto w = load(std::string("on:\n  pull_request:\n    branches: [main]") + kJobs);
  Event e;
  e.name = "pull_request";
  e.base_ref = "main";
  EXPECT_TRUE(decide_trigger(w, e).triggered);
  e.base_ref = "dev";
  EXPECT_FALSE(decide_trigger(w, e).triggered);
}

TEST(Trigger, ScheduleAndDispatch) {
  auto w =
      load(std::string("on:\n  schedule:\n    - cron: '0 10 1 * *'\n  workflow_dispatch:") + kJobs);
  Event e;
  e.name = "schedule";
  EXPECT_TRUE(decide_trigger(w, e).triggered);
  // The controller's schedule event names its cron line: other lines do not run.
  e.payload.set("schedule", "0 10 1 * *");
  EXPECT_TRUE(decide_trigger(w, e).triggered);
  e.payload.set("schedule", "*/5 * * * *");
  EXPECT_FALSE(decide_trigger(w, e).triggered);
  e.name = "workflow_dispatch";
  EXPECT_TRUE(decide_trigger(w, e).triggered);
  e.name = "push";
  EXPECT_FALSE(decide_trigger(w, e).triggered);
}

TEST(Trigger, OnlyCalledByWorkflowsWhenWorkflowCallIsTheOnlyTrigger) {
  EXPECT_TRUE(only_called_by_workflows(load(std::string("on: workflow_call") + kJobs)));
  EXPECT_FALSE(only_called_by_workflows(
      load(std::string("on: [workflow_call, workflow_dispatch]") + kJobs)));
  EXPECT_FALSE(only_called_by_workflows(load(std::string("on: [workflow_call, push]") + kJobs)));
  EXPECT_FALSE(only_called_by_workflows(
      load(std::string("on:\n  workflow_call:\n  schedule: [{cron: '0 0 * * *'}]") + kJobs)));
  EXPECT_FALSE(only_called_by_workflows(load(std::string("on: push") + kJobs)));
}

}  // namespace
}  // namespace sluice::plan
