// AgentHub after a controller restart: step proofs go out with each step; a new hub (same
// proof key) takes the held steps whose proof matches and that its sink claims, and lands
// their remaining log chunks and result in order (docs/agent-protocol.md, "Controller
// restarts").
#include <gtest/gtest.h>

#include "../exec/memory_log.h"
#include "core/secret_masker.h"
#include "exec/remote/remote_executor.h"
#include "server/agent_hub.h"
#include "server/step_proof.h"

namespace sluice::server {
namespace {

using runtime::HttpRequest;
using runtime::HttpResponse;

class NoLocal : public engine::Executor {
 public:
  engine::ExecutionId start(engine::StepRequest,
                            std::function<void(engine::StepOutcome)>) override {
    return 0;
  }
  void cancel(engine::ExecutionId) override {}
  void end_job(const std::string&) override {}
  void kill_all() override {}
};

// Records what reaches it; refuses the steps it is told to.
class FakeSink : public HeldStepSink {
 public:
  std::string claim(const agent::HeldStep& step) override {
    claims.push_back(step);
    return step.job_key == "finished" ? "run 1 has finished" : "";
  }
  Status append_log(const agent::HeldStep&, int64_t, const std::vector<std::string>& l) override {
    lines.insert(lines.end(), l.begin(), l.end());
    return Status::Ok();
  }
  Status record_result(const agent::HeldStep& step, const agent::StepResult& result,
                       const std::string& agent_name) override {
    recorded.push_back({step, result});
    by = agent_name;
    return Status::Ok();
  }
  std::vector<agent::HeldStep> claims;
  std::vector<std::string> lines;
  std::vector<std::pair<agent::HeldStep, agent::StepResult>> recorded;
  std::string by;
};

const std::string kKey(64, 'k');

class HeldStepsHubTest : public ::testing::Test {
 protected:
  std::unique_ptr<AgentHub> make_hub(std::shared_ptr<HeldStepSink> sink) {
    AgentHubOptions o;
    o.proof_key = kKey;
    o.held_steps = std::move(sink);
    return std::make_unique<AgentHub>(clock_, o);
  }
  HttpResponse call(AgentHub& hub, const std::string& path, const std::string& body,
                    const std::string& session = "") {
    HttpRequest r;
    r.method = "POST";
    r.path = "/api/v1/agent/" + path;
    r.target = r.path;
    r.body = body;
    if (!session.empty()) r.headers["x-sluice-agent-session"] = session;
    return hub.handle(r);
  }
  agent::RegisterReply register_agent(AgentHub& hub, std::vector<agent::HeldStep> held = {}) {
    agent::RegisterRequest m;
    m.name = "build-7";
    m.labels = {"linux"};
    m.held = std::move(held);
    HttpResponse r = call(hub, "register", agent::encode(m));
    EXPECT_EQ(r.status, 200) << r.body;
    auto reply = agent::parse_register_reply(r.body);
    EXPECT_TRUE(reply.ok()) << reply.error().message;
    return reply.ok() ? *reply : agent::RegisterReply{};
  }

  // The step message the first controller sends for step record 2, attempt 1 of run 12's
  // job "build" (attempt 1).
  agent::StepMessage first_controller_step(engine::HeldTerms terms = {}) {
    auto hub = make_hub(nullptr);
    NoLocal local;
    exec::remote::RemoteExecutor remote(*hub, local);
    auto a = register_agent(*hub);
    engine::JobPlacement job;
    job.job_scope = "12/build";
    job.run_id = 12;
    job.job_key = "build";
    job.runs_on = {"linux"};
    remote.place_job(job, [](engine::PlacementEvent) {});
    engine::StepRequest step;
    step.job_scope = "12/build";
    step.script = "make";
    step.record_index = 2;
    step.record_attempt = 1;
    step.held = terms;
    step.log = std::make_shared<exec::testing::MemoryLog>();
    step.masker = std::make_shared<SecretMasker>();
    remote.start(step, [](engine::StepOutcome) {});
    HttpResponse r = call(*hub, "agents/" + a.agent_id + "/poll", "{}", a.session);
    auto messages = agent::parse_poll_reply(r.body);
    EXPECT_TRUE(messages.ok() && messages->size() == 2u) << r.body;
    agent::StepMessage out =
        messages.ok() && messages->size() == 2 ? (*messages)[1].step : agent::StepMessage{};
    remote.kill_all();
    return out;
  }

  static agent::HeldStep held_from(const agent::StepMessage& m) {
    agent::HeldStep h;
    h.lease_id = m.lease_id;
    h.step_id = m.step_id;
    h.run_id = 12;
    h.job_key = "build";
    h.attempt = 1;
    h.step_index = m.step_index;
    h.step_attempt = m.step_attempt;
    h.proof = m.step_proof;
    h.next_seq = 1;  // the old controller had chunk 0
    h.terms = m.request.held;
    h.terms.timeout_ms = 0;
    return h;
  }

  engine::ManualClock clock_;
};

TEST_F(HeldStepsHubTest, AStepComesWithAProofOfItsRecord) {
  agent::StepMessage m = first_controller_step();
  EXPECT_EQ(m.step_index, 2);
  EXPECT_EQ(m.step_attempt, 1);
  EXPECT_EQ(m.step_proof, step_proof(kKey, {m.lease_id, 12, "build", 1, 2, 1, {}}));
  EXPECT_FALSE(step_proof_matches(kKey, {m.lease_id, 12, "build", 1, 3, 1, {}}, m.step_proof))
      << "the proof names the step: it is no good for another one";
  EXPECT_FALSE(step_proof_matches(kKey, {m.lease_id, 13, "build", 1, 2, 1, {}}, m.step_proof));
  EXPECT_FALSE(step_proof_matches("", {m.lease_id, 12, "build", 1, 2, 1, {}}, m.step_proof));
}

TEST_F(HeldStepsHubTest, ANewControllerTakesProvenHeldStepsAndLandsTheirReports) {
  agent::StepMessage m = first_controller_step();
  auto sink = std::make_shared<FakeSink>();
  auto hub = make_hub(sink);  // the restarted controller: same key, new process

  agent::HeldStep good = held_from(m);
  agent::HeldStep forged = good;
  forged.lease_id = "l-5";
  forged.run_id = 99;  // another run: the proof does not cover it
  agent::HeldStep finished = good;
  finished.job_key = "finished";
  finished.proof = step_proof(kKey, {m.lease_id, 12, "finished", 1, 2, 1, {}});
  auto a = register_agent(*hub, {good, forged, finished});
  ASSERT_EQ(a.held.size(), 3u);
  EXPECT_TRUE(a.held[0].accepted);
  EXPECT_EQ(a.held[0].lease_id, m.lease_id);
  EXPECT_EQ(a.held[0].step_id, m.step_id);
  EXPECT_FALSE(a.held[1].accepted);
  EXPECT_EQ(a.held[1].reason, "the step's proof is not this controller's");
  EXPECT_FALSE(a.held[2].accepted);
  EXPECT_EQ(a.held[2].reason, "run 1 has finished") << "the sink's reason goes back";
  ASSERT_EQ(sink->claims.size(), 2u) << "a forged step never reaches the store";

  std::string base = "held/" + a.held[0].delivery;
  EXPECT_EQ(call(*hub, base + "/log", R"({"seq":1,"lines":["x"]})", "wrong").status, 401);
  EXPECT_EQ(call(*hub, base + "/log", R"({"seq":0,"lines":["old"]})", a.session).status, 200)
      << "a chunk the old controller had is acknowledged, not appended";
  EXPECT_EQ(call(*hub, base + "/log", R"({"seq":2,"lines":["early"]})", a.session).status, 409);
  EXPECT_EQ(call(*hub, base + "/log", R"({"seq":1,"lines":["one"]})", a.session).status, 200);
  EXPECT_EQ(call(*hub, base + "/result", R"({"log_chunks":3,"started":true,"exit_code":0,
                                            "outputs":[["v","1"]]})",
                 a.session)
                .status,
            200);
  EXPECT_TRUE(sink->recorded.empty()) << "the result waits for its last chunk";
  EXPECT_EQ(call(*hub, base + "/log", R"({"seq":2,"lines":["two"]})", a.session).status, 200);
  ASSERT_EQ(sink->recorded.size(), 1u);
  EXPECT_EQ(sink->lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(sink->recorded[0].first.step_index, 2);
  EXPECT_EQ(sink->recorded[0].second.outcome.outputs,
            (std::vector<std::pair<std::string, std::string>>{{"v", "1"}}));
  EXPECT_EQ(sink->by, "build-7");
  HttpResponse again = call(*hub, base + "/result", R"({"started":true})", a.session);
  EXPECT_EQ(again.status, 410) << "delivered: the delivery is gone";
  EXPECT_EQ(call(*hub, "held/d-99/log", R"({"seq":0})", a.session).status, 410);
}

TEST_F(HeldStepsHubTest, AReportForAnEarlierProcesssLeaseAsksUnknownAgentsToRegister) {
  auto hub = make_hub(std::make_shared<FakeSink>());
  HttpResponse r = call(*hub, "leases/l-7/steps/3/log", R"({"seq":0})", "old-session");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(agent::error_code(r.body), "unknown_agent")
      << "the agent registers again and says what it holds, rather than dropping it";
  auto a = register_agent(*hub);
  r = call(*hub, "leases/l-7/steps/3/log", R"({"seq":0})", a.session);
  EXPECT_EQ(r.status, 410) << "a registered agent's unknown lease is not honoured";
}

TEST_F(HeldStepsHubTest, WithoutAKeyOrSinkNothingIsHeld) {
  agent::StepMessage m = first_controller_step();
  AgentHubOptions o;  // no proof key, no sink
  AgentHub hub(clock_, o);
  auto a = register_agent(hub, {held_from(m)});
  ASSERT_EQ(a.held.size(), 1u);
  EXPECT_FALSE(a.held[0].accepted);
}

// What the step's result decides travels with it, under its proof: an agent cannot make its
// step close a job it does not close. A cancel of the run reaches the agent that holds it.
TEST_F(HeldStepsHubTest, HeldTermsAreProvenAndAHeldStepCanBeCancelled) {
  engine::HeldTerms terms;
  terms.timeout_ms = 60000;
  terms.continue_on_error = true;
  terms.closes_job = true;
  terms.run_if_success = engine::RunStatus::kSuccess;
  terms.run_if_failure = engine::RunStatus::kFailure;
  agent::StepMessage m = first_controller_step(terms);
  EXPECT_EQ(m.request.held.timeout_ms, 60000);
  EXPECT_TRUE(m.request.held.closes_job);
  EXPECT_EQ(m.request.held.run_if_failure, engine::RunStatus::kFailure);
  EXPECT_NE(m.step_proof, first_controller_step().step_proof) << "the proof covers the terms";

  auto sink = std::make_shared<FakeSink>();
  auto hub = make_hub(sink);
  agent::HeldStep good = held_from(m);
  agent::HeldStep forged = good;
  forged.terms.job_failed = true;
  forged.lease_id = "l-8";
  agent::HeldStep widened = held_from(first_controller_step());
  widened.terms.closes_job = true;  // a step that closed nothing, made to close its job
  auto a = register_agent(*hub, {good, forged, widened});
  ASSERT_EQ(a.held.size(), 3u);
  EXPECT_TRUE(a.held[0].accepted);
  EXPECT_FALSE(a.held[1].accepted);
  EXPECT_FALSE(a.held[2].accepted);
  ASSERT_EQ(sink->claims.size(), 1u);
  EXPECT_TRUE(sink->claims[0].terms.closes_job);
  EXPECT_TRUE(sink->claims[0].terms.continue_on_error);

  EXPECT_EQ(hub->cancel_held(13), 0) << "another run";
  EXPECT_EQ(hub->cancel_held(12), 1);
  HttpResponse r = call(*hub, "agents/" + a.agent_id + "/poll", R"({"wait_ms":0})", a.session);
  auto messages = agent::parse_poll_reply(r.body);
  ASSERT_TRUE(messages.ok()) << r.body;
  ASSERT_EQ(messages->size(), 1u) << r.body;
  EXPECT_EQ((*messages)[0].type, agent::ControllerMessage::Type::kCancel);
  EXPECT_EQ((*messages)[0].lease_id, m.lease_id)
      << "the old controller's ids, as the agent knows them";
  EXPECT_EQ((*messages)[0].step_id, m.step_id);
}

}  // namespace
}  // namespace sluice::server
