// The blob endpoints: the part of Azure Blob Storage's REST API that the Azure SDK
// (@azure/storage-blob, inside @actions/cache and @actions/artifact) and plain HTTP clients
// use against the signed URLs the services hand out (docs/runner-protocol.md):
//   PUT  /sluice/uploads/<upload>?..            x-ms-blob-type: BlockBlob, the whole blob
//   PUT  /sluice/uploads/<upload>?..&comp=block&blockid=<id>      one block, any order
//   PUT  /sluice/uploads/<upload>?..&comp=blocklist               the blocks, in list order
//   GET  /sluice/blobs/<sha256>[.zip]?..                          a finished blob
// Success is 201 for a PUT, 200 with the whole body for a GET; the SDK treats any other
// status as a failure. URLs are /<account>/<container>/<blob> because the SDK parses that
// shape for IP hosts. Bodies are streamed to BlobStore temp files (hashed as they arrive),
// never held in memory; a blob kept as blocks is sent as one body.
#include <chrono>

#include "runtime/runtime_server.h"
#include "runtime/twirp_json.h"

namespace sluice::runtime {

namespace {

constexpr const char* kUploadPrefix = "/sluice/uploads/";
constexpr const char* kBlobPrefix = "/sluice/blobs/";
// A block list names at most this many blocks (Azure allows 50,000 per blob).
constexpr size_t kMaxBlocks = 50000;
constexpr uint64_t kMaxBlockListBody = 8 << 20;
// A blob or a block may be this large (Azure: 190.7 TiB per blob; disk is the real limit).
constexpr uint64_t kMaxBlobBody = uint64_t{1} << 40;
// Upload URLs live as long as a job may; download URLs as long as a download may take.
constexpr int64_t kUploadUrlLifetimeS = 24 * 3600;

HttpResponse storage_error(int status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/xml";
  r.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>" +
           message + "</Message></Error>";
  r.headers.emplace_back("x-ms-error-code", code);
  return r;
}

HttpResponse storage_error_of(const Error& error) {
  bool invalid = error.message.rfind("invalid_argument", 0) == 0;
  return storage_error(invalid ? 400 : 500, invalid ? "InvalidBlockList" : "InternalError",
                       invalid ? "the block list names a block that was not staged"
                               : "the blob could not be stored");
}

HttpResponse created() {
  HttpResponse r = HttpResponse::empty(201);
  r.headers.emplace_back("x-ms-request-server-encrypted", "false");
  return r;
}

std::string xml_unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    static const std::pair<const char*, char> entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [name, c] : entities) {
      if (text.compare(i, std::char_traits<char>::length(name), name) == 0) {
        out += c;
        i += std::char_traits<char>::length(name) - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out += '&';
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> parse_block_list(const std::string& xml) {
  size_t root = xml.find("<BlockList>");
  size_t root_end = xml.rfind("</BlockList>");
  if (root == std::string::npos || root_end == std::string::npos || root_end < root)
    return Error{"invalid_argument: the body is not a <BlockList>", {}};
  std::vector<std::string> ids;
  size_t pos = root + std::char_traits<char>::length("<BlockList>");
  while (pos < root_end) {
    size_t open = xml.find('<', pos);
    if (open == std::string::npos || open >= root_end) break;
    size_t close = xml.find('>', open);
    if (close == std::string::npos || close > root_end)
      return Error{"invalid_argument: unterminated tag in the block list", {}};
    std::string tag = xml.substr(open + 1, close - open - 1);
    if (tag != "Latest" && tag != "Committed" && tag != "Uncommitted")
      return Error{"invalid_argument: unexpected <" + tag.substr(0, 40) + "> in the block list",
                   {}};
    std::string end_tag = "</" + tag + ">";
    size_t end = xml.find(end_tag, close + 1);
    if (end == std::string::npos || end > root_end)
      return Error{"invalid_argument: <" + tag + "> is not closed", {}};
    ids.push_back(xml_unescape(xml.substr(close + 1, end - close - 1)));
    if (ids.size() > kMaxBlocks)
      return Error{"invalid_argument: more than 50000 blocks in the block list", {}};
    pos = end + end_tag.size();
  }
  return ids;
}

std::string RuntimeServer::upload_url(const std::string& upload) const {
  std::string path = kUploadPrefix + upload;
  return origin() + path + "?" + keys_.sign_url(path, "w", now_ms() / 1000 + kUploadUrlLifetimeS);
}

bool RuntimeServer::blob_request_signed(const HttpRequest& request) const {
  std::string permission = request.method == "GET" || request.method == "HEAD" ? "r" : "w";
  return keys_.verify_url(request.path, permission, request.query, now_ms() / 1000);
}

BodyPlan RuntimeServer::plan_blob_body(const HttpRequest& head) {
  if (!blob_request_signed(head))
    return BodyPlan::reject(storage_error(403, "AuthenticationFailed",
                                          "the URL's signature is missing, wrong or expired"));
  if (head.method == "GET" || head.method == "HEAD") return BodyPlan::memory(0);
  if (head.method != "PUT" || head.path.rfind(kUploadPrefix, 0) != 0)
    return BodyPlan::reject(storage_error(405, "UnsupportedHttpVerb", "only PUT uploads"));
  auto comp = head.query.find("comp");
  if (comp != head.query.end() && comp->second == "blocklist")
    return BodyPlan::memory(kMaxBlockListBody);
  auto temp = blobs_.temp_path();
  if (!temp.ok()) return BodyPlan::reject(storage_error(500, "InternalError", "no temp file"));
  // put() and commit_blocks() fsync what they publish: start writing back as it arrives.
  return BodyPlan::to_file(*temp, kMaxBlobBody, /*write_back=*/true);
}

HttpResponse RuntimeServer::put_blob(HttpRequest& request) {
  std::string upload = request.path.substr(std::char_traits<char>::length(kUploadPrefix));
  if (!BlobStore::valid_upload_name(upload))
    return storage_error(400, "InvalidResourceName", "not an upload of this server");
  auto get = [&](const char* k) {
    auto it = request.query.find(k);
    return it == request.query.end() ? std::string() : it->second;
  };
  std::string comp = get("comp");
  if (comp == "block") {
    std::string id = get("blockid");
    if (id.empty()) return storage_error(400, "InvalidQueryParameterValue", "blockid is missing");
    Status s = blobs_.stage_block(upload, id, request.body_file, request.body_sha256);
    return s.ok() ? created() : storage_error_of(s.error());
  }
  if (comp == "blocklist") {
    auto ids = parse_block_list(request.body);
    if (!ids.ok()) return storage_error(400, "InvalidXmlDocument", ids.error().message);
    Status s = blobs_.commit_blocks(upload, *ids, request.header("x-ms-blob-content-type"));
    return s.ok() ? created() : storage_error_of(s.error());
  }
  if (!comp.empty())
    return storage_error(400, "InvalidQueryParameterValue",
                         "unsupported comp=" + comp.substr(0, 40));
  Status s = blobs_.put(upload, request.body_file, request.body_sha256);
  return s.ok() ? created() : storage_error_of(s.error());
}

HttpResponse RuntimeServer::get_blob(const HttpRequest& request) {
  if (request.path.rfind(kBlobPrefix, 0) != 0)
    return storage_error(404, "BlobNotFound", "no such blob");
  std::string name = request.path.substr(std::char_traits<char>::length(kBlobPrefix));
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".zip") == 0)
    name.resize(name.size() - 4);
  auto blob = blobs_.find(name);
  if (!blob) return storage_error(404, "BlobNotFound", "no such blob");
  HttpResponse r;
  r.status = 200;
  r.files = blob->parts;
  auto rsct = request.query.find("rsct");
  r.content_type = rsct == request.query.end() ? "application/octet-stream" : rsct->second;
  auto rscd = request.query.find("rscd");
  if (rscd != request.query.end()) r.headers.emplace_back("Content-Disposition", rscd->second);
  r.headers.emplace_back("x-ms-blob-type", "BlockBlob");
  return r;
}

}  // namespace sluice::runtime
