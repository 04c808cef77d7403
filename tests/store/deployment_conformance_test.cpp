// The deployments part of the engine::Store contract (engine/deployment_record.h), run
// against every implementation (store_factories.h).
#include <gtest/gtest.h>

#include "store_factories.h"

namespace sluice::store::testing {
namespace {

using engine::DeploymentQuery;
using engine::DeploymentRecord;
using engine::DeploymentReview;
using engine::DeploymentStatus;
using engine::DeploymentWait;
using engine::ReviewDecision;
using engine::RunRecord;
using engine::RunStatus;

template <typename Factory>
class DeploymentConformanceTest : public ::testing::Test {
 protected:
  engine::Store& store() { return factory_.get(); }

  RunRecord new_run(RunStatus status = RunStatus::kRunning) {
    RunRecord run;
    run.workflow_file = "deploy.yml";
    run.status = status;
    EXPECT_TRUE(store().create_run(run).ok());
    return run;
  }

  DeploymentRecord new_deployment(const std::string& environment, int64_t run_id,
                                  DeploymentStatus status = DeploymentStatus::kQueued) {
    DeploymentRecord d;
    d.environment = environment;
    d.run_id = run_id;
    d.job_key = "deploy";
    d.ref = "refs/heads/main";
    d.sha = "abc123";
    d.status = status;
    d.created_ms = d.updated_ms = 1000;
    EXPECT_TRUE(store().create_deployment(d).ok());
    return d;
  }

  DeploymentRecord load(int64_t id) {
    auto loaded = store().load_deployment(id);
    EXPECT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded.ok() && loaded->has_value());
    return loaded.ok() && loaded->has_value() ? **loaded : DeploymentRecord{};
  }

  Factory factory_;
};

TYPED_TEST_SUITE(DeploymentConformanceTest, StoreImplementations);

TYPED_TEST(DeploymentConformanceTest, SaveRoundTripsEveryField) {
  RunRecord run = this->new_run();
  DeploymentRecord d = this->new_deployment("production", run.id);
  EXPECT_GT(d.id, 0);
  d.job_key = "deploy (eu)";
  d.ref = "refs/tags/v1.2";
  d.sha = "def456";
  d.status = DeploymentStatus::kWaiting;
  d.waiting_on = DeploymentWait::kApproval;
  d.reason = "waiting for 1 approval from alice, ops-team";
  d.revision = "v1.2";
  d.url = "https://example.com";
  d.creator = "bob";
  d.rollback_of = 7;
  d.created_ms = 1111;
  d.updated_ms = 2222;
  ASSERT_TRUE(this->store().save_deployment(d).ok());
  DeploymentRecord loaded = this->load(d.id);
  EXPECT_EQ(loaded.id, d.id);
  EXPECT_EQ(loaded.environment, "production");
  EXPECT_EQ(loaded.run_id, run.id);
  EXPECT_EQ(loaded.job_key, "deploy (eu)");
  EXPECT_EQ(loaded.ref, "refs/tags/v1.2");
  EXPECT_EQ(loaded.sha, "def456");
  EXPECT_EQ(loaded.status, DeploymentStatus::kWaiting);
  EXPECT_EQ(loaded.waiting_on, DeploymentWait::kApproval);
  EXPECT_EQ(loaded.reason, d.reason);
  EXPECT_EQ(loaded.revision, "v1.2");
  EXPECT_EQ(loaded.url, "https://example.com");
  EXPECT_EQ(loaded.creator, "bob");
  EXPECT_EQ(loaded.rollback_of, 7);
  EXPECT_EQ(loaded.created_ms, 1111);
  EXPECT_EQ(loaded.updated_ms, 2222);
  EXPECT_TRUE(loaded.reviews.empty());
}

TYPED_TEST(DeploymentConformanceTest, UnknownRunsAndDeploymentsAreRefused) {
  DeploymentRecord orphan;
  orphan.environment = "production";
  orphan.run_id = 999;
  EXPECT_FALSE(this->store().create_deployment(orphan).ok());
  DeploymentRecord missing;
  missing.id = 12345;
  missing.run_id = this->new_run().id;
  EXPECT_FALSE(this->store().save_deployment(missing).ok());
  EXPECT_FALSE(
      this->store()
          .add_deployment_review(DeploymentReview{12345, "alice", ReviewDecision::kApproved, "", 0})
          .ok());
  auto none = this->store().load_deployment(12345);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // A refused write does not poison the next one.
  EXPECT_GT(this->new_deployment("production", missing.run_id).id, 0);
}

// Reviews come from other processes while the run saves its record: a save keeps them.
TYPED_TEST(DeploymentConformanceTest, ReviewsAreAppendedAndSurviveSaves) {
  RunRecord run = this->new_run();
  DeploymentRecord d = this->new_deployment("production", run.id);
  DeploymentRecord other = this->new_deployment("production", run.id);
  ASSERT_TRUE(this->store()
                  .add_deployment_review({d.id, "alice", ReviewDecision::kApproved, "ok", 5})
                  .ok());
  ASSERT_TRUE(this->store()
                  .add_deployment_review({d.id, "carol", ReviewDecision::kRejected, "no", 6})
                  .ok());
  d.status = DeploymentStatus::kWaiting;
  d.reviews.clear();  // the engine's copy does not know them
  ASSERT_TRUE(this->store().save_deployment(d).ok());
  DeploymentRecord loaded = this->load(d.id);
  ASSERT_EQ(loaded.reviews.size(), 2u);
  EXPECT_EQ(loaded.reviews[0].user, "alice");
  EXPECT_EQ(loaded.reviews[0].decision, ReviewDecision::kApproved);
  EXPECT_EQ(loaded.reviews[0].comment, "ok");
  EXPECT_EQ(loaded.reviews[0].time_ms, 5);
  EXPECT_EQ(loaded.reviews[0].deployment_id, d.id);
  EXPECT_EQ(loaded.reviews[1].user, "carol");
  EXPECT_EQ(loaded.reviews[1].decision, ReviewDecision::kRejected);
  EXPECT_TRUE(this->load(other.id).reviews.empty());
}

TYPED_TEST(DeploymentConformanceTest, ListsNewestFirstByEnvironmentAndRun) {
  RunRecord a = this->new_run();
  RunRecord b = this->new_run();
  DeploymentRecord p1 = this->new_deployment("production", a.id);
  DeploymentRecord s1 = this->new_deployment("staging", a.id);
  DeploymentRecord p2 = this->new_deployment("production", b.id);
  EXPECT_LT(p1.id, s1.id);
  EXPECT_LT(s1.id, p2.id);
  ASSERT_TRUE(
      this->store().add_deployment_review({p2.id, "alice", ReviewDecision::kApproved, "", 0}).ok());

  auto all = this->store().list_deployments({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, p2.id);
  EXPECT_EQ((*all)[0].reviews.size(), 1u);
  EXPECT_EQ((*all)[2].id, p1.id);
  auto production = this->store().list_deployments(DeploymentQuery{"production"});
  ASSERT_TRUE(production.ok());
  ASSERT_EQ(production->size(), 2u);
  EXPECT_EQ((*production)[0].id, p2.id);
  EXPECT_EQ((*production)[1].id, p1.id);
  auto of_run = this->store().list_deployments(DeploymentQuery{"", a.id});
  ASSERT_TRUE(of_run.ok());
  ASSERT_EQ(of_run->size(), 2u);
  EXPECT_EQ((*of_run)[0].id, s1.id);
  auto limited = this->store().list_deployments(DeploymentQuery{"", 0, 1});
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].id, p2.id);
}

TYPED_TEST(DeploymentConformanceTest, LastGoodIsTheNewestSuccessOfTheEnvironment) {
  RunRecord run = this->new_run();
  auto none = this->store().last_good_deployment("production");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  DeploymentRecord good = this->new_deployment("production", run.id, DeploymentStatus::kSuccess);
  good.revision = "v1";
  ASSERT_TRUE(this->store().save_deployment(good).ok());
  this->new_deployment("production", run.id, DeploymentStatus::kRolledBack);
  this->new_deployment("production", run.id, DeploymentStatus::kFailure);
  this->new_deployment("staging", run.id, DeploymentStatus::kSuccess);
  auto last = this->store().last_good_deployment("production");
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->id, good.id);
  EXPECT_EQ((*last)->revision, "v1");
  DeploymentRecord newer = this->new_deployment("production", run.id, DeploymentStatus::kSuccess);
  EXPECT_EQ((*this->store().last_good_deployment("production"))->id, newer.id);
}

// Concurrency: `limit` deployments of an environment in progress at once; the others
// queue first come, first served; deployments of finished runs hold no slot.
TYPED_TEST(DeploymentConformanceTest, TryStartAdmitsUpToTheLimitInOrder) {
  RunRecord run = this->new_run();
  auto waiting_for_slot = [&](DeploymentRecord& d) {
    d.status = DeploymentStatus::kWaiting;
    d.waiting_on = DeploymentWait::kConcurrency;
    d.reason = "waiting for a free slot";
    ASSERT_TRUE(this->store().save_deployment(d).ok());
  };
  DeploymentRecord first = this->new_deployment("production", run.id);
  DeploymentRecord second = this->new_deployment("production", run.id);
  DeploymentRecord third = this->new_deployment("production", run.id);
  DeploymentRecord elsewhere = this->new_deployment("staging", run.id);
  for (DeploymentRecord* d : {&first, &second, &third}) waiting_for_slot(*d);

  // The third may not overtake the second, which waits for the slot before it.
  EXPECT_FALSE(*this->store().try_start_deployment(third.id, 2, 2000));
  ASSERT_TRUE(*this->store().try_start_deployment(first.id, 1, 2000));
  DeploymentRecord started = this->load(first.id);
  EXPECT_EQ(started.status, DeploymentStatus::kInProgress);
  EXPECT_EQ(started.waiting_on, DeploymentWait::kNone);
  EXPECT_EQ(started.reason, "");
  EXPECT_EQ(started.updated_ms, 2000);
  EXPECT_FALSE(*this->store().try_start_deployment(second.id, 1, 2001));
  EXPECT_EQ(this->load(second.id).status, DeploymentStatus::kWaiting);
  EXPECT_TRUE(*this->store().try_start_deployment(elsewhere.id, 1, 2001));  // its own slot
  EXPECT_TRUE(*this->store().try_start_deployment(second.id, 2, 2002));
  EXPECT_FALSE(*this->store().try_start_deployment(third.id, 2, 2003));

  started.status = DeploymentStatus::kSuccess;
  ASSERT_TRUE(this->store().save_deployment(started).ok());
  EXPECT_TRUE(*this->store().try_start_deployment(third.id, 2, 2004));
  EXPECT_FALSE(this->store().try_start_deployment(12345, 1, 2005).ok());
}

TYPED_TEST(DeploymentConformanceTest, AFinishedOrInterruptedRunHoldsNoSlot) {
  RunRecord dead = this->new_run();
  DeploymentRecord stuck = this->new_deployment("production", dead.id);
  ASSERT_TRUE(*this->store().try_start_deployment(stuck.id, 1, 2000));
  RunRecord next = this->new_run();
  DeploymentRecord waiting = this->new_deployment("production", next.id);
  EXPECT_FALSE(*this->store().try_start_deployment(waiting.id, 1, 2001));

  auto marked = this->store().mark_interrupted(dead.id, "owner died", 3000);
  ASSERT_TRUE(marked.ok() && *marked);
  DeploymentRecord closed = this->load(stuck.id);
  EXPECT_EQ(closed.status, DeploymentStatus::kFailure);
  EXPECT_EQ(closed.reason, "owner died");
  EXPECT_EQ(closed.updated_ms, 3000);
  EXPECT_TRUE(*this->store().try_start_deployment(waiting.id, 1, 3001));
}

TYPED_TEST(DeploymentConformanceTest, AFinishedRunClosesItsUnfinishedDeployments) {
  for (RunStatus final_status : {RunStatus::kFailure, RunStatus::kCancelled}) {
    RunRecord run = this->new_run();
    RunRecord other = this->new_run();
    DeploymentRecord done = this->new_deployment("production", run.id, DeploymentStatus::kSuccess);
    DeploymentRecord waiting =
        this->new_deployment("production", run.id, DeploymentStatus::kWaiting);
    DeploymentRecord elsewhere =
        this->new_deployment("production", other.id, DeploymentStatus::kWaiting);
    run.status = final_status;
    run.finished_ms = 5000;
    ASSERT_TRUE(this->store().save_run(run).ok());
    EXPECT_EQ(this->load(done.id).status, DeploymentStatus::kSuccess);
    DeploymentRecord closed = this->load(waiting.id);
    EXPECT_EQ(closed.status, final_status == RunStatus::kCancelled ? DeploymentStatus::kCancelled
                                                                   : DeploymentStatus::kFailure);
    EXPECT_EQ(closed.reason, engine::kNotRecordedReason);
    EXPECT_EQ(this->load(elsewhere.id).status, DeploymentStatus::kWaiting);
  }
}

}  // namespace
}  // namespace sluice::store::testing
