// The JSON conventions of the Twirp services the Actions toolkit calls
// (docs/runner-protocol.md, "Runtime services"): what a request may look like and how a
// reply must look for protobuf-ts to accept it.
//
// Requests: clients omit fields holding their default (missing = "" / 0 / false / []);
// field names are snake_case (lowerCamelCase is accepted too); int64 values arrive as JSON
// strings or numbers; wrapper types (StringValue, Int64Value) are bare values.
// Replies: snake_case, int64 as strings, booleans as booleans, timestamps as UTC
// "YYYY-MM-DDTHH:MM:SSZ", errors as {"code": "...", "msg": "..."} with the code's status.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"
#include "runtime/http_server.h"

namespace sluice::runtime {

// JSON request bodies larger than this are refused (the largest, a ListArtifacts reply,
// is what we send; requests are < 4 KiB).
inline constexpr uint64_t kMaxJsonBody = 1 << 20;

// A Twirp error reply: `code` is a Twirp error code ("not_found", "already_exists", ...),
// the HTTP status is the one Twirp assigns to it.
HttpResponse twirp_error(const std::string& code, const std::string& msg);
int twirp_status(const std::string& code);
// A Twirp error for an Error whose message starts with "<code>: " (the indexes' refusals),
// otherwise an "internal" error.
HttpResponse twirp_error_of(const Error& error);
HttpResponse twirp_reply(const nlohmann::json& body);

// The request body as a JSON object, or a Twirp "malformed" error.
Result<nlohmann::json> parse_twirp_request(const std::string& body);

// A field by its snake_case name or its lowerCamelCase form; nullptr when missing or null.
const nlohmann::json* twirp_field(const nlohmann::json& object, const std::string& snake_name);
// A string field ("" when missing); an error when it is not a string.
Result<std::string> twirp_string(const nlohmann::json& object, const std::string& name);
// An int64 field from a string or a number (0 when missing).
Result<int64_t> twirp_int64(const nlohmann::json& object, const std::string& name);
// An optional wrapper field (StringValue / Int64Value).
Result<std::optional<std::string>> twirp_optional_string(const nlohmann::json& object,
                                                         const std::string& name);
Result<std::optional<int64_t>> twirp_optional_int64(const nlohmann::json& object,
                                                    const std::string& name);

// Milliseconds since the epoch as "2026-12-02T18:36:44Z" (whole seconds, UTC).
std::string twirp_timestamp(int64_t ms);
// An RFC 3339 timestamp ("...Z" or with an offset, fractions allowed) in ms since the epoch.
Result<int64_t> parse_twirp_timestamp(const std::string& text);

}  // namespace sluice::runtime
