#include "agent/relay_spool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"

namespace sluice::agent {
namespace {

namespace fs = std::filesystem;
using runtime::BodyPlan;

runtime::HttpRequest head_with(std::map<std::string, std::string> headers) {
  runtime::HttpRequest head;
  head.method = "PUT";
  head.headers = std::move(headers);
  return head;
}

TEST(RelaySpool, KeepsInMemoryOnlyBodiesThatSayTheyFit) {
  store::testing::TempDir dir;
  RelaySpool spool(dir.path().string(), 1000);
  BodyPlan small = spool.plan(head_with({{"content-length", "1000"}}));
  EXPECT_EQ(small.kind, BodyPlan::Kind::kMemory);
  EXPECT_EQ(small.limit, 1000u);
  EXPECT_EQ(spool.plan(head_with({})).kind, BodyPlan::Kind::kMemory);  // no body
  for (auto headers : std::vector<std::map<std::string, std::string>>{
           {{"content-length", "1001"}},
           {{"transfer-encoding", "chunked"}},
           {{"content-length", "99999999999999999999999"}},
           {{"content-length", "12x"}}}) {
    BodyPlan large = spool.plan(head_with(headers));
    EXPECT_EQ(large.kind, BodyPlan::Kind::kFile) << headers.begin()->second;
    EXPECT_EQ(large.limit, kMaxRelayedBody);
    EXPECT_EQ(fs::path(large.file).parent_path(), dir.path());
    EXPECT_EQ(fs::path(large.file).filename().string().rfind("relay-", 0), 0u);
  }
  EXPECT_NE(spool.new_file("reply"), spool.new_file("reply"));
}

TEST(RelaySpool, RemovesTheLeftoversOfAnEarlierProcessOnly) {
  store::testing::TempDir dir;
  std::ofstream(dir.path() / "relay-request-0a1b") << "left";
  std::ofstream(dir.path() / "workspace.tar") << "someone else's";
  RelaySpool spool((dir.path() / "spool").string(), 1000);  // created
  EXPECT_TRUE(fs::is_directory(dir.path() / "spool"));
  std::ofstream(dir.path() / "spool" / "relay-reply-1") << "left";
  RelaySpool again(dir.path().string(), 1000);
  EXPECT_FALSE(fs::exists(dir.path() / "relay-request-0a1b"));
  EXPECT_TRUE(fs::exists(dir.path() / "workspace.tar"));
  EXPECT_TRUE(fs::exists(dir.path() / "spool" / "relay-reply-1"));  // not below it
}

TEST(RelaySpool, RelaysTheBodyFromWhereItWaits) {
  store::testing::TempDir dir;
  RelaySpool spool(dir.path().string(), 1000);
  runtime::HttpRequest request = head_with({});
  request.body = "{}";
  ChannelRequest in_memory = spool.relay(request, "/t", {{"a", "b"}});
  EXPECT_EQ(in_memory.method, "PUT");
  EXPECT_EQ(in_memory.target, "/t");
  EXPECT_EQ(in_memory.body, "{}");
  EXPECT_EQ(in_memory.reply_memory_limit, 1000u);
  EXPECT_EQ(fs::path(in_memory.reply_file).parent_path(), dir.path());
  request.body.clear();
  request.body_file = (dir.path() / "relay-request-1").string();
  ChannelRequest from_file = spool.relay(request, "/t", {});
  EXPECT_EQ(from_file.body_file, request.body_file);
  EXPECT_TRUE(from_file.body.empty());
}

TEST(RelaySpool, TheResponseOwnsASpooledReplyBody) {
  ChannelReply reply;
  reply.body_file = "/spool/relay-reply-1";
  runtime::HttpResponse response;
  take_body(reply, response);
  EXPECT_EQ(response.files, std::vector<std::string>{"/spool/relay-reply-1"});
  EXPECT_TRUE(response.remove_files);
  ChannelReply small;
  small.body = "{}";
  runtime::HttpResponse json;
  take_body(small, json);
  EXPECT_EQ(json.body, "{}");
  EXPECT_TRUE(json.files.empty());
}

TEST(RelaySpool, TheMemoryLimitComesFromTheEnvironment) {
  ::setenv("SLUICE_RELAY_MEMORY_BYTES", "64K", 1);
  EXPECT_EQ(relay_memory_limit_from_env(), 65536u);
  ::setenv("SLUICE_RELAY_MEMORY_BYTES", "lots", 1);
  EXPECT_EQ(relay_memory_limit_from_env(), kDefaultRelayMemoryBytes);
  ::unsetenv("SLUICE_RELAY_MEMORY_BYTES");
  EXPECT_EQ(relay_memory_limit_from_env(), kDefaultRelayMemoryBytes);
}

}  // namespace
}  // namespace sluice::agent
