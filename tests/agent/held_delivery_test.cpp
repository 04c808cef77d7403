// What an agent offers and delivers after a controller restart (agent/held_delivery.h), and
// the outbox it delivers from (agent/outbox.h).
#include "agent/held_delivery.h"

#include <gtest/gtest.h>

namespace sluice::agent {
namespace {

std::unique_ptr<Lease> running_lease(int64_t step_id) {
  auto lease = std::make_unique<Lease>();
  lease->message.run_id = 7;
  lease->message.job_key = "build";
  lease->message.attempt = 2;
  lease->step_id = step_id;
  lease->step_index = 3;
  lease->step_attempt = 1;
  lease->step_proof = std::string(kProofChars, 'a');
  lease->step_log = std::make_shared<StepLog>("l-1", step_id);
  return lease;
}

TEST(HeldDelivery, OffersTheLatestStepFromTheFirstChunkNotDelivered) {
  Leases leases;
  leases["l-1"] = running_lease(5);
  Outbox outbox(1 << 20);
  for (int i = 0; i < 3; ++i) leases["l-1"]->step_log->append_line("line " + std::to_string(i));
  outbox.take_lines(*leases["l-1"]->step_log);  // chunk 0 waits in the outbox
  leases["l-1"]->step_log->append_line("later");
  EXPECT_TRUE(held_steps(leases, outbox).empty()) << "not held yet";
  hold_leases(leases);
  auto held = held_steps(leases, outbox);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].lease_id, "l-1");
  EXPECT_EQ(held[0].step_id, 5);
  EXPECT_EQ(held[0].run_id, 7);
  EXPECT_EQ(held[0].job_key, "build");
  EXPECT_EQ(held[0].attempt, 2);
  EXPECT_EQ(held[0].step_index, 3);
  EXPECT_EQ(held[0].next_seq, 0);
  EXPECT_FALSE(held[0].finished);
  outbox.pop_front();  // chunk 0 delivered: the next is 1
  EXPECT_EQ(held_steps(leases, outbox)[0].next_seq, 1);
}

TEST(HeldDelivery, ALeaseWithoutAProofIsNotOfferedAndIsRefused) {
  Leases leases;
  leases["l-1"] = running_lease(5);
  leases["l-1"]->step_proof.clear();
  Outbox outbox(1 << 20);
  hold_leases(leases);
  EXPECT_TRUE(held_steps(leases, outbox).empty());
  auto refused = apply_verdicts(leases, outbox, RegisterReply{});
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].second, "no step to deliver");
}

TEST(HeldDelivery, AnAcceptedStepDeliversToItsDeliveryAndItsLastResultGoesAgain) {
  Leases leases;
  leases["l-1"] = running_lease(5);
  leases["l-2"] = running_lease(9);
  leases["l-1"]->step_done = true;
  leases["l-1"]->last_result = R"({"exit_code":0})";
  Outbox outbox(1 << 20);
  outbox.push(Report{0, "l-1", 4, Report::Kind::kLog, 0, "{}"});  // an earlier step's
  hold_leases(leases);
  EXPECT_EQ(report_target(leases, Report{0, "l-1", 5, Report::Kind::kLog, 0, ""}), "")
      << "waits for the verdict";
  RegisterReply reply;
  reply.held.push_back(HeldVerdict{"l-1", 5, true, "d-3", ""});
  reply.held.push_back(HeldVerdict{"l-2", 9, false, "", "the run is over"});
  auto refused = apply_verdicts(leases, outbox, reply);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0], (std::pair<std::string, std::string>{"l-2", "the run is over"}));
  EXPECT_EQ(report_target(leases, outbox.front()), "-") << "an earlier step's report";
  outbox.pop_front();
  ASSERT_FALSE(outbox.empty()) << "the acknowledged result is offered again";
  EXPECT_EQ(outbox.front().kind, Report::Kind::kResult);
  EXPECT_EQ(outbox.front().body, leases["l-1"]->last_result);
  EXPECT_EQ(report_target(leases, outbox.front()), "/api/v1/agent/held/d-3/result");
  apply_verdicts(leases, outbox, reply);
  EXPECT_EQ(outbox.reports().size(), 1u) << "queued once";
}

TEST(HeldDelivery, ALiveLeaseReportsToItsStep) {
  Leases leases;
  leases["l-1"] = running_lease(5);
  EXPECT_EQ(report_target(leases, Report{0, "l-1", 5, Report::Kind::kLog, 0, ""}),
            "/api/v1/agent/leases/l-1/steps/5/log");
  EXPECT_EQ(report_target(leases, Report{0, "l-9", 5, Report::Kind::kLog, 0, ""}), "-");
}

TEST(Outbox, BeyondItsLimitAStepsLinesAreDroppedAndCountedInAMarker) {
  Outbox outbox(10);
  StepLog log("l-1", 5);
  log.append_line("0123456789 fills the outbox");
  outbox.take_lines(log);
  log.append_line("dropped 1");
  log.append_line("dropped 2");
  outbox.take_lines(log);
  EXPECT_EQ(outbox.reports().size(), 1u);
  outbox.take_lines(log, true);  // the marker goes in regardless
  ASSERT_EQ(outbox.reports().size(), 2u);
  EXPECT_NE(outbox.reports()[1].body.find("2 log lines dropped"), std::string::npos)
      << outbox.reports()[1].body;
  size_t bytes = outbox.bytes();
  outbox.drop_if([](const Report& r) { return r.seq == 0; });
  EXPECT_LT(outbox.bytes(), bytes);
  EXPECT_EQ(outbox.reports().size(), 1u);
  outbox.delivered(outbox.front().serial + 1);  // not the first: stays
  EXPECT_EQ(outbox.reports().size(), 1u);
  outbox.delivered(outbox.front().serial);
  EXPECT_TRUE(outbox.empty());
  EXPECT_EQ(outbox.bytes(), 0u);
}

}  // namespace
}  // namespace sluice::agent
