// What the cache and artifact index tests share: a data directory, a manual clock, and
// uploading some bytes through the BlobStore as the runtime server does.
#pragma once

#include <gtest/gtest.h>
#include <sys/time.h>

#include <fstream>
#include <string>

#include "../store/temp_dir.h"
#include "runtime/blob_store.h"

namespace sluice::runtime::testing {

// Sets a file's times `seconds` into the past (for "older than" cleanups).
inline void age_file(const std::string& path, int seconds) {
  struct timeval times[2];
  gettimeofday(&times[0], nullptr);
  times[0].tv_sec -= seconds;
  times[1] = times[0];
  ASSERT_EQ(utimes(path.c_str(), times), 0);
}

class RuntimeFixture : public ::testing::Test {
 protected:
  std::string data_dir() const { return dir_.path().string(); }
  std::function<int64_t()> clock() {
    return [this] { return now_ms_; };
  }
  void advance_ms(int64_t ms) { now_ms_ += ms; }

  // Uploads `content` as a whole blob under `upload`; returns its digest.
  static std::string upload(BlobStore& blobs, const std::string& upload,
                            const std::string& content) {
    Result<std::string> temp = blobs.temp_path();
    EXPECT_TRUE(temp.ok());
    std::ofstream(*temp, std::ios::binary) << content;
    EXPECT_TRUE(blobs.put(upload, *temp).ok());
    Result<BlobStore::Blob> blob = blobs.uploaded(upload);
    EXPECT_TRUE(blob.ok());
    return blob.ok() ? blob->digest : "";
  }

  int64_t now_ms_ = 1'700'000'000'000;

 private:
  store::testing::TempDir dir_;
};

}  // namespace sluice::runtime::testing
