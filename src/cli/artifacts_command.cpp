// `sluice artifacts RUN [NAME] [-o DIR]`: list a run's artifacts (uploaded by
// actions/upload-artifact@v4 through the runtime services), or download one (NAME) or all
// (-o without NAME) as download-artifact@v4 does: digests checked first, zipped artifacts
// unzipped; one artifact lands in DIR itself, all of them in DIR/<name>/ each.
//
// Exit codes: 0 on success; 2 for an unknown run or artifact name or a data dir without
// history; 1 when a download fails (damaged content, disk full).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/run_lookup.h"
#include "runner/run_artifacts.h"
#include "runtime/artifact_download.h"
#include "runtime/artifact_index.h"

namespace sluice::cli {

using runner::format_artifact_table;
using runner::format_size;
using runner::load_run_artifacts;
namespace {

struct Args {
  std::string run;
  std::string name;
  std::string output;
  std::string data_dir = ".sluice";
};

int fail(int code, const std::string& message) {
  std::cerr << "sluice artifacts: error: " << message << "\n";
  return code;
}

// Downloads `artifacts` into `dest` (each into dest/<name> when `per_name`).
int download(const runtime::BlobStore& blobs, const std::vector<store::Artifact>& artifacts,
             const std::string& dest, bool per_name) {
  for (const store::Artifact& artifact : artifacts) {
    std::string where = per_name ? dest + "/" + artifact.name : dest;
    auto done = runtime::download_artifact(blobs, artifact, where);
    if (!done)
      return fail(kExitFailure, "artifact '" + artifact.name + "': " + done.error().message);
    std::cout << "downloaded " << artifact.name << " (" << format_size(artifact.size) << ", "
              << done->files << (done->files == 1 ? " file" : " files") << ") to " << where << "\n";
  }
  return kExitOk;
}

int run_artifacts(const Args& args) {
  std::unique_ptr<store::SqliteStore> history;
  auto detail = load("artifacts", args.data_dir, args.run, history);
  if (!detail) return kExitInvalid;
  const int64_t run_id = detail->run.id;
  auto index = runtime::ArtifactIndex::open_existing(args.data_dir);
  if (!index) return fail(kExitFailure, index.error().message);
  std::vector<store::Artifact> artifacts;
  if (*index) {
    auto listed = (*index)->list(run_id);
    if (!listed) return fail(kExitFailure, listed.error().message);
    artifacts = std::move(*listed);
  }
  if (args.name.empty() && args.output.empty()) {
    if (artifacts.empty()) {
      std::cout << "run " << run_id << " has no artifacts\n";
    } else {
      std::cout << format_artifact_table(artifacts);
    }
    return kExitOk;
  }
  if (args.name.empty()) {
    if (artifacts.empty())
      return fail(kExitInvalid, "run " + std::to_string(run_id) + " has no artifacts");
    return download((*index)->blobs(), artifacts, args.output, /*per_name=*/true);
  }
  for (const store::Artifact& artifact : artifacts) {
    if (artifact.name == args.name)
      return download((*index)->blobs(), {artifact}, args.output.empty() ? "." : args.output,
                      /*per_name=*/false);
  }
  std::string known;
  for (const store::Artifact& artifact : artifacts)
    known += (known.empty() ? "" : ", ") + artifact.name;
  return fail(kExitInvalid, "run " + std::to_string(run_id) + " has no artifact named '" +
                                args.name + "'" +
                                (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
}

}  // namespace

void add_artifacts_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("artifacts",
                                 "List a run's artifacts, or download one (NAME) or all (-o DIR)");
  auto args = std::make_shared<Args>();
  cmd->add_option("RUN", args->run, "Run id (see `sluice runs`) or 'latest'")->required();
  cmd->add_option("NAME", args->name, "The artifact to download (default: list them)");
  cmd->add_option("-o,--output", args->output,
                  "Download into DIR (NAME: into DIR itself, default '.'; all: DIR/<name>/)");
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  cmd->callback([&exit_code, args] { exit_code = run_artifacts(*args); });
}

}  // namespace sluice::cli
