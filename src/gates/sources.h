// The health sources a gate can poll, built from the step's inputs. Each turns its
// response into HealthEvents with response_parsers.h; HTTP goes through an injectable
// HttpFetch so unit tests need no server (the default uses net::HttpClient: http:// only).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "gates/gate_loop.h"
#include "gates/sigv4.h"

namespace sluice::gates {

struct HttpCall {
  std::string method = "GET";
  std::string url;  // absolute: http://host[:port]/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
};

struct HttpReply {
  int status = 0;
  std::string body;
};

// Unreachable / timed out / https: an error. Any HTTP status is a reply.
using HttpFetch = std::function<Result<HttpReply>(const HttpCall&)>;
HttpFetch default_http_fetch(std::chrono::milliseconds timeout);

struct SourceOptions {
  std::string kind;       // aws-health | statuspage | http | prometheus | command
  std::string url;        // statuspage, http, prometheus (the server; /api/v1/query is added)
  std::string query;      // prometheus
  std::string condition;  // http (json_path.h): the condition that means "clear"
  std::optional<double> threshold;  // prometheus
  std::string command;              // command (run by /bin/sh -c)
  std::string endpoint;             // aws-health: default https://health.us-east-1.amazonaws.com
  std::string signing_region = "us-east-1";
  AwsCredentials credentials;                            // aws-health
  std::function<std::string()> amz_date = amz_date_now;  // aws-health: the signing time
  std::chrono::milliseconds request_timeout{10'000};
};

// Errors name the missing or wrong input ("source: http needs `condition`").
Result<std::unique_ptr<HealthSource>> make_source(const SourceOptions& options,
                                                  HttpFetch fetch = {});

// One page of AWS Health DescribeEvents: the request as signed and sent. Exposed for tests.
HttpCall describe_events_call(const SourceOptions& options, const std::string& next_token);

}  // namespace sluice::gates
