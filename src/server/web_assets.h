// The web UI's files (web/app/), built into the binary by web/embed_assets.cmake and served
// by the controller for every GET that is not the API, a hook, a badge or an agent call.
//
// URLs: the UI's pages are routed in the browser, so every path answers with index.html
// (no-cache, revalidated with its ETag). index.html names its scripts and styles under
// /v/<version>/ where <version> is a hash over all the files: those answers are immutable
// and cached for a year, and a new build changes every URL at once. Files are looked up in
// a table built in, never on disk, so no path can reach outside it.
//
// Threading: handle() only reads the table; any number of threads may call it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http_server.h"

namespace sluice::server {

struct EmbeddedAsset {
  const char* path;  // relative to web/app/: "index.html", "app.js", "pages/run.js"
  const unsigned char* data;
  size_t size;
  const char* etag;  // quoted, as sent in the ETag header
};

// Defined in the generated web_assets_data.cpp.
extern const EmbeddedAsset kWebAssets[];
extern const size_t kWebAssetCount;
extern const char kWebAssetsVersion[];

// "text/javascript; charset=utf-8" for "app.js"; application/octet-stream when unknown.
std::string_view web_content_type(std::string_view path);

class WebAssets {
 public:
  // The built-in files.
  WebAssets();
  // Other files (tests). `assets` must contain "index.html"; the data must outlive this.
  WebAssets(const std::vector<EmbeddedAsset>& assets, std::string version);

  // GET or HEAD; anything else is answered 405.
  runtime::HttpResponse handle(runtime::HttpRequest& request) const;

  // The prefix of the versioned asset URLs: "/v/<version>/".
  std::string asset_prefix() const { return "/v/" + version_ + "/"; }

 private:
  runtime::HttpResponse serve_index(const runtime::HttpRequest& request) const;
  runtime::HttpResponse serve_asset(const runtime::HttpRequest& request,
                                    std::string_view name) const;

  std::map<std::string, EmbeddedAsset, std::less<>> assets_;
  std::string version_;
  std::string index_body_;  // index.html with its version placeholder filled in
  std::string index_etag_;
};

// The controller's front door: requests the API knows (its router matches them) and anything
// under /api/ go to the API handler; any other GET or HEAD is a page of the web UI.
class WebFront final : public runtime::HttpHandler {
 public:
  using KnownToApi = std::function<bool(const runtime::HttpRequest& head)>;
  // `api` and `web` must outlive this.
  WebFront(runtime::HttpHandler& api, KnownToApi known_to_api, const WebAssets& web)
      : api_(api), known_to_api_(std::move(known_to_api)), web_(web) {}

  runtime::BodyPlan plan_body(const runtime::HttpRequest& head) override;
  runtime::HttpResponse handle(runtime::HttpRequest& request) override;

 private:
  bool is_page(const runtime::HttpRequest& head) const;

  runtime::HttpHandler& api_;
  KnownToApi known_to_api_;
  const WebAssets& web_;
};

}  // namespace sluice::server
