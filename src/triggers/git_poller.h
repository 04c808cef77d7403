// Polling a project's git repository for pushes.
//
// A poll lists the repository's branches and tags, compares them with the refs remembered
// from the previous poll, and turns each new or moved ref that is watched (a branch
// matching the project's branch patterns, or any tag) into a `push` TriggerEvent shaped like
// GitHub's: ref, before, after, created, deleted, forced, repository{full_name, name,
// clone_url, default_branch}, head_commit, commits (at most kMaxPayloadCommits, oldest
// first), and the changed paths (`git diff --name-only before after`) when both commits are
// known, so `on.push.paths` filters work. A deleted ref fires nothing (there is nothing to
// check out). The first poll of a repository (no remembered refs) records them and fires
// nothing: starting the controller does not run every branch.
//
// Where the refs come from:
//   - a local repository (a path, not a file:// URL): its ref files are read in-process
//   (triggers/git_refs.h;
//     no process per poll), git runs only when something moved (peel a tag, diff, log);
//   - a URL: a bare mirror under `mirror_root` (one per project) is fetched on each poll
//     (`git fetch --prune`, a no-op round trip when nothing changed) and read like a local
//     repository; the mirror also gives the diff and the commit messages.
//
// The git CLI runs with argv only (no shell), no terminal prompt, and `--` before
// revisions so that nothing from a repository is read as an option.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "triggers/trigger_event.h"
#include "triggers/trigger_state.h"

namespace sluice::triggers {

inline constexpr size_t kMaxPayloadCommits = 20;

struct WatchedRepository {
  std::string project;
  std::string repository;             // a local path, or a URL git can fetch
  std::vector<std::string> branches;  // glob patterns with '!' negation; empty: every branch
  bool tags = true;                   // pushes of tags fire too
};

struct RepositoryRefs {
  RefMap refs;                    // refs/heads/* and refs/tags/*
  std::string default_branch;     // "main" (what HEAD names); "" when unknown
  std::filesystem::path git_dir;  // where git commands about these refs run
};

struct PollResult {
  RepositoryRefs current;
  bool first_sight = false;
  std::vector<TriggerEvent> events;  // in ref-name order
};

class GitPoller {
 public:
  // `mirror_root`: where mirrors of URL repositories live (created on demand).
  explicit GitPoller(std::filesystem::path mirror_root);

  // Reads the repository's refs now (fetching its mirror first for a URL).
  Result<RepositoryRefs> read_refs(const WatchedRepository& repo) const;

  // Polls: reads the refs and builds the events for what changed since `previous` (null:
  // first sight). Errors: the repository cannot be read or fetched. A failing `git diff`
  // or `git log` for one event degrades that event (paths unknown, no commits), no error.
  Result<PollResult> poll(const WatchedRepository& repo, const RefMap* previous) const;

  // The mirror a URL repository is fetched into.
  std::filesystem::path mirror_dir(const WatchedRepository& repo) const;

 private:
  Result<std::filesystem::path> update_mirror(const WatchedRepository& repo) const;

  std::filesystem::path mirror_root_;
};

// Whether `repository` names a local path (read in place) rather than a URL to fetch into a
// mirror (file:// URLs are fetched like any other: that is how tests exercise mirrors).
bool is_local_repository(const std::string& repository);

// `text` with the "user:password@" of every URL in it removed (a token in a configured URL
// must not reach github.event, which workflows print and the store keeps, nor a log line).
std::string url_without_credentials(const std::string& text);

// Whether a ref fires for `repo`: a branch matching its patterns, or a tag when tags fire.
bool is_watched_ref(const WatchedRepository& repo, const std::string& ref);

}  // namespace sluice::triggers
