// Artifact service v4 (Twirp): github.actions.results.api.v1.ArtifactService, as
// @actions/artifact >= 2 (upload-artifact@v4, download-artifact@v4) calls it
// (docs/runner-protocol.md). Every request names the run and job it belongs to
// (workflow_run_backend_id / workflow_job_run_backend_id); they must be the token's:
// Create and Finalize the token's job, List/Get/Delete its run. A job therefore never sees
// another run's artifacts, whatever ids it sends.
#include "core/sha256.h"
#include "runtime/artifact_index.h"
#include "runtime/runtime_server.h"
#include "runtime/twirp_json.h"

namespace sluice::runtime {

using json = nlohmann::json;

namespace {

constexpr int64_t kDownloadUrlLifetimeS = 6 * 3600;

// The upload of artifact `name` of `run`: stable, so Finalize finds what Create handed out,
// and shaped as BlobStore wants upload names.
std::string artifact_upload(const std::string& run, const std::string& name) {
  Sha256 sha;
  sha.update(name.data(), name.size());
  return "artifact-" + run + "-" + sha.finish_hex().substr(0, 32);
}

bool is_zip(const std::string& content_type) {
  return content_type == "application/zip" || content_type == "zip";
}

json artifact_json(const Artifact& a, const std::string& run_backend_id) {
  return {{"workflow_run_backend_id", run_backend_id},
          {"workflow_job_run_backend_id", job_backend_id(run_backend_id, a.job)},
          {"database_id", std::to_string(a.id)},
          {"name", a.name},
          {"size", std::to_string(a.size)},
          {"created_at", twirp_timestamp(a.created_ms)},
          {"digest", a.digest}};
}

}  // namespace

HttpResponse RuntimeServer::artifacts_v4(const std::string& method, const RuntimeClaims& caller,
                                         const std::string& body) {
  auto request = parse_twirp_request(body);
  if (!request.ok()) return twirp_error_of(request.error());
  auto run = twirp_string(*request, "workflow_run_backend_id");
  auto job = twirp_string(*request, "workflow_job_run_backend_id");
  if (!run.ok()) return twirp_error_of(run.error());
  if (!job.ok()) return twirp_error_of(job.error());
  bool job_call = method == "CreateArtifact" || method == "FinalizeArtifact";
  if (*run != caller.run_id || (job_call && *job != caller.job_id))
    return twirp_error("permission_denied", job_call ? "the runtime token is for another run or job"
                                                     : "the runtime token is for another run");
  auto name = twirp_string(*request, "name");
  if (!name.ok()) return twirp_error_of(name.error());
  auto index = artifacts();
  if (!index.ok()) return twirp_error_of(index.error());
  ArtifactIndex& artifacts = **index;
  int64_t run_id = std::stoll(caller.run_id);

  if (method == "CreateArtifact") {
    auto expires = twirp_string(*request, "expires_at");
    if (!expires.ok()) return twirp_error_of(expires.error());
    int64_t expires_ms = 0;
    if (!expires->empty()) {
      auto parsed = parse_twirp_timestamp(*expires);
      if (!parsed.ok()) return twirp_error_of(parsed.error());
      expires_ms = *parsed;
    }
    auto created = artifacts.create(run_id, caller.job_key, *name, expires_ms);
    if (!created.ok()) return twirp_error_of(created.error());
    std::string upload = artifact_upload(caller.run_id, *name);
    (void)blobs_.discard(upload);  // what an earlier, deleted artifact of this name left
    return twirp_reply({{"ok", true}, {"signed_upload_url", upload_url(upload)}});
  }
  if (method == "FinalizeArtifact") {
    auto size = twirp_int64(*request, "size");
    auto hash = twirp_optional_string(*request, "hash");
    if (!size.ok()) return twirp_error_of(size.error());
    if (!hash.ok()) return twirp_error_of(hash.error());
    std::string upload = artifact_upload(caller.run_id, *name);
    auto blob = blobs_.uploaded(upload);
    if (!blob.ok())
      return twirp_error("failed_precondition",
                         "nothing was uploaded for artifact '" + *name + "'");
    if (*size < 0) return twirp_error("invalid_argument", "size must not be negative");
    // Zipped uploads declare "zip" (artifact < 6.1) or application/zip; raw ones their type.
    std::string type = blob->content_type.empty() || is_zip(blob->content_type)
                           ? "application/zip"
                           : blob->content_type;
    auto finalized = artifacts.finalize(run_id, *name, blob->digest, static_cast<uint64_t>(*size),
                                        hash->value_or(""), type);
    if (!finalized.ok()) return twirp_error_of(finalized.error());
    (void)blobs_.discard(upload);
    return twirp_reply({{"ok", true}, {"artifact_id", std::to_string(finalized->id)}});
  }
  if (method == "ListArtifacts") {
    auto name_filter = twirp_optional_string(*request, "name_filter");
    auto id_filter = twirp_optional_int64(*request, "id_filter");
    if (!name_filter.ok()) return twirp_error_of(name_filter.error());
    if (!id_filter.ok()) return twirp_error_of(id_filter.error());
    auto list = artifacts.list(run_id, *name_filter, *id_filter);
    if (!list.ok()) return twirp_error_of(list.error());
    json out = json::array();
    for (const Artifact& a : *list) out.push_back(artifact_json(a, caller.run_id));
    return twirp_reply({{"artifacts", out}});
  }
  if (method == "GetSignedArtifactURL") {
    auto found = artifacts.get(run_id, *name);
    if (!found.ok()) return twirp_error_of(found.error());
    const std::optional<Artifact>& artifact = *found;
    if (!artifact) return twirp_error("not_found", "no artifact '" + *name + "' in this run");
    // @actions/artifact unzips only for application/zip or a URL path ending in .zip; a raw
    // upload is saved under the name Content-Disposition gives.
    bool zip = is_zip(artifact->content_type);
    std::string path = "/sluice/blobs/" + artifact->blob_digest + (zip ? ".zip" : "");
    std::map<std::string, std::string> overrides{
        {"rsct", zip ? "application/zip" : artifact->content_type}};
    if (!zip) overrides["rscd"] = "attachment; filename=\"" + artifact->name + "\"";
    std::string url = origin() + path + "?" +
                      keys_.sign_url(path, "r", now_ms() / 1000 + kDownloadUrlLifetimeS, overrides);
    return twirp_reply({{"signed_url", url}});
  }
  if (method == "DeleteArtifact") {
    auto removed = artifacts.remove(run_id, *name);
    if (!removed.ok()) return twirp_error_of(removed.error());
    return twirp_reply({{"ok", true}, {"artifact_id", std::to_string(removed->id)}});
  }
  return twirp_error("bad_route", "ArtifactService has no method '" + method.substr(0, 80) + "'");
}

}  // namespace sluice::runtime
