// Field-by-field comparison of the engine's records, so that a failing store test names
// the field that did not round-trip.
#pragma once

#include <gtest/gtest.h>

#include "engine/store.h"

namespace sluice::store::testing {

inline void expect_same(const engine::RunRecord& a, const engine::RunRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.run_number, b.run_number);
  EXPECT_EQ(a.workflow_file, b.workflow_file);
  EXPECT_EQ(a.workflow_name, b.workflow_name);
  EXPECT_EQ(a.run_name, b.run_name);
  EXPECT_EQ(a.event, b.event);
  EXPECT_EQ(a.ref, b.ref);
  EXPECT_EQ(a.sha, b.sha);
  EXPECT_EQ(a.inputs_json, b.inputs_json);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.created_ms, b.created_ms);
  EXPECT_EQ(a.started_ms, b.started_ms);
  EXPECT_EQ(a.finished_ms, b.finished_ms);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.owner, b.owner);
  EXPECT_EQ(a.workspace, b.workspace);
  EXPECT_EQ(a.job_filter, b.job_filter);
  EXPECT_EQ(a.vars_json, b.vars_json);
  EXPECT_EQ(a.rerun_of, b.rerun_of);
}

inline void expect_same(const engine::JobRecord& a, const engine::JobRecord& b) {
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.job_id, b.job_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.matrix_json, b.matrix_json);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.attempt, b.attempt);
  EXPECT_EQ(a.outputs_json, b.outputs_json);
  EXPECT_EQ(a.started_ms, b.started_ms);
  EXPECT_EQ(a.finished_ms, b.finished_ms);
  EXPECT_EQ(a.workflow_sha, b.workflow_sha);
  EXPECT_EQ(a.needs_json, b.needs_json);
}

inline void expect_same(const engine::StepRecord& a, const engine::StepRecord& b) {
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.job_key, b.job_key);
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.step_id, b.step_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.outputs_json, b.outputs_json);
  EXPECT_EQ(a.started_ms, b.started_ms);
  EXPECT_EQ(a.finished_ms, b.finished_ms);
}

inline void expect_same(const engine::AttemptRecord& a, const engine::AttemptRecord& b) {
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.job_key, b.job_key);
  EXPECT_EQ(a.step_index, b.step_index);
  EXPECT_EQ(a.job_attempt, b.job_attempt);
  EXPECT_EQ(a.attempt, b.attempt);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.signal, b.signal);
  EXPECT_EQ(a.failure_class, b.failure_class);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.log_path, b.log_path);
  EXPECT_EQ(a.log_lines, b.log_lines);
  EXPECT_EQ(a.log_bytes, b.log_bytes);
  EXPECT_EQ(a.started_ms, b.started_ms);
  EXPECT_EQ(a.finished_ms, b.finished_ms);
}

inline void expect_same(const engine::Annotation& a, const engine::Annotation& b) {
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.job_key, b.job_key);
  EXPECT_EQ(a.step_index, b.step_index);
  EXPECT_EQ(a.level, b.level);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.file, b.file);
  EXPECT_EQ(a.line, b.line);
  EXPECT_EQ(a.end_line, b.end_line);
  EXPECT_EQ(a.column, b.column);
  EXPECT_EQ(a.end_column, b.end_column);
}

}  // namespace sluice::store::testing
