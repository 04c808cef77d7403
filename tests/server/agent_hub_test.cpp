// AgentHub: label matching, leases with a manual clock, the agents' endpoints, and the
// RemoteExecutor driven through the real hub with a scripted agent (no HTTP, no process).
#include "server/agent_hub.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../exec/memory_log.h"
#include "core/secret_masker.h"
#include "exec/remote/remote_executor.h"

namespace sluice::server {
namespace {

using exec::remote::LeaseEvent;
using nlohmann::json;
using runtime::HttpRequest;
using runtime::HttpResponse;

// A local executor that only records what reaches it.
class RecordingExecutor : public engine::Executor {
 public:
  engine::ExecutionId start(engine::StepRequest request,
                            std::function<void(engine::StepOutcome)> on_done) override {
    scripts.push_back(request.script);
    dones.push_back(std::move(on_done));
    return static_cast<engine::ExecutionId>(scripts.size());
  }
  void cancel(engine::ExecutionId) override {}
  void end_job(const std::string& scope) override { ended.push_back(scope); }
  void kill_all() override {}
  std::vector<std::string> scripts;
  std::vector<std::function<void(engine::StepOutcome)>> dones;
  std::vector<std::string> ended;
};

struct Events {
  std::vector<LeaseEvent> list;
  std::function<void(LeaseEvent)> sink() {
    return [this](LeaseEvent e) { list.push_back(std::move(e)); };
  }
  const LeaseEvent& last() const { return list.back(); }
};

class AgentHubTest : public ::testing::Test {
 protected:
  void make_hub(int builtin_executors = 0) {
    AgentHubOptions o;
    o.lease_ttl_ms = 30000;
    o.builtin_executors = builtin_executors;
    hub_ = std::make_unique<AgentHub>(clock_, o);
  }

  HttpResponse call(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& session = "") {
    HttpRequest r;
    r.method = method;
    r.path = "/api/v1/agent/" + path;
    r.target = r.path;
    r.body = body;
    if (!session.empty()) r.headers["x-sluice-agent-session"] = session;
    return hub_->handle(r);
  }

  // Registers a remote agent; returns {id, session}.
  std::pair<std::string, std::string> register_agent(std::vector<std::string> labels,
                                                     int executors = 1,
                                                     std::vector<std::string> features = {}) {
    agent::RegisterRequest m;
    m.name = "test";
    m.labels = std::move(labels);
    m.executors = executors;
    m.features = std::move(features);
    HttpResponse r = call("POST", "register", agent::encode(m));
    EXPECT_EQ(r.status, 200) << r.body;
    auto reply = agent::parse_register_reply(r.body);
    EXPECT_TRUE(reply.ok());
    return {reply->agent_id, reply->session};
  }

  std::vector<agent::ControllerMessage> poll(const std::pair<std::string, std::string>& a) {
    HttpResponse r = call("POST", "agents/" + a.first + "/poll", "{\"wait_ms\":0}", a.second);
    EXPECT_EQ(r.status, 200) << r.body;
    auto m = agent::parse_poll_reply(r.body);
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? *m : std::vector<agent::ControllerMessage>{};
  }

  engine::JobPlacement job(const std::string& scope, std::vector<std::string> runs_on) {
    engine::JobPlacement p;
    p.job_scope = scope;
    p.run_id = 1;
    p.job_key = scope;
    p.runs_on = std::move(runs_on);
    p.secrets = {"hunter2"};
    p.workspace = "/ctl/ws";
    p.temp_dir = "/ctl/tmp";
    return p;
  }

  engine::ManualClock clock_;
  std::unique_ptr<AgentHub> hub_;
};

TEST_F(AgentHubTest, AJobGoesOnlyToAnAgentWithEveryLabel) {
  make_hub(1);
  Events e;
  hub_->request_lease(job("1/train", {"self-hosted", "gpu"}), e.sink());
  ASSERT_EQ(e.list.size(), 1u);
  EXPECT_EQ(e.last().kind, LeaseEvent::Kind::kWaiting);
  EXPECT_EQ(e.last().reason, "no agent with labels: gpu");

  auto cpu = register_agent({"linux", "x64"});
  EXPECT_EQ(e.list.size(), 1u) << "an agent without gpu changes nothing";
  EXPECT_TRUE(poll(cpu).empty());

  auto gpu = register_agent({"linux", "GPU"});
  ASSERT_EQ(e.list.size(), 2u);
  EXPECT_EQ(e.last().kind, LeaseEvent::Kind::kGranted);
  EXPECT_FALSE(e.last().local);
  auto messages = poll(gpu);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].type, agent::ControllerMessage::Type::kLease);
  EXPECT_EQ(messages[0].lease.job_scope, "1/train");
  EXPECT_EQ(messages[0].lease.secrets, std::vector<std::string>{"hunter2"});
  EXPECT_EQ(messages[0].lease.roots.workspace, "/ctl/ws");
  EXPECT_EQ(messages[0].lease.workspace_url,
            "/api/v1/agent/leases/" + messages[0].lease_id + "/workspace");
}

// The controller's commit snapshot tar, while the run's workspace is untouched: sent as it
// is, and left in place when the lease ends (it is not the hub's).
TEST_F(AgentHubTest, ASharedWorkspaceArchiveIsSentAndKept) {
  std::string shared =
      ::testing::TempDir() + "/agent-hub-shared-" + std::to_string(getpid()) + ".tar";
  std::ofstream(shared) << "tar";
  AgentHubOptions o;
  std::vector<std::string> asked;
  o.shared_workspace_archive = [&](const std::string& workspace) {
    asked.push_back(workspace);
    return shared;
  };
  hub_ = std::make_unique<AgentHub>(clock_, o);
  Events e;
  hub_->request_lease(job("1/a", {"self-hosted"}), e.sink());
  auto a = register_agent({});
  auto messages = poll(a);
  ASSERT_EQ(messages.size(), 1u);
  HttpResponse r = call("GET", "leases/" + messages[0].lease_id + "/workspace", "", a.second);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.files, std::vector<std::string>{shared});
  EXPECT_EQ(asked, std::vector<std::string>{"/ctl/ws"});
  hub_->release("1/a");
  hub_.reset();
  EXPECT_TRUE(std::filesystem::exists(shared));
  std::filesystem::remove(shared);
}

TEST_F(AgentHubTest, TheBuiltInAgentHasItsLabelsAndUbuntuNamesMapToLinux) {
  make_hub(1);
  EXPECT_EQ(hub_->required_labels({"ubuntu-latest", "Self-Hosted"}),
            (std::vector<std::string>{"linux", "self-hosted"}));
  Events e;
  hub_->request_lease(job("1/a", {"ubuntu-24.04"}), e.sink());
  ASSERT_EQ(e.list.size(), 1u);
  EXPECT_EQ(e.last().kind, LeaseEvent::Kind::kGranted);
  EXPECT_TRUE(e.last().local);
  auto agents = hub_->agents();
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].labels,
            (std::vector<std::string>{"self-hosted", "local", "linux", machine_arch_label()}));
  EXPECT_EQ(agents[0].busy, 1);

  // Its one executor is busy: the next job waits for it, with that reason.
  Events second;
  hub_->request_lease(job("1/b", {"linux"}), second.sink());
  ASSERT_EQ(second.list.size(), 1u);
  EXPECT_EQ(second.last().reason, "waiting for a free agent with labels: linux");
  hub_->release("1/a");
  ASSERT_EQ(second.list.size(), 2u);
  EXPECT_EQ(second.last().kind, LeaseEvent::Kind::kGranted);
}

TEST_F(AgentHubTest, ALeaseExpiresWithoutHeartbeatsAndLateReportsAreRejected) {
  make_hub(0);
  auto a = register_agent({"linux"});
  Events e;
  hub_->request_lease(job("1/a", {"linux"}), e.sink());
  ASSERT_EQ(e.last().kind, LeaseEvent::Kind::kGranted);
  std::string lease = e.last().lease_id;

  // Heartbeats that list the lease keep it alive.
  clock_.advance_ms(20000);
  HttpResponse hb = call("POST", "agents/" + a.first + "/heartbeat",
                         "{\"leases\":[\"" + lease + "\",\"l-99\"]}", a.second);
  ASSERT_EQ(hb.status, 200);
  EXPECT_EQ(agent::parse_heartbeat_reply(hb.body)->lost, std::vector<std::string>{"l-99"});
  clock_.advance_ms(29999);
  hub_->tick();
  EXPECT_EQ(e.list.size(), 1u) << "29.999 s after the last heartbeat the lease holds";

  clock_.advance_ms(2);
  hub_->tick();
  ASSERT_EQ(e.list.size(), 2u);
  EXPECT_EQ(e.last().kind, LeaseEvent::Kind::kLost);
  EXPECT_EQ(e.last().reason, "agent lost");

  HttpResponse late = call("POST", "leases/" + lease + "/steps/1/result",
                           "{\"started\":true,\"exit_code\":0}", a.second);
  EXPECT_EQ(late.status, 410);
  EXPECT_EQ(agent::error_code(late.body), "lease_lost");
  EXPECT_EQ(call("POST", "agents/" + a.first + "/poll", "{}", a.second).status, 404)
      << "the silent agent was dropped: it must register again";
}

TEST_F(AgentHubTest, BadMessagesAndWrongSessionsAreRefused) {
  make_hub(0);
  auto a = register_agent({"linux"});
  EXPECT_EQ(call("POST", "agents/" + a.first + "/poll", "{}", "wrong").status, 401);
  EXPECT_EQ(call("POST", "agents/" + a.first + "/heartbeat", "{\"leases\":[1]}", a.second).status,
            400);
  HttpResponse r = call("POST", "register", "{\"protocol\":\"sluice-agent/9\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(agent::error_code(r.body), "unsupported_protocol");
  EXPECT_EQ(
      call("POST", "register", "{\"protocol\":\"sluice-agent/1\",\"labels\":[\"a b\"]}").status,
      400);
  EXPECT_EQ(call("GET", "nowhere", "").status, 404);
}

// The requests an agent sends for every job are handled on the HTTP server thread (no hand-off
// to the handler pool); the ones that read the store or make tars are not.
TEST_F(AgentHubTest, OnlyTheQuickAgentRequestsArePlannedQuick) {
  make_hub(0);
  auto plan = [&](const std::string& method, const std::string& path) {
    HttpRequest head;
    head.method = method;
    head.path = "/api/v1/agent/" + path;
    return hub_->plan_body(head).quick;
  };
  EXPECT_TRUE(plan("POST", "agents/a-1/poll"));
  EXPECT_TRUE(plan("POST", "agents/a-1/heartbeat"));
  EXPECT_TRUE(plan("POST", "leases/l-1/steps/3/log"));
  EXPECT_TRUE(plan("POST", "leases/l-1/steps/3/result"));
  EXPECT_FALSE(plan("POST", "register"));
  EXPECT_FALSE(plan("GET", "leases/l-1/workspace"));
  EXPECT_FALSE(plan("POST", "held/d-1/result"));
  EXPECT_FALSE(plan("POST", "held/d-1/log"));
  EXPECT_FALSE(plan("POST", "leases/l-1/runtime/_apis/result"));
}

// Requests with the same labels that no agent can take are told why once each, and the
// first of them in line gets the next free executor.
TEST_F(AgentHubTest, ManyWaitingRequestsAreEachToldWhyAndServedInOrder) {
  make_hub(0);
  auto a = register_agent({"linux"}, 1);
  std::vector<Events> events(5);
  for (size_t i = 0; i < events.size(); ++i)
    hub_->request_lease(job("1/j" + std::to_string(i), {"linux"}), events[i].sink());
  ASSERT_EQ(events[0].last().kind, LeaseEvent::Kind::kGranted);
  for (size_t i = 1; i < events.size(); ++i) {
    ASSERT_EQ(events[i].list.size(), 1u);
    EXPECT_EQ(events[i].last().reason, "waiting for a free agent with labels: linux");
  }
  hub_->request_lease(job("1/gpu", {"gpu"}), events[0].sink());
  EXPECT_EQ(events[0].last().reason, "no agent with labels: gpu");
  hub_->release("1/j0");
  EXPECT_EQ(events[1].last().kind, LeaseEvent::Kind::kGranted);
  for (size_t i = 2; i < events.size(); ++i) EXPECT_EQ(events[i].list.size(), 1u) << "told once";
  poll(a);
}

// The remote executor over the real hub, with the test playing the agent.
class RemoteThroughHubTest : public AgentHubTest {
 protected:
  void SetUp() override {
    make_hub(0);
    remote_ = std::make_unique<exec::remote::RemoteExecutor>(*hub_, local_);
  }
  engine::StepRequest step(const std::string& scope, const std::string& script) {
    engine::StepRequest r;
    r.job_scope = scope;
    r.script = script;
    r.log = log_;
    r.masker = masker_;
    return r;
  }
  RecordingExecutor local_;
  std::unique_ptr<exec::remote::RemoteExecutor> remote_;
  std::shared_ptr<exec::testing::MemoryLog> log_ = std::make_shared<exec::testing::MemoryLog>();
  std::shared_ptr<SecretMasker> masker_ = std::make_shared<SecretMasker>();
};

TEST_F(RemoteThroughHubTest, AStepRunsOnTheLeasedAgentWithLogsAndOutcome) {
  masker_->add("controller-only-secret");
  auto a = register_agent({"linux"});
  std::vector<engine::PlacementEvent> placed;
  remote_->place_job(job("7/build", {"ubuntu-latest"}),
                     [&](engine::PlacementEvent e) { placed.push_back(e); });
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].kind, engine::PlacementEvent::Kind::kPlaced);

  std::optional<engine::StepOutcome> outcome;
  remote_->start(step("7/build", "make"), [&](engine::StepOutcome o) { outcome = o; });
  auto messages = poll(a);
  ASSERT_EQ(messages.size(), 2u);
  ASSERT_EQ(messages[1].type, agent::ControllerMessage::Type::kStep);
  EXPECT_EQ(messages[1].step.request.script, "make");
  std::string base =
      "leases/" + messages[1].lease_id + "/steps/" + std::to_string(messages[1].step.step_id);

  // The result arrives before the last log chunk: the outcome waits for the chunk.
  std::string result = R"({"log_chunks":2,"started":true,"exit_code":0,"masks":["added-on-agent"],
                           "outputs":[["v","1"]]})";
  EXPECT_EQ(
      call("POST", base + "/log", R"({"seq":0,"lines":["one controller-only-secret"]})", a.second)
          .status,
      200);
  EXPECT_EQ(call("POST", base + "/result", result, a.second).status, 200);
  EXPECT_FALSE(outcome);
  EXPECT_EQ(call("POST", base + "/log", R"({"seq":0,"lines":["one again"]})", a.second).status, 200)
      << "a resent chunk is acknowledged";
  EXPECT_EQ(call("POST", base + "/log", R"({"seq":1,"lines":["two"]})", a.second).status, 200);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->succeeded());
  EXPECT_EQ(outcome->outputs, (std::vector<std::pair<std::string, std::string>>{{"v", "1"}}));
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"one ***", "two"}))
      << "re-masked with the run's masker; the resend was not appended twice";
  EXPECT_EQ(masker_->mask("x added-on-agent"), "x ***");
  EXPECT_TRUE(local_.scripts.empty());

  // The last lines in the result (kFeatureResultLines, which the registration named): logged
  // after the chunks it counts, before the outcome.
  outcome.reset();
  remote_->start(step("7/build", "make more"), [&](engine::StepOutcome o) {
    EXPECT_EQ(log_->all().back(), "last ***") << "the lines come before the outcome";
    outcome = o;
  });
  messages = poll(a);
  ASSERT_EQ(messages.size(), 1u);
  base = "leases/" + messages[0].lease_id + "/steps/" + std::to_string(messages[0].step.step_id);
  EXPECT_EQ(
      call(
          "POST", base + "/result",
          R"({"log_chunks":1,"started":true,"exit_code":0,"lines":["last controller-only-secret"]})",
          a.second)
          .status,
      200);
  EXPECT_FALSE(outcome) << "chunk 0 is still on its way";
  EXPECT_EQ(call("POST", base + "/log", R"({"seq":0,"lines":["first"]})", a.second).status, 200);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"one ***", "two", "first", "last ***"}));

  remote_->end_job("7/build");
  messages = poll(a);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].type, agent::ControllerMessage::Type::kEndJob);
  EXPECT_EQ(hub_->agents()[0].busy, 0);
}

TEST_F(RemoteThroughHubTest, ALostLeaseEndsTheRunningStepAndRefusesTheNext) {
  auto a = register_agent({"linux"});
  std::vector<engine::PlacementEvent> events;
  remote_->place_job(job("7/build", {"linux"}),
                     [&](engine::PlacementEvent e) { events.push_back(e); });
  std::vector<engine::StepOutcome> outcomes;
  remote_->start(step("7/build", "make"), [&](engine::StepOutcome o) { outcomes.push_back(o); });
  clock_.advance_ms(30001);
  hub_->tick();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, engine::PlacementEvent::Kind::kLost);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(outcomes[0].started);
  EXPECT_EQ(outcomes[0].error_message, "agent lost");
  remote_->start(step("7/build", "echo after"),
                 [&](engine::StepOutcome o) { outcomes.push_back(o); });
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[1].error_message, "agent lost");
}

// The steps of a job with containers go to an agent that registered the feature, with the
// containers; an older agent (no feature) never sees them: they fail to start, saying why.
TEST_F(RemoteThroughHubTest, ContainerStepsGoOnlyToAgentsThatRunContainers) {
  auto containers = std::make_shared<engine::JobContainers>();
  containers->job = engine::ContainerRequest{};
  containers->job->image = "localhost/img";
  auto container_step = [&](const std::string& scope) {
    engine::StepRequest r = step(scope, "make");
    r.containers = containers;
    return r;
  };

  auto old = register_agent({"old"});
  remote_->place_job(job("7/a", {"old"}), [](engine::PlacementEvent) {});
  std::optional<engine::StepOutcome> refused;
  remote_->start(container_step("7/a"), [&](engine::StepOutcome o) { refused = o; });
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->started);
  EXPECT_EQ(refused->error_message,
            "the agent test runs no container steps or Docker actions: upgrade sluice there");
  ASSERT_EQ(poll(old).size(), 1u) << "the lease only";

  auto a = register_agent({"new"}, 1, {agent::kFeatureContainers});
  remote_->place_job(job("7/b", {"new"}), [](engine::PlacementEvent) {});
  engine::StepRequest start = container_step("7/b");
  start.kind = engine::StepRequest::Kind::kContainersStart;
  bool done = false;
  remote_->start(start, [&](engine::StepOutcome) { done = true; });
  auto messages = poll(a);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_FALSE(done);
  const engine::StepRequest& sent = messages[1].step.request;
  EXPECT_EQ(sent.kind, engine::StepRequest::Kind::kContainersStart);
  ASSERT_TRUE(sent.containers && sent.containers->job);
  EXPECT_EQ(sent.containers->job->image, "localhost/img");
}

TEST_F(RemoteThroughHubTest, JobsOnTheBuiltInAgentRunOnTheLocalExecutor) {
  AgentHubOptions o;
  o.builtin_executors = 2;
  hub_ = std::make_unique<AgentHub>(clock_, o);
  remote_ = std::make_unique<exec::remote::RemoteExecutor>(*hub_, local_);
  remote_->place_job(job("3/a", {"self-hosted"}), [](engine::PlacementEvent) {});
  remote_->start(step("3/a", "make"), [](engine::StepOutcome) {});
  EXPECT_EQ(local_.scripts, std::vector<std::string>{"make"});
  remote_->end_job("3/a");
  EXPECT_EQ(local_.ended, std::vector<std::string>{"3/a"});
  EXPECT_EQ(hub_->agents()[0].busy, 0);
}

TEST_F(RemoteThroughHubTest, AHeldPollIsAnsweredWhenWorkArrives) {
  auto a = register_agent({"linux"});
  HttpRequest r;
  r.method = "POST";
  r.path = "/api/v1/agent/agents/" + a.first + "/poll";
  r.body = "{\"wait_ms\":25000}";
  r.headers["x-sluice-agent-session"] = a.second;
  std::optional<HttpResponse> reply;
  hub_->handle_async(r, [&](HttpResponse response) { reply = response; });
  EXPECT_FALSE(reply) << "nothing queued: the poll is held";
  remote_->place_job(job("1/a", {"linux"}), [](engine::PlacementEvent) {});
  EXPECT_FALSE(reply) << "a lease waits for its first step";
  remote_->start(step("1/a", "make"), [](engine::StepOutcome) {});
  ASSERT_TRUE(reply);
  auto both = agent::parse_poll_reply(reply->body);
  ASSERT_EQ(both->size(), 2u) << "the lease and its first step in one answer";
  EXPECT_EQ((*both)[0].type, agent::ControllerMessage::Type::kLease);
  EXPECT_EQ((*both)[1].type, agent::ControllerMessage::Type::kStep);

  // end_job waits for the agent's next work, or goes alone after a moment.
  reply.reset();
  hub_->handle_async(r, [&](HttpResponse response) { reply = response; });
  remote_->end_job("1/a");
  hub_->tick();
  EXPECT_FALSE(reply);
  clock_.advance_ms(50);
  hub_->tick();
  ASSERT_TRUE(reply);
  auto ended = agent::parse_poll_reply(reply->body);
  ASSERT_EQ(ended->size(), 1u);
  EXPECT_EQ((*ended)[0].type, agent::ControllerMessage::Type::kEndJob);

  // An empty poll ends at its deadline.
  reply.reset();
  r.body = "{\"wait_ms\":1000}";
  hub_->handle_async(r, [&](HttpResponse response) { reply = response; });
  clock_.advance_ms(999);
  hub_->tick();
  EXPECT_FALSE(reply);
  clock_.advance_ms(1);
  hub_->tick();
  ASSERT_TRUE(reply);
  EXPECT_EQ(agent::parse_poll_reply(reply->body)->size(), 0u);
}

}  // namespace
}  // namespace sluice::server

namespace sluice::server {
namespace {

// handle() (what the controller's HTTP server calls) holds an empty poll as a deferred
// response, completed when work arrives; polls with work answer at once.
TEST_F(AgentHubTest, HandleHoldsAnEmptyPollAsADeferredResponseCompletedByTheWork) {
  make_hub();
  auto a = register_agent({"linux"});
  HttpResponse held = call("POST", "agents/" + a.first + "/poll", "{\"wait_ms\":25000}", a.second);
  ASSERT_TRUE(held.deferred) << "an empty poll is held";
  bool woken = false;
  EXPECT_FALSE(held.deferred->take_or_wake([&] { woken = true; }));
  Events e;
  hub_->request_lease(job("4/a", {"linux"}), e.sink());
  EXPECT_FALSE(woken) << "a lease waits for its first step";
  hub_->send_step("4/a", 8, engine::StepRequest{}, nullptr);
  EXPECT_TRUE(woken) << "the step wakes the held poll at once";
  auto reply = held.deferred->take_or_wake(nullptr);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  auto messages = agent::parse_poll_reply(reply->body);
  ASSERT_TRUE(messages.ok()) << reply->body;
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].type, agent::ControllerMessage::Type::kLease);

  // A message queued before the poll: answered at once, not deferred.
  hub_->send_step("4/a", 9, engine::StepRequest{}, nullptr);
  HttpResponse now = call("POST", "agents/" + a.first + "/poll", "{\"wait_ms\":25000}", a.second);
  EXPECT_FALSE(now.deferred);
  EXPECT_EQ(agent::parse_poll_reply(now.body)->size(), 1u);
}

TEST_F(AgentHubTest, AgentsJsonHasStatusLabelsAndCurrentJobs) {
  make_hub(2);
  auto a = register_agent({"remote"}, 2);
  Events e;
  engine::JobPlacement p = job("12/build", {"remote"});
  p.run_id = 12;
  p.job_key = "build";
  hub_->request_lease(p, e.sink());
  json agents = json::parse(hub_->agents_json())["agents"];
  ASSERT_EQ(agents.size(), 2u);
  json remote = agents[0]["id"] == a.first ? agents[0] : agents[1];
  json builtin = agents[0]["id"] == a.first ? agents[1] : agents[0];
  EXPECT_EQ(remote["status"], "busy");
  EXPECT_EQ(remote["builtin"], false);
  EXPECT_EQ(remote["labels"], json::parse(R"(["self-hosted","remote"])"));
  EXPECT_EQ(remote["busy"], 1);
  EXPECT_EQ(remote["executors"], 2);
  ASSERT_EQ(remote["jobs"].size(), 1u);
  EXPECT_EQ(remote["jobs"][0]["run_id"], 12);
  EXPECT_EQ(remote["jobs"][0]["job_key"], "build");
  EXPECT_EQ(builtin["status"], "idle");
  EXPECT_EQ(builtin["builtin"], true);
  EXPECT_EQ(builtin["name"], "built-in");
  EXPECT_EQ(hub_->remote_agents(), 1);
}

// An agent silent for the lease time goes offline: listed so, with no work and no session,
// until it registers again under its name.
TEST_F(AgentHubTest, ASilentAgentIsListedOfflineUntilItRegistersAgain) {
  make_hub();
  auto a = register_agent({"gpu"});
  clock_.advance_ms(30001);
  hub_->tick();
  json agents = json::parse(hub_->agents_json())["agents"];
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0]["id"], a.first);
  EXPECT_EQ(agents[0]["status"], "offline");
  EXPECT_EQ(agents[0]["last_seen_ms"], clock_.now_ms() - 30001) << "when it was last heard of";
  EXPECT_EQ(hub_->remote_agents(), 0);
  Events e;
  hub_->request_lease(job("5/t", {"gpu"}), e.sink());
  ASSERT_EQ(e.list.size(), 1u);
  EXPECT_EQ(e.last().reason, "no agent with labels: gpu") << "an offline agent takes no work";
  EXPECT_EQ(call("POST", "agents/" + a.first + "/poll", "{\"wait_ms\":0}", a.second).status, 404)
      << "an offline agent's requests tell it to register again";

  auto back = register_agent({"gpu"});
  agents = json::parse(hub_->agents_json())["agents"];
  ASSERT_EQ(agents.size(), 1u) << "the offline entry of the same name is gone";
  EXPECT_EQ(agents[0]["id"], back.first);
  EXPECT_EQ(agents[0]["status"], "busy");
  EXPECT_EQ(e.last().kind, LeaseEvent::Kind::kGranted);
}

TEST_F(AgentHubTest, WorkSpreadsOverEquallyFreeAgents) {
  make_hub();
  auto a = register_agent({"linux"}, 2);
  auto b = register_agent({"linux"}, 2);
  Events e;
  hub_->request_lease(job("1/x", {"linux"}), e.sink());
  hub_->release("1/x");
  hub_->request_lease(job("2/x", {"linux"}), e.sink());
  EXPECT_EQ(poll(a).size(), 2u) << "lease and end_job of the first job";
  auto second = poll(b);
  ASSERT_EQ(second.size(), 1u) << "the second job went to the other agent";
  EXPECT_EQ(second[0].lease.job_scope, "2/x");
}

}  // namespace
}  // namespace sluice::server

namespace sluice::server {
namespace {

// The transport runs its callbacks outside its lock, so one may come after the run ended
// and its RemoteExecutor was destroyed: it must find the job forgotten.
class HeldCallbackTransport : public exec::remote::AgentTransport {
 public:
  void request_lease(const engine::JobPlacement&,
                     std::function<void(LeaseEvent)> on_event) override {
    held = std::move(on_event);
  }
  void release(const std::string&) override {}
  void send_step(const std::string&, engine::ExecutionId, const engine::StepRequest&,
                 std::shared_ptr<exec::remote::StepReceiver>) override {}
  void cancel_step(const std::string&, engine::ExecutionId) override {}
  std::function<void(LeaseEvent)> held;
};

TEST(RemoteExecutorLifetime, ALeaseEventAfterTheExecutorIsGoneReachesNobody) {
  HeldCallbackTransport transport;
  RecordingExecutor local;
  int events = 0;
  {
    exec::remote::RemoteExecutor remote(transport, local);
    engine::JobPlacement p;
    p.job_scope = "5/a";
    remote.place_job(p, [&](engine::PlacementEvent) { ++events; });
    transport.held(LeaseEvent{LeaseEvent::Kind::kGranted, "", "l-1", false});
    EXPECT_EQ(events, 1);
  }
  transport.held(LeaseEvent{LeaseEvent::Kind::kLost, "agent lost", "", false});
  EXPECT_EQ(events, 1) << "the destroyed executor's job is forgotten";
}

}  // namespace
}  // namespace sluice::server
