// HttpChannel::exchange against a real runtime::HttpServer: body files streamed out, large
// replies spooled to a file, limits, and the connection kept for the next call.
#include "agent/http_channel.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"
#include "core/sha256.h"
#include "runtime/http_server.h"

namespace sluice::agent {
namespace {

namespace fs = std::filesystem;
using runtime::BodyPlan;
using runtime::HttpRequest;
using runtime::HttpResponse;

std::string sha256_of(const std::string& data) {
  Sha256 hash;
  hash.update(data.data(), data.size());
  return hash.finish_hex();
}

// PUT: stores the body in a file and answers its size and SHA-256; GET /blob?n=N: N bytes.
class Blobs final : public runtime::HttpHandler {
 public:
  explicit Blobs(fs::path dir) : dir_(std::move(dir)) {}
  BodyPlan plan_body(const HttpRequest& head) override {
    if (head.method == "PUT") return BodyPlan::to_file((dir_ / "put").string(), 1ull << 32);
    return BodyPlan::memory(1 << 20);
  }
  HttpResponse handle(HttpRequest& request) override {
    if (request.method == "PUT")
      return HttpResponse::json(200, std::to_string(request.body_size) + " " + request.body_sha256 +
                                         " " + request.header("content-type"));
    HttpResponse r;
    std::ofstream(dir_ / "blob", std::ios::binary)
        << std::string(std::stoul(request.query["n"]), 'b');
    r.files = {(dir_ / "blob").string()};
    return r;
  }

 private:
  fs::path dir_;
};

class HttpChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::move(*runtime::HttpServer::start(blobs_));
    channel_ = std::move(*open_http_channel("http://127.0.0.1:" + std::to_string(server_->port())));
  }
  ChannelRequest get_blob(size_t n) {
    ChannelRequest r;
    r.method = "GET";
    r.target = "/blob?n=" + std::to_string(n);
    r.reply_memory_limit = 1000;
    r.reply_file = (dir_.path() / "reply").string();
    return r;
  }
  store::testing::TempDir dir_;
  Blobs blobs_{dir_.path()};
  std::unique_ptr<runtime::HttpServer> server_;
  std::unique_ptr<Channel> channel_;
};

TEST_F(HttpChannelTest, SendsABodyFileAsItIs) {
  std::string data(3 << 20, 'u');
  data += "end";
  std::ofstream(dir_.path() / "body", std::ios::binary) << data;
  ChannelRequest r;
  r.method = "PUT";
  r.target = "/put";
  r.body_file = (dir_.path() / "body").string();
  r.headers = {{"content-type", "application/octet-stream"}};
  auto reply = channel_->exchange(r);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->body,
            std::to_string(data.size()) + " " + sha256_of(data) + " application/octet-stream");
  r.body_file = (dir_.path() / "missing").string();
  EXPECT_FALSE(channel_->exchange(r).ok());
}

TEST_F(HttpChannelTest, ReadsSmallRepliesIntoMemoryAndLargeOnesIntoTheReplyFile) {
  auto small = channel_->exchange(get_blob(1000));
  ASSERT_TRUE(small.ok()) << small.error().message;
  EXPECT_EQ(small->body, std::string(1000, 'b'));
  EXPECT_TRUE(small->body_file.empty());
  EXPECT_FALSE(fs::exists(dir_.path() / "reply"));
  auto large = channel_->exchange(get_blob(3 << 20));
  ASSERT_TRUE(large.ok()) << large.error().message;
  EXPECT_TRUE(large->body.empty());
  EXPECT_EQ(large->body_file, (dir_.path() / "reply").string());
  EXPECT_EQ(large->body_size, 3u << 20);
  EXPECT_EQ(store::testing::read_file(large->body_file), std::string(3 << 20, 'b'));
  // The same connection serves the next call.
  EXPECT_EQ(channel_->call("GET", "/blob?n=5", "", {}, 5000)->body, "bbbbb");
}

TEST_F(HttpChannelTest, RefusesAReplyBeyondItsLimitsAndLeavesNoFile) {
  ChannelRequest no_file = get_blob(1001);
  no_file.reply_file.clear();
  EXPECT_FALSE(channel_->exchange(no_file).ok());
  ChannelRequest too_large = get_blob(5000);
  too_large.reply_limit = 4999;
  EXPECT_FALSE(channel_->exchange(too_large).ok());
  EXPECT_FALSE(fs::exists(too_large.reply_file));
  // A fresh connection serves the next call.
  EXPECT_EQ(channel_->exchange(get_blob(10))->body, std::string(10, 'b'));
}

}  // namespace
}  // namespace sluice::agent
