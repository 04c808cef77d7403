// SecretMasker throughput on step output (issue 8 §3: the derived forms must keep clean text
// at O(length)). bytes_per_second is log text masked per second on one core.
//   cmake --build build --target secret_masker_bench
//   build/bench/secret_masker_bench --benchmark_min_time=1
// Arguments: the number of secrets registered with add() (each adds its derived forms too).
// "Clean" masks build-log-like lines that contain no secret (the steady state of a log);
// "Dirty" has a secret in one line of 100.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/secret_masker.h"

namespace {

using sluice::SecretMasker;

// A small deterministic generator, so every run masks the same text.
struct Random {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  std::string token(size_t size) {
    static const char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    std::string s;
    for (size_t i = 0; i < size; ++i) s.push_back(kAlphabet[next() % 64]);
    return s;
  }
};

std::vector<std::string> log_lines(Random& random, size_t count) {
  static const char* const kWords[] = {"Building",
                                       "CXX",
                                       "object",
                                       "src/core/CMakeFiles/core.dir/value.cpp.o",
                                       "Linking",
                                       "warning:",
                                       "unused",
                                       "variable",
                                       "PASSED",
                                       "test",
                                       "[ 42%]",
                                       "npm",
                                       "install",
                                       "added",
                                       "packages",
                                       "in",
                                       "3.2s",
                                       "Step",
                                       "1/12",
                                       "ok",
                                       "github.com/acme/widgets/internal/store",
                                       "0.013s",
                                       "Downloading",
                                       "https://registry.example/x.tgz"};
  std::vector<std::string> lines;
  for (size_t i = 0; i < count; ++i) {
    std::string line;
    size_t words = 4 + random.next() % 10;
    for (size_t w = 0; w < words; ++w) {
      if (w) line.push_back(' ');
      line += kWords[random.next() % (sizeof kWords / sizeof kWords[0])];
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

void mask_lines(benchmark::State& state, bool dirty) {
  Random random;
  SecretMasker masker;
  std::vector<std::string> secrets;
  for (int64_t i = 0; i < state.range(0); ++i) {
    secrets.push_back(random.token(20 + random.next() % 21));
    masker.add(secrets.back());
  }
  std::vector<std::string> lines = log_lines(random, 10000);
  if (dirty) {
    for (size_t i = 0; i < lines.size(); i += 100)
      lines[i] += " token=" + secrets[i % secrets.size()];
  }
  size_t bytes = 0;
  for (const std::string& line : lines) bytes += line.size() + 1;

  SecretMasker::View view = masker.view();
  std::string scratch;
  for (auto _ : state) {
    for (const std::string& line : lines) benchmark::DoNotOptimize(view.mask(line, scratch));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_MaskClean(benchmark::State& state) {
  mask_lines(state, false);
}
void BM_MaskDirty(benchmark::State& state) {
  mask_lines(state, true);
}

BENCHMARK(BM_MaskClean)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_MaskDirty)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
