// ActionRef: what a step's or job's `uses:` string names. The one parser of `uses:` in
// sluice: spec validation, the planner, the action resolvers and the origin policy all read
// `uses:` through parse_action_ref, so they agree on what is local, remote or Docker.
//
// Forms (as GitHub's runner accepts them):
//   ./path, ./, .                          kLocal: a directory (or, for a job, a workflow file)
//                                          in this repository; `./` and `.` are its root
//   docker://image[:tag|@digest]           kDocker: a container image (steps only)
//   owner/repo[/path]@ref                  kRemoteAction: an action in another repository
//   owner/repo/.github/workflows/f.yml@ref kRemoteWorkflow: a reusable workflow (jobs only)
// A `uses:` string never holds `${{ }}` (GitHub does not evaluate it).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"

namespace sluice::spec {

struct ActionRef {
  enum class Kind { kLocal, kDocker, kRemoteAction, kRemoteWorkflow };
  Kind kind = Kind::kLocal;
  std::string text;  // the `uses:` string as written

  // kLocal: the normalized path relative to the repository root ("." for the root itself;
  // never absolute, never leaving the root). kRemoteAction: the directory inside the
  // repository ("" for its root). kRemoteWorkflow: the workflow file
  // (".github/workflows/f.yml").
  std::string path;

  // kRemoteAction / kRemoteWorkflow.
  std::string owner, repo;  // as written (GitHub compares them case-insensitively)
  std::string ref;          // tag, branch or commit after '@'
  bool ref_is_sha = false;  // ref is a full 40-hex-digit commit SHA

  // kDocker: `image` without its tag or digest (it may hold a registry host and port:
  // "localhost:5000/team/img"); `tag` ("" when none) or `digest` ("sha256:<hex>", "" when
  // none), never both.
  std::string image, tag, digest;

  bool is_remote() const { return kind == Kind::kRemoteAction || kind == Kind::kRemoteWorkflow; }
  // "owner/repo" (remote kinds).
  std::string repository() const { return owner + "/" + repo; }
  // "owner/repo[/path]" without the ref (remote kinds).
  std::string name() const { return path.empty() ? repository() : repository() + "/" + path; }
};

// Why a `uses:` string is malformed: `problem` completes a sentence that starts with the
// quoted string ("'x@' " + "has an empty ref after '@'"), `hint` is the accepted form.
struct ActionRefError {
  std::string problem;
  std::string hint;
};

// Parses `uses`. Whether the kind fits where it is written (a reusable workflow under a
// step, an action under a job) is the caller's check.
std::variant<ActionRef, ActionRefError> parse_action_ref_detailed(std::string_view uses);

// The same as an Error "'uses: TEXT' PROBLEM (HINT)", for callers that report an Error
// without a hint line (the action resolvers).
Result<ActionRef> parse_action_ref(std::string_view uses);

// True when `text` is a full commit SHA: exactly 40 hexadecimal digits.
bool is_full_commit_sha(std::string_view text);

}  // namespace sluice::spec
