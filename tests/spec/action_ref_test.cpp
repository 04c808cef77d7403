// spec::parse_action_ref: every form of `uses:` and the malformed strings it refuses.
#include "spec/action_ref.h"

#include <gtest/gtest.h>

#include "loader_test_util.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {
namespace {

ActionRef parsed(std::string_view uses) {
  auto ref = parse_action_ref(uses);
  EXPECT_TRUE(ref.ok()) << uses << ": " << (ref.ok() ? "" : ref.error().message);
  return ref.ok() ? *ref : ActionRef{};
}

std::string problem(std::string_view uses) {
  auto parsed = parse_action_ref_detailed(uses);
  auto* error = std::get_if<ActionRefError>(&parsed);
  EXPECT_NE(error, nullptr) << uses << " was accepted";
  return error ? error->problem : "";
}

TEST(ActionRef, LocalPathsIncludingTheRepositoryRoot) {
  EXPECT_EQ(parsed("./").kind, ActionRef::Kind::kLocal);
  EXPECT_EQ(parsed("./").path, ".");
  EXPECT_EQ(parsed(".").path, ".");
  EXPECT_EQ(parsed("./.").path, ".");
  EXPECT_EQ(parsed("./actions/hello").path, "actions/hello");
  EXPECT_EQ(parsed("./actions//hello/").path, "actions/hello");
  EXPECT_EQ(parsed("./a/../b").path, "b");
  EXPECT_EQ(parsed("./.github/workflows/x.yml").path, ".github/workflows/x.yml");
  EXPECT_EQ(parsed("./x").text, "./x");
}

TEST(ActionRef, LocalPathsLeavingTheRepositoryAreRefused) {
  EXPECT_EQ(problem("./.."), "points outside the repository");
  EXPECT_EQ(problem("./a/../../b"), "points outside the repository");
  EXPECT_EQ(problem("../x"), "is not a path in this repository");
  EXPECT_EQ(problem("/etc/x"), "is not a path in this repository");
}

TEST(ActionRef, RemoteActions) {
  ActionRef ref = parsed("actions/checkout@v4");
  EXPECT_EQ(ref.kind, ActionRef::Kind::kRemoteAction);
  EXPECT_EQ(ref.owner, "actions");
  EXPECT_EQ(ref.repo, "checkout");
  EXPECT_EQ(ref.path, "");
  EXPECT_EQ(ref.ref, "v4");
  EXPECT_FALSE(ref.ref_is_sha);
  EXPECT_EQ(ref.name(), "actions/checkout");
  EXPECT_TRUE(ref.is_remote());

  ref = parsed("github/codeql-action/init@release/v3");
  EXPECT_EQ(ref.repository(), "github/codeql-action");
  EXPECT_EQ(ref.path, "init");
  EXPECT_EQ(ref.ref, "release/v3");

  ref = parsed("actions/cache/restore@0123456789abcdefABCDEF0123456789abcdef01");
  EXPECT_TRUE(ref.ref_is_sha);
  EXPECT_EQ(ref.name(), "actions/cache/restore");
  EXPECT_FALSE(parsed("a/b@0123456789abcdef0123456789abcdef0123456").ref_is_sha);  // 39
}

TEST(ActionRef, RemoteReusableWorkflows) {
  ActionRef ref = parsed("octo/ci/.github/workflows/build.yml@v2");
  EXPECT_EQ(ref.kind, ActionRef::Kind::kRemoteWorkflow);
  EXPECT_EQ(ref.path, ".github/workflows/build.yml");
  EXPECT_EQ(ref.ref, "v2");
  EXPECT_EQ(parsed("octo/ci/.github/workflows/b.yaml@main").kind, ActionRef::Kind::kRemoteWorkflow);
  // Not directly under .github/workflows/, or not YAML: an action directory.
  EXPECT_EQ(parsed("octo/ci/.github/workflows/sub/b.yml@v1").kind, ActionRef::Kind::kRemoteAction);
  EXPECT_EQ(parsed("octo/ci/.github/workflows@v1").kind, ActionRef::Kind::kRemoteAction);
}

TEST(ActionRef, DockerImages) {
  ActionRef ref = parsed("docker://alpine:3.19");
  EXPECT_EQ(ref.kind, ActionRef::Kind::kDocker);
  EXPECT_EQ(ref.image, "alpine");
  EXPECT_EQ(ref.tag, "3.19");
  EXPECT_EQ(ref.digest, "");
  ref = parsed("docker://localhost:5000/team/tool");
  EXPECT_EQ(ref.image, "localhost:5000/team/tool");
  EXPECT_EQ(ref.tag, "");
  ref = parsed("docker://ghcr.io/o/i@sha256:abcdef0123");
  EXPECT_EQ(ref.image, "ghcr.io/o/i");
  EXPECT_EQ(ref.digest, "sha256:abcdef0123");
  EXPECT_EQ(ref.tag, "");
  EXPECT_EQ(problem("docker://"), "names no image");
  EXPECT_EQ(problem("docker://alpine:"), "has an empty tag");
  EXPECT_EQ(problem("docker://alpine@sha256:"), "has a malformed digest 'sha256:'");
  EXPECT_EQ(problem("docker://alpine@latest"), "has a malformed digest 'latest'");
  EXPECT_EQ(problem("docker:///x"), "has a malformed image name");
}

TEST(ActionRef, MalformedRemoteStrings) {
  EXPECT_EQ(problem(""), "is empty");
  EXPECT_EQ(problem("actions/checkout"), "has no '@ref'");
  EXPECT_EQ(problem("checkout@v4"), "does not name 'owner/repo'");
  EXPECT_EQ(problem("a/b@v1@v2"), "has more than one '@'");
  EXPECT_EQ(problem("a/b@"), "has an empty ref after '@'");
  EXPECT_EQ(problem("a/b@../x"), "has an invalid ref '../x'");
  EXPECT_EQ(problem("a/b@-x"), "has an invalid ref '-x'");
  EXPECT_EQ(problem("a/b@x:y"), "has an invalid ref 'x:y'");
  EXPECT_EQ(problem("a/b/../c@v1"), "has an invalid path '..'");
  EXPECT_EQ(problem("a$/b@v1"), "has an invalid owner or repository name");
  EXPECT_EQ(problem("a/b c@v1"), "contains spaces");
  EXPECT_EQ(problem("actions/${{ x }}@v1"), "cannot contain an expression");
}

TEST(ActionRef, ResultFormQuotesTheStringAndTheHint) {
  auto ref = parse_action_ref("actions/checkout");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.error().message,
            "'uses: actions/checkout' has no '@ref' (add the version to use, e.g. "
            "'actions/checkout@v1')");
}

TEST(ActionRef, IsFullCommitSha) {
  EXPECT_TRUE(is_full_commit_sha("8f4b7f84864484a7bf31766abe9204da3cbe65b3"));
  EXPECT_FALSE(is_full_commit_sha("8f4b7f8"));
  EXPECT_FALSE(is_full_commit_sha("8f4b7f84864484a7bf31766abe9204da3cbe65bz"));
}

// The loaders parse `uses:` once and report a kind that does not fit where it is written.
TEST(ActionRef, LoadersReportMisplacedKindsAtTheUsesColumn) {
  Diagnostics d;
  auto workflow = load_workflow_text(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: o/r/.github/workflows/x.yml@v1
      - uses: ./
      - uses: actions/checkout
  b:
    uses: actions/checkout@v4
  c:
    uses: ./../outside.yml
)",
                                     "w.yml", d);
  EXPECT_DIAG(d,
              "'o/r/.github/workflows/x.yml@v1' in step 1 of job 'a' is a reusable workflow, "
              "which a step cannot use",
              6, 15);
  EXPECT_DIAG(d, "'actions/checkout' in step 3 of job 'a' has no '@ref'", 8, 15);
  EXPECT_DIAG(d, "'actions/checkout@v4' in job 'b' is not a reusable workflow", 10, 11);
  EXPECT_DIAG(d, "'./../outside.yml' in job 'c' points outside the repository", 12, 11);
  EXPECT_HINT(d, "outside the repository", "relative to the repository root");
  EXPECT_EQ(d.error_count(), 4u) << d.format();
}

}  // namespace
}  // namespace sluice::spec
