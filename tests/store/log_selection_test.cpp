#include "store/log_selection.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/memory_store.h"
#include "history_fixture.h"
#include "temp_dir.h"

namespace sluice::store::testing {
namespace {

class LogSelectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(seed_history(store_).ok());
    auto detail = store_.load_run(1);
    ASSERT_TRUE(detail.ok());
    detail_ = *detail;
  }
  std::vector<std::string> select(const std::string& selector) {
    auto selected = select_attempts(detail_, selector);
    EXPECT_TRUE(selected.ok()) << selected.error().message;
    std::vector<std::string> out;
    if (!selected) return out;
    for (const auto& a : *selected)
      out.push_back(fmt::format("{}/{}#{}", a.job_key, a.step_index + 1, a.attempt));
    return out;
  }
  engine::MemoryStore store_;
  engine::RunDetail detail_;
};

TEST_F(LogSelectionTest, EmptySelectsEverythingInRunOrder) {
  EXPECT_EQ(select(""), (std::vector<std::string>{"crawl (cases)/1#1", "crawl (cases)/2#1",
                                                  "crawl (cases)/2#2", "denormalize/1#1"}));
}

TEST_F(LogSelectionTest, JobsByKeyIdOrName) {
  std::vector<std::string> crawl = {"crawl (cases)/1#1", "crawl (cases)/2#1", "crawl (cases)/2#2"};
  EXPECT_EQ(select("crawl (cases)"), crawl);
  EXPECT_EQ(select("crawl"), crawl);  // the job id: every matrix instance
  EXPECT_EQ(select("Crawl"), crawl);  // the job name
}

TEST_F(LogSelectionTest, StepsByIdNameOrNumber) {
  std::vector<std::string> validate = {"crawl (cases)/2#1", "crawl (cases)/2#2"};
  EXPECT_EQ(select("crawl/validate"), validate);
  EXPECT_EQ(select("crawl (cases)/2"), validate);
  EXPECT_EQ(select("crawl/Fetch cases"), (std::vector<std::string>{"crawl (cases)/1#1"}));
  EXPECT_EQ(select("denormalize/Join tables"), (std::vector<std::string>{"denormalize/1#1"}));
}

TEST_F(LogSelectionTest, UnknownJobOrStepListsWhatExists) {
  auto job = select_attempts(detail_, "deploy");
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().message, "run 1 has no job 'deploy' (jobs: crawl (cases), denormalize)");
  auto step = select_attempts(detail_, "crawl/9");
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().message,
            "job 'crawl (cases)' of run 1 has no step '9' (steps: 1 Fetch cases, 2 validate)");
}

TEST_F(LogSelectionTest, HeadersNameJobStepAndAttempt) {
  EXPECT_EQ(attempt_header(detail_, detail_.attempts[1]),
            "==> crawl (cases) / 2. validate / attempt 1 of 2 [failure] <==");
  EXPECT_EQ(attempt_header(detail_, detail_.attempts[3]),
            "==> denormalize / 1. Join tables / attempt 1 of 1 [success] <==");
}

TEST(LogTail, CopiesOnlyWholeLinesUntilFinal) {
  TempDir dir;
  auto path = dir.path() / "a.log";
  LogTail tail(path);
  std::ostringstream out;
  EXPECT_EQ(tail.copy_new(out), 0u);  // missing file: nothing yet
  std::ofstream(path, std::ios::app) << "one\ntw";
  EXPECT_EQ(tail.copy_new(out), 4u);
  EXPECT_EQ(out.str(), "one\n");
  std::ofstream(path, std::ios::app) << "o\nthree";
  tail.copy_new(out);
  EXPECT_EQ(out.str(), "one\ntwo\n");
  tail.copy_new(out, /*final=*/true);
  EXPECT_EQ(out.str(), "one\ntwo\nthree");
  EXPECT_EQ(tail.offset(), 13u);
}

}  // namespace
}  // namespace sluice::store::testing
