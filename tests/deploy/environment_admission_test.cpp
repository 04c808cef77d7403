// The protection rules on a manual clock, the in-memory store and a fake gate runner: no
// processes, no sleeps. Reviews arrive in the store as `sluice approve` writes them.
#include "deploy/environment_admission.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/memory_store.h"

namespace sluice::deploy {
namespace {

using engine::Admission;
using engine::DeploymentRecord;
using engine::DeploymentStatus;
using engine::DeploymentWait;
using engine::ReviewDecision;
using engine::RunStatus;

constexpr const char* kFile = R"(
environments:
  production:
    reviewers: [alice, ops-team, admins]
    prevent-self-review: true
    branches: [main]
    vars: {REGION: eu-west-1}
    approval-timeout: 1h
  timed: {wait-timer: 5}
  gated: {health-gates: [status, metrics]}
  single: {concurrency: 1}
  two-approvals: {reviewers: [alice, bob, carol], required-approvals: 2}
  open:
health-gates:
  status: {source: statuspage, url: 'http://127.0.0.1:1/summary.json'}
  metrics: {source: prometheus, url: 'http://127.0.0.1:1', query: up}
reviewer-groups:
  ops-team: [carol]
)";

class FakeGates : public HealthGateRunner {
 public:
  struct Started {
    std::string name;
    std::function<void(const std::string&)> progress;
    std::function<void(bool, const std::string&)> done;
    std::shared_ptr<bool> stopped = std::make_shared<bool>(false);
  };
  class Handle : public RunningGate {
   public:
    explicit Handle(std::shared_ptr<bool> stopped) : stopped_(std::move(stopped)) {}
    ~Handle() override { *stopped_ = true; }

   private:
    std::shared_ptr<bool> stopped_;
  };
  std::unique_ptr<RunningGate> start(const HealthGateSpec& gate,
                                     std::function<void(const std::string&)> progress,
                                     std::function<void(bool, const std::string&)> done) override {
    started.push_back({gate.name, std::move(progress), std::move(done)});
    return std::make_unique<Handle>(started.back().stopped);
  }
  std::vector<Started> started;
};

// What the engine sees of one admission.
struct Job {
  std::vector<std::string> reasons;
  std::optional<Admission> decision;
};

class EnvironmentAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Diagnostics d;
    auto file = parse_environments(kFile, "/repo/.sluice/environments.yml", d);
    ASSERT_TRUE(file) << d.format();
    file_ = *file;
  }

  EnvironmentAdmission& admission(const std::string& ref = "refs/heads/main",
                                  const std::string& creator = "bob") {
    AdmissionSettings settings{"deploy.yml", ref, "abc123", creator, 1000};
    auto groups = [](const std::string& name) -> std::optional<std::vector<std::string>> {
      if (name == "admins") return std::vector<std::string>{"root"};
      return std::nullopt;
    };
    admissions_.push_back(std::make_unique<EnvironmentAdmission>(
        file_, settings, store_, clock_, loop_, &gates_,
        [this](NotificationEvent e, const DeploymentRecord& d) {
          events_.push_back(std::string(to_string(e)) + " " + d.environment);
        },
        groups));
    return *admissions_.back();
  }

  int64_t new_run() {
    engine::RunRecord run;
    run.workflow_file = "deploy.yml";
    run.status = RunStatus::kRunning;
    EXPECT_TRUE(store_.create_run(run).ok());
    return run.id;
  }

  Job& admit(EnvironmentAdmission& a, const std::string& environment, int64_t run_id = 0,
             const std::string& key = "deploy") {
    if (run_id == 0) run_id = new_run();
    jobs_.push_back(std::make_unique<Job>());
    Job* job = jobs_.back().get();
    a.admit(
        {run_id, key, environment, ""},
        [job](const std::string& reason) { job->reasons.push_back(reason); },
        [job](Admission decision) { job->decision = std::move(decision); });
    return *job;
  }

  DeploymentRecord deployment(int64_t id) { return **store_.load_deployment(id); }
  DeploymentRecord only_deployment() {
    auto all = store_.list_deployments({});
    EXPECT_EQ(all->size(), 1u);
    return all->front();
  }
  void review(int64_t id, const std::string& user, ReviewDecision decision,
              const std::string& comment = "") {
    ASSERT_TRUE(store_.add_deployment_review({id, user, decision, comment, clock_.now_ms()}).ok());
  }
  void advance(int64_t ms) {
    clock_.advance_ms(ms);
    loop_.run_ready();
  }

  EnvironmentsFile file_;
  engine::MemoryStore store_;
  engine::ManualClock clock_;
  engine::EventLoop loop_{clock_};
  FakeGates gates_;
  std::vector<std::string> events_;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<std::unique_ptr<EnvironmentAdmission>> admissions_;
};

TEST_F(EnvironmentAdmissionTest, WaitsForAReviewerThenAdmitsWithTheEnvironmentsVars) {
  Job& job = admit(admission(), "production");
  EXPECT_FALSE(job.decision);
  DeploymentRecord d = only_deployment();
  EXPECT_EQ(d.status, DeploymentStatus::kWaiting);
  EXPECT_EQ(d.waiting_on, DeploymentWait::kApproval);
  EXPECT_EQ(d.ref, "refs/heads/main");
  EXPECT_EQ(d.sha, "abc123");
  EXPECT_EQ(d.creator, "bob");
  EXPECT_EQ(d.job_key, "deploy");
  EXPECT_EQ(job.reasons.back(),
            "waiting for approval to deploy to 'production': 0 of 1 from alice, ops-team, "
            "admins; `sluice approve " +
                std::to_string(d.run_id) + " --env production` (expires after 1h)");
  EXPECT_THAT(events_, ::testing::ElementsAre("approval production"));

  review(d.id, "mallory", ReviewDecision::kApproved);  // not a reviewer: does not count
  review(d.id, "bob", ReviewDecision::kApproved);      // the run's own author: prevented
  advance(1000);
  EXPECT_FALSE(job.decision);
  review(d.id, "carol", ReviewDecision::kApproved);  // through the ops-team group
  advance(999);
  EXPECT_FALSE(job.decision);  // read at the next poll
  advance(1);
  ASSERT_TRUE(job.decision);
  EXPECT_TRUE(job.decision->admitted);
  EXPECT_EQ(job.decision->vars.at("REGION"), "eu-west-1");
  EXPECT_EQ(job.decision->deployment_id, d.id);
  EXPECT_EQ(deployment(d.id).status, DeploymentStatus::kInProgress);
  EXPECT_EQ(deployment(d.id).waiting_on, DeploymentWait::kNone);

  admissions_.back()->finished(d.run_id, "deploy", RunStatus::kSuccess);
  EXPECT_EQ(deployment(d.id).status, DeploymentStatus::kSuccess);
  EXPECT_EQ((*store_.last_good_deployment("production"))->id, d.id);
  EXPECT_THAT(events_, ::testing::ElementsAre("approval production", "success production"));
}

TEST_F(EnvironmentAdmissionTest, AnOsGroupMemberMayApprove) {
  Job& job = admit(admission(), "production");
  review(only_deployment().id, "root", ReviewDecision::kApproved);
  advance(1000);
  ASSERT_TRUE(job.decision);
  EXPECT_TRUE(job.decision->admitted);
}

TEST_F(EnvironmentAdmissionTest, ARejectionFailsTheJob) {
  Job& job = admit(admission(), "production");
  int64_t id = only_deployment().id;
  review(id, "alice", ReviewDecision::kRejected, "not on a Friday");
  advance(1000);
  ASSERT_TRUE(job.decision);
  EXPECT_FALSE(job.decision->admitted);
  EXPECT_EQ(job.decision->status, RunStatus::kFailure);
  EXPECT_EQ(job.decision->reason, "deployment to 'production' rejected by alice: not on a Friday");
  EXPECT_EQ(deployment(id).status, DeploymentStatus::kFailure);
  EXPECT_EQ(deployment(id).reason, job.decision->reason);
  EXPECT_THAT(events_, ::testing::ElementsAre("approval production", "failure production"));
}

TEST_F(EnvironmentAdmissionTest, TwoApprovalsMeanTwoPeople) {
  Job& job = admit(admission(), "two-approvals");
  int64_t id = only_deployment().id;
  review(id, "alice", ReviewDecision::kApproved);
  review(id, "alice", ReviewDecision::kApproved);
  advance(1000);
  EXPECT_FALSE(job.decision);
  EXPECT_THAT(job.reasons.back(), ::testing::HasSubstr("1 of 2 from alice, bob, carol"));
  review(id, "bob", ReviewDecision::kApproved);
  advance(1000);
  ASSERT_TRUE(job.decision);
  EXPECT_TRUE(job.decision->admitted);
}

TEST_F(EnvironmentAdmissionTest, APendingApprovalExpires) {
  Job& job = admit(admission(), "production");
  advance(3600'000 - 1);
  EXPECT_FALSE(job.decision);
  advance(1);
  ASSERT_TRUE(job.decision);
  EXPECT_FALSE(job.decision->admitted);
  EXPECT_EQ(job.decision->reason,
            "the approval for 'production' expired after 1h (0 of 1 approvals)");
}

TEST_F(EnvironmentAdmissionTest, ADisallowedBranchFailsAtOnce) {
  Job& job = admit(admission("refs/heads/feature"), "production");
  ASSERT_TRUE(job.decision);  // decided inside admit(): it never waits
  EXPECT_FALSE(job.decision->admitted);
  EXPECT_EQ(job.decision->reason,
            "refs/heads/feature may not deploy to environment 'production' (allowed: main)");
  EXPECT_TRUE(job.reasons.empty());
  EXPECT_EQ(only_deployment().status, DeploymentStatus::kFailure);
}

TEST_F(EnvironmentAdmissionTest, TheWaitTimerHoldsTheJobForItsMinutes) {
  Job& job = admit(admission(), "timed");
  EXPECT_EQ(job.reasons.back(), "wait timer of 'timed': 5m 00s to go");
  EXPECT_EQ(only_deployment().waiting_on, DeploymentWait::kWaitTimer);
  advance(5 * 60'000 - 1);
  EXPECT_FALSE(job.decision);
  EXPECT_EQ(job.reasons.size(), 1u);  // said once, not counted down
  advance(1);
  ASSERT_TRUE(job.decision);
  EXPECT_TRUE(job.decision->admitted);
}

TEST_F(EnvironmentAdmissionTest, HealthGatesRunOneAfterTheOther) {
  Job& job = admit(admission(), "gated");
  ASSERT_EQ(gates_.started.size(), 1u);
  EXPECT_EQ(gates_.started[0].name, "status");
  EXPECT_EQ(only_deployment().waiting_on, DeploymentWait::kHealthGate);
  gates_.started[0].progress("poll 1: 1 blocking event: incident 42 (major)");
  loop_.run_ready();  // progress and decisions come back through the loop
  EXPECT_EQ(job.reasons.back(),
            "health gate 'status': poll 1: 1 blocking event: incident 42 (major)");
  gates_.started[0].done(true, "clear for 2 polls");
  loop_.run_ready();
  ASSERT_EQ(gates_.started.size(), 2u);
  EXPECT_TRUE(*gates_.started[0].stopped);
  EXPECT_FALSE(job.decision);
  gates_.started[1].done(false, "timed out after 30m");
  loop_.run_ready();
  ASSERT_TRUE(job.decision);
  EXPECT_FALSE(job.decision->admitted);
  EXPECT_EQ(job.decision->reason, "health gate 'metrics' failed: timed out after 30m");
}

// One deployment per environment at a time; the next one waits its turn and is never
// dropped; another environment is not held back.
TEST_F(EnvironmentAdmissionTest, ConcurrencyQueuesLaterDeployments) {
  EnvironmentAdmission& a = admission();
  EnvironmentAdmission& b = admission();
  Job& first = admit(a, "single");
  Job& second = admit(b, "single");
  Job& other = admit(b, "open", 0, "other");
  ASSERT_TRUE(first.decision && first.decision->admitted);
  EXPECT_FALSE(second.decision);
  ASSERT_TRUE(other.decision && other.decision->admitted);
  EXPECT_EQ(second.reasons.back(),
            "waiting for a deployment to 'single' to finish (concurrency 1)");
  advance(10'000);
  EXPECT_FALSE(second.decision);
  a.finished(
      first.decision->deployment_id > 0 ? deployment(first.decision->deployment_id).run_id : 0,
      "deploy", RunStatus::kFailure);
  advance(1000);
  ASSERT_TRUE(second.decision);
  EXPECT_TRUE(second.decision->admitted);
}

TEST_F(EnvironmentAdmissionTest, AbandonedWhileWaitingEndsCancelled) {
  EnvironmentAdmission& a = admission();
  Job& job = admit(a, "gated");
  a.abandon(0, "deploy", RunStatus::kCancelled, "run cancelled");
  EXPECT_TRUE(*gates_.started[0].stopped);
  EXPECT_EQ(only_deployment().status, DeploymentStatus::kCancelled);
  EXPECT_EQ(only_deployment().reason, "run cancelled");
  gates_.started[0].done(true, "late");
  loop_.run_ready();
  EXPECT_FALSE(job.decision);
}

TEST_F(EnvironmentAdmissionTest, AnUndeclaredEnvironmentHasNoRulesButIsRecorded) {
  Job& job = admit(admission(), "preview");
  ASSERT_TRUE(job.decision);
  EXPECT_TRUE(job.decision->admitted);
  EXPECT_EQ(only_deployment().status, DeploymentStatus::kInProgress);
}

TEST_F(EnvironmentAdmissionTest, ARecoveryFollowsAFailedDeployment) {
  EnvironmentAdmission& a = admission();
  admit(a, "open", 0, "one");
  a.finished(0, "one", RunStatus::kFailure);
  admit(a, "open", 0, "two");
  a.finished(0, "two", RunStatus::kSuccess);
  admit(a, "open", 0, "three");
  a.finished(0, "three", RunStatus::kSuccess);
  EXPECT_THAT(events_, ::testing::ElementsAre("failure open", "recovery open", "success open"));
}

// The deploy action marks a deployment rolled back while its job runs: the job's end keeps
// that status (the environment's last good revision stays the previous one) and tells of it.
TEST_F(EnvironmentAdmissionTest, ARollbackSetDuringTheJobIsKeptAndAnnounced) {
  EnvironmentAdmission& a = admission();
  Job& good = admit(a, "open", 0, "good");
  a.finished(0, "good", RunStatus::kSuccess);
  Job& bad = admit(a, "open", 0, "bad");
  DeploymentRecord d = deployment(bad.decision->deployment_id);
  d.status = DeploymentStatus::kRolledBack;
  d.revision = "v2";
  ASSERT_TRUE(store_.save_deployment(d).ok());
  a.finished(0, "bad", RunStatus::kFailure);
  EXPECT_EQ(deployment(d.id).status, DeploymentStatus::kRolledBack);
  EXPECT_EQ(deployment(d.id).revision, "v2");
  EXPECT_EQ((*store_.last_good_deployment("open"))->id, good.decision->deployment_id);
  EXPECT_THAT(events_, ::testing::ElementsAre("success open", "rollback open"));
}

}  // namespace
}  // namespace sluice::deploy
