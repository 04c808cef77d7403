#include "store/file_log_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "temp_dir.h"

namespace sluice::store {
namespace {

using namespace std::chrono_literals;
using testing::read_file;
using testing::TempDir;

// Resident memory of this process in KiB, from /proc (Linux).
long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TEST(FileLogWriter, StoresEachLineWithANewlineAndCountsThem) {
  TempDir dir;
  auto writer = FileLogWriter::open(dir.path() / "a.log");
  ASSERT_TRUE(writer.ok());
  (*writer)->append_line("one");
  (*writer)->append_line("");
  (*writer)->append_line("three \r with a carriage return");
  EXPECT_EQ((*writer)->lines(), 3);
  EXPECT_EQ((*writer)->bytes(), 4 + 1 + 31);
  (*writer)->close();
  EXPECT_EQ(read_file(dir.path() / "a.log"), "one\n\nthree \r with a carriage return\n");
  EXPECT_EQ((*writer)->write_error(), "");
}

TEST(FileLogWriter, ReopeningAppends) {
  TempDir dir;
  for (const char* line : {"first", "second"}) {
    auto writer = FileLogWriter::open(dir.path() / "a.log");
    ASSERT_TRUE(writer.ok());
    (*writer)->append_line(line);
  }  // the destructor closes and flushes
  EXPECT_EQ(read_file(dir.path() / "a.log"), "first\nsecond\n");
}

TEST(FileLogWriter, AFullBufferIsWrittenOutAtOnce) {
  TempDir dir;
  FileLogWriterOptions options;
  options.buffer_bytes = 1024;
  options.flush_interval = 1h;  // only size may trigger the write here
  auto writer = FileLogWriter::open(dir.path() / "a.log", options);
  ASSERT_TRUE(writer.ok());
  std::string line(99, 'x');  // 100 bytes with its newline
  for (int i = 0; i < 10; ++i) (*writer)->append_line(line);
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "a.log"), 0u);
  EXPECT_EQ((*writer)->buffered_bytes(), 1000u);
  (*writer)->append_line(line);  // would overflow: the first 10 lines go to disk
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "a.log"), 1000u);
  EXPECT_EQ((*writer)->buffered_bytes(), 100u);
}

TEST(FileLogWriter, AQuietLogIsFlushedByTimeSoFollowersSeeIt) {
  TempDir dir;
  FileLogWriterOptions options;
  options.flush_interval = 50ms;
  auto writer = FileLogWriter::open(dir.path() / "a.log", options);
  ASSERT_TRUE(writer.ok());
  (*writer)->append_line("progress 1");
  // Not closed, buffer far from full: only the background flusher can write it.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (read_file(dir.path() / "a.log").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(read_file(dir.path() / "a.log"), "progress 1\n");
  EXPECT_EQ((*writer)->buffered_bytes(), 0u);
}

TEST(FileLogWriter, LinesLongerThanTheBufferKeepTheirOrder) {
  TempDir dir;
  FileLogWriterOptions options;
  options.buffer_bytes = 64;
  auto writer = FileLogWriter::open(dir.path() / "a.log", options);
  ASSERT_TRUE(writer.ok());
  std::string big(10'000, 'b');
  (*writer)->append_line("before");
  (*writer)->append_line(big);
  (*writer)->append_line("after");
  EXPECT_LE((*writer)->buffered_bytes(), 64u);
  (*writer)->close();
  EXPECT_EQ(read_file(dir.path() / "a.log"), "before\n" + big + "\nafter\n");
}

// 64 MiB of log through a 64 KiB buffer: the process must not grow with the log.
TEST(FileLogWriter, ALargeLogKeepsMemoryBounded) {
  TempDir dir;
  auto writer = FileLogWriter::open(dir.path() / "big.log");
  ASSERT_TRUE(writer.ok());
  std::string line(127, 'z');
  const int kLines = 512 * 1024;  // 64 MiB with newlines
  long rss_before = resident_kib();
  size_t max_buffered = 0;
  for (int i = 0; i < kLines; ++i) {
    (*writer)->append_line(line);
    if (i % 1024 == 0) max_buffered = std::max(max_buffered, (*writer)->buffered_bytes());
  }
  long rss_after = resident_kib();
  (*writer)->close();
  EXPECT_LE(max_buffered, (*writer)->buffer_capacity());
  EXPECT_EQ((*writer)->lines(), kLines);
  EXPECT_EQ((*writer)->bytes(), int64_t{kLines} * 128);
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "big.log"), uint64_t{kLines} * 128);
  ASSERT_GT(rss_before, 0);
  EXPECT_LT(rss_after - rss_before, 8 * 1024)
      << "RSS grew from " << rss_before << " KiB to " << rss_after;
}

TEST(FileLogWriter, AWriteErrorIsReportedNotSwallowed) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  FileLogWriterOptions options;
  options.buffer_bytes = 16;
  auto writer = FileLogWriter::open("/dev/full", options);
  ASSERT_TRUE(writer.ok());
  (*writer)->append_line("0123456789");
  (*writer)->append_line("0123456789");  // forces the first flush, which fails (ENOSPC)
  (*writer)->append_line("more");
  EXPECT_NE((*writer)->write_error().find("/dev/full"), std::string::npos)
      << (*writer)->write_error();
  EXPECT_EQ((*writer)->dropped_lines(), 3);
  EXPECT_EQ((*writer)->lines(), 0);
  EXPECT_EQ((*writer)->bytes(), 0);
  (*writer)->close();
}

TEST(FileLogWriter, OpeningInAMissingDirectoryFails) {
  TempDir dir;
  auto writer = FileLogWriter::open(dir.path() / "missing" / "a.log");
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find("missing"), std::string::npos);
}

}  // namespace
}  // namespace sluice::store
