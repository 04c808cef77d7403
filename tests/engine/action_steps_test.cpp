// Steps that use actions: when an action is read, the pre/main/post steps of a node action
// and what they share (saved state, inputs). A fake resolver stands for the actions/ room.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.h"
#include "spec/workflow_loader.h"

namespace sluice::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Answers from a map the test changes while the run goes on, as a step writing an action
// into the workspace would; counts the questions.
class FakeResolver : public ActionResolver {
 public:
  Result<std::shared_ptr<const ResolvedAction>> resolve(const std::string& uses,
                                                        const std::string&) override {
    ++calls[uses];
    auto it = actions.find(uses);
    if (it == actions.end()) return Error{"action '" + uses + "' not found", {}};
    return it->second;
  }

  // A built-in-like action that runs `script`.
  void put_script(const std::string& uses, const std::string& script) {
    auto a = std::make_shared<ResolvedAction>();
    a->kind = ResolvedAction::Kind::kBuiltin;
    a->uses = uses;
    a->builtin_script = script;
    actions[uses] = a;
  }

  // A node action in /act with entry points pre.js / main.js / post.js (those not empty).
  std::shared_ptr<ResolvedAction> put_node(const std::string& uses, bool pre, bool post) {
    auto a = std::make_shared<ResolvedAction>();
    a->kind = ResolvedAction::Kind::kNode;
    a->uses = uses;
    a->dir = "/act";
    a->action.using_ = "node20";
    a->action.main = "main.js";
    if (pre) a->action.pre = "pre.js";
    if (post) a->action.post = "post.js";
    actions[uses] = a;
    return a;
  }

  std::map<std::string, std::shared_ptr<const ResolvedAction>> actions;
  std::map<std::string, int> calls;
};

class ActionStepsTest : public EngineHarness {
 protected:
  ActionStepsTest() { resolver_ = &resolver; }

  // Ends the running step `script` successfully, having saved `state`.
  void finish_saving(const std::string& script,
                     std::vector<std::pair<std::string, std::string>> state) {
    StepOutcome o;
    o.started = true;
    o.exit_code = 0;
    o.state = std::move(state);
    ASSERT_TRUE(executor_.finish_with(script, std::move(o))) << "running: " << running_text();
    pump();
  }

  const StepRequest& request_of(const std::string& script) {
    for (FakeExecutor::Execution* e : executor_.running())
      if (e->request.script == script || e->request.script_path == script) return e->request;
    ADD_FAILURE() << "no running step " << script << "; running: " << running_text();
    static StepRequest none;
    return none;
  }

  // The composite action in tests/engine/fixtures/actions/<name>, resolved as `uses`.
  static std::shared_ptr<ResolvedAction> composite_fixture(const std::string& uses,
                                                           const std::string& name) {
    Diagnostics diagnostics;
    std::string dir = std::string(SLUICE_TEST_DATA) + "/engine/fixtures/actions/" + name;
    auto loaded = spec::load_action_file(dir, diagnostics);
    EXPECT_TRUE(loaded) << diagnostics.format();
    auto action = std::make_shared<ResolvedAction>();
    action->kind = ResolvedAction::Kind::kComposite;
    action->uses = uses;
    action->dir = dir;
    if (loaded) action->action = std::move(*loaded);
    return action;
  }

  FakeResolver resolver;
};

// Regression (issue 9 §4): local actions were read when the job started, so one that an
// earlier step writes was "not found".
TEST_F(ActionStepsTest, ALocalActionWrittenByAnEarlierStepIsFound) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: write the action
      - uses: ./act
)");
  ASSERT_THAT(running(), ElementsAre("write the action"));
  resolver.put_script("./act", "echo from the written action");
  finish("write the action");
  EXPECT_THAT(running(), ElementsAre("echo from the written action"));
  finish("echo from the written action");
  EXPECT_EQ(job("a").status, RunStatus::kSuccess);
}

// ... and one that an earlier step rewrites ran its old content.
TEST_F(ActionStepsTest, ALocalActionRewrittenByAnEarlierStepRunsItsNewContent) {
  resolver.put_script("./act", "old content");
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: rewrite
      - uses: ./act
)");
  resolver.put_script("./act", "new content");
  finish("rewrite");
  EXPECT_THAT(running(), ElementsAre("new content"));
}

// A local action that is still missing when its step starts fails that step, with the
// resolver's message at the `uses:` line, not the job before it starts.
TEST_F(ActionStepsTest, AMissingLocalActionFailsItsStepWhenItStarts) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: first
      - uses: ./missing
)");
  EXPECT_EQ(resolver.calls["./missing"], 0);
  finish("first");
  EXPECT_EQ(resolver.calls["./missing"], 1);
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].status, RunStatus::kFailure);
  EXPECT_THAT(s[1].reason, HasSubstr("test.yml:8:"));
  EXPECT_THAT(s[1].reason, HasSubstr("action './missing' not found"));
}

// Remote actions are still read when the job starts, so that their `pre` runs first; a
// local one gets no `pre` step (GitHub: it is not there before the checkout).
TEST_F(ActionStepsTest, OnlyNonLocalActionsGetAPreStep) {
  resolver.put_node("o/remote@v1", true, false);
  resolver.put_node("./local", true, false);
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: first
      - uses: ./local
      - uses: o/remote@v1
)");
  EXPECT_EQ(resolver.calls["o/remote@v1"], 1);
  EXPECT_THAT(running(), ElementsAre("/act/pre.js"));
  finish_saving("/act/pre.js", {});
  finish("first");
  EXPECT_THAT(running(), ElementsAre("/act/main.js"));
  // A local action has no repository of its own (as on GitHub).
  EXPECT_EQ(request_of("/act/main.js").env.at("GITHUB_ACTION_REPOSITORY"), "");
  finish_saving("/act/main.js", {});
  finish_saving("/act/main.js", {});
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].name, "Pre Run o/remote@v1");
  EXPECT_EQ(job("a").status, RunStatus::kSuccess);
}

// Regression (issue 9 §4): state saved by `pre` was lost before `main` and `post`.
TEST_F(ActionStepsTest, StateSavedInPreReachesMainAndPostAndStateFromMainReachesPost) {
  resolver.put_node("o/a@v1", true, true);
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: o/a@v1
)");
  ASSERT_THAT(running(), ElementsAre("/act/pre.js"));
  EXPECT_EQ(request_of("/act/pre.js").env.count("STATE_FROM_PRE"), 0u);
  finish_saving("/act/pre.js", {{"FROM_PRE", "p"}});
  ASSERT_THAT(running(), ElementsAre("/act/main.js"));
  EXPECT_EQ(request_of("/act/main.js").env.at("STATE_FROM_PRE"), "p");
  finish_saving("/act/main.js", {{"FROM_MAIN", "m"}});
  ASSERT_THAT(running(), ElementsAre("/act/post.js"));
  const StepRequest& post = request_of("/act/post.js");
  EXPECT_EQ(post.env.at("STATE_FROM_PRE"), "p");
  EXPECT_EQ(post.env.at("STATE_FROM_MAIN"), "m");
}

// Two uses of one action keep their state apart.
TEST_F(ActionStepsTest, EachUseOfAnActionHasItsOwnState) {
  resolver.put_node("o/a@v1", false, true);
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: o/a@v1
      - uses: o/a@v1
)");
  finish_saving("/act/main.js", {{"N", "1"}});
  finish_saving("/act/main.js", {{"OTHER", "2"}});
  // Posts run in reverse order: the second use's first.
  ASSERT_THAT(running(), ElementsAre("/act/post.js"));
  EXPECT_EQ(request_of("/act/post.js").env.count("STATE_N"), 0u);
  EXPECT_EQ(request_of("/act/post.js").env.at("STATE_OTHER"), "2");
  finish_saving("/act/post.js", {});
  EXPECT_EQ(request_of("/act/post.js").env.at("STATE_N"), "1");
}

// Regression (issue 9 §4): `inputs` was empty in pre-if and post-if.
TEST_F(ActionStepsTest, PreIfAndPostIfSeeTheActionsInputs) {
  auto action = resolver.put_node("o/a@v1", true, true);
  action->action.inputs.push_back({"mode", std::string("off"), false, {}});
  action->action.inputs.push_back({"cleanup", std::string("yes"), false, {}});
  action->action.pre_if = spec::Scalar{"inputs.mode == 'on'", {"action.yml", 7, 11}};
  action->action.post_if = spec::Scalar{"inputs.cleanup == 'yes'", {"action.yml", 8, 12}};
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: o/a@v1
        with:
          mode: on
      - uses: o/a@v1
        with:
          cleanup: no
)");
  // The first use's pre runs (mode: on); the second's is skipped (mode defaults to off).
  ASSERT_THAT(running(), ElementsAre("/act/pre.js"));
  finish_saving("/act/pre.js", {});
  finish_saving("/act/main.js", {});
  finish_saving("/act/main.js", {});
  // Only the first use's post runs (cleanup defaults to yes; the second says no).
  ASSERT_THAT(running(), ElementsAre("/act/post.js"));
  EXPECT_EQ(request_of("/act/post.js").env.at("INPUT_MODE"), "on");
  finish_saving("/act/post.js", {});
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[1].status, RunStatus::kSkipped);  // Pre of the second use
  EXPECT_EQ(s[4].status, RunStatus::kSkipped);  // Post of the second use
  EXPECT_EQ(s[5].status, RunStatus::kSuccess);  // Post of the first use
}

// Regression (corpus bug 6): a step's name was evaluated when the job started, so the
// `steps` context in it was empty.
TEST_F(ActionStepsTest, AStepsNameIsEvaluatedWhenItStarts) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - id: t
        run: first
      - name: "outcome=${{ steps.t.outcome }} v=${{ steps.t.outputs.v }}"
        run: second
      - name: "skipped after ${{ steps.t.outcome }}"
        if: false
        run: never
)");
  finish("first", 0, {{"v", "42"}});
  EXPECT_EQ(steps("a")[1].name, "outcome=success v=42");
  finish("second");
  std::vector<StepRecord> s = steps("a");
  EXPECT_EQ(s[1].name, "outcome=success v=42");
  EXPECT_EQ(s[2].name, "skipped after success");
}

// A post-if that fails to evaluate fails the post step with the place in action.yml.
TEST_F(ActionStepsTest, AnInvalidPostIfFailsThePostStepAtItsPlace) {
  auto action = resolver.put_node("o/a@v1", false, true);
  action->action.post_if = spec::Scalar{"inputs.x ==", {"action.yml", 8, 12}};
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: o/a@v1
)");
  finish_saving("/act/main.js", {});
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].status, RunStatus::kFailure);
  EXPECT_THAT(s[1].reason, HasSubstr("action.yml:8:"));
}

// Regression (issue 9 §4): a step skipped after a failure said "if: condition was false"
// although it has no `if:`; one with an `if:` still says so.
TEST_F(ActionStepsTest, AStepStoppedByAFailureSaysSoNotThatItsConditionWasFalse) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: fails
      - run: plain
      - if: github.event_name == 'nope'
        run: conditional
)");
  finish("fails", 2);
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].reason, "exit code 2");
  EXPECT_EQ(s[1].status, RunStatus::kSkipped);
  EXPECT_EQ(s[1].reason, "not run: an earlier step failed");
  EXPECT_EQ(s[2].reason, "if: condition was false");
}

TEST_F(ActionStepsTest, StepsOfAJobThatFailedAsItStartedSayTheJobFailed) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    env:
      X: ${{ fromJSON('{') }}
    steps:
      - run: never
)");
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].reason, "not run: the job failed");
  EXPECT_THAT(job("a").reason, HasSubstr("test.yml:7:"));
}

// Regression (issue 9 §4): a failed composite step said only "a step of the composite
// action failed", and the inner steps it skipped filled the log tail printed under it.
TEST_F(ActionStepsTest, AFailedCompositeNamesItsFailedStepAndDoesNotListTheStepsItStopped) {
  resolver.actions["o/three-steps@v1"] = composite_fixture("o/three-steps@v1", "three-steps");
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: o/three-steps@v1
)");
  finish("first", 5);
  finish("third");
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].status, RunStatus::kFailure);
  EXPECT_EQ(s[0].reason, "step 'first' failed: exit code 5");
  std::vector<AttemptRecord> a = attempts("a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(store_.log_text(a[0].log_path),
            "sluice: step 'first' failure (exit code 5)\n"
            "sluice: step 'third' success\n");
}

// The post step of a node action inside a local composite runs after the composite's frame
// is gone: the composite's action (which holds the inner step) must outlive it. The
// resolver keeps nothing here, so a dangling step shows under ASan or valgrind.
TEST_F(ActionStepsTest, APostStepInsideALocalCompositeOutlivesTheComposite) {
  std::shared_ptr<const ResolvedAction> composite = composite_fixture("./wraps", "wraps-node");
  resolver.put_node("o/node@v1", false, true);
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: first
      - uses: ./wraps
)");
  resolver.actions["./wraps"] = std::move(composite);
  finish("first");
  resolver.actions.erase("./wraps");  // the job holds the only reference now
  finish_saving("/act/main.js", {{"K", "v"}});
  ASSERT_THAT(running(), ElementsAre("/act/post.js"));
  EXPECT_EQ(request_of("/act/post.js").env.at("STATE_K"), "v");
  finish_saving("/act/post.js", {});
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2].name, "Post inner node");
  EXPECT_EQ(job("a").status, RunStatus::kSuccess);
}

}  // namespace
}  // namespace sluice::engine::testing
