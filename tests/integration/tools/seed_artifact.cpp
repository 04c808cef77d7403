// seed_artifact DATA_DIR RUN_ID NAME FILE [CONTENT_TYPE]: stores FILE as artifact NAME of
// run RUN_ID through the same classes the runtime server uses (BlobStore blocks, then
// ArtifactIndex create + finalize), for integration tests of `sluice artifacts` that need
// artifacts without running upload-artifact. CONTENT_TYPE defaults to application/zip.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "runtime/artifact_index.h"

namespace {

int fail(const std::string& message) {
  std::cerr << "seed_artifact: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice::runtime;
  if (argc < 5) return fail("usage: seed_artifact DATA_DIR RUN_ID NAME FILE [CONTENT_TYPE]");
  std::string data_dir = argv[1], name = argv[3], file = argv[4];
  int64_t run_id = std::atoll(argv[2]);
  std::string type = argc > 5 ? argv[5] : "application/zip";
  auto index = ArtifactIndex::open(data_dir);
  if (!index) return fail(index.error().message);
  auto created = (*index)->create(run_id, "seed", name);
  if (!created) return fail(created.error().message);
  // Blocks of 4 KiB, staged in reverse order, as parallel uploads may arrive.
  BlobStore& blobs = (*index)->blobs();
  std::string upload = "artifact-" + std::to_string(created->id);
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> ids;
  std::vector<std::string> temps;
  std::string chunk(4096, '\0');
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    auto temp = blobs.temp_path();
    if (!temp) return fail(temp.error().message);
    std::ofstream(*temp, std::ios::binary).write(chunk.data(), in.gcount());
    ids.push_back("block-" + std::to_string(ids.size()));
    temps.push_back(*temp);
  }
  for (size_t i = ids.size(); i-- > 0;) {
    if (auto staged = blobs.stage_block(upload, ids[i], temps[i]); !staged)
      return fail(staged.error().message);
  }
  if (auto committed = blobs.commit_blocks(upload, ids, type); !committed)
    return fail(committed.error().message);
  auto blob = blobs.uploaded(upload);
  if (!blob) return fail(blob.error().message);
  auto content = BlobStore::content_sha256(*blob);
  if (!content) return fail(content.error().message);
  auto done = (*index)->finalize(run_id, name, blob->digest, blob->size, "sha256:" + *content,
                                 blob->content_type);
  if (!done) return fail(done.error().message);
  (void)blobs.discard(upload);
  std::cout << done->id << " " << done->digest << "\n";
  return 0;
}
