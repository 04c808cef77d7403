// The deployment-journal part of the engine::Store contract, run against every
// implementation (memory, SQLite).
#include <gtest/gtest.h>

#include <thread>

#include "store_factories.h"

namespace sluice::store::testing {
namespace {

using engine::DeployJournalEntry;

template <typename Factory>
class DeployJournalConformanceTest : public ::testing::Test {
 protected:
  engine::Store& store() { return factory_.get(); }
  DeployJournalEntry append(const std::string& id, const std::string& env, const std::string& phase,
                            const std::string& state, const std::string& target = "") {
    DeployJournalEntry e;
    e.deployment_id = id;
    e.environment = env;
    e.run_id = 7;
    e.target = target;
    e.phase = phase;
    e.state = state;
    e.detail = R"({"k":"v"})";
    e.time_ms = 1234;
    EXPECT_TRUE(store().append_deploy_journal(e).ok());
    return e;
  }
  Factory factory_;
};

TYPED_TEST_SUITE(DeployJournalConformanceTest, StoreImplementations);

TYPED_TEST(DeployJournalConformanceTest, AppendAssignsSequenceNumbersPerDeployment) {
  EXPECT_EQ(this->append("d-1", "prod", "deployment", "started").seq, 1);
  EXPECT_EQ(this->append("d-1", "prod", "Install", "started", "web-1").seq, 2);
  EXPECT_EQ(this->append("d-2", "prod", "deployment", "started").seq, 1);
  EXPECT_EQ(this->append("d-1", "prod", "Install", "succeeded", "web-1").seq, 3);

  auto journal = this->store().load_deploy_journal("d-1");
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 3u);
  const DeployJournalEntry& e = (*journal)[1];
  EXPECT_EQ(e.deployment_id, "d-1");
  EXPECT_EQ(e.seq, 2);
  EXPECT_EQ(e.environment, "prod");
  EXPECT_EQ(e.run_id, 7);
  EXPECT_EQ(e.target, "web-1");
  EXPECT_EQ(e.phase, "Install");
  EXPECT_EQ(e.state, "started");
  EXPECT_EQ(e.detail, R"({"k":"v"})");
  EXPECT_EQ(e.time_ms, 1234);
  EXPECT_EQ((*journal)[2].state, "succeeded");
}

TYPED_TEST(DeployJournalConformanceTest, UnknownDeploymentHasAnEmptyJournal) {
  auto journal = this->store().load_deploy_journal("d-none");
  ASSERT_TRUE(journal.ok());
  EXPECT_TRUE(journal->empty());
}

TYPED_TEST(DeployJournalConformanceTest, AnEntryWithoutDeploymentIdIsRefused) {
  DeployJournalEntry e;
  e.phase = "deployment";
  e.state = "started";
  EXPECT_FALSE(this->store().append_deploy_journal(e).ok());
}

TYPED_TEST(DeployJournalConformanceTest, HeadsAreTheNewestEntryOfEachDeploymentNewestFirst) {
  this->append("d-a", "prod", "deployment", "started");
  this->append("d-b", "staging", "deployment", "started");
  this->append("d-c", "prod", "deployment", "started");
  // An old deployment written to later stays in its place (ordered by when it started).
  this->append("d-a", "prod", "deployment", "succeeded");
  this->append("d-c", "prod", "Install", "started", "web-1");

  auto all = this->store().list_deploy_heads("", 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].deployment_id, "d-c");
  EXPECT_EQ((*all)[0].phase, "Install");
  EXPECT_EQ((*all)[1].deployment_id, "d-b");
  EXPECT_EQ((*all)[2].deployment_id, "d-a");
  EXPECT_EQ((*all)[2].state, "succeeded");

  auto prod = this->store().list_deploy_heads("prod", 10);
  ASSERT_TRUE(prod.ok());
  ASSERT_EQ(prod->size(), 2u);
  EXPECT_EQ((*prod)[0].deployment_id, "d-c");
  EXPECT_EQ((*prod)[1].deployment_id, "d-a");

  auto one = this->store().list_deploy_heads("prod", 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].deployment_id, "d-c");
}

TYPED_TEST(DeployJournalConformanceTest, QueuedEntriesKeepTheirOrderAmongAppends) {
  this->append("d-q", "prod", "Install", "started", "web-1");
  engine::DeployJournalEntry e;
  e.deployment_id = "d-q";
  e.environment = "prod";
  e.target = "web-1";
  e.phase = "Install";
  e.state = "succeeded";
  ASSERT_TRUE(this->store().queue_deploy_journal(e).ok());
  EXPECT_EQ(this->append("d-q", "prod", "Install", "started", "web-2").seq, 3);
  auto journal = this->store().load_deploy_journal("d-q");
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 3u);
  EXPECT_EQ((*journal)[1].seq, 2);
  EXPECT_EQ((*journal)[1].state, "succeeded");
  EXPECT_EQ((*journal)[2].target, "web-2");
  ASSERT_TRUE(this->store().queue_deploy_journal(e).ok());
  EXPECT_EQ(this->store().load_deploy_journal("d-q")->size(), 4u);  // a read sees it too
}

TYPED_TEST(DeployJournalConformanceTest, ConcurrentAppendsGetDistinctSequenceNumbers) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([this] {
      for (int i = 0; i < 10; ++i) this->append("d-x", "prod", "check", "measured");
    });
  for (auto& w : writers) w.join();
  auto journal = this->store().load_deploy_journal("d-x");
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 40u);
  for (size_t i = 0; i < journal->size(); ++i) EXPECT_EQ((*journal)[i].seq, int64_t(i + 1));
}

}  // namespace
}  // namespace sluice::store::testing
