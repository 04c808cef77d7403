#include "gates/sources.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "gates/json_path.h"
#include "gates/response_parsers.h"
#include "net/http_client.h"

namespace sluice::gates {
namespace {

constexpr size_t kMaxCommandOutput = 8u << 20;
constexpr int kMaxAwsPages = 50;

std::string snippet(const std::string& body) {
  std::string s = body.substr(0, 200);
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

Result<std::string> get_ok(const HttpFetch& fetch, const HttpCall& call) {
  auto reply = fetch(call);
  if (!reply.ok()) return reply.error();
  if (reply->status < 200 || reply->status > 299)
    return Error{
        "HTTP " + std::to_string(reply->status) + " from " + call.url + ": " + snippet(reply->body),
        {}};
  return std::move(reply->body);
}

class StatuspageSource : public HealthSource {
 public:
  StatuspageSource(std::string url, HttpFetch fetch) : url_(std::move(url)), fetch_(fetch) {}
  Result<std::vector<HealthEvent>> poll() override {
    auto body = get_ok(fetch_, HttpCall{"GET", url_, {}, "", ""});
    if (!body.ok()) return body.error();
    return parse_statuspage_summary(*body);
  }
  std::string name() const override { return "statuspage " + url_; }

 private:
  std::string url_;
  HttpFetch fetch_;
};

class HttpConditionSource : public HealthSource {
 public:
  HttpConditionSource(std::string url, Condition condition, HttpFetch fetch)
      : url_(std::move(url)), condition_(std::move(condition)), fetch_(fetch) {}
  Result<std::vector<HealthEvent>> poll() override {
    auto body = get_ok(fetch_, HttpCall{"GET", url_, {}, "", ""});
    if (!body.ok()) return body.error();
    auto r = evaluate_condition(condition_, *body);
    if (!r.ok()) return r.error();
    if (r->holds) return std::vector<HealthEvent>{};
    HealthEvent e;
    e.id = "condition";
    e.category = "issue";
    e.status = "open";
    e.event_type = "condition";
    e.service = url_;
    std::string values;
    for (const auto& v : r->values) values += (values.empty() ? "" : ", ") + v;
    e.summary = "not " + condition_.text + "; selected: " + (values.empty() ? "nothing" : values);
    return std::vector<HealthEvent>{e};
  }
  std::string name() const override {
    return "http " + url_ + " (clear when " + condition_.text + ")";
  }

 private:
  std::string url_;
  Condition condition_;
  HttpFetch fetch_;
};

class PrometheusSource : public HealthSource {
 public:
  PrometheusSource(std::string url, std::string query, std::optional<double> threshold,
                   HttpFetch fetch)
      : url_(std::move(url)), query_(std::move(query)), threshold_(threshold), fetch_(fetch) {
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
  }
  Result<std::vector<HealthEvent>> poll() override {
    auto body = get_ok(
        fetch_,
        HttpCall{
            "GET", url_ + "/api/v1/query?query=" + sigv4_uri_encode(query_, true), {}, "", ""});
    if (!body.ok()) return body.error();
    return parse_prometheus_query(*body, threshold_);
  }
  std::string name() const override {
    return "prometheus " + url_ + " query " + query_ +
           (threshold_ ? " (blocks above " + std::to_string(*threshold_) + ")" : "");
  }

 private:
  std::string url_, query_;
  std::optional<double> threshold_;
  HttpFetch fetch_;
};

class CommandSource : public HealthSource {
 public:
  explicit CommandSource(std::string command) : command_(std::move(command)) {}
  Result<std::vector<HealthEvent>> poll() override {
    FILE* pipe = ::popen(command_.c_str(), "r");
    if (!pipe) return Error{"cannot start the command: " + command_, {}};
    std::string out;
    char buf[8192];
    size_t n = 0;
    bool too_big = false;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
      if (out.size() + n > kMaxCommandOutput)
        too_big = true;
      else
        out.append(buf, n);
    }
    int status = ::pclose(pipe);
    if (status != 0)
      return Error{"the command exited with status " +
                       std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status) + ": " +
                       command_,
                   {}};
    if (too_big) return Error{"the command printed more than 8 MiB", {}};
    return parse_events_json(out, "command");
  }
  std::string name() const override { return "command " + command_; }

 private:
  std::string command_;
};

class AwsHealthSource : public HealthSource {
 public:
  AwsHealthSource(SourceOptions options, HttpFetch fetch)
      : options_(std::move(options)), fetch_(fetch) {}
  Result<std::vector<HealthEvent>> poll() override {
    std::vector<HealthEvent> all;
    std::string token;
    for (int page = 0; page < kMaxAwsPages; ++page) {
      auto reply = fetch_(describe_events_call(options_, token));
      if (!reply.ok()) return reply.error();
      if (reply->status != 200) {
        auto err = nlohmann::json::parse(reply->body, nullptr, false);
        std::string type = err.is_object() ? err.value("__type", std::string()) : "";
        std::string message =
            err.is_object() ? err.value("message", err.value("Message", std::string())) : "";
        if (type.empty() && message.empty()) message = snippet(reply->body);
        return Error{"AWS Health DescribeEvents: HTTP " + std::to_string(reply->status) + " " +
                         type + (message.empty() ? "" : ": " + message),
                     {}};
      }
      std::string next;
      auto events = parse_events_json(reply->body, "aws-health", &next);
      if (!events.ok()) return events.error();
      all.insert(all.end(), events->begin(), events->end());
      if (next.empty()) return all;
      if (next == token) return Error{"aws-health: nextToken did not advance", {}};
      token = next;
    }
    return Error{"aws-health: more than " + std::to_string(kMaxAwsPages) + " pages of events", {}};
  }
  std::string name() const override { return "aws-health " + options_.endpoint; }

 private:
  SourceOptions options_;
  HttpFetch fetch_;
};

}  // namespace

HttpCall describe_events_call(const SourceOptions& options, const std::string& next_token) {
  nlohmann::json body = {{"filter", {{"eventStatusCodes", {"open", "upcoming"}}}},
                         {"maxResults", 100}};
  if (!next_token.empty()) body["nextToken"] = next_token;
  HttpCall call;
  call.method = "POST";
  call.url = options.endpoint;
  call.body = body.dump();
  call.content_type = "application/x-amz-json-1.1";
  // The host as it is sent; net::HttpClient sends Host from the URL's authority.
  std::string rest = options.endpoint.substr(options.endpoint.find("://") + 3);
  std::string host = rest.substr(0, rest.find('/'));
  std::string path = rest.find('/') == std::string::npos ? "/" : rest.substr(rest.find('/'));
  SigV4Request r;
  r.method = "POST";
  r.path = path;
  r.headers = {{"Host", host},
               {"Content-Type", call.content_type},
               {"X-Amz-Target", "AWSHealth_20160804.DescribeEvents"}};
  r.body = call.body;
  call.headers = {{"X-Amz-Target", "AWSHealth_20160804.DescribeEvents"}};
  for (auto& h : sign_v4(r, options.credentials,
                         SigV4Context{options.signing_region, "health", options.amz_date()}))
    call.headers.push_back(std::move(h));
  return call;
}

HttpFetch default_http_fetch(std::chrono::milliseconds timeout) {
  return [timeout](const HttpCall& call) -> Result<HttpReply> {
    const std::string& u = call.url;
    size_t scheme = u.find("://");
    size_t path_at = scheme == std::string::npos ? std::string::npos : u.find('/', scheme + 3);
    std::string server = path_at == std::string::npos ? u : u.substr(0, path_at);
    std::string target = path_at == std::string::npos ? "/" : u.substr(path_at);
    auto url = net::parse_url(server);
    if (!url.ok()) return Error{"cannot use " + u + ": " + url.error().message, {}};
    net::HttpClientOptions o;
    o.connect_timeout = timeout;
    o.request_timeout = timeout;
    o.max_body = kMaxCommandOutput;
    o.user_agent = "sluice-health-gate";
    net::HttpClient client(*url, o);
    net::ClientRequest req;
    req.method = call.method;
    req.target = target;
    req.headers = call.headers;
    req.body = call.body;
    req.content_type = call.content_type;
    auto r = client.request(req);
    if (!r.ok()) return r.error();
    return HttpReply{r->status, std::move(r->body)};
  };
}

Result<std::unique_ptr<HealthSource>> make_source(const SourceOptions& o, HttpFetch fetch) {
  if (!fetch) fetch = default_http_fetch(o.request_timeout);
  auto need = [&](const std::string& value, const char* input) -> Status {
    if (value.empty()) return Error{"source: " + o.kind + " needs `" + input + "`", {}};
    return Status::Ok();
  };
  if (o.kind == "statuspage") {
    if (auto s = need(o.url, "url"); !s.ok()) return s.error();
    return std::unique_ptr<HealthSource>(new StatuspageSource(o.url, fetch));
  }
  if (o.kind == "http") {
    if (auto s = need(o.url, "url"); !s.ok()) return s.error();
    if (auto s = need(o.condition, "condition"); !s.ok()) return s.error();
    auto c = parse_condition(o.condition);
    if (!c.ok()) return c.error();
    return std::unique_ptr<HealthSource>(new HttpConditionSource(o.url, *c, fetch));
  }
  if (o.kind == "prometheus") {
    if (auto s = need(o.url, "url"); !s.ok()) return s.error();
    if (auto s = need(o.query, "query"); !s.ok()) return s.error();
    return std::unique_ptr<HealthSource>(new PrometheusSource(o.url, o.query, o.threshold, fetch));
  }
  if (o.kind == "command") {
    if (auto s = need(o.command, "command"); !s.ok()) return s.error();
    return std::unique_ptr<HealthSource>(new CommandSource(o.command));
  }
  if (o.kind == "aws-health") {
    if (o.credentials.access_key_id.empty() || o.credentials.secret_access_key.empty())
      return Error{
          "source: aws-health needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
          "environment",
          {}};
    SourceOptions copy = o;
    if (copy.endpoint.empty()) copy.endpoint = "https://health.us-east-1.amazonaws.com/";
    if (copy.endpoint.find("://") == std::string::npos)
      return Error{"aws-health endpoint '" + copy.endpoint + "' must be a URL", {}};
    return std::unique_ptr<HealthSource>(new AwsHealthSource(copy, fetch));
  }
  return Error{"unknown health source '" + o.kind +
                   "' (use aws-health, statuspage, http, prometheus or command)",
               {}};
}

}  // namespace sluice::gates
