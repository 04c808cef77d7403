#include "store/job_log.h"

#include <gtest/gtest.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

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

// A disk with room for `budget` more bytes: a write past it is cut short, the next one
// fails with ENOSPC, as on a full file system.
struct FillingDisk {
  std::shared_ptr<int64_t> budget;
  ssize_t operator()(int fd, const iovec* parts, int count) const {
    if (*budget <= 0) {
      errno = ENOSPC;
      return -1;
    }
    std::vector<iovec> fitting;
    int64_t room = *budget;
    for (int i = 0; i < count && room > 0; ++i) {
      size_t take = std::min<size_t>(parts[i].iov_len, static_cast<size_t>(room));
      fitting.push_back({parts[i].iov_base, take});
      room -= static_cast<int64_t>(take);
    }
    ssize_t written = ::writev(fd, fitting.data(), static_cast<int>(fitting.size()));
    if (written > 0) *budget -= written;
    return written;
  }
};

TEST(JobLog, AnAttemptCountsOnlyTheLinesThatReachedAFullDisk) {
  TempDir dir;
  FileLogWriterOptions options;
  auto budget = std::make_shared<int64_t>(20);
  options.writev = FillingDisk{budget};
  auto job = std::make_shared<JobLog>(dir.path() / "j-1.log", options);
  int64_t offset = -1;
  auto first = job->open_attempt(&offset);
  first->append_line("fits");  // 5 bytes, flushed when the attempt ends
  first->close();
  EXPECT_EQ(first->lines(), 1);
  EXPECT_EQ(first->bytes(), 5);
  auto second = job->open_attempt(&offset);
  EXPECT_EQ(offset, 5);
  for (int i = 0; i < 3; ++i) second->append_line("0123456789");  // 33 bytes, 15 fit
  second->close();
  EXPECT_NE(second->error().find("No space left on device"), std::string::npos) << second->error();
  // The buffer was lost with the failed write: none of its lines is claimed as stored.
  EXPECT_EQ(second->lines(), 0);
  EXPECT_EQ(second->bytes(), 0);
  EXPECT_EQ(read_file(dir.path() / "j-1.log").substr(0, 5), "fits\n");
}

}  // namespace
}  // namespace sluice::store
