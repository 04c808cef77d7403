// runtime_store_tool: drives BlobStore, CacheIndex and ArtifactIndex the way the runtime
// server does for one request sequence, for bench/cache_artifact_bench.sh (BENCHMARKS.md,
// issue 9 §5 (b) and (c)). Bodies are received in 1 MiB reads into temp files and hashed
// on the way, as the HTTP server writes them; uploads above 128 MiB go in blocks (64 MiB for the
// cache, 8 MiB for artifacts, as @actions/cache and @actions/artifact send them).
//
//   runtime_store_tool cache-save DATA_DIR KEY FILE
//   runtime_store_tool cache-restore DATA_DIR KEY OUT      (OUT "-": stdout)
//   runtime_store_tool artifact-upload DATA_DIR RUN NAME FILE
//   runtime_store_tool artifact-download DATA_DIR RUN NAME DIR
//
// Prints "<command> <ms> ms, peak RSS <KiB> KiB" to stderr.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "core/sha256.h"
#include "runtime/artifact_download.h"
#include "runtime/artifact_index.h"
#include "runtime/cache_index.h"

namespace {

using namespace sluice;
using namespace sluice::runtime;

constexpr const char* kScope = "refs/heads/main";
constexpr const char* kVersion = "bench-version";

[[noreturn]] void die(const std::string& message) {
  std::cerr << "runtime_store_tool: " << message << "\n";
  std::exit(1);
}

template <typename T>
T check(Result<T> result) {
  if (!result) die(result.error().message);
  return std::move(*result);
}

void check(const Status& status) {
  if (!status) die(status.error().message);
}

struct Received {
  std::string temp;
  std::string sha256;
};

// Copies `length` bytes of `in` into a new temp file of the store, in 1 MiB reads, hashing
// them: what the HTTP server does with a request body.
Received receive(BlobStore& blobs, int in, uint64_t length, std::string& buffer) {
  std::string temp = check(blobs.temp_path());
  Sha256 hash;
  int out = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) die("cannot create " + temp);
  while (length > 0) {
    ssize_t n = ::read(in, buffer.data(), std::min<uint64_t>(length, buffer.size()));
    if (n <= 0) die("short read");
    hash.update(buffer.data(), static_cast<size_t>(n));
    if (::write(out, buffer.data(), static_cast<size_t>(n)) != n) die("short write");
    length -= static_cast<uint64_t>(n);
  }
  ::close(out);
  return {temp, hash.finish_hex()};
}

// Uploads FILE as upload `name`: whole below 128 MiB, else in blocks of `block_size`.
BlobStore::Blob upload(BlobStore& blobs, const std::string& name, const std::string& file,
                       uint64_t block_size, const std::string& content_type) {
  int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) die("cannot open " + file);
  uint64_t size = static_cast<uint64_t>(::lseek(in, 0, SEEK_END));
  ::lseek(in, 0, SEEK_SET);
  std::string buffer(1 << 20, '\0');
  if (size <= (128ull << 20)) {
    Received body = receive(blobs, in, size, buffer);
    check(blobs.put(name, body.temp, body.sha256));
  } else {
    std::vector<std::string> ids;
    for (uint64_t offset = 0; offset < size; offset += block_size) {
      ids.push_back("block-" + std::to_string(ids.size()));
      Received body = receive(blobs, in, std::min(block_size, size - offset), buffer);
      check(blobs.stage_block(name, ids.back(), body.temp, body.sha256));
    }
    check(blobs.commit_blocks(name, ids, content_type));
  }
  ::close(in);
  return check(blobs.uploaded(name));
}

// Streams a blob to `out` ("-": stdout) as the GET handler does.
void send(const BlobStore::Blob& blob, const std::string& out) {
  int fd = out == "-" ? STDOUT_FILENO : ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("cannot open " + out);
  check(copy_blob(blob, fd));
  if (fd != STDOUT_FILENO) ::close(fd);
}

void run(const std::vector<std::string>& args) {
  const std::string& command = args.at(0);
  const std::string& data_dir = args.at(1);
  if (command == "cache-save") {
    auto index = check(CacheIndex::open(data_dir, 64ull << 30));
    CacheEntry entry = check(index->reserve(kScope, args.at(2), kVersion));
    std::string name = "cache-" + std::to_string(entry.id);
    BlobStore::Blob blob = upload(index->blobs(), name, args.at(3), 64ull << 20, "");
    check(index->finalize(entry.id, blob.digest, blob.size));
    check(index->blobs().discard(name));
  } else if (command == "cache-restore") {
    auto index = check(CacheIndex::open(data_dir, 64ull << 30));
    auto hit = check(index->find({kScope}, args.at(2), {}, kVersion));
    if (!hit) die("cache miss for " + args.at(2));
    auto blob = index->blobs().find(hit->blob_digest);
    if (!blob) die("blob missing");
    send(*blob, args.at(3));
  } else if (command == "artifact-upload") {
    auto index = check(ArtifactIndex::open(data_dir));
    int64_t run = std::atoll(args.at(2).c_str());
    Artifact created = check(index->create(run, "bench", args.at(3)));
    std::string name = "artifact-" + std::to_string(created.id);
    BlobStore::Blob blob =
        upload(index->blobs(), name, args.at(4), 8ull << 20, "application/octet-stream");
    // The client's hash is its own cost: none is declared, sluice still hashes the content.
    check(index->finalize(run, args.at(3), blob.digest, blob.size, "", blob.content_type));
    check(index->blobs().discard(name));
  } else if (command == "artifact-download") {
    auto index = check(ArtifactIndex::open(data_dir));
    auto artifact = check(index->get(std::atoll(args.at(2).c_str()), args.at(3)));
    if (!artifact) die("no artifact " + args.at(3));
    check(download_artifact(index->blobs(), *artifact, args.at(4)));
  } else {
    die("unknown command " + command);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 4) die("usage: see the comment at the top of bench/runtime_store_tool.cpp");
  auto start = std::chrono::steady_clock::now();
  run(args);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::cerr << args[0] << " " << ms << " ms, peak RSS " << usage.ru_maxrss << " KiB\n";
  return 0;
}
