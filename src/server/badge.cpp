#include "server/badge.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <functional>

#include "core/encodings.h"

namespace sluice::server {
namespace {

// Advance widths of Verdana at 11px for ASCII 32..126, in tenths of a pixel (the metrics
// shields.io measures badge text with). Other characters count as a wide letter.
constexpr std::array<int, 95> kVerdana11 = {
    39,  43, 51, 92, 70, 121, 80, 30,  54, 54, 70, 92, 40, 54,  40, 54,  // ' '..'/'
    70,  70, 70, 70, 70, 70,  70, 70,  70, 70, 54, 54, 92, 92,  92, 60,  // '0'..'?'
    110, 75, 76, 77, 85, 70,  63, 85,  84, 46, 50, 76, 61, 94,  82, 87,  // '@'..'O'
    66,  87, 77, 75, 68, 81,  75, 110, 75, 68, 75, 54, 54, 54,  92, 70,  // 'P'..'_'
    70,  66, 68, 58, 68, 66,  38, 68,  69, 30, 37, 65, 30, 106, 69, 66,  // '`'..'o'
    68,  68, 47, 57, 43, 69,  65, 89,  65, 65, 58, 70, 54, 70,  92};     // 'p'..'~'

double text_width(std::string_view text) {
  int tenths = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 32 && c <= 126) {
      tenths += kVerdana11[c - 32];
    } else if ((c & 0xC0) != 0x80) {  // the first byte of a UTF-8 sequence: one glyph
      tenths += 80;
    }
  }
  return tenths / 10.0;
}

// XML 1.0 allows no control characters but tab, newline and carriage return.
std::string without_controls(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out += c;
  }
  return out;
}

const char* badge_colour(BadgeState state) {
  switch (state) {
    case BadgeState::kPassing:
      return "#2e7d32";
    case BadgeState::kFailing:
      return "#c62828";
    default:
      return "#6b6b6b";
  }
}

// The label as one path segment, percent-decoded; false for empty or '/'-containing ones.
bool decode_segment(std::string_view raw, std::string& out) {
  out = runtime::percent_decode(std::string(raw));
  return !out.empty() && out.find('/') == std::string::npos && out.size() <= 200;
}

runtime::HttpResponse svg_response(int status, std::string body) {
  runtime::HttpResponse response;
  response.status = status;
  response.content_type = "image/svg+xml; charset=utf-8";
  response.body = std::move(body);
  response.headers.emplace_back("Cache-Control", "no-cache, max-age=0");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // An SVG opened on its own is a document: it may not run anything.
  response.headers.emplace_back("Content-Security-Policy", "default-src 'none'");
  return response;
}

}  // namespace

BadgeState badge_state(std::optional<engine::RunStatus> latest) {
  if (!latest) return BadgeState::kNoStatus;
  switch (*latest) {
    case engine::RunStatus::kSuccess:
      return BadgeState::kPassing;
    case engine::RunStatus::kFailure:
    case engine::RunStatus::kTimedOut:
    case engine::RunStatus::kInterrupted:
      return BadgeState::kFailing;
    case engine::RunStatus::kCancelled:
      return BadgeState::kCancelled;
    default:
      return BadgeState::kNoStatus;
  }
}

const char* badge_text(BadgeState state) {
  switch (state) {
    case BadgeState::kPassing:
      return "passing";
    case BadgeState::kFailing:
      return "failing";
    case BadgeState::kCancelled:
      return "cancelled";
    case BadgeState::kNotFound:
      return "not found";
    case BadgeState::kNoStatus:
      break;
  }
  return "no status";
}

std::string render_badge(std::string_view label, BadgeState state) {
  const std::string name = xml_escape(without_controls(label));
  const char* value = badge_text(state);
  // 5px of padding either side of each text, as shields does.
  const int left = static_cast<int>(std::lround(text_width(label) + 10));
  const int right = static_cast<int>(std::lround(text_width(value) + 10));
  const int width = left + right;
  const std::string title = name + ": " + value;
  // Ids of its own, so that badges inlined into one page do not clip each other.
  const std::string id = fmt::format("{:06x}", std::hash<std::string>{}(title)&0xffffff);
  return fmt::format(
      R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}">)svg"
      R"svg(<title>{title}</title>)svg"
      R"svg(<linearGradient id="s{id}" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>)svg"
      R"svg(<clipPath id="r{id}"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>)svg"
      R"svg(<g clip-path="url(#r{id})"><rect width="{left}" height="20" fill="#555"/>)svg"
      R"svg(<rect x="{left}" width="{right}" height="20" fill="{colour}"/>)svg"
      R"svg(<rect width="{width}" height="20" fill="url(#s{id})"/></g>)svg"
      R"svg(<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">)svg"
      R"svg(<text x="{lx}" y="15" fill="#010101" fill-opacity=".3">{name}</text><text x="{lx}" y="14">{name}</text>)svg"
      R"svg(<text x="{rx}" y="15" fill="#010101" fill-opacity=".3">{value}</text><text x="{rx}" y="14">{value}</text>)svg"
      R"svg(</g></svg>)svg"
      "\n",
      fmt::arg("id", id), fmt::arg("width", width), fmt::arg("left", left),
      fmt::arg("right", right), fmt::arg("title", title), fmt::arg("name", name),
      fmt::arg("value", value), fmt::arg("colour", badge_colour(state)), fmt::arg("lx", left / 2.0),
      fmt::arg("rx", left + right / 2.0));
}

runtime::HttpResponse BadgeRoutes::handle(runtime::HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return runtime::HttpResponse::json(
        405, R"({"error":{"code":"method_not_allowed","message":"badges are read with GET"}})");
  }
  constexpr std::string_view kPrefix = "/badge/";
  constexpr std::string_view kSuffix = ".svg";
  std::string_view path = request.path;
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) {
    return runtime::HttpResponse::json(
        400, R"({"error":{"code":"bad_request","message":"use /badge/PROJECT/WORKFLOW.svg"}})");
  }
  path = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  size_t slash = path.find('/');
  std::string project;
  std::string workflow;
  if (slash == std::string_view::npos || !decode_segment(path.substr(0, slash), project) ||
      !decode_segment(path.substr(slash + 1), workflow)) {
    return runtime::HttpResponse::json(
        400, R"({"error":{"code":"bad_request","message":"use /badge/PROJECT/WORKFLOW.svg"}})");
  }
  Result<BadgeLookupResult> found = lookup_(project, workflow);
  if (!found.ok()) {
    return runtime::HttpResponse::json(
        500, R"({"error":{"code":"internal","message":"the badge could not be looked up"}})");
  }
  if (!found->found) return svg_response(404, render_badge(workflow, BadgeState::kNotFound));
  const std::string& label = found->label.empty() ? workflow : found->label;
  return svg_response(200, render_badge(label, badge_state(found->latest)));
}

}  // namespace sluice::server
