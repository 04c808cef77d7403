// The trigger loop with a manual clock and a recording `fire`: a real Controller (for its
// projects and workflow listing) over a real local repository, no HTTP, no runs.
#include "server/trigger_loop.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include "../git_test_repository.h"
#include "../store/temp_dir.h"
#include "server/controller.h"

namespace sluice::server {
namespace {

namespace fs = std::filesystem;
using sluice::testing::TestRepository;
using store::testing::TempDir;

// 2026-12-03 03:59:30 UTC
constexpr std::time_t kStart = 1796270370;

class TriggerLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_.write(".github/workflows/nightly.yml",
                "on:\n  schedule:\n    - cron: '0 4 * * *'\n"
                "jobs:\n  a:\n    runs-on: local\n    steps:\n      - run: echo nightly\n");
    repo_.write(".github/workflows/push.yml",
                "on:\n  push:\n    branches: [main]\n"
                "jobs:\n  a:\n    runs-on: local\n    steps:\n      - run: echo push\n");
    repo_.commit("init");
    ControllerOptions options;
    options.data_dir = dir_.path() / "data";
    ProjectConfig project;
    project.name = "app";
    project.repository = repo_.path().string();
    project.branches = {"main"};
    project.poll_interval_seconds = 1;
    options.projects.push_back(project);
    auto controller = Controller::open(options);
    if (!controller.ok()) throw std::runtime_error(controller.error().message);
    controller_ = std::move(*controller);
  }

  std::unique_ptr<TriggerLoop> make_loop() {
    TriggerLoopOptions options;
    options.state_dir = dir_.path() / "data" / "triggers";
    options.now = [this] { return now_; };
    options.fire = [this](const std::string& project, plan::Event event) {
      EXPECT_EQ(project, "app");
      fired_.push_back(std::move(event));
      return Result<std::vector<int64_t>>(std::vector<int64_t>{});
    };
    return std::make_unique<TriggerLoop>(*controller_, options);
  }

  TempDir dir_;
  TestRepository repo_{dir_.path() / "app"};
  std::unique_ptr<Controller> controller_;
  std::time_t now_ = kStart;
  std::vector<plan::Event> fired_;
};

TEST_F(TriggerLoopTest, PollsPushesAndFiresTheScheduleAtItsMinute) {
  auto loop = make_loop();
  loop->tick();  // first sight: refs recorded, nothing fires; 03:59 is not 04:00
  EXPECT_TRUE(fired_.empty());

  std::string head = repo_.commit("work");
  now_ += 2;
  loop->tick();
  ASSERT_EQ(fired_.size(), 1u);
  EXPECT_EQ(fired_[0].name, "push");
  EXPECT_EQ(fired_[0].ref, "refs/heads/main");
  EXPECT_EQ(fired_[0].sha, head);
  ASSERT_TRUE(fired_[0].changed_paths);  // an empty commit changes nothing
  EXPECT_TRUE(fired_[0].changed_paths->empty());

  now_ = kStart + 29;  // 03:59:59
  loop->tick();
  EXPECT_EQ(fired_.size(), 1u);
  now_ = kStart + 30;  // 04:00:00
  loop->tick();
  ASSERT_EQ(fired_.size(), 2u);
  EXPECT_EQ(fired_[1].name, "schedule");
  EXPECT_EQ(fired_[1].ref, "refs/heads/main");
  EXPECT_EQ(fired_[1].sha, head);
  EXPECT_EQ(fired_[1].payload.get("schedule").to_string(), "0 4 * * *");
  now_ = kStart + 89;  // 04:00:59: the same minute
  loop->tick();
  EXPECT_EQ(fired_.size(), 2u);

  // A webhook claiming the ref the poll already fired gets false: it fires nothing.
  EXPECT_FALSE(loop->claim_push("app", "refs/heads/main", head));
  // A webhook first: the poll then sees nothing new.
  std::string next = repo_.commit("next");
  EXPECT_TRUE(loop->claim_push("app", "refs/heads/main", next));
  now_ += 2;
  loop->tick();
  EXPECT_EQ(fired_.size(), 2u);
}

TEST_F(TriggerLoopTest, RestartRemembersRefsAndFiresAMissedScheduleOnce) {
  {
    auto loop = make_loop();
    loop->tick();
  }
  std::string while_down = repo_.commit("while down");
  now_ = kStart + 3 * 3600;  // 06:59:30: 04:00 was missed
  auto loop = make_loop();
  loop->tick();
  ASSERT_EQ(fired_.size(), 2u);
  EXPECT_EQ(fired_[0].name, "push");
  EXPECT_EQ(fired_[0].sha, while_down);
  EXPECT_EQ(fired_[1].name, "schedule");
  now_ += 60;
  loop->tick();
  EXPECT_EQ(fired_.size(), 2u);
  EXPECT_TRUE(fs::exists(dir_.path() / "data" / "triggers" / "state.json"));
}

TEST_F(TriggerLoopTest, CorruptStateIsMovedAsideAndStartsAfresh) {
  fs::create_directories(dir_.path() / "data" / "triggers");
  std::ofstream(dir_.path() / "data" / "triggers" / "state.json") << "{oops";
  auto loop = make_loop();
  ASSERT_TRUE(loop->start().ok());
  loop->stop();
  EXPECT_TRUE(fs::exists(dir_.path() / "data" / "triggers" / "state.json.corrupt"));
}

TEST(TriggerClock, TestOffsetShiftsTheClock) {
  ::setenv("SLUICE_TEST_CLOCK_OFFSET_SECONDS", "-86400", 1);
  std::time_t shifted = trigger_clock_now();
  ::unsetenv("SLUICE_TEST_CLOCK_OFFSET_SECONDS");
  std::time_t now = trigger_clock_now();
  EXPECT_NEAR(static_cast<double>(now - shifted), 86400.0, 5.0);
}

}  // namespace
}  // namespace sluice::server
