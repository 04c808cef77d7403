#include "store/log_paths.h"

#include <gtest/gtest.h>

namespace sluice::store {
namespace {

TEST(SanitizePathComponent, KeepsSafeNamesUnchanged) {
  EXPECT_EQ(sanitize_path_component("build"), "build");
  EXPECT_EQ(sanitize_path_component("build-1.2_x"), "build-1.2_x");
}

TEST(SanitizePathComponent, ReplacesUnsafeCharactersAndAddsAHash) {
  std::string matrix = sanitize_path_component("build (linux, 18)");
  EXPECT_EQ(matrix.substr(0, 18), "build__linux__18_-");
  EXPECT_EQ(matrix.size(), 18u + 8u);
  // Keys that differ only in replaced characters stay apart.
  EXPECT_NE(sanitize_path_component("a b"), sanitize_path_component("a_b"));
  EXPECT_NE(sanitize_path_component("a b"), sanitize_path_component("a/b"));
}

TEST(SanitizePathComponent, NeverEscapesTheDirectory) {
  for (std::string key : {"..", "../../etc", ".hidden", "a/../b", "/abs", ""}) {
    std::string out = sanitize_path_component(key);
    EXPECT_FALSE(out.empty()) << key;
    EXPECT_NE(out.front(), '.') << key;
    EXPECT_EQ(out.find('/'), std::string::npos) << key;
    EXPECT_NE(out, "..");
  }
}

TEST(SanitizePathComponent, BoundsTheLength) {
  std::string out = sanitize_path_component(std::string(1000, 'j'));
  EXPECT_LE(out.size(), 80u + 9u);
  EXPECT_NE(sanitize_path_component(std::string(1000, 'j')),
            sanitize_path_component(std::string(999, 'j')));
}

TEST(JobLogPath, NamesRunJobAndJobAttempt) {
  EXPECT_EQ(job_log_path(12, "test", 2), "logs/12/test-2.log");
  EXPECT_EQ(step_summary_path(12), "logs/12/summary.md");
  EXPECT_EQ(job_log_path(12, "../x", 1), "logs/12/" + sanitize_path_component("../x") + "-1.log");
}

}  // namespace
}  // namespace sluice::store
