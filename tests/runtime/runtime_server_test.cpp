// The runtime services' HTTP mapping, driven through RuntimeServer::handle() without a
// socket: Twirp JSON in and out (snake_case, int64 as strings, Z timestamps, errors as
// {"code","msg"}), the token checks, and the blob endpoints the signed URLs lead to.
#include "runtime/runtime_server.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/cache_index.h"
#include "runtime/twirp_json.h"
#include "runtime_fixture.h"

namespace sluice::runtime {
namespace {

using json = nlohmann::json;

class RuntimeServerTest : public testing::RuntimeFixture {
 protected:
  RuntimeServerTest()
      : server_(data_dir(), RuntimeKeys(std::string(32, 't'), std::string(32, 'u')), clock()) {
    token_ = server_.token_for(7, "build", "refs/heads/main", "refs/heads/main");
  }

  HttpResponse call(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& token, std::map<std::string, std::string> headers = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = parse_query(target.substr(q + 1));
    r.headers = std::move(headers);
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    BodyPlan plan = server_.plan_body(r);
    if (plan.kind == BodyPlan::Kind::kReject) return plan.rejection;
    if (plan.kind == BodyPlan::Kind::kFile) {
      std::ofstream(plan.file, std::ios::binary) << body;
      r.body_file = plan.file;
    } else {
      r.body = body;
    }
    r.body_size = body.size();
    HttpResponse response = server_.handle(r);
    if (!r.body_file.empty()) std::filesystem::remove(r.body_file);
    return response;
  }
  json twirp(const std::string& service, const std::string& method, const json& body,
             int expected_status = 200, const std::string& token = "") {
    HttpResponse r = call("POST", "/twirp/github.actions.results.api.v1." + service + "/" + method,
                          body.dump(), token.empty() ? token_ : token);
    EXPECT_EQ(r.status, expected_status) << method << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    return json::parse(r.body);
  }
  // The path and query of a URL the server handed out.
  static std::string target_of(const std::string& url) {
    EXPECT_EQ(url.rfind("http://127.0.0.1/", 0), 0u) << url;
    return url.substr(std::string("http://127.0.0.1").size());
  }
  static std::string read(const std::string& path) {
    std::stringstream s;
    s << std::ifstream(path, std::ios::binary).rdbuf();
    return s.str();
  }

  RuntimeServer server_;
  std::string token_;
};

TEST_F(RuntimeServerTest, RefusesCallsWithoutAValidToken) {
  HttpResponse none =
      call("POST", "/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry",
           R"({"key":"k","version":"v"})", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(json::parse(none.body)["code"], "unauthenticated");
  RuntimeServer other(data_dir(), RuntimeKeys(std::string(32, 'x'), std::string(32, 'u')), clock());
  std::string foreign = other.token_for(7, "build", "refs/heads/main", "");
  json r =
      twirp("CacheService", "CreateCacheEntry", {{"key", "k"}, {"version", "v"}}, 401, foreign);
  EXPECT_EQ(r["code"], "unauthenticated");
}

TEST_F(RuntimeServerTest, SavesAndRestoresACacheEntry) {
  json created = twirp("CacheService", "CreateCacheEntry", {{"key", "deps-1"}, {"version", "v1"}});
  EXPECT_EQ(created["ok"], true);
  std::string upload = target_of(created["signed_upload_url"]);
  EXPECT_EQ(upload.rfind("/sluice/uploads/cache-", 0), 0u) << upload;
  EXPECT_EQ(call("PUT", upload, "archive", "", {{"x-ms-blob-type", "BlockBlob"}}).status, 201);

  json wrong = twirp("CacheService", "FinalizeCacheEntryUpload",
                     {{"key", "deps-1"}, {"version", "v1"}, {"size_bytes", "8"}}, 400);
  EXPECT_EQ(wrong["code"], "invalid_argument");
  // int64 as a string (protobuf JSON) or as a number.
  json done = twirp("CacheService", "FinalizeCacheEntryUpload",
                    {{"key", "deps-1"}, {"version", "v1"}, {"size_bytes", 7}});
  EXPECT_EQ(done["ok"], true);
  EXPECT_TRUE(done["entry_id"].is_string());

  json hit = twirp("CacheService", "GetCacheEntryDownloadURL",
                   {{"key", "deps-2"}, {"restore_keys", {"deps-"}}, {"version", "v1"}});
  EXPECT_EQ(hit["ok"], true);
  EXPECT_EQ(hit["matched_key"], "deps-1");
  HttpResponse got = call("GET", target_of(hit["signed_download_url"]), "", "");
  EXPECT_EQ(got.status, 200);
  ASSERT_EQ(got.files.size(), 1u);
  EXPECT_EQ(read(got.files[0]), "archive");

  json miss =
      twirp("CacheService", "GetCacheEntryDownloadURL", {{"key", "deps-1"}, {"version", "v2"}});
  EXPECT_EQ(miss["ok"], false);
  json again =
      twirp("CacheService", "CreateCacheEntry", {{"key", "deps-1"}, {"version", "v1"}}, 409);
  EXPECT_EQ(again["code"], "already_exists");
}

TEST_F(RuntimeServerTest, CacheScopeComesFromTheToken) {
  std::string feature = server_.token_for(8, "build", "refs/heads/feature", "refs/heads/main");
  json created =
      twirp("CacheService", "CreateCacheEntry", {{"key", "f"}, {"version", "v"}}, 200, feature);
  call("PUT", target_of(created["signed_upload_url"]), "x", "", {{"x-ms-blob-type", "BlockBlob"}});
  twirp("CacheService", "FinalizeCacheEntryUpload",
        {{"key", "f"}, {"version", "v"}, {"size_bytes", "1"}}, 200, feature);
  EXPECT_EQ(
      twirp("CacheService", "GetCacheEntryDownloadURL", {{"key", "f"}, {"version", "v"}})["ok"],
      false);
  EXPECT_EQ(twirp("CacheService", "GetCacheEntryDownloadURL", {{"key", "f"}, {"version", "v"}}, 200,
                  feature)["ok"],
            true);
}

TEST_F(RuntimeServerTest, MalformedTwirpBodiesAreJsonErrors) {
  HttpResponse r =
      call("POST", "/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry", "not json",
           token_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["code"], "malformed");
  json bad = twirp("CacheService", "FinalizeCacheEntryUpload", {{"key", 5}, {"version", "v"}}, 400);
  EXPECT_EQ(bad["code"], "invalid_argument");
  json route = twirp("CacheService", "Nope", json::object(), 404);
  EXPECT_EQ(route["code"], "bad_route");
}

TEST_F(RuntimeServerTest, UploadsListsAndDownloadsAnArtifact) {
  json ids = {{"workflow_run_backend_id", "7"},
              {"workflow_job_run_backend_id", job_backend_id("7", "build")}};
  json create = ids;
  create["name"] = "dist";
  create["version"] = 4;
  create["expires_at"] = "2030-01-02T03:04:05.123Z";
  json created = twirp("ArtifactService", "CreateArtifact", create);
  ASSERT_EQ(created["ok"], true);
  std::string upload = target_of(created["signed_upload_url"]);
  // Blocks arrive out of order; the list decides the order.
  EXPECT_EQ(call("PUT", upload + "&comp=block&blockid=QjI%3D", "world", "").status, 201);
  EXPECT_EQ(call("PUT", upload + "&comp=block&blockid=QjE%3D", "hello ", "").status, 201);
  EXPECT_EQ(
      call("PUT", upload + "&comp=blocklist",
           "<?xml "
           "version=\"1.0\"?><BlockList><Latest>QjE=</Latest><Latest>QjI=</Latest></BlockList>",
           "", {{"x-ms-blob-content-type", "zip"}})
          .status,
      201);
  json finalize = ids;
  finalize["name"] = "dist";
  finalize["size"] = "11";
  finalize["hash"] = "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
  json done = twirp("ArtifactService", "FinalizeArtifact", finalize);
  EXPECT_TRUE(done["artifact_id"].is_string());

  json listed = twirp("ArtifactService", "ListArtifacts", ids)["artifacts"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["name"], "dist");
  EXPECT_EQ(listed[0]["size"], "11");
  EXPECT_EQ(listed[0]["database_id"], done["artifact_id"]);
  EXPECT_EQ(listed[0]["digest"], finalize["hash"]);
  EXPECT_EQ(listed[0]["workflow_job_run_backend_id"], ids["workflow_job_run_backend_id"]);
  std::string created_at = listed[0]["created_at"];
  EXPECT_EQ(created_at, twirp_timestamp(now_ms_));
  EXPECT_EQ(created_at.back(), 'Z');

  json get = ids;
  get["name"] = "dist";
  std::string url = twirp("ArtifactService", "GetSignedArtifactURL", get)["signed_url"];
  std::string target = target_of(url);
  EXPECT_NE(target.find(".zip?"), std::string::npos) << target;
  HttpResponse blob = call("GET", target, "", "");
  EXPECT_EQ(blob.status, 200);
  EXPECT_EQ(blob.content_type, "application/zip");
  ASSERT_EQ(blob.files.size(), 2u);  // kept as its two blocks
  EXPECT_EQ(read(blob.files[0]) + read(blob.files[1]), "hello world");

  json dup = twirp("ArtifactService", "CreateArtifact", create, 409);
  EXPECT_EQ(dup["code"], "already_exists");
  EXPECT_EQ(twirp("ArtifactService", "DeleteArtifact", get)["artifact_id"], done["artifact_id"]);
  EXPECT_TRUE(twirp("ArtifactService", "ListArtifacts", ids)["artifacts"].empty());
}

TEST_F(RuntimeServerTest, ArtifactCallsForAnotherRunOrJobAreRefused) {
  json other_run = {{"workflow_run_backend_id", "8"},
                    {"workflow_job_run_backend_id", job_backend_id("8", "build")}};
  EXPECT_EQ(twirp("ArtifactService", "ListArtifacts", other_run, 403)["code"], "permission_denied");
  json other_job = {{"workflow_run_backend_id", "7"},
                    {"workflow_job_run_backend_id", job_backend_id("7", "test")},
                    {"name", "x"}};
  EXPECT_EQ(twirp("ArtifactService", "CreateArtifact", other_job, 403)["code"],
            "permission_denied");
  // The run-wide calls accept any job of the token's run.
  EXPECT_TRUE(twirp("ArtifactService", "ListArtifacts", other_job)["artifacts"].empty());
}

TEST_F(RuntimeServerTest, BlobUrlsNeedTheirSignature) {
  json created = twirp("CacheService", "CreateCacheEntry", {{"key", "k"}, {"version", "v"}});
  std::string upload = target_of(created["signed_upload_url"]);
  std::string unsigned_target = upload.substr(0, upload.find('?'));
  EXPECT_EQ(call("PUT", unsigned_target, "x", "").status, 403);
  std::string tampered = upload;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(call("PUT", tampered, "x", "").status, 403);
  // A write URL does not read, and the upload path is not a download.
  EXPECT_EQ(call("GET", upload, "", "").status, 403);
  advance_ms(25ll * 3600 * 1000);  // past the URL's life
  EXPECT_EQ(call("PUT", upload, "x", "").status, 403);
}

TEST_F(RuntimeServerTest, AnUnknownBlockInTheListIsRefused) {
  json created = twirp("CacheService", "CreateCacheEntry", {{"key", "k"}, {"version", "v"}});
  std::string upload = target_of(created["signed_upload_url"]);
  EXPECT_EQ(
      call("PUT", upload + "&comp=blocklist", "<BlockList><Latest>eA==</Latest></BlockList>", "")
          .status,
      400);
  EXPECT_EQ(call("PUT", upload + "&comp=blocklist", "<nope/>", "").status, 400);
}

// What dead jobs left (a reservation never finalized, a blob no entry refers to) is removed
// when a later run first uses the cache; not before (a run that never calls the services
// touches no storage), and not again within the hour.
TEST_F(RuntimeServerTest, FirstCacheUseCollectsWhatDeadJobsLeft) {
  std::string orphan;
  {
    auto index = CacheIndex::open(
        data_dir(), CacheOptions{10ull << 30, 7ll * 24 * 3600 * 1000, 30ll * 60 * 1000, clock()});
    ASSERT_TRUE(index.ok());
    ASSERT_TRUE((*index)->reserve("refs/heads/main", "abandoned", "v1").ok());
    orphan = upload((*index)->blobs(), "died-after-upload", "orphan");
    testing::age_file((*index)->blobs().find(orphan)->parts.at(0), 2 * 24 * 3600);
  }
  advance_ms(31 * 60 * 1000);
  BlobStore blobs(data_dir() + "/blobs");
  ASSERT_TRUE(blobs.find(orphan).has_value());  // the server's construction cleaned nothing
  twirp("CacheService", "GetCacheEntryDownloadURL", {{"key", "x"}, {"version", "v1"}});
  EXPECT_FALSE(blobs.find(orphan).has_value());
  auto index = CacheIndex::open(data_dir());
  ASSERT_TRUE(index.ok());
  EXPECT_TRUE((*index)->list()->empty());  // the abandoned reservation is gone

  // Another process within the hour does not walk the blobs again.
  std::string second = upload(blobs, "died-too", "second orphan");
  testing::age_file(blobs.find(second)->parts.at(0), 2 * 24 * 3600);
  RuntimeServer other(data_dir(), RuntimeKeys(std::string(32, 't'), std::string(32, 'u')), clock());
  HttpRequest r;
  r.method = "POST";
  r.path = r.target = "/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL";
  r.headers["authorization"] = "Bearer " + token_;
  r.body = R"({"key":"x","version":"v1"})";
  EXPECT_EQ(other.handle(r).status, 200);
  EXPECT_TRUE(blobs.find(second).has_value());
}

TEST_F(RuntimeServerTest, JobEnvironmentNamesTheServicesAndTheToken) {
  auto env = server_.job_env(token_, "example.com,localhost");
  EXPECT_EQ(env["ACTIONS_RUNTIME_TOKEN"], token_);
  EXPECT_EQ(env["ACTIONS_RESULTS_URL"], "http://127.0.0.1/");
  EXPECT_EQ(env["ACTIONS_CACHE_URL"], "http://127.0.0.1/");
  EXPECT_EQ(env["ACTIONS_CACHE_SERVICE_V2"], "true");
  EXPECT_EQ(env["NO_PROXY"], "example.com,localhost,127.0.0.1");
}

TEST(BlockList, ReadsIdsInOrder) {
  auto ids = parse_block_list(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>a</Latest>"
      "<Uncommitted>b&amp;c</Uncommitted><Committed>a</Committed></BlockList>");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b&c", "a"}));
  EXPECT_TRUE(parse_block_list("<BlockList></BlockList>")->empty());
  EXPECT_FALSE(parse_block_list("<BlockList><Latest>a</BlockList>").ok());
  EXPECT_FALSE(parse_block_list("<BlockList><Other>a</Other></BlockList>").ok());
  EXPECT_FALSE(parse_block_list("").ok());
}

TEST(TwirpJson, TimestampsAreUtcWithZ) {
  EXPECT_EQ(twirp_timestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(*parse_twirp_timestamp("2030-01-02T03:04:05Z"), 1893553445000);
  EXPECT_EQ(*parse_twirp_timestamp("2030-01-02T03:04:05.5Z"), 1893553445500);
  EXPECT_EQ(*parse_twirp_timestamp("2030-01-02T05:04:05+02:00"), 1893553445000);
  EXPECT_FALSE(parse_twirp_timestamp("2030-01-02").ok());
  EXPECT_FALSE(parse_twirp_timestamp("2030-01-02T03:04:05").ok());
}

TEST(TwirpJson, Int64FromStringsOrNumbers) {
  json j = {{"a", "12"}, {"b", 13}, {"c", "1x"}, {"d", true}, {"sizeBytes", "5"}};
  EXPECT_EQ(*twirp_int64(j, "a"), 12);
  EXPECT_EQ(*twirp_int64(j, "b"), 13);
  EXPECT_EQ(*twirp_int64(j, "missing"), 0);
  EXPECT_FALSE(twirp_int64(j, "c").ok());
  EXPECT_FALSE(twirp_int64(j, "d").ok());
  EXPECT_EQ(*twirp_int64(j, "size_bytes"), 5);  // lowerCamelCase accepted
}

}  // namespace
}  // namespace sluice::runtime
