// The agent protocol's messages: round trips, and refusal of hostile or malformed input.
#include "agent/agent_messages.h"

#include <gtest/gtest.h>

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

TEST(AgentMessages, ErrorBodies) {
  EXPECT_EQ(error_code(encode_error("lease_lost", "gone")), "lease_lost");
  EXPECT_EQ(error_code("{}"), "");
  EXPECT_EQ(error_code("not json"), "");
}

}  // namespace
}  // namespace sluice::agent
