#!/usr/bin/env bash
# The main job: the seed's VPC flow logs setup over the bundled sample.
#   1. set up .venv with fer (and the report's DuckDB) if needed
#   2. check the rules and run their examples (fer check, fer test)
#   3. the S3 path: run the rules over the S3 export tree (gzip objects, header lines excluded)
#   4. the CloudWatch path: the collection Lambda's VPC-JSON transformation (fer collect, enriched
#      from a saved describe-network-interfaces output) piped into fer run
#   5. write the six dashboards (Security Groups included, thanks to the enrichment) as one
#      self-contained HTML report
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
.venv/bin/python -m pip install -q -e ".[report]"
fer=.venv/bin/fer

rules="$here/rules.toml"
sample="$here/sample"
out="$root/out/vpc_flow_logs"
mkdir -p "$out"

echo "== fer check / fer test: the rules compile and their examples pass"
"$fer" check "$rules"
"$fer" test "$rules"

echo
echo "== fer run over the S3 export ($sample/s3)"
"$fer" run --rules "$rules" --output "$out/s3-records.ndjson" "$sample/s3"

echo
echo "== fer collect (VPC-JSON, enriched) | fer run over the CloudWatch Logs payloads ($sample/cloudwatch)"
"$fer" collect --log-format VPC-JSON --include-log-info --enis "$here/enis.json" "$sample"/cloudwatch/*.json \
  | "$fer" run --rules "$rules" --output "$out/cloudwatch-records.ndjson" -

echo
echo "== fer report: the six VPC Flow Logs dashboards (over the enriched CloudWatch records)"
# 15-minute buckets: the sample holds ~1 record a minute, so the app's default 1-minute buckets would
# mostly hold single records and flag noise; at 15 minutes the spike and the reject burst stand out.
"$fer" report --app vpc-flow-logs "$out/cloudwatch-records.ndjson" --timeslice 15m --output "$out/report.html"

echo
echo "records: $out/s3-records.ndjson, $out/cloudwatch-records.ndjson"
echo "report:  $out/report.html (open it in a browser; it works offline)"
