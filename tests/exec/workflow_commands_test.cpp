#include "exec/workflow_commands.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include "core/secret_masker.h"
#include "memory_log.h"

namespace sluice::exec {
namespace {

using engine::AnnotationLevel;

class WorkflowCommandsTest : public ::testing::Test {
 protected:
  void make(const re2::RE2* pattern = nullptr, bool debug = false) {
    processor_ = std::make_unique<WorkflowCommandProcessor>(masker_, log_, pattern, debug);
  }
  std::vector<std::string> lines() { return log_->all(); }

  std::shared_ptr<SecretMasker> masker_ = std::make_shared<SecretMasker>();
  std::shared_ptr<testing::MemoryLog> log_ = std::make_shared<testing::MemoryLog>();
  std::unique_ptr<WorkflowCommandProcessor> processor_;
};

TEST(ParseWorkflowCommand, NamePropertiesAndData) {
  WorkflowCommand c;
  ASSERT_TRUE(parse_workflow_command("::error file=a.c,line=3,title=T%3A x%2C y::m%25 %0Anext", c));
  EXPECT_EQ(c.name, "error");
  ASSERT_EQ(c.properties.size(), 3u);
  EXPECT_EQ(*c.property("file"), "a.c");
  EXPECT_EQ(*c.property("line"), "3");
  EXPECT_EQ(*c.property("title"), "T: x, y");
  EXPECT_EQ(c.data, "m% \nnext");
}

TEST(ParseWorkflowCommand, LeadingWhitespaceAndNoProperties) {
  WorkflowCommand c;
  ASSERT_TRUE(parse_workflow_command("   ::group::Build it", c));
  EXPECT_EQ(c.name, "group");
  EXPECT_TRUE(c.properties.empty());
  EXPECT_EQ(c.data, "Build it");
}

TEST(ParseWorkflowCommand, RejectsNonCommands) {
  WorkflowCommand c;
  EXPECT_FALSE(parse_workflow_command("echo ::error::x", c));
  EXPECT_FALSE(parse_workflow_command("::error", c));  // no closing ::
  EXPECT_FALSE(parse_workflow_command(":::: x", c));   // empty name
  EXPECT_FALSE(parse_workflow_command("", c));
}

TEST(ParseWorkflowCommand, DropsMalformedProperties) {
  WorkflowCommand c;
  ASSERT_TRUE(parse_workflow_command("::warning novalue,=x,k=,line=7::m", c));
  ASSERT_EQ(c.properties.size(), 1u);
  EXPECT_EQ(*c.property("line"), "7");
}

TEST(Unescape, DataKeepsColonsAndCommasEscaped) {
  EXPECT_EQ(unescape_command_data("a%3Ab%2Cc%0D%0A%25"), "a%3Ab%2Cc\r\n%");
  EXPECT_EQ(unescape_command_property("a%3Ab%2Cc%0D%0A%25"), "a:b,c\r\n%");
  // Single pass: an escaped percent followed by "0A" is a literal "%0A".
  EXPECT_EQ(unescape_command_data("%250A"), "%0A");
  EXPECT_EQ(unescape_command_data("100%"), "100%");
  EXPECT_EQ(unescape_command_data("%0"), "%0");
}

TEST_F(WorkflowCommandsTest, PlainLinesPassThroughAndDropCarriageReturn) {
  make();
  processor_->process_line("hello");
  processor_->process_line("crlf\r");
  processor_->process_line("");
  EXPECT_EQ(lines(), (std::vector<std::string>{"hello", "crlf", ""}));
}

TEST_F(WorkflowCommandsTest, AddMaskHidesValueFromLaterLinesAndIsNotLogged) {
  make();
  processor_->process_line("::add-mask::hunter2");
  processor_->process_line("password is hunter2!");
  EXPECT_EQ(lines(), (std::vector<std::string>{"password is ***!"}));
  EXPECT_EQ(masker_->mask("hunter2"), "***");
}

TEST_F(WorkflowCommandsTest, AddMaskUnescapesMultiLineValues) {
  make();
  processor_->process_line("::add-mask::line1%0Aline2");
  processor_->process_line("x line2 y");
  EXPECT_EQ(lines(), (std::vector<std::string>{"x *** y"}));
}

TEST_F(WorkflowCommandsTest, GroupsAreLoggedWithMarkers) {
  make();
  processor_->process_line("::group::Install");
  processor_->process_line("inside");
  processor_->process_line("::endgroup::");
  EXPECT_EQ(lines(), (std::vector<std::string>{"\u25B8 Install", "inside", "\u25C2 Install"}));
}

TEST_F(WorkflowCommandsTest, ErrorBecomesAnnotationWithAllProperties) {
  make();
  processor_->process_line(
      "::error file=src/a.cpp,line=10,endLine=12,col=5,endColumn=9,title=Bad thing::it broke");
  ASSERT_EQ(processor_->annotations().size(), 1u);
  const engine::Annotation& a = processor_->annotations()[0];
  EXPECT_EQ(a.level, AnnotationLevel::kError);
  EXPECT_EQ(a.message, "it broke");
  EXPECT_EQ(a.title, "Bad thing");
  EXPECT_EQ(a.file, "src/a.cpp");
  EXPECT_EQ(a.line, 10);
  EXPECT_EQ(a.end_line, 12);
  EXPECT_EQ(a.column, 5);
  EXPECT_EQ(a.end_column, 9);
  EXPECT_EQ(lines(), (std::vector<std::string>{"Error: src/a.cpp:10:5: Bad thing: it broke"}));
}

TEST_F(WorkflowCommandsTest, WarningAndNoticeLevelsAndMultiLineMessages) {
  make();
  processor_->process_line("::warning::careful%0Anow");
  processor_->process_line("::notice title=FYI::done");
  ASSERT_EQ(processor_->annotations().size(), 2u);
  EXPECT_EQ(processor_->annotations()[0].level, AnnotationLevel::kWarning);
  EXPECT_EQ(processor_->annotations()[0].message, "careful\nnow");
  EXPECT_EQ(processor_->annotations()[1].level, AnnotationLevel::kNotice);
  EXPECT_EQ(lines(), (std::vector<std::string>{"Warning: careful", "  now", "Notice: FYI: done"}));
}

TEST_F(WorkflowCommandsTest, AnnotationsAreMasked) {
  masker_->add("tok123");
  make();
  processor_->process_line("::error title=tok123::leaked tok123");
  ASSERT_EQ(processor_->annotations().size(), 1u);
  EXPECT_EQ(processor_->annotations()[0].message, "leaked ***");
  EXPECT_EQ(processor_->annotations()[0].title, "***");
  EXPECT_EQ(log_->text().find("tok123"), std::string::npos);
}

TEST_F(WorkflowCommandsTest, AnnotationsPerLevelAreCapped) {
  make();
  for (int i = 0; i < 60; ++i) processor_->process_line("::warning::w" + std::to_string(i));
  processor_->process_line("::error::still kept");
  EXPECT_EQ(processor_->annotations().size(),
            WorkflowCommandProcessor::kMaxAnnotationsPerLevel + 1);
  EXPECT_EQ(processor_->warnings().size(), 1u);
}

TEST_F(WorkflowCommandsTest, DebugIsHiddenUnlessEnabled) {
  make();
  processor_->process_line("::debug::secret details");
  EXPECT_TRUE(lines().empty());
  make(nullptr, true);
  processor_->process_line("::debug::details");
  EXPECT_EQ(lines(), (std::vector<std::string>{"Debug: details"}));
}

TEST_F(WorkflowCommandsTest, SetOutputAndSaveState) {
  make();
  processor_->process_line("::set-output name=version::1.2%0A3");
  processor_->process_line("::save-state name=pid::42");
  processor_->process_line("::set-output::no name");
  ASSERT_EQ(processor_->outputs().size(), 1u);
  EXPECT_EQ(processor_->outputs()[0], (std::pair<std::string, std::string>{"version", "1.2\n3"}));
  ASSERT_EQ(processor_->state().size(), 1u);
  EXPECT_EQ(processor_->state()[0], (std::pair<std::string, std::string>{"pid", "42"}));
  ASSERT_EQ(processor_->warnings().size(), 1u);
  EXPECT_NE(processor_->warnings()[0].find("needs a name"), std::string::npos);
}

TEST_F(WorkflowCommandsTest, StopCommandsLogsCommandsVerbatimUntilToken) {
  make();
  processor_->process_line("::stop-commands::pause-42");
  processor_->process_line("::error::not an annotation");
  processor_->process_line("::add-mask::notmasked");
  processor_->process_line("::pause-42::");
  processor_->process_line("::error::real");
  processor_->process_line("notmasked");
  EXPECT_EQ(processor_->annotations().size(), 1u);
  EXPECT_EQ(lines(),
            (std::vector<std::string>{"::error::not an annotation", "::add-mask::notmasked",
                                      "Error: real", "notmasked"}));
}

TEST_F(WorkflowCommandsTest, EchoOnLogsCommandLines) {
  make();
  processor_->process_line("::echo::on");
  processor_->process_line("::set-output name=a::b");
  processor_->process_line("::echo::off");
  processor_->process_line("::set-output name=c::d");
  EXPECT_EQ(lines(), (std::vector<std::string>{"::set-output name=a::b", "::echo::off"}));
  EXPECT_EQ(processor_->outputs().size(), 2u);
}

TEST_F(WorkflowCommandsTest, AddMaskIsNeverEchoed) {
  make();
  processor_->process_line("::echo::on");
  processor_->process_line("::add-mask::pw99");
  processor_->process_line("pw99");
  EXPECT_EQ(lines(), (std::vector<std::string>{"***"}));
}

TEST_F(WorkflowCommandsTest, UnknownCommandsAreOrdinaryOutput) {
  make();
  processor_->process_line("::frobnicate::x");
  EXPECT_EQ(lines(), (std::vector<std::string>{"::frobnicate::x"}));
}

// Without ACTIONS_ALLOW_UNSECURE_COMMANDS, set-env and add-path are refused with GitHub's
// two errors and fail the step; nothing reaches the environment.
TEST_F(WorkflowCommandsTest, SetEnvAndAddPathAreRefusedWithGitHubsErrorByDefault) {
  make();
  processor_->process_line("::set-env name=A::b");
  processor_->process_line("::add-path::/opt/bin");
  EXPECT_TRUE(processor_->env().empty());
  EXPECT_TRUE(processor_->path().empty());
  EXPECT_EQ(processor_->command_error(),
            "the `set-env` command is disabled (ACTIONS_ALLOW_UNSECURE_COMMANDS is not true)");
  auto& a = processor_->annotations();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].level, AnnotationLevel::kError);
  EXPECT_EQ(a[0].message, "Unable to process command '::set-env name=A::b' successfully.");
  EXPECT_EQ(a[1].message,
            "The `set-env` command is disabled. Please upgrade to using Environment Files or opt "
            "into unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` "
            "environment variable to `true`. For more information see: "
            "https://github.blog/changelog/"
            "2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/");
  EXPECT_EQ(a[3].message.substr(0, 35), "The `add-path` command is disabled.");
  EXPECT_EQ(lines()[0], "Error: Unable to process command '::set-env name=A::b' successfully.");
}

// Regression (issue 9 §4): the ACTIONS_ALLOW_UNSECURE_COMMANDS opt-in did not exist.
TEST_F(WorkflowCommandsTest, TheOptInEnablesSetEnvAndAddPathWithGitHubsWarning) {
  processor_ = std::make_unique<WorkflowCommandProcessor>(masker_, log_, nullptr, false, true);
  processor_->process_line("::set-env name=GREETING::hello%0Aworld");
  processor_->process_line("::add-path::/opt/tool/bin");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(processor_->env(), (Pairs{{"GREETING", "hello\nworld"}}));
  EXPECT_EQ(processor_->path(), std::vector<std::string>{"/opt/tool/bin"});
  EXPECT_EQ(processor_->command_error(), "");
  auto& a = processor_->annotations();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].level, AnnotationLevel::kWarning);
  EXPECT_EQ(a[0].message,
            "The `set-env` command is deprecated and will be disabled soon. Please upgrade to "
            "using Environment Files. For more information see: "
            "https://github.blog/changelog/"
            "2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/");
  EXPECT_EQ(a[1].message.substr(0, 26), "The `add-path` command is ");
}

TEST_F(WorkflowCommandsTest, AllowedSetEnvStillRefusesNodeOptionsAndNeedsAName) {
  processor_ = std::make_unique<WorkflowCommandProcessor>(masker_, log_, nullptr, false, true);
  processor_->process_line("::set-env name=NODE_OPTIONS::--require /tmp/evil.js");
  EXPECT_TRUE(processor_->env().empty());
  EXPECT_EQ(processor_->command_error(), "");  // GitHub reports it but runs on
  ASSERT_EQ(processor_->annotations().size(), 2u);
  EXPECT_EQ(processor_->annotations()[1].message,
            "Can't update NODE_OPTIONS environment variable using ::set-env:: command.");
  processor_->process_line("::set-env::no name");
  EXPECT_EQ(processor_->command_error(), "the `set-env` command is malformed");
}

TEST_F(WorkflowCommandsTest, LogPatternMatchesUnmaskedLine) {
  re2::RE2 pattern("token=s3cr[e]t");
  masker_->add("s3cret");
  make(&pattern);
  processor_->process_line("nothing here");
  EXPECT_FALSE(processor_->log_pattern_matched());
  processor_->process_line("token=s3cret");
  EXPECT_TRUE(processor_->log_pattern_matched());
  EXPECT_EQ(lines().back(), "token=***");
}

TEST_F(WorkflowCommandsTest, FragmentsAreNeverCommands) {
  make();
  processor_->process_fragment("::add-mask::abc");
  processor_->process_line("abc");
  EXPECT_EQ(lines(), (std::vector<std::string>{"::add-mask::abc", "abc"}));
}

}  // namespace
}  // namespace sluice::exec
