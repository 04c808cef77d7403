#include "runner/run_artifacts.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "runtime/artifact_index.h"

namespace sluice::runner {

Result<std::vector<store::Artifact>> load_run_artifacts(const std::string& data_dir,
                                                        int64_t run_id) {
  auto index = runtime::ArtifactIndex::open_existing(data_dir);
  if (!index) return index.error();
  if (!*index) return std::vector<store::Artifact>();
  return (*index)->list(run_id);
}

std::string format_size(uint64_t bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string format_artifact_table(const std::vector<store::Artifact>& artifacts) {
  size_t name_width = 4;
  size_t job_width = 3;
  for (const auto& a : artifacts) {
    name_width = std::max(name_width, a.name.size());
    job_width = std::max(job_width, a.job.size());
  }
  std::string out = fmt::format("  {:<6} {:<{}} {:>10}  {:<{}}  {}\n", "id", "name", name_width,
                                "size", "job", job_width, "digest");
  for (const auto& a : artifacts) {
    out += fmt::format("  {:<6} {:<{}} {:>10}  {:<{}}  {}\n", a.id, a.name, name_width,
                       format_size(a.size), a.job, job_width, a.digest);
  }
  return out;
}

std::string artifacts_section(const std::vector<store::Artifact>& artifacts) {
  if (artifacts.empty()) return "";
  return "\nartifacts\n" + format_artifact_table(artifacts);
}

std::string with_artifacts_json(const std::string& json,
                                const std::vector<store::Artifact>& artifacts) {
  auto detail = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (detail.is_discarded() || !detail.is_object()) return json;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : artifacts) {
    list.push_back({{"id", a.id},
                    {"name", a.name},
                    {"size", a.size},
                    {"job", a.job},
                    {"digest", a.digest},
                    {"created_ms", a.created_ms},
                    {"expires_ms", a.expires_ms}});
  }
  detail["artifacts"] = std::move(list);
  return detail.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace sluice::runner
