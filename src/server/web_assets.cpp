#include "server/web_assets.h"

#include <array>
#include <utility>

namespace sluice::server {
namespace {

// index.html writes its asset URLs as /v/__ASSET_VERSION__/...
constexpr std::string_view kVersionPlaceholder = "__ASSET_VERSION__";

// The UI loads nothing from elsewhere and runs no inline script or style: a script injected
// through some rendering bug could neither run nor send data away.
constexpr const char* kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

void add_common_headers(runtime::HttpResponse& response) {
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "same-origin");
}

bool etag_matches(const runtime::HttpRequest& request, std::string_view etag) {
  std::string wanted = request.header("if-none-match");
  if (wanted.empty()) return false;
  if (wanted == "*") return true;
  // A list of tags, possibly weak ones (W/"...").
  size_t start = 0;
  while (start < wanted.size()) {
    size_t comma = wanted.find(',', start);
    std::string_view item(wanted.data() + start,
                          (comma == std::string::npos ? wanted.size() : comma) - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

runtime::HttpResponse text_response(int status, std::string body) {
  runtime::HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(body);
  add_common_headers(response);
  return response;
}

runtime::HttpResponse cached_body(const runtime::HttpRequest& request, std::string_view etag,
                                  std::string_view content_type, std::string body,
                                  const char* cache_control) {
  runtime::HttpResponse response;
  response.headers.emplace_back("ETag", std::string(etag));
  response.headers.emplace_back("Cache-Control", cache_control);
  add_common_headers(response);
  if (etag_matches(request, etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.content_type = std::string(content_type);
  if (request.method != "HEAD") response.body = std::move(body);
  return response;
}

}  // namespace

std::string_view web_content_type(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

WebAssets::WebAssets()
    : WebAssets(std::vector<EmbeddedAsset>(kWebAssets, kWebAssets + kWebAssetCount),
                kWebAssetsVersion) {}

WebAssets::WebAssets(const std::vector<EmbeddedAsset>& assets, std::string version)
    : version_(std::move(version)) {
  for (const EmbeddedAsset& asset : assets) assets_.emplace(asset.path, asset);
  auto index = assets_.find("index.html");
  if (index != assets_.end()) {
    const auto* begin = reinterpret_cast<const char*>(index->second.data);
    index_body_.assign(begin, index->second.size);
    for (size_t at = index_body_.find(kVersionPlaceholder); at != std::string::npos;
         at = index_body_.find(kVersionPlaceholder, at + version_.size())) {
      index_body_.replace(at, kVersionPlaceholder.size(), version_);
    }
  }
  // index.html is one of the files the version hashes, so the version tags it too.
  index_etag_ = "\"index-" + version_ + "\"";
}

runtime::HttpResponse WebAssets::handle(runtime::HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    runtime::HttpResponse response = text_response(405, "method not allowed\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  std::string_view path = request.path;
  if (path.starts_with("/v/")) {
    // Any version is answered with the current file: a page loaded before an upgrade
    // still gets working (if newer) scripts rather than 404s.
    std::string_view rest = path.substr(3);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return text_response(404, "not found\n");
    return serve_asset(request, rest.substr(slash + 1));
  }
  if (path == "/favicon.ico") return serve_asset(request, "favicon.svg");
  return serve_index(request);
}

runtime::HttpResponse WebAssets::serve_index(const runtime::HttpRequest& request) const {
  if (index_body_.empty()) return text_response(404, "the web UI is not built in\n");
  runtime::HttpResponse response =
      cached_body(request, index_etag_, "text/html; charset=utf-8", index_body_, "no-cache");
  response.headers.emplace_back("Content-Security-Policy", kPagePolicy);
  response.headers.emplace_back("X-Frame-Options", "DENY");
  return response;
}

runtime::HttpResponse WebAssets::serve_asset(const runtime::HttpRequest& request,
                                             std::string_view name) const {
  auto found = assets_.find(name);
  if (found == assets_.end() || name == "index.html") return text_response(404, "not found\n");
  const EmbeddedAsset& asset = found->second;
  std::string body(reinterpret_cast<const char*>(asset.data), asset.size);
  return cached_body(request, asset.etag, web_content_type(name), std::move(body),
                     "public, max-age=31536000, immutable");
}

bool WebFront::is_page(const runtime::HttpRequest& head) const {
  if (head.method != "GET" && head.method != "HEAD") return false;
  if (head.path == "/api" || head.path.starts_with("/api/")) return false;
  return !known_to_api_(head);
}

runtime::BodyPlan WebFront::plan_body(const runtime::HttpRequest& head) {
  if (is_page(head)) return runtime::BodyPlan::memory(0);
  return api_.plan_body(head);
}

runtime::HttpResponse WebFront::handle(runtime::HttpRequest& request) {
  if (is_page(request)) return web_.handle(request);
  return api_.handle(request);
}

}  // namespace sluice::server
