#!/usr/bin/env bash
# Benchmarks `sluice scan --pack aws-solutions` on generated CloudFormation:
#   1. one synthetic template with 5,000 resources (a CDK-like mix: buckets + policies,
#      roles with inline policies, queues, security groups, Lambda functions, tables);
#   2. 1,000 small templates (8 resources each) in one directory tree.
# Prints resources/s, MB/s and peak RSS (from /usr/bin/time -v) for each, JSON and YAML.
# Usage: SLUICE=build/sluice bench/scan_bench.sh [WORKDIR]
set -euo pipefail
SLUICE=${SLUICE:-build/sluice}
WORK=${1:-$(mktemp -d "${TMPDIR:-/tmp}/sluice-scan-bench.XXXXXX")}
mkdir -p "$WORK"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }

python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]

def group(i):
    """Eight CDK-style resources; half of them compliant, half not."""
    b, p, r, q, d, s, f, t = (f"Bucket{i}", f"BucketPolicy{i}", f"Role{i}", f"Queue{i}",
                              f"Dlq{i}", f"Sg{i}", f"Fn{i}", f"Table{i}")
    md = lambda name: {"aws:cdk:path": f"Bench/{name}/Resource"}
    return {
        b: {"Type": "AWS::S3::Bucket", "Metadata": md(b), "Properties": {
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": f"Bucket{max(i - 1, 0)}"}}}},
        p: {"Type": "AWS::S3::BucketPolicy", "Metadata": md(p), "Properties": {
            "Bucket": {"Ref": b}, "PolicyDocument": {"Statement": [{
                "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Resource": [{"Fn::GetAtt": [b, "Arn"]},
                             {"Fn::Join": ["", [{"Fn::GetAtt": [b, "Arn"]}, "/*"]]}]}]}}},
        r: {"Type": "AWS::IAM::Role", "Metadata": md(r), "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                       "Principal": {"Service": "lambda.amazonaws.com"}}]},
            "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                  ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}],
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject*", "s3:PutObject"],
                 "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [b, "Arn"]}, "/*"]]}}]}}]}},
        q: {"Type": "AWS::SQS::Queue", "Metadata": md(q), "Properties": {
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [d, "Arn"]}, "maxReceiveCount": 3}}},
        d: {"Type": "AWS::SQS::Queue", "Metadata": md(d)},
        s: {"Type": "AWS::EC2::SecurityGroup", "Metadata": md(s), "Properties": {
            "GroupDescription": "bench group", "VpcId": {"Ref": "VpcId"},
            "SecurityGroupIngress": [{"CidrIp": "0.0.0.0/0" if i % 2 else "10.0.0.0/8",
                                      "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]}},
        f: {"Type": "AWS::Lambda::Function", "Metadata": md(f), "Properties": {
            "Runtime": "nodejs24.x" if i % 3 else "python3.12", "Handler": "index.handler",
            "Role": {"Fn::GetAtt": [r, "Arn"]}, "Code": {"ZipFile": "exports.handler = async () => 1;"}}},
        t: {"Type": "AWS::DynamoDB::Table", "Metadata": md(t), "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": i % 2 == 0}}},
    }

def template(groups, start=0):
    res = {}
    for i in range(start, start + groups):
        res.update(group(i))
    return {"Parameters": {"VpcId": {"Type": "AWS::EC2::VPC::Id"}}, "Resources": res}

def to_yaml(doc):
    import yaml  # PyYAML (python3-yaml), block style like hand-written templates
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=120)

big = template(625)  # 625 x 8 = 5,000 resources
os.makedirs(f"{work}/big", exist_ok=True)
with open(f"{work}/big/big.template.json", "w") as fh:
    json.dump(big, fh, indent=1)
with open(f"{work}/big/big.template.yaml", "w") as fh:
    fh.write(to_yaml(big))
for n in range(1000):
    d = f"{work}/many/app{n // 100}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/stack{n}.template.json", "w") as fh:
        json.dump(template(1, n), fh, indent=1)
PY

measure() {  # measure LABEL RESOURCES PATH...
  local label=$1 resources=$2; shift 2
  local bytes
  bytes=$(du -cb "$@" | tail -1 | cut -f1)
  /usr/bin/time -v "$SLUICE" scan --pack aws-solutions --fail-on none --format csv --output "$WORK/out.csv" "$@" \
    2> "$WORK/time.txt" > /dev/null || true
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  awk -v l="$label" -v r="$resources" -v b="$bytes" -v s="$secs" -v m="$rss" -v rows="$(wc -l < "$WORK/out.csv")" \
    'BEGIN { if (s <= 0) s = 0.001; printf "%-34s %6d resources %7.1f MB  %6.2f s  %9.0f resources/s  %6.1f MB/s  peak RSS %6.1f MB  %d report rows\n", l, r, b/1e6, s, r/s, b/1e6/s, m/1024, rows-1 }'
}

measure "5,000-resource template (JSON)" 5000 "$WORK/big/big.template.json"
measure "5,000-resource template (YAML)" 5000 "$WORK/big/big.template.yaml"
measure "1,000 small templates (JSON)" 8000 "$WORK/many"
