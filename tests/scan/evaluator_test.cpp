#include "scan/cfn/evaluator.h"

#include <gtest/gtest.h>

namespace sluice::scan::cfn {
namespace {

class EvaluatorTest : public ::testing::Test {
 protected:
  void load(const std::string& yaml) {
    auto doc = parse_document(yaml, "t.yaml");
    ASSERT_TRUE(doc.ok()) << doc.error().format();
    Diagnostics d;
    auto t = build_template(std::make_shared<const CfnNode>(std::move(*doc)), "t.yaml", d);
    ASSERT_TRUE(t.ok()) << t.error().format();
    tmpl_ = std::move(*t);
  }
  EvalResult eval_prop(const std::string& name) {
    Evaluator e(tmpl_, values_);
    return e.eval(tmpl_.find("R")->properties->get(name));
  }
  Template tmpl_;
  ParameterValues values_;
};

constexpr const char* kTemplate = R"(Parameters:
  Env: {Type: String, Default: prod}
  NoDefault: {Type: String}
  Subnets: {Type: CommaDelimitedList, Default: "a,b,c"}
Mappings:
  Ports:
    prod: {db: 5433}
    dev: {db: 3306}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Unknowable: !Equals [!Ref NoDefault, x]
  ProdAndUnknown: !And [!Condition IsProd, !Condition Unknowable]
  DevAndUnknown: !And [!Condition IsDev, !Condition Unknowable]
  Loop1: !Condition Loop2
  Loop2: !Condition Loop1
Resources:
  Other:
    Type: AWS::S3::Bucket
  R:
    Type: AWS::S3::Bucket
    Properties:
      RefDefault: !Ref Env
      RefNoDefault: !Ref NoDefault
      RefResource: !Ref Other
      Partition: !Ref AWS::Partition
      Region: !Ref AWS::Region
      Sub: !Sub "app-${Env}-${AWS::Partition}"
      SubVars: !Sub ["${A}-${B}", {A: x, B: !Ref Env}]
      SubAttr: !Sub "${Other.Arn}"
      SubLiteral: !Sub "${!NotAVar}"
      Join: !Join ["-", [a, !Ref Env, 3]]
      JoinUnknown: !Join ["-", [a, !GetAtt Other.Arn]]
      Select: !Select [1, !Ref Subnets]
      SelectOut: !Select [9, [a]]
      Split: !Split [",", "x,y"]
      Map: !FindInMap [Ports, !Ref Env, db]
      IfProd: !If [IsProd, yes-prod, no-prod]
      IfUnknown: !If [Unknowable, a, b]
      IfNoValue: !If [IsDev, x, !Ref AWS::NoValue]
      AndShortCircuit: !If [DevAndUnknown, a, b]
      AndUnknown: !If [ProdAndUnknown, a, b]
      Loop: !If [Loop1, a, b]
      GetAtt: !GetAtt Other.Arn
      Import: !ImportValue shared
      Base64: !Base64 hi
      List: [a, !Ref AWS::NoValue, !Ref Env]
)";

TEST_F(EvaluatorTest, ResolvesParametersAndPseudoParameters) {
  load(kTemplate);
  EXPECT_EQ(eval_prop("RefDefault").value.text, "prod");
  EXPECT_TRUE(eval_prop("RefNoDefault").unknown());
  EXPECT_NE(eval_prop("RefNoDefault").reason.find("NoDefault"), std::string::npos);
  EXPECT_TRUE(eval_prop("RefResource").unknown());
  EXPECT_EQ(eval_prop("Partition").value.text, "aws");
  EXPECT_TRUE(eval_prop("Region").unknown());
}

TEST_F(EvaluatorTest, ParameterValuesOverrideDefaults) {
  values_["Env"] = "dev";
  values_["NoDefault"] = "x";
  values_["AWS::Region"] = "eu-west-1";
  load(kTemplate);
  EXPECT_EQ(eval_prop("RefDefault").value.text, "dev");
  EXPECT_EQ(eval_prop("RefNoDefault").value.text, "x");
  EXPECT_EQ(eval_prop("Region").value.text, "eu-west-1");
  EXPECT_EQ(eval_prop("IfProd").value.text, "no-prod");
  EXPECT_EQ(eval_prop("IfUnknown").value.text, "a");
  EXPECT_EQ(eval_prop("Map").value.number, 3306);
}

TEST_F(EvaluatorTest, StringFunctions) {
  load(kTemplate);
  EXPECT_EQ(eval_prop("Sub").value.text, "app-prod-aws");
  EXPECT_EQ(eval_prop("SubVars").value.text, "x-prod");
  EXPECT_TRUE(eval_prop("SubAttr").unknown());
  EXPECT_EQ(eval_prop("SubLiteral").value.text, "${NotAVar}");
  EXPECT_EQ(eval_prop("Join").value.text, "a-prod-3");
  EXPECT_TRUE(eval_prop("JoinUnknown").unknown());
  EXPECT_EQ(eval_prop("Select").value.text, "b");
  EXPECT_TRUE(eval_prop("SelectOut").unknown());
  ASSERT_TRUE(eval_prop("Split").value.is_array());
  EXPECT_EQ(eval_prop("Split").value.items[1].text, "y");
  EXPECT_EQ(eval_prop("Map").value.number, 5433);
  EXPECT_EQ(eval_prop("Base64").value.text, "aGk=");
}

TEST_F(EvaluatorTest, ConditionsDecidableAndUndecidable) {
  load(kTemplate);
  EXPECT_EQ(eval_prop("IfProd").value.text, "yes-prod");
  EXPECT_TRUE(eval_prop("IfUnknown").unknown());
  EXPECT_TRUE(eval_prop("IfNoValue").absent());
  EXPECT_EQ(eval_prop("AndShortCircuit").value.text, "b");  // false && unknown = false
  EXPECT_TRUE(eval_prop("AndUnknown").unknown());
  EXPECT_TRUE(eval_prop("Loop").unknown());  // cycles do not hang
  Evaluator e(tmpl_, values_);
  EXPECT_EQ(e.condition("IsProd"), std::optional<bool>(true));
  EXPECT_EQ(e.condition("IsDev"), std::optional<bool>(false));
  EXPECT_EQ(e.condition("Unknowable"), std::nullopt);
  EXPECT_EQ(e.condition("Missing"), std::nullopt);
}

TEST_F(EvaluatorTest, DeployTimeValuesAreUnknown) {
  load(kTemplate);
  EXPECT_TRUE(eval_prop("GetAtt").unknown());
  EXPECT_TRUE(eval_prop("Import").unknown());
  EXPECT_TRUE(eval_prop("Absent").absent());
}

TEST_F(EvaluatorTest, ListsDropNoValue) {
  load(kTemplate);
  EvalResult r = eval_prop("List");
  ASSERT_TRUE(r.known());
  ASSERT_EQ(r.value.items.size(), 2u);
  EXPECT_EQ(r.value.items[1].text, "prod");
}

}  // namespace
}  // namespace sluice::scan::cfn
