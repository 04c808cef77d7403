// The files a step keeps on disk hold secrets: private (0700 directory, 0600 files) while
// the step runs, whatever the umask, and gone once it ends, whatever way it ends.
#include "exec/step_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>

#include "core/secret_masker.h"
#include "exec/local_process_executor.h"
#include "memory_log.h"

namespace sluice::exec {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using engine::StepOutcome;
using engine::StepRequest;
using testing::MemoryLog;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Sets the process umask for the lifetime of the object.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

class StepFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    base_ = fs::path(::testing::TempDir()) /
            ("sluice_step_files_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(base_ / "work");
    base_ = fs::canonical(base_);
    root_ = (base_ / "files").string();
    ASSERT_TRUE(create_private_directory(root_).ok());
  }
  void TearDown() override { fs::remove_all(base_); }

  // What is left under the root of the step files.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(root_))
      out.push_back(entry.path().string());
    return out;
  }

  StepRequest request(std::string script, std::string shell = "") {
    StepRequest r;
    r.shell = std::move(shell);
    r.script = std::move(script);
    r.step_files_dir = root_;
    const char* path = std::getenv("PATH");
    r.env = {{"PATH", path != nullptr ? path : "/usr/bin:/bin"}};
    r.working_directory = (base_ / "work").string();
    r.masker = std::make_shared<SecretMasker>();
    r.log = log_;
    return r;
  }

  StepOutcome run(StepRequest r) {
    std::promise<StepOutcome> done;
    executor_.start(std::move(r), [&](StepOutcome o) { done.set_value(std::move(o)); });
    auto future = done.get_future();
    if (future.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "step did not finish";
      std::abort();  // the executor still references this test's state
    }
    return future.get();
  }

  fs::path base_;
  std::string root_;
  std::shared_ptr<MemoryLog> log_ = std::make_shared<MemoryLog>();
  LocalProcessExecutor executor_{LocalProcessExecutor::Options{200ms, 64 * 1024, false, nullptr}};
};

TEST_F(StepFilesTest, PrivateWhateverTheUmask) {
  ScopedUmask open_umask(0);
  EXPECT_EQ(mode_of(root_), 0700u) << "create_private_directory";
  {
    Result<StepFiles> files = StepFiles::create(root_, 7);
    ASSERT_TRUE(files.ok()) << files.error().message;
    EXPECT_EQ(mode_of(files->directory()), 0700u);
    for (CommandFile file : kCommandFiles) EXPECT_EQ(mode_of(files->path(file)), 0600u);
    Result<std::string> script = files->write_script(".sh", "", "echo secret", "");
    ASSERT_TRUE(script.ok()) << script.error().message;
    EXPECT_EQ(mode_of(*script), 0700u);
  }
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "the destructor removes everything";
}

TEST_F(StepFilesTest, ADirectoryPlantedBeforehandIsRefused) {
  std::string planted = root_ + "/step-9";
  ASSERT_EQ(::mkdir(planted.c_str(), 0777), 0);
  Result<StepFiles> files = StepFiles::create(root_, 9);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("step-9"), std::string::npos) << files.error().message;
  EXPECT_TRUE(fs::is_directory(planted)) << "someone else's directory is left alone";
  EXPECT_FALSE(create_private_directory(planted).ok());
}

TEST_F(StepFilesTest, RemoveTakesWhatTheStepAddedAndCanBeRepeated) {
  Result<StepFiles> files = StepFiles::create(root_, 3);
  ASSERT_TRUE(files.ok());
  std::ofstream(files->directory() + "/extra") << "x";
  files->remove();
  files->remove();
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(StepFilesTest, PrivateWhileTheStepRuns) {
  ScopedUmask open_umask(0);
  StepOutcome o =
      run(request("stat -c %a \"$(dirname \"$GITHUB_ENV\")\" \"$GITHUB_OUTPUT\" \"$GITHUB_ENV\" "
                  "\"$GITHUB_PATH\" \"$GITHUB_STEP_SUMMARY\" \"$GITHUB_STATE\" \"$0\"",
                  "bash"));
  EXPECT_EQ(o.exit_code, 0) << o.error_message;
  EXPECT_EQ(log_->all(),
            (std::vector<std::string>{"700", "600", "600", "600", "600", "600", "700"}));
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(StepFilesTest, NothingIsLeftWhateverWayTheStepEnds) {
  EXPECT_TRUE(run(request("echo k=v >> \"$GITHUB_OUTPUT\"")).succeeded());
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "success";

  EXPECT_EQ(run(request("exit 3")).exit_code, 3);
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "failure";

  StepOutcome malformed = run(request("echo 'k<<EOF' >> \"$GITHUB_ENV\""));
  EXPECT_FALSE(malformed.error_message.empty());
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "malformed command file";

  EXPECT_EQ(run(request("touch \"$(dirname \"$GITHUB_ENV\")/mine\"")).exit_code, 0);
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "a file the step added";

  StepRequest bad_pattern = request("true");
  bad_pattern.log_pattern = "(unclosed";  // refused after the files were written
  EXPECT_FALSE(run(bad_pattern).started);
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "start failure";

  StepRequest missing_program = request("true", "no-such-program-x {0}");
  EXPECT_FALSE(run(missing_program).started);
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "shell not found";

  std::promise<StepOutcome> done;
  engine::ExecutionId id = executor_.start(request("echo up; sleep 100"),
                                           [&](StepOutcome o) { done.set_value(std::move(o)); });
  ASSERT_TRUE(log_->wait_for("up"));
  executor_.cancel(id);  // a timeout is a cancel too
  EXPECT_TRUE(done.get_future().get().cancelled);
  EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "cancel";
}

TEST_F(StepFilesTest, NothingIsLeftWhenTheExecutorShutsDown) {
  std::promise<StepOutcome> done;
  {
    LocalProcessExecutor executor(LocalProcessExecutor::Options{200ms, 1024, false, nullptr});
    executor.start(request("echo up; sleep 100"),
                   [&](StepOutcome o) { done.set_value(std::move(o)); });
    ASSERT_TRUE(log_->wait_for("up"));
    EXPECT_EQ(leftovers().size(), 7u) << "directory, script and five command files while it runs";
  }
  EXPECT_TRUE(done.get_future().get().cancelled);
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(StepFilesTest, AMissingWorkingDirectoryIsAStartErrorWithItsPosition) {
  StepRequest r = request("true");
  r.working_directory = (base_ / "missing").string();
  r.working_directory_pos = SourcePos{"ci.yml", 12, 28};
  StepOutcome o = run(r);
  EXPECT_FALSE(o.started);
  EXPECT_EQ(o.error_message,
            "ci.yml:12:28: working-directory '" + r.working_directory + "' does not exist");
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

}  // namespace
}  // namespace sluice::exec
