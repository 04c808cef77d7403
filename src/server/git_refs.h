// Reading a branch or tag of a local git repository without starting git.
//
// Why: a dispatch resolves its ref on every request, and starting `git rev-parse` costs
// 3–5 ms of the 20 ms a dispatch may take (issue 10 §8). triggers/git_refs.h reads the
// files; this adds the controller's lookup order and answers nullopt wherever only git can
// tell, so that the caller asks git: a detached HEAD, a tag that is loose or lightweight (it
// may name a tag object; only packed-refs' peeled line gives the commit without git), a
// directory inside some other repository, a reftable repository.
//
// Threading: a pure function of the files; safe from any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sluice::server {

struct ResolvedRef {
  std::string ref;  // full name: refs/heads/main, refs/tags/v1
  std::string sha;  // the commit
};

// `name`: "" (the repository's HEAD branch), a full ref (refs/heads/x) or a short name
// (a branch first, then a tag: the order the controller has always used).
std::optional<ResolvedRef> read_local_ref(const std::filesystem::path& repository,
                                          const std::string& name);

}  // namespace sluice::server
