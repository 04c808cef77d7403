// Static matrix checks: what can be known about `strategy.matrix` before run time.
#include <algorithm>
#include <string>
#include <vector>

#include "spec/suggest.h"
#include "spec/validator_parts.h"

namespace sluice::spec::detail {

namespace {

// Beyond this many axis combinations the matrix is not enumerated (and is far too big
// unless `exclude` removes almost everything, which is then not checked).
constexpr size_t kMaxEnumerated = 65536;

bool is_axis(const std::string& key) {
  return key != "include" && key != "exclude";
}

bool matches(const Value& entry, const std::vector<std::string>& axes,
             const std::vector<const Value*>& combo) {
  for (const auto& [key, value] : entry.as_object()) {
    for (size_t a = 0; a < axes.size(); ++a) {
      if (axes[a] == key && !combo[a]->deep_equals(value)) return false;
    }
  }
  return true;
}

}  // namespace

bool static_matrix_keys(const Job& job, std::vector<std::string>& keys) {
  keys.clear();
  if (!job.strategy.matrix) return true;
  const Value& m = *job.strategy.matrix;
  if (!m.is_object()) return false;
  for (const auto& [key, value] : m.as_object()) {
    // `${{ insert }}` or an expression key: the axes are known at run time.
    if (key.find("${{") != std::string::npos) return false;
    if (key == "exclude") continue;
    if (key != "include") {
      keys.push_back(key);
      continue;
    }
    if (!value.is_array()) return false;
    for (const auto& entry : value.as_array()) {
      if (!entry.is_object()) return false;
      for (const auto& [k, v] : entry.as_object()) keys.push_back(k);
    }
  }
  return true;
}

void check_matrix(const Job& job, Diagnostics& d) {
  if (!job.strategy.matrix || !job.strategy.matrix->is_object()) return;
  const Value& m = *job.strategy.matrix;
  const SourcePos& pos = job.strategy.matrix_pos;
  const std::string where = "job '" + job.id + "'";
  std::vector<std::string> axes;
  std::vector<const Value::Array*> values;
  bool countable = true;
  for (const auto& entry : m.as_object())
    if (entry.first.find("${{") != std::string::npos) return;  // axes known at run time
  for (const auto& [key, value] : m.as_object()) {
    if (!is_axis(key)) continue;
    axes.push_back(key);
    if (value.is_array())
      values.push_back(&value.as_array());
    else
      countable = false;  // an expression: known at run time
  }
  const Value* exclude = m.find("exclude");
  const Value* include = m.find("include");
  if (exclude && exclude->is_array()) {
    for (const auto& entry : exclude->as_array()) {
      if (!entry.is_object()) {
        countable = false;
        continue;
      }
      for (const auto& [key, v] : entry.as_object()) {
        if (std::find(axes.begin(), axes.end(), key) != axes.end()) continue;
        std::string hint = closest_match(key, std::span<const std::string>(axes));
        d.error(pos, "matrix exclude key '" + key + "' of " + where + " is not a matrix axis",
                hint.empty() ? "exclude entries name axes of the matrix"
                             : "did you mean '" + hint + "'?");
      }
    }
  } else if (exclude) {
    countable = false;
  }
  if (include && !include->is_array()) countable = false;
  if (!countable) return;
  for (const auto* v : values)
    if (v->empty()) return;  // reported by the loader

  size_t product = axes.empty() ? 0 : 1;
  for (const auto* v : values) product = std::min(product * v->size(), kMaxEnumerated + 1);
  size_t count = 0;
  std::vector<std::vector<const Value*>> kept;
  if (product > kMaxEnumerated) {
    if (exclude) return;
    count = product;
  } else if (product > 0) {
    std::vector<size_t> index(axes.size(), 0);
    for (size_t n = 0; n < product; ++n) {
      std::vector<const Value*> combo;
      for (size_t a = 0; a < axes.size(); ++a) combo.push_back(&(*values[a])[index[a]]);
      bool excluded = false;
      if (exclude)
        for (const auto& e : exclude->as_array()) excluded = excluded || matches(e, axes, combo);
      if (!excluded) kept.push_back(std::move(combo));
      for (size_t a = axes.size(); a-- > 0;) {  // odometer
        if (++index[a] < values[a]->size()) break;
        index[a] = 0;
      }
    }
    count = kept.size();
  }
  if (include) {
    // An include entry extends every combination it does not contradict; one that extends
    // none becomes a combination of its own.
    for (const auto& entry : include->as_array()) {
      if (!entry.is_object()) continue;
      bool extends = false;
      for (const auto& combo : kept) extends = extends || matches(entry, axes, combo);
      if (!extends) ++count;
    }
  }
  if (count > kMaxMatrixJobs) {
    d.error(pos,
            "matrix of " + where + " expands to " +
                (count > kMaxEnumerated ? "more than " + std::to_string(kMaxEnumerated)
                                        : std::to_string(count)) +
                " jobs; the limit is " + std::to_string(kMaxMatrixJobs),
            "remove axis values, exclude combinations, or split the job");
  } else if (count == 0) {
    d.error(pos, "matrix of " + where + " expands to no jobs: every combination is excluded",
            "remove exclude entries or add values");
  }
}

}  // namespace sluice::spec::detail
