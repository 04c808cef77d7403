// Expression evaluations per second (issue 2 §8 d). items_per_second is evaluations/s.
//   cmake -S . -B build -G Ninja && cmake --build build --target expr_bench
//   build/bench/expr_bench
// "ParseEvaluate" benchmarks parse the text on every iteration (the cost when a workflow is
// loaded); "Evaluate" ones reuse a parsed expression (the engine's steady state).
#include <benchmark/benchmark.h>

#include <string>

#include "core/json.h"
#include "expr/expression.h"

namespace {

using namespace sluice;
using namespace sluice::expr;

EvalContext make_context() {
  EvalContext ctx;
  auto contexts = parse_json(R"({
    "github": {"event_name": "push", "ref": "refs/heads/main", "sha": "0123456789abcdef0123456789abcdef01234567",
               "repository": "acme/widgets", "run_number": 42,
               "event": {"pull_request": {"labels": [{"name": "bug"}, {"name": "ui"}, {"name": "deploy"}]}}},
    "matrix": {"os": "ubuntu-latest", "node": 20},
    "needs": {"setup": {"result": "success",
                        "outputs": {"matrix": "{\"include\":[{\"os\":\"linux\",\"arch\":\"x64\"},{\"os\":\"mac\",\"arch\":\"arm64\"}]}"}}},
    "env": {"CI": "true"}
  })");
  ctx.contexts = *contexts;
  return ctx;
}

const char* const kCondition = "github.event_name == 'push' && contains(matrix.os, 'ubuntu')";
const char* const kFormat =
    "format('{0}-{1}-{2}', github.repository, matrix.os, github.run_number)";
const char* const kFromJson = "fromJSON(needs.setup.outputs.matrix).include[1].os";
const char* const kFilter = "contains(github.event.pull_request.labels.*.name, 'deploy')";

void parse_evaluate(benchmark::State& state, const char* text) {
  EvalContext ctx = make_context();
  for (auto _ : state) {
    auto parsed = parse(text);
    auto value = evaluate(*parsed, ctx);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

void evaluate_only(benchmark::State& state, const char* text) {
  EvalContext ctx = make_context();
  auto parsed = parse(text);
  if (!parsed) {
    state.SkipWithError(parsed.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto value = evaluate(*parsed, ctx);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseEvaluate_Condition(benchmark::State& s) {
  parse_evaluate(s, kCondition);
}
void BM_ParseEvaluate_Format(benchmark::State& s) {
  parse_evaluate(s, kFormat);
}
void BM_ParseEvaluate_FromJson(benchmark::State& s) {
  parse_evaluate(s, kFromJson);
}
void BM_ParseEvaluate_Filter(benchmark::State& s) {
  parse_evaluate(s, kFilter);
}
void BM_Evaluate_Condition(benchmark::State& s) {
  evaluate_only(s, kCondition);
}
void BM_Evaluate_Format(benchmark::State& s) {
  evaluate_only(s, kFormat);
}
void BM_Evaluate_FromJson(benchmark::State& s) {
  evaluate_only(s, kFromJson);
}
void BM_Evaluate_Filter(benchmark::State& s) {
  evaluate_only(s, kFilter);
}

void BM_Template(benchmark::State& state) {
  EvalContext ctx = make_context();
  auto tmpl = parse_template(
      "echo building ${{ github.sha }} on ${{ matrix.os }} (node ${{ matrix.node }})");
  for (auto _ : state) {
    auto value = evaluate_template(*tmpl, ctx);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Condition_IfWithoutBraces(benchmark::State& state) {
  EvalContext ctx = make_context();
  auto condition =
      parse_condition("github.ref == 'refs/heads/main' && needs.setup.result == 'success'");
  for (auto _ : state) {
    auto value = evaluate_condition(*condition, ctx);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ParseEvaluate_Condition);
BENCHMARK(BM_ParseEvaluate_Format);
BENCHMARK(BM_ParseEvaluate_FromJson);
BENCHMARK(BM_ParseEvaluate_Filter);
BENCHMARK(BM_Evaluate_Condition);
BENCHMARK(BM_Evaluate_Format);
BENCHMARK(BM_Evaluate_FromJson);
BENCHMARK(BM_Evaluate_Filter);
BENCHMARK(BM_Template);
BENCHMARK(BM_Condition_IfWithoutBraces);

}  // namespace

BENCHMARK_MAIN();
