#include "store/run_json.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "engine/memory_store.h"
#include "history_fixture.h"
#include "store/run_report.h"

namespace sluice::store::testing {
namespace {

using nlohmann::json;

class RunJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
    ASSERT_TRUE(seed_history(store_).ok());
    auto detail = store_.load_run(1);
    ASSERT_TRUE(detail.ok());
    view_.detail = *detail;
    view_.summaries = {{"denormalize", "### Joined\n\n| t | rows |\n"}};
    Artifact artifact;
    artifact.id = 7;
    artifact.run_id = 1;
    artifact.job = "crawl (cases)";
    artifact.name = "cases.csv";
    artifact.size = 2048;
    artifact.digest = "sha256:abc";
    artifact.created_ms = kT0 + 2000;
    artifact.expires_ms = kT0 + 86'400'000;
    view_.artifacts = {artifact};
  }
  engine::MemoryStore store_;
  RunView view_;
};

TEST(Iso8601, UtcWithMillisecondsAndEmptyForZero) {
  EXPECT_EQ(iso8601_utc(kT0 + 42), "2025-11-29T19:30:00.042Z");
  EXPECT_EQ(iso8601_utc(0), "");
  EXPECT_EQ(iso8601_utc(-5), "");
}

TEST_F(RunJsonTest, SummaryHasSnakeCaseFieldsTimesTwiceAndLowerCaseStatus) {
  json run = run_summary_json(view_.detail.run, kT0 + 99'000);
  EXPECT_EQ(run["id"], 1);
  EXPECT_EQ(run["run_number"], 1);
  EXPECT_EQ(run["workflow_file"], ".github/workflows/etl.yml");
  EXPECT_EQ(run["workflow_name"], "ETL");
  EXPECT_EQ(run["event"], "workflow_dispatch");
  EXPECT_EQ(run["status"], "success");
  EXPECT_EQ(run["inputs"]["month"], "2025-11");
  EXPECT_EQ(run["created_ms"], kT0);
  EXPECT_EQ(run["created_at"], "2025-11-29T19:30:00.000Z");
  EXPECT_EQ(run["finished_at"], "2025-11-29T19:30:04.200Z");
  EXPECT_EQ(run["duration_ms"], 4200);
  EXPECT_TRUE(run["project"].is_null());
  EXPECT_EQ(run_summary_json(view_.detail.run, kT0, "etl")["project"], "etl");
}

TEST_F(RunJsonTest, RunningRunCountsDurationToNowAndUnsetTimesAreNull) {
  auto running = store_.load_run(2);
  ASSERT_TRUE(running.ok());
  json run = run_summary_json(running->run, kT0 + 75'000);
  EXPECT_EQ(run["status"], "running");
  EXPECT_EQ(run["duration_ms"], 15'000);
  EXPECT_TRUE(run["finished_at"].is_null());
  EXPECT_EQ(run["finished_ms"], 0);
  EXPECT_TRUE(run["inputs"].is_null());

  engine::RunRecord queued;
  json q = run_summary_json(queued, kT0);
  EXPECT_TRUE(q["duration_ms"].is_null());
  EXPECT_TRUE(q["started_at"].is_null());
}

TEST_F(RunJsonTest, PageListsRunsAndCursor) {
  auto runs = store_.list_runs(0);
  ASSERT_TRUE(runs.ok());
  json page = run_page_json({*runs, "", {}}, kT0);
  ASSERT_EQ(page["runs"].size(), 2u);
  EXPECT_EQ(page["runs"][0]["id"], 2);
  EXPECT_TRUE(page["next_cursor"].is_null());
  EXPECT_EQ(run_page_json({{}, "abc", {}}, kT0)["next_cursor"], "abc");
}

TEST_F(RunJsonTest, DetailNestsStepsAndAttemptsAndEmbedsStoredJson) {
  json out = run_detail_json(view_, kT0);
  EXPECT_EQ(out["run"]["id"], 1);
  EXPECT_EQ(out["run"]["inputs"]["month"], "2025-11");
  EXPECT_EQ(out["statistics"]["total"], 2);
  EXPECT_EQ(out["statistics"]["succeeded"], 2);
  EXPECT_EQ(out["statistics"]["summary"],
            "2 actions: 2 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running");
  EXPECT_EQ(out["step_statistics"]["total"], 3);
  EXPECT_EQ(out["step_statistics"]["summary"],
            "3 steps: 3 succeeded, 0 failed, 0 timed out, 0 cancelled, 0 skipped, 0 running");
  ASSERT_EQ(out["jobs"].size(), 2u);
  EXPECT_EQ(out["jobs"][0]["key"], "crawl (cases)");
  EXPECT_EQ(out["jobs"][0]["matrix"]["dataset"], "cases");
  EXPECT_EQ(out["jobs"][0]["outputs"]["rows"], "120");
  EXPECT_EQ(out["jobs"][0]["started_at"], "2025-11-29T19:30:00.000Z");
  ASSERT_EQ(out["jobs"][0]["steps"].size(), 2u);
  EXPECT_EQ(out["jobs"][0]["steps"][1]["number"], 2);
  EXPECT_EQ(out["jobs"][0]["steps"][1]["attempt_count"], 2);
  ASSERT_EQ(out["jobs"][0]["steps"][1]["attempts"].size(), 2u);
  EXPECT_EQ(out["jobs"][0]["steps"][1]["attempts"][0]["status"], "failure");
  EXPECT_EQ(out["jobs"][0]["steps"][1]["attempts"][0]["failure_class"], "exit-code");
  EXPECT_EQ(out["jobs"][0]["steps"][1]["attempts"][1]["finished_at"], "2025-11-29T19:30:03.000Z");
  EXPECT_EQ(out["annotations"][0]["file"], "data/population.csv");
  EXPECT_EQ(out["annotations"][0]["level"], "warning");
  EXPECT_EQ(out["summaries"][0]["job_key"], "denormalize");
  EXPECT_EQ(out["artifacts"][0]["name"], "cases.csv");
  EXPECT_EQ(out["artifacts"][0]["size"], 2048);
  EXPECT_EQ(out["artifacts"][0]["created_at"], "2025-11-29T19:30:02.000Z");
}

// The web UI draws the job graph from each job's "needs" (always an array); it reads back.
TEST_F(RunJsonTest, JobsListWhatTheyNeed) {
  view_.detail.jobs[1].needs_json = "[\"crawl (cases)\"]";
  json out = run_detail_json(view_, kT0);
  EXPECT_EQ(out["jobs"][0]["needs"], json::array());
  EXPECT_EQ(out["jobs"][1]["needs"], json::array({"crawl (cases)"}));
  auto back = run_view_from_json(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->detail.jobs[0].needs_json, "");
  EXPECT_EQ(back->detail.jobs[1].needs_json, "[\"crawl (cases)\"]");
}

TEST_F(RunJsonTest, DumpSurvivesInvalidUtf8AndNonJsonOutputs) {
  view_.detail.jobs[0].outputs_json = "not json";
  view_.detail.jobs[0].name = std::string("bad \xff byte");
  json out = json::parse(dump_json(run_detail_json(view_, kT0)));
  EXPECT_EQ(out["jobs"][0]["outputs"], "not json");
  EXPECT_EQ(dump_json(json::object()), "{}\n");
}

// The client prints a run fetched from a server with the local printers: what comes back
// from the JSON must print exactly as the records it was made from.
TEST_F(RunJsonTest, DetailRoundTripsToTheSameShowText) {
  view_.project = "etl";
  std::string text = dump_json(run_detail_json(view_, kT0));
  auto back = run_view_from_json(json::parse(text));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(format_run_detail(back->detail, kT0 + 75'000),
            format_run_detail(view_.detail, kT0 + 75'000));
  EXPECT_EQ(back->detail.attempts.size(), view_.detail.attempts.size());
  EXPECT_EQ(back->detail.attempts[1].failure_class, FailureClass::kExitCode);
  EXPECT_EQ(back->detail.attempts[1].log_bytes, view_.detail.attempts[1].log_bytes);
  EXPECT_EQ(back->detail.annotations[0].line, 17);
  EXPECT_EQ(back->detail.jobs[0].matrix_json, R"({"dataset":"cases"})");
  EXPECT_EQ(back->project, "etl");
  ASSERT_EQ(back->summaries.size(), 1u);
  EXPECT_EQ(back->summaries[0].markdown, view_.summaries[0].markdown);
  ASSERT_EQ(back->artifacts.size(), 1u);
  EXPECT_EQ(back->artifacts[0].digest, "sha256:abc");
  // ... and serialises again to the same JSON.
  EXPECT_EQ(dump_json(run_detail_json(*back, kT0)), text);
}

TEST_F(RunJsonTest, PageRoundTripsToTheSameTable) {
  auto runs = store_.list_runs(0);
  ASSERT_TRUE(runs.ok());
  auto back = run_page_from_json(run_page_json({*runs, "next", {{2, "etl"}}}, kT0));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->next_cursor, "next");
  EXPECT_EQ(back->projects, (std::map<int64_t, std::string>{{2, "etl"}}));
  EXPECT_EQ(format_run_table(back->runs, kT0 + 75'000), format_run_table(*runs, kT0 + 75'000));
}

TEST(RunJsonParse, UnknownFieldsAreIgnoredWrongTypesAreErrors) {
  auto ok = run_view_from_json(
      json::parse(R"({"run":{"id":5,"status":"failure","new_field":[1]},"jobs":[],"extra":{}})"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->detail.run.id, 5);
  EXPECT_EQ(ok->detail.run.status, engine::RunStatus::kFailure);

  auto wrong = run_view_from_json(json::parse(R"({"run":{"id":"five"}})"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("run detail"), std::string::npos);
  EXPECT_FALSE(run_view_from_json(json::parse(R"([1,2])")).ok());
  EXPECT_FALSE(run_view_from_json(json::parse(R"({"run":{},"jobs":{}})")).ok());
  EXPECT_FALSE(run_page_from_json(json::parse(R"({"runs":[3]})")).ok());
}

TEST(SplitStepSummaries, SplitsOnKnownJobHeadingsOnly) {
  std::vector<engine::JobRecord> jobs(2);
  jobs[0].key = "build";
  jobs[1].key = "test (linux)";
  std::string file =
      "## build\n\n# Build\n## details\nok\n\n"
      "## test (linux)\n\n12 passed\n\n";
  auto parts = split_step_summaries(file, jobs);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].job_key, "build");
  EXPECT_EQ(parts[0].markdown, "# Build\n## details\nok\n");
  EXPECT_EQ(parts[1].job_key, "test (linux)");
  EXPECT_EQ(parts[1].markdown, "12 passed\n");
  EXPECT_TRUE(split_step_summaries("", jobs).empty());
}

}  // namespace
}  // namespace sluice::store::testing
