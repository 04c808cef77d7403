#include "store/job_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace sluice::store {
namespace {

using testing::read_file;
using testing::TempDir;

TEST(JobLog, StepAttemptsAreConsecutiveSlicesOfOneFile) {
  TempDir dir;
  auto file = dir.path() / "logs" / "1" / "build-1.log";
  auto job = std::make_shared<JobLog>(file, FileLogWriterOptions{});
  int64_t first_offset = -1;
  auto first = job->open_attempt(&first_offset);
  first->append_line("one");
  first->append_line("two");
  first->close();
  int64_t second_offset = -1;
  auto second = job->open_attempt(&second_offset);
  second->append_line("three");
  second->close();

  EXPECT_EQ(first_offset, 0);
  EXPECT_EQ(first->lines(), 2);
  EXPECT_EQ(first->bytes(), 8);
  EXPECT_EQ(second_offset, 8);  // where the first attempt's text ends
  EXPECT_EQ(second->bytes(), 6);
  // A closed attempt's text is on disk at once, before the job's log closes.
  EXPECT_EQ(read_file(file), "one\ntwo\nthree\n");
  second->append_line("after close: ignored");
  job->close();
  EXPECT_EQ(read_file(file), "one\ntwo\nthree\n");
  EXPECT_EQ(job->error(), "");
}

TEST(JobLog, AJobThatPrintsNothingCreatesNoFile) {
  TempDir dir;
  auto file = dir.path() / "logs" / "1" / "quiet-1.log";
  auto job = std::make_shared<JobLog>(file, FileLogWriterOptions{});
  int64_t offset = -1;
  for (int i = 0; i < 3; ++i) job->open_attempt(&offset)->close();
  job->close();
  EXPECT_EQ(offset, 0);
  EXPECT_FALSE(std::filesystem::exists(file.parent_path()));
}

TEST(JobLog, LinesThatCannotBeWrittenAreNotCountedAndTheErrorIsKept) {
  TempDir dir;
  std::ofstream(dir.path() / "not-a-dir") << "x";
  auto job = std::make_shared<JobLog>(dir.path() / "not-a-dir" / "j-1.log", FileLogWriterOptions{});
  int64_t offset = -1;
  auto attempt = job->open_attempt(&offset);
  attempt->append_line("lost");
  attempt->close();
  EXPECT_EQ(attempt->lines(), 0);
  EXPECT_EQ(attempt->bytes(), 0);
  EXPECT_NE(job->error().find("cannot create log directory"), std::string::npos) << job->error();
}

}  // namespace
}  // namespace sluice::store
