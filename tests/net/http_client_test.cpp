#include "net/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "scripted_server.h"

namespace sluice::net::testing {
namespace {

using namespace std::chrono_literals;

HttpClient client_for(const ScriptedServer& server, HttpClientOptions options = {}) {
  auto url = parse_url(server.url());
  EXPECT_TRUE(url.ok());
  return HttpClient(*url, options);
}

TEST(ParseUrl, HostPortAndBasePath) {
  auto url = parse_url("http://ci.example:8080/sluice/");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->host, "ci.example");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->base_path, "/sluice");
  EXPECT_EQ(url->to_string(), "http://ci.example:8080/sluice");

  auto plain = parse_url("http://localhost");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->base_path, "");

  auto v6 = parse_url("http://[::1]:9000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->authority(), "[::1]:9000");
}

TEST(ParseUrl, ErrorsSayWhatIsWrong) {
  auto https = parse_url("https://ci.example");
  ASSERT_FALSE(https.ok());
  EXPECT_NE(https.error().message.find("https is not supported"), std::string::npos);
  EXPECT_FALSE(parse_url("ci.example:8080").ok());
  EXPECT_FALSE(parse_url("http://").ok());
  EXPECT_FALSE(parse_url("http://host:0").ok());
  EXPECT_FALSE(parse_url("http://host:99999").ok());
  EXPECT_FALSE(parse_url("http://host:8x").ok());
  EXPECT_FALSE(parse_url("http://user:pw@host").ok());
  EXPECT_FALSE(parse_url("http://[::1").ok());
}

TEST(HttpClient, SendsMethodTargetHeadersAndBodyAndReadsTheResponse) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send(
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Thing: 1\r\n"
        "Content-Length: 11\r\n\r\n{\"ok\":true}");
  });
  auto url = parse_url(server.url() + "/base");
  ASSERT_TRUE(url.ok());
  HttpClient client(*url);
  ClientRequest request;
  request.method = "POST";
  request.target = "/api/v1/x?y=1";
  request.headers = {{"Authorization", "Bearer secret-token"}};
  request.content_type = "application/json";
  request.body = R"({"a":1})";
  auto response = client.request(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "{\"ok\":true}");
  EXPECT_EQ(response->header("x-thing"), "1");
  EXPECT_EQ(response->header("content-type"), "application/json");
  auto received = server.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].head.substr(0, received[0].head.find("\r\n")),
            "POST /base/api/v1/x?y=1 HTTP/1.1");
  EXPECT_NE(received[0].head.find("Authorization: Bearer secret-token"), std::string::npos);
  EXPECT_NE(received[0].head.find("Host: 127.0.0.1:" + std::to_string(server.port())),
            std::string::npos);
  EXPECT_EQ(received[0].body, R"({"a":1})");
}

TEST(HttpClient, ErrorStatusesAreResponsesAndChunkedBodiesAreJoined) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send(
        "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"err\r\n4\r\nor\":\r\n2\r\n1}\r\n0\r\n\r\n");
  });
  auto response = client_for(server).request({});
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(response->body, "{\"error\":1}");
}

TEST(HttpClient, UnreachableServerIsAClearError) {
  uint16_t port;
  {
    ScriptedServer closed([](const ReceivedRequest&, ScriptedServer&) {});
    port = closed.port();
  }
  auto url = parse_url("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(url.ok());
  auto response = HttpClient(*url).request({});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("cannot connect"), std::string::npos)
      << response.error().message;
  EXPECT_NE(response.error().message.find(std::to_string(port)), std::string::npos);
}

TEST(HttpClient, ASilentServerTimesOut) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) { s.wait_closed(5000); });
  HttpClientOptions options;
  options.request_timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  auto response = client_for(server, options).request({});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("timed out after 0.2s"), std::string::npos)
      << response.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(HttpClient, ABodyOverTheLimitIsRefused) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'));
  });
  HttpClientOptions options;
  options.max_body = 50;
  auto response = client_for(server, options).request({});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("larger than 50 bytes"), std::string::npos);
}

TEST(HttpClient, ATruncatedResponseIsAnError) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
  });
  auto response = client_for(server).request({});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("cannot read the response"), std::string::npos);
}

TEST(HttpClient, StreamDeliversPiecesAsTheyArrive) {
  std::atomic<bool> first_seen{false};
  ScriptedServer server([&](const ReceivedRequest&, ScriptedServer& s) {
    s.send(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    s.send("5\r\none\n\n\r\n");
    // The second piece is only sent once the client has seen the first: the client must
    // not wait for the whole body.
    for (int i = 0; i < 500 && !first_seen; ++i) std::this_thread::sleep_for(10ms);
    s.send("5\r\ntwo\n\n\r\n0\r\n\r\n");
  });
  std::string seen;
  int status = 0;
  auto head = client_for(server).stream(
      {},
      [&](const ClientResponse& h) {
        status = h.status;
        return true;
      },
      [&](std::string_view data) {
        seen += data;
        if (seen.find("one") != std::string::npos) first_seen = true;
        return true;
      });
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(status, 200);
  EXPECT_EQ(head->header("content-type"), "text/event-stream");
  EXPECT_TRUE(first_seen);
  EXPECT_EQ(seen, "one\n\ntwo\n\n");
}

TEST(HttpClient, StreamStopsWhenTheCallbackSaysSoOrTheServerFallsSilent) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nping\r\n");
    s.wait_closed(5000);
  });
  HttpClientOptions options;
  options.idle_timeout = 300ms;
  HttpClient client = client_for(server, options);
  std::string seen;
  auto stopped = client.stream(
      {}, [](const ClientResponse&) { return true; },
      [&](std::string_view data) {
        seen += data;
        return false;
      });
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(seen, "ping");

  auto silent = client.stream(
      {}, [](const ClientResponse&) { return true; }, [](std::string_view) { return true; });
  ASSERT_FALSE(silent.ok());
  EXPECT_NE(silent.error().message.find("no data for 0.3s"), std::string::npos)
      << silent.error().message;
}

TEST(SseParser, EventsAcrossPiecesWithIdsCommentsAndLineEndings) {
  SseParser parser;
  std::vector<SseEvent> events;
  auto collect = [&](const SseEvent& e) {
    events.push_back(e);
    return true;
  };
  std::string stream =
      ": keep-alive\r\nid: 7\r\nevent: line\r\ndata: first\r\ndata:second\r\n\r\n"
      "data: no id change\n\n"
      "id: 9\rdata: cr only\r\r"
      "event: end\n\n";  // no data: not dispatched
  // Every split point must give the same events.
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    parser = SseParser();
    events.clear();
    for (size_t at = 0; at < stream.size(); at += piece)
      ASSERT_TRUE(parser.feed(std::string_view(stream).substr(at, piece), collect));
    ASSERT_EQ(events.size(), 3u) << "piece " << piece;
    EXPECT_EQ(events[0].id, "7");
    EXPECT_EQ(events[0].event, "line");
    EXPECT_EQ(events[0].data, "first\nsecond");
    EXPECT_EQ(events[1].id, "7");
    EXPECT_EQ(events[1].event, "");
    EXPECT_EQ(events[1].data, "no id change");
    EXPECT_EQ(events[2].id, "9");
    EXPECT_EQ(events[2].data, "cr only") << "piece " << piece;
    EXPECT_EQ(parser.last_event_id(), "9");
  }
}

TEST(SseParser, LongLinesAreCutAndTheCallbackCanStop) {
  SseParser parser(8);
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.feed("data: 0123456789abcdef\n\n", [&](const SseEvent& e) {
    events.push_back(e);
    return true;
  }));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "01");  // "data: 01": cut at 8 bytes
  EXPECT_FALSE(parser.feed("data: a\n\ndata: b\n\n", [](const SseEvent&) { return false; }));
}

TEST(HttpClient, AStopFlagEndsAWaitingStreamPromptly) {
  ScriptedServer server([](const ReceivedRequest&, ScriptedServer& s) {
    s.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    s.wait_closed(5000);
  });
  std::atomic<bool> stop{false};
  HttpClientOptions options;
  options.stop = &stop;
  HttpClient client = client_for(server, options);
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop = true;
  });
  auto start = std::chrono::steady_clock::now();
  auto result = client.stream(
      {}, [](const ClientResponse&) { return true; }, [](std::string_view) { return true; });
  stopper.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "stopped");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace sluice::net::testing
