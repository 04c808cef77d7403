// The agent protocol's messages: round trips, and refusal of hostile or malformed input.
#include "agent/agent_messages.h"

#include <gtest/gtest.h>

#include <functional>

#include "agent/runtime_proxy.h"

namespace sluice::agent {
namespace {

TEST(AgentMessages, AStepRoundTrips) {
  ControllerMessage m;
  m.type = ControllerMessage::Type::kStep;
  m.lease_id = m.step.lease_id = "l-4";
  m.step.step_id = 17;
  m.step.request.shell = "bash";
  m.step.request.script = "echo \"hi\"\n";
  m.step.request.env = {{"A", "1"}, {"PATH", "/usr/bin"}};
  m.step.request.working_directory = "/ws/sub";
  m.step.runtime_origin = "http://127.0.0.1:41234";
  m.step.event_path = "/dev/shm/run-9/event.json";
  m.step.event = R"({"inputs":{"word":"hi"}})";
  m.step.action_path = "/ctl/cache/actions/acme/hello/v1";
  m.step.action_url = "/api/v1/agent/leases/l-4/action/1";
  auto parsed = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  const StepMessage& s = (*parsed)[0].step;
  EXPECT_EQ(s.step_id, 17);
  EXPECT_EQ(s.request.script, "echo \"hi\"\n");
  EXPECT_EQ(s.request.env, m.step.request.env);
  EXPECT_EQ(s.request.working_directory, "/ws/sub");
  EXPECT_EQ(s.runtime_origin, "http://127.0.0.1:41234");
  EXPECT_EQ(s.event_path, "/dev/shm/run-9/event.json");
  EXPECT_EQ(s.event, m.step.event);
  EXPECT_EQ(s.action_path, m.step.action_path);
  EXPECT_EQ(s.action_url, m.step.action_url);

  // A runtime origin with a path, or not http, is refused.
  for (const char* origin : {"http://127.0.0.1:1/x", "file:///etc"}) {
    std::string bad = encode(m);
    bad.replace(bad.find("http://127.0.0.1:41234"), 22, origin);
    EXPECT_FALSE(parse_poll_reply(encode_poll_reply({bad})).ok()) << origin;
  }
}

TEST(RuntimeProxy, ReplaceOriginReplacesOnlyTheWholeOrigin) {
  EXPECT_EQ(replace_origin(R"({"u":"http://127.0.0.1:4000/b?s=1","v":"http://127.0.0.1:40001/"})",
                           "http://127.0.0.1:4000", "http://127.0.0.2:9"),
            R"({"u":"http://127.0.0.2:9/b?s=1","v":"http://127.0.0.1:40001/"})");
  EXPECT_EQ(replace_origin("http://127.0.0.1:4000", "http://127.0.0.1:4000", "x"), "x");
  EXPECT_EQ(replace_origin("abc", "", "x"), "abc");
  EXPECT_FALSE(forwarded_header("authorization")) << "the agent's own token never goes on";
  EXPECT_FALSE(forwarded_header("host"));
  EXPECT_TRUE(forwarded_header("x-ms-blob-type"));
}

TEST(AgentMessages, AResultRoundTrips) {
  StepResult r;
  r.log_chunks = 3;
  r.outcome.started = true;
  r.outcome.exit_code = 2;
  r.outcome.outputs = {{"a", "b"}};
  r.outcome.path = {"/opt/bin"};
  engine::Annotation an;
  an.level = engine::AnnotationLevel::kWarning;
  an.message = "careful";
  an.line = 3;
  r.outcome.annotations.push_back(an);
  r.masks = {"m"};
  auto parsed = parse_step_result(encode(r));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->log_chunks, 3);
  EXPECT_EQ(parsed->outcome.exit_code, 2);
  EXPECT_EQ(parsed->outcome.outputs, r.outcome.outputs);
  ASSERT_EQ(parsed->outcome.annotations.size(), 1u);
  EXPECT_EQ(parsed->outcome.annotations[0].level, engine::AnnotationLevel::kWarning);
  EXPECT_EQ(parsed->outcome.annotations[0].line, 3);
  EXPECT_EQ(parsed->masks, r.masks);
  EXPECT_TRUE(parsed->lines.empty());

  // The step's last lines, in the result (kFeatureResultLines).
  r.lines = {"last", "lines"};
  parsed = parse_step_result(encode(r));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->lines, r.lines);
  auto bad = parse_step_result(R"({"lines":["a",{}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("lines[1]: not a string"), std::string::npos);
}

TEST(AgentMessages, ALeaseCarriesItsSharedWorkspaceSha256AndTheReplyItsFeatures) {
  ControllerMessage m;
  m.type = ControllerMessage::Type::kLease;
  m.lease_id = m.lease.lease_id = "l-2";
  m.lease.job_scope = "1/a";
  m.lease.workspace_url = "/api/v1/agent/leases/l-2/workspace";
  m.lease.workspace_sha256 = std::string(64, 'a');
  auto parsed = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].lease.workspace_sha256, m.lease.workspace_sha256);
  // A path in its place (the agent names a directory after it) is refused.
  for (const std::string& sha : {std::string("../../etc"), std::string(64, 'A'),
                                 std::string(63, 'a'), std::string(63, 'a') + "/"}) {
    auto bad = parse_poll_reply(R"({"messages":[{"type":"lease","lease_id":"l-1","job_scope":"1/a",
                                "workspace_sha256":")" +
                                sha + "\"}]}");
    ASSERT_FALSE(bad.ok()) << sha;
    EXPECT_NE(bad.error().message.find("workspace_sha256: not a SHA-256"), std::string::npos)
        << bad.error().message;
  }

  RegisterReply reply{"a-1", "s", 30000, 10000, 25000, {kFeatureResultLines}, {}};
  auto r = parse_register_reply(encode(reply));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->has(kFeatureResultLines));
  // An older controller names none.
  auto old = parse_register_reply(R"({"agent_id":"a-1","session":"s"})");
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->has(kFeatureResultLines));
  EXPECT_FALSE(parse_register_reply(R"({"agent_id":"a-1","session":"s","features":[1]})").ok());
}

TEST(AgentMessages, MalformedInputIsRefusedWithTheField) {
  auto expect_error = [](const Result<LogChunk>& r, const std::string& text) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
  };
  expect_error(parse_log_chunk("{\"seq\":0,\"lines\":[\"a\",3]}"), "lines[1]: not a string");
  expect_error(parse_log_chunk("{\"lines\":[]}"), "seq: missing");
  expect_error(parse_log_chunk("{\"seq\":-1}"), "seq: out of range");
  expect_error(parse_log_chunk("[1]"), "not a JSON object");
  expect_error(parse_log_chunk("{\"seq\":0,"), "not valid JSON");
  expect_error(parse_log_chunk(std::string(2000, '[') + std::string(2000, ']')),
               "nested too deeply");
  expect_error(
      parse_log_chunk("{\"seq\":0,\"lines\":[\"" + std::string(kMaxLineBytes + 1, 'x') + "\"]}"),
      "longer than");
  std::string many = "{\"seq\":0,\"lines\":[";
  for (size_t i = 0; i <= kMaxLinesPerChunk; ++i) many += (i ? ",\"x\"" : "\"x\"");
  expect_error(parse_log_chunk(many + "]}"), "more than 1000 entries");
  expect_error(parse_log_chunk(std::string(kMaxReportBody + 1, ' ')), "too large");

  auto bad_env = parse_poll_reply(
      R"({"messages":[{"type":"step","lease_id":"l-1","step_id":1,"env":{"A=B":"x"}}]})");
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.error().message.find("not a variable name"), std::string::npos);
  EXPECT_FALSE(
      parse_poll_reply(R"({"messages":[{"type":"step","lease_id":"../x","step_id":1}]})").ok());
  EXPECT_FALSE(parse_poll_reply(R"({"messages":[{"type":"step","lease_id":"l-1","step_id":1,
                                   "kind":"docker"}]})")
                   .ok());
  EXPECT_FALSE(parse_step_result(R"({"annotations":[{"level":"fatal"}]})").ok());
  EXPECT_FALSE(parse_register_request(R"({"protocol":"sluice-agent/1","executors":1000})").ok());
}

// A container job's steps carry its containers, a Docker action its image and mounts: every
// field survives the trip, positions included (an agent's errors point into the file).
TEST(AgentMessages, ContainerStepsAndDockerActionsRoundTrip) {
  auto containers = std::make_shared<engine::JobContainers>();
  engine::ContainerRequest job;
  job.image = "node:20";
  job.username = "me";
  job.password = "registry-secret";
  job.env = {{"B", "2"}, {"A", "/ctl/ws/x"}};
  job.ports = {"8080"};
  job.volumes = {"/ctl/ws/cache:/cache"};
  job.options = "--cpus 1 --health-cmd \"true\"";
  job.pos = SourcePos{".github/workflows/ci.yml", 6, 16};
  containers->job = job;
  engine::ContainerRequest db;
  db.service_id = "db-1";
  db.image = "postgres";
  db.pos = SourcePos{".github/workflows/ci.yml", 9, 7};
  containers->services = {db};
  containers->mounts = {"/ctl/ws", "/ctl/tmp", "/dev/shm/sluice-1"};
  containers->workspace = "/ctl/ws";

  ControllerMessage m;
  m.type = ControllerMessage::Type::kStep;
  m.lease_id = m.step.lease_id = "l-4";
  m.step.step_id = 3;
  m.step.request.kind = engine::StepRequest::Kind::kContainersStart;
  m.step.request.containers = containers;
  m.step.request.step_files_dir = "/dev/shm/sluice-1";
  auto parsed = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const engine::StepRequest& r = (*parsed)[0].step.request;
  EXPECT_EQ(r.kind, engine::StepRequest::Kind::kContainersStart);
  EXPECT_EQ(r.step_files_dir, "/dev/shm/sluice-1");
  ASSERT_TRUE(r.containers && r.containers->job);
  const engine::ContainerRequest& j = *r.containers->job;
  EXPECT_EQ(j.image, "node:20");
  EXPECT_EQ(j.username, "me");
  EXPECT_EQ(j.password, "registry-secret");
  EXPECT_EQ(j.env, job.env) << "in their order";
  EXPECT_EQ(j.ports, job.ports);
  EXPECT_EQ(j.volumes, job.volumes);
  EXPECT_EQ(j.options, job.options);
  EXPECT_EQ(j.pos.to_string(), ".github/workflows/ci.yml:6:16");
  ASSERT_EQ(r.containers->services.size(), 1u);
  EXPECT_EQ(r.containers->services[0].service_id, "db-1");
  EXPECT_EQ(r.containers->services[0].pos.line, 9);
  EXPECT_EQ(r.containers->mounts, containers->mounts);
  EXPECT_EQ(r.containers->workspace, "/ctl/ws");

  m.step.request.kind = engine::StepRequest::Kind::kDockerAction;
  engine::DockerActionRequest& d = m.step.request.docker;
  d.image = "/ctl/cache/acme/greet/v1/Dockerfile";
  d.entrypoint = "/entrypoint.sh";
  d.args = {"hello", "/ctl/ws/file"};
  d.mounts = {"/ctl/ws"};
  d.workspace = "/ctl/ws";
  d.pos = SourcePos{"ci.yml", 12, 15};
  m.step.request.containers = nullptr;
  parsed = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const engine::StepRequest& a = (*parsed)[0].step.request;
  EXPECT_EQ(a.kind, engine::StepRequest::Kind::kDockerAction);
  EXPECT_FALSE(a.containers) << "a native job's Docker action has no job containers";
  EXPECT_EQ(a.docker.image, d.image);
  EXPECT_EQ(a.docker.entrypoint, d.entrypoint);
  EXPECT_EQ(a.docker.args, d.args);
  EXPECT_EQ(a.docker.mounts, d.mounts);
  EXPECT_EQ(a.docker.workspace, d.workspace);
  EXPECT_EQ(a.docker.pos.to_string(), "ci.yml:12:15");

  m.step.request.kind = engine::StepRequest::Kind::kContainersStop;
  m.step.request.containers = containers;
  parsed = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].step.request.kind, engine::StepRequest::Kind::kContainersStop);

  RegisterRequest reg;
  reg.features = {kFeatureContainers};
  auto back = parse_register_request(encode(reg));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->features, reg.features);
}

// What the start script would take as shell words or names is checked on the agent too.
TEST(AgentMessages, BadContainerFieldsAreRefusedWithTheirPath) {
  auto expect_error = [](const std::string& step_fields, const std::string& text) {
    auto r = parse_poll_reply(R"({"messages":[{"type":"step","lease_id":"l-1","step_id":1,)" +
                              step_fields + "}]}");
    ASSERT_FALSE(r.ok()) << step_fields;
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
  };
  expect_error(R"("kind":"containers-start")", "containers: missing");
  expect_error(R"("kind":"containers-start","containers":[])", "containers: not an object");
  expect_error(
      R"("kind":"containers-start","containers":{"job":{"image":"x","env":[["A;id","v"]]}})",
      "containers.job.env[0][0]: not a variable name");
  expect_error(
      R"("kind":"containers-start","containers":{"services":[{"service_id":"db;rm","image":"x"}]})",
      "containers.services[0].service_id: not a service name");
  expect_error(R"("kind":"containers-start","containers":{"services":[{"image":"x"}]})",
               "containers.services[0].service_id: not a service name");
  expect_error(R"("kind":"containers-start","containers":{"job":{"service_id":"db","image":"x"}})",
               "containers.job.service_id: not empty");
  expect_error(R"("kind":"containers-start","containers":{"services":[{"service_id":"db"}]})",
               "containers.services[0].image: missing");
  expect_error(R"("kind":"containers-start","containers":{"services":[3]})",
               "containers.services[0]: not an object");
  expect_error(R"("kind":"containers-start","containers":{"job":{"image":"x","pos":{"line":"1"}}})",
               "containers.job.pos.line: not an integer");
  expect_error(R"("kind":"docker","docker":{"image":""})", "docker.image: empty");
  expect_error(R"("kind":"docker","docker":{"image":"x","args":[1]})",
               "docker.args[0]: not a string");
  std::string services = R"("kind":"containers-start","containers":{"services":[)";
  for (size_t i = 0; i <= kMaxServices; ++i)
    services += std::string(i ? "," : "") + R"({"service_id":"s","image":"x"})";
  expect_error(services + "]}", "containers.services: more than 100 entries");
}

// Controller restarts: what an agent holds, the verdicts, the step proof.
HeldStep sample_held() {
  HeldStep h;
  h.lease_id = "l-1733241600000001";
  h.step_id = 41;
  h.run_id = 12;
  h.job_key = "build (linux, 18)";
  h.attempt = 2;
  h.step_index = 3;
  h.step_attempt = 1;
  h.proof = std::string(64, 'a');
  h.next_seq = 5;
  h.finished = true;
  return h;
}

TEST(AgentMessages, HeldStepsRoundTrip) {
  RegisterRequest m;
  m.name = "build-7";
  m.held = {sample_held()};
  auto parsed = parse_register_request(encode(m));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->held.size(), 1u);
  const HeldStep& h = parsed->held[0];
  EXPECT_EQ(h.lease_id, "l-1733241600000001");
  EXPECT_EQ(h.step_id, 41);
  EXPECT_EQ(h.run_id, 12);
  EXPECT_EQ(h.job_key, "build (linux, 18)");
  EXPECT_EQ(h.attempt, 2);
  EXPECT_EQ(h.step_index, 3);
  EXPECT_EQ(h.step_attempt, 1);
  EXPECT_EQ(h.proof, std::string(64, 'a'));
  EXPECT_EQ(h.next_seq, 5);
  EXPECT_TRUE(h.finished);
  EXPECT_EQ(encode(RegisterRequest{}).find("held"), std::string::npos)
      << "an agent that holds nothing sends what version 1 always sent";

  RegisterReply reply;
  reply.agent_id = "a-3";
  reply.session = "s";
  reply.held = {{"l-9", 41, true, "d-1", ""}, {"l-8", 7, false, "", "run 12 has finished"}};
  auto verdicts = parse_register_reply(encode(reply));
  ASSERT_TRUE(verdicts.ok()) << verdicts.error().message;
  ASSERT_EQ(verdicts->held.size(), 2u);
  EXPECT_TRUE(verdicts->held[0].accepted);
  EXPECT_EQ(verdicts->held[0].delivery, "d-1");
  EXPECT_FALSE(verdicts->held[1].accepted);
  EXPECT_EQ(verdicts->held[1].reason, "run 12 has finished");
}

TEST(AgentMessages, HeldStepsAreCheckedFieldByField) {
  auto refused = [](const std::function<void(HeldStep&)>& spoil, const std::string& message) {
    RegisterRequest m;
    m.held = {sample_held(), sample_held()};
    spoil(m.held[1]);
    auto parsed = parse_register_request(encode(m));
    ASSERT_FALSE(parsed.ok()) << message;
    EXPECT_NE(parsed.error().message.find(message), std::string::npos) << parsed.error().message;
  };
  refused([](HeldStep& h) { h.proof = std::string(64, 'G'); }, "held[1].proof: not a proof");
  refused([](HeldStep& h) { h.proof = "abc"; }, "held[1].proof: not a proof");
  refused([](HeldStep& h) { h.proof = ""; }, "held[1].proof: missing");
  refused([](HeldStep& h) { h.lease_id = "../l-1"; }, "held[1].lease_id: not an id");
  refused([](HeldStep& h) { h.job_key = ""; }, "held[1].job_key: empty");
  refused([](HeldStep& h) { h.step_index = -1; }, "held[1].step_index: out of range");
  refused([](HeldStep& h) { h.run_id = 0; }, "held[1].run_id: out of range");
  refused([](HeldStep& h) { h.next_seq = -2; }, "held[1].next_seq: out of range");
  RegisterRequest many;
  for (size_t i = 0; i <= kMaxHeld; ++i) many.held.push_back(sample_held());
  auto parsed = parse_register_request(encode(many));
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("held: more than 64 entries"), std::string::npos);
  EXPECT_FALSE(parse_register_request(R"({"protocol":"sluice-agent/1","held":{}})").ok());
  EXPECT_FALSE(parse_register_request(R"({"protocol":"sluice-agent/1","held":[1]})").ok());
  // A verdict that accepts must say where the reports go.
  EXPECT_FALSE(parse_register_reply(
                   R"({"agent_id":"a-1","session":"s","held":[{"lease_id":"l-1","step_id":1,
                       "accepted":true}]})")
                   .ok());
}

TEST(AgentMessages, AStepCarriesItsRecordAndProof) {
  ControllerMessage m;
  m.type = ControllerMessage::Type::kStep;
  m.lease_id = m.step.lease_id = "l-4";
  m.step.step_id = 17;
  m.step.step_index = 2;
  m.step.step_attempt = 3;
  m.step.step_proof = std::string(64, 'f');
  auto parsed = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].step.step_index, 2);
  EXPECT_EQ((*parsed)[0].step.step_attempt, 3);
  EXPECT_EQ((*parsed)[0].step.step_proof, std::string(64, 'f'));
  m.step.step_proof = std::string(63, 'f') + "X";
  auto bad = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("step_proof"), std::string::npos);
  // A step without a proof (an older controller) cannot be held.
  auto plain = parse_poll_reply(R"({"messages":[{"type":"step","lease_id":"l-1","step_id":1}]})");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0].step.step_index, -1);
  EXPECT_EQ((*plain)[0].step.step_proof, "");
}

// What a held step's result decides (held_terms): in the step message with its timeout, in
// a held step without; a result the agent killed at that timeout says so.
TEST(AgentMessages, HeldTermsRoundTripAndAreChecked) {
  ControllerMessage m;
  m.type = ControllerMessage::Type::kStep;
  m.lease_id = m.step.lease_id = "l-4";
  m.step.step_id = 17;
  m.step.step_index = 2;
  m.step.step_attempt = 1;
  m.step.step_proof = std::string(64, 'f');
  engine::HeldTerms& t = m.step.request.held;
  t.timeout_ms = 90000;
  t.continue_on_error = true;
  t.closes_job = true;
  t.job_failed = true;
  t.run_if_success = engine::RunStatus::kCancelled;
  t.run_if_failure = engine::RunStatus::kFailure;
  auto parsed = parse_poll_reply(encode_poll_reply({encode(m)}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const engine::HeldTerms& p = (*parsed)[0].step.request.held;
  EXPECT_EQ(p.timeout_ms, 90000);
  EXPECT_TRUE(p.continue_on_error && p.closes_job && p.job_failed);
  EXPECT_EQ(p.run_if_success, engine::RunStatus::kCancelled);
  EXPECT_EQ(p.run_if_failure, engine::RunStatus::kFailure);

  RegisterRequest r;
  r.held = {sample_held()};
  r.held[0].terms = t;
  auto held = parse_register_request(encode(r));
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_EQ(held->held[0].terms.timeout_ms, 0) << "the agent's alone";
  EXPECT_TRUE(held->held[0].terms.closes_job);
  EXPECT_EQ(held->held[0].terms.run_if_failure, engine::RunStatus::kFailure);

  auto refused = [](const std::string& terms, const std::string& message) {
    auto bad = parse_poll_reply(
        R"({"messages":[{"type":"step","lease_id":"l-1","step_id":1,"held_terms":)" + terms +
        "}]}");
    ASSERT_FALSE(bad.ok()) << terms;
    EXPECT_NE(bad.error().message.find(message), std::string::npos) << bad.error().message;
  };
  refused("[]", "held_terms: not an object");
  refused(R"({"timeout_ms":-1})", "held_terms.timeout_ms: out of range");
  refused(R"({"closes_job":1})", "held_terms.closes_job: not a boolean");
  refused(R"({"closes_job":true,"run_if_success":"interrupted","run_if_failure":"failure"})",
          "held_terms.run_if_success: not a run conclusion");
  refused(R"({"closes_job":true,"run_if_success":"success"})", "go together");
  refused(R"({"run_if_success":"success","run_if_failure":"failure"})", "without closes_job");

  StepResult result;
  result.timed_out = true;
  auto back = parse_step_result(encode(result));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->timed_out);
  EXPECT_FALSE(parse_step_result(R"({"timed_out":"yes"})").ok());
}

TEST(AgentMessages, ErrorBodies) {
  EXPECT_EQ(error_code(encode_error("lease_lost", "gone")), "lease_lost");
  EXPECT_EQ(error_code("{}"), "");
  EXPECT_EQ(error_code("not json"), "");
}

}  // namespace
}  // namespace sluice::agent
