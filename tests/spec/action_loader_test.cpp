#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "loader_test_util.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {
namespace {

namespace fs = std::filesystem;

class ActionLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-action-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(ActionLoader, CompositeAction) {
  write("action.yml", R"(name: hello
description: greets
inputs:
  who: {description: who, required: true}
  greeting: {default: hello}
outputs:
  said: {description: what, value: '${{ steps.s.outputs.text }}'}
runs:
  using: composite
  steps:
    - id: s
      run: echo "${{ inputs.greeting }} ${{ inputs.who }}"
      shell: bash
    - uses: ./other
)");
  Diagnostics d;
  auto a = load_action_file(dir_.string(), d);  // a directory finds action.yml
  ASSERT_TRUE(a) << d.format();
  EXPECT_EQ(a->name, "hello");
  EXPECT_EQ(a->using_, "composite");
  ASSERT_EQ(a->inputs.size(), 2u);
  EXPECT_TRUE(a->inputs[0].required);
  EXPECT_FALSE(a->inputs[0].default_value);
  EXPECT_EQ(*a->inputs[1].default_value, "hello");
  ASSERT_EQ(a->outputs.size(), 1u);
  EXPECT_EQ(a->outputs[0].second.text, "${{ steps.s.outputs.text }}");
  ASSERT_EQ(a->steps.size(), 2u);
  EXPECT_EQ(a->steps[0].shell->text, "bash");
}

TEST_F(ActionLoader, NodeAction) {
  std::string file = write("action.yaml", R"(name: js
inputs:
  token: {required: 'false'}
runs:
  using: node20
  main: dist/index.js
  pre: dist/pre.js
  post: dist/post.js
  post-if: always()
)");
  Diagnostics d;
  auto a = load_action_file(file, d);
  ASSERT_TRUE(a) << d.format();
  EXPECT_EQ(a->using_, "node20");
  EXPECT_EQ(a->main, "dist/index.js");
  EXPECT_EQ(a->pre, "dist/pre.js");
  EXPECT_EQ(a->post, "dist/post.js");
  EXPECT_EQ(a->post_if->text, "always()");
  EXPECT_FALSE(a->inputs[0].required);
}

TEST_F(ActionLoader, DockerActionIsRead) {
  write("action.yml",
        "name: d\ninputs:\n  who: {default: x}\nruns:\n  using: docker\n  image: Dockerfile\n"
        "  pre-entrypoint: /pre.sh\n  entrypoint: /main.sh\n  post-entrypoint: /post.sh\n"
        "  post-if: always()\n  args: [hello, '${{ inputs.who }}']\n  env: {A: b}\n");
  Diagnostics d;
  auto a = load_action_file(dir_.string(), d);
  ASSERT_TRUE(a) << d.format();
  EXPECT_EQ(a->using_, "docker");
  EXPECT_EQ(a->image->text, "Dockerfile");
  EXPECT_EQ(a->pre_entrypoint, "/pre.sh");
  EXPECT_EQ(a->entrypoint, "/main.sh");
  EXPECT_EQ(a->post_entrypoint, "/post.sh");
  EXPECT_EQ(a->post_if->text, "always()");
  ASSERT_EQ(a->args.size(), 2u);
  EXPECT_EQ(a->args[1].text, "${{ inputs.who }}");
  EXPECT_EQ(a->env[0].first, "A");
}

TEST_F(ActionLoader, DockerActionNeedsAnImage) {
  write("action.yml", "name: d\nruns:\n  using: docker\n  main: x.js\n");
  Diagnostics d;
  EXPECT_FALSE(load_action_file(dir_.string(), d));
  EXPECT_DIAG(d, "'main' of the action does not apply to `using: docker`", 4, 3);
  EXPECT_DIAG(d, "Docker action has no 'image'", 3, 3);
}

TEST_F(ActionLoader, CompositeRunStepNeedsShell) {
  write("action.yml", "name: c\nruns:\n  using: composite\n  steps:\n    - run: echo\n");
  Diagnostics d;
  EXPECT_FALSE(load_action_file(dir_.string(), d));
  EXPECT_DIAG(d, "step 1 of the composite action has 'run' but no 'shell'", 5, 7);
}

TEST_F(ActionLoader, Errors) {
  write("action.yml", "name: c\nrnus: {}\nruns:\n  using: nodejs\n");
  Diagnostics d;
  EXPECT_FALSE(load_action_file(dir_.string(), d));
  EXPECT_DIAG(d, "unknown key 'rnus' in the action", 2, 1);
  EXPECT_HINT(d, "unknown key 'rnus'", "did you mean 'runs'?");
  EXPECT_DIAG(d, "unknown 'using: nodejs' in the action", 4, 10);
  Diagnostics d2;
  EXPECT_FALSE(load_action_file((dir_ / "missing").string(), d2));
  EXPECT_DIAG(d2, "cannot read action file", 0, 0);
  fs::create_directories(dir_ / "empty");
  Diagnostics d3;
  EXPECT_FALSE(load_action_file((dir_ / "empty").string(), d3));
  EXPECT_DIAG(d3, "no action.yml or action.yaml in", 0, 0);
}

TEST_F(ActionLoader, DiscoverWorkflowFiles) {
  fs::create_directories(dir_ / ".github/workflows");
  fs::create_directories(dir_ / ".sluice/workflows");
  write(".github/workflows/b.yml", "");
  write(".github/workflows/a.yaml", "");
  write(".github/workflows/notes.txt", "");
  write(".sluice/workflows/c.yml", "");
  auto files = discover_workflow_files(dir_.string());
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0], (dir_ / ".github/workflows/a.yaml").string());
  EXPECT_EQ(files[1], (dir_ / ".github/workflows/b.yml").string());
  EXPECT_EQ(files[2], (dir_ / ".sluice/workflows/c.yml").string());
  EXPECT_TRUE(discover_workflow_files((dir_ / "nowhere").string()).empty());
}

TEST_F(ActionLoader, LoadWorkflowFileErrors) {
  Diagnostics d;
  EXPECT_FALSE(load_workflow_file((dir_ / "missing.yml").string(), d));
  EXPECT_DIAG(d, "cannot read workflow file", 0, 0);
  std::string file = write("ok.yml", "on: push\njobs: {a: {runs-on: x, steps: [{run: a}]}}\n");
  Diagnostics d2;
  auto wf = load_workflow_file(file, d2);
  ASSERT_TRUE(wf) << d2.format();
  EXPECT_EQ(wf->file, file);
  EXPECT_EQ(wf->jobs[0].pos.file, file);
}

}  // namespace
}  // namespace sluice::spec
