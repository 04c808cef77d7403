// Status badges: GET /badge/PROJECT/WORKFLOW.svg answers a shields-style SVG
// "NAME | passing" (green), "failing" (red), "cancelled" or "no status" (grey), from the
// latest finished run of the workflow on the project's default branch. Badges are meant to
// be embedded in READMEs, so they carry only that one word (and are not cached: a
// proxy would show a stale result).
//
// The renderer is pure (render_badge); BadgeRoutes turns a request into a lookup the
// controller answers, so this file knows nothing of the store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "engine/run_model.h"
#include "runtime/http_server.h"

namespace sluice::server {

enum class BadgeState { kPassing, kFailing, kCancelled, kNoStatus, kNotFound };

// success → passing; failure, timed_out, interrupted → failing; cancelled → cancelled;
// none (no finished run yet) or anything else → no status.
BadgeState badge_state(std::optional<engine::RunStatus> latest);
const char* badge_text(BadgeState state);  // "passing", "no status", ...

// The whole SVG document. `label` is escaped; its width is estimated from Verdana 11px
// glyph widths, as shields.io lays badges out.
std::string render_badge(std::string_view label, BadgeState state);

struct BadgeLookupResult {
  bool found = false;                       // the project and workflow exist
  std::string label;                        // the workflow's name, shown on the left
  std::optional<engine::RunStatus> latest;  // latest finished run on the default branch
};
// (project, workflow) from the URL, both percent-decoded; workflow without ".svg". The
// controller matches the workflow by file name with or without its extension ("ci",
// "ci.yml") or by its name.
using BadgeLookup = std::function<Result<BadgeLookupResult>(const std::string& project,
                                                            const std::string& workflow)>;

class BadgeRoutes {
 public:
  explicit BadgeRoutes(BadgeLookup lookup) : lookup_(std::move(lookup)) {}
  // GET /badge/PROJECT/WORKFLOW.svg: 200 with the badge; 404 with a "not found" badge for an
  // unknown project or workflow (an <img> still shows something); 400 for a malformed path.
  runtime::HttpResponse handle(runtime::HttpRequest& request) const;

 private:
  BadgeLookup lookup_;
};

}  // namespace sluice::server
