#!/usr/bin/env bash
# Static gates on every synthesized template of every stage: the CDK's own validator and cdk-nag
# (they fail synth), cfn-lint with zero errors, and checkov with every skip listed in .checkov.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
export CDK_DISABLE_CLI_TELEMETRY=1
# bin/storefront.ts runs the CDK's template validator only when asked (it is 40 % of a synth's time);
# test/infra/stage.test.ts runs it on every stage too, and checks that it ran.
export CDK_VALIDATION=true
# A venv of its own: .venv holds the MiniStack emulator, and checkov pins many dependencies.
VENV=.venv-gates
PINS="cfn-lint==1.58.0 checkov==3.3.30"
if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$PINS" ]; then
  echo "-- installing $PINS into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $PINS 2>&1 | { grep -v '^WARNING: Location' || true; }
  echo "$PINS" >"$VENV/.pins"
fi
OUT=.local/synth
rm -rf "$OUT"; mkdir -p "$OUT"
summary=()
for stage in ${GATE_STAGES:-local local-containers dev staging prod}; do
  echo "-- synth $stage (CDK validator + cdk-nag: AwsSolutions, and the stage's compliance packs)"
  npx cdk synth '**' -c "stage=$stage" -o "$OUT/$stage" --quiet >"$OUT/$stage.log" 2>&1 || { cat "$OUT/$stage.log"; exit 1; }
  templates=$(find "$OUT/$stage" -name '*.template.json' | sort)
  n=$(echo "$templates" | wc -l)
  # Unacknowledged errors fail synth above, so this is 0 here; acknowledgements are recorded per
  # construct and rule in the assembly's metadata (aws:cdk:acknowledged-rules).
  read -r errors nag_acks pci_acks serverless_acks validator_acks < <(node -e '
    const fs = require("fs"), path = require("path");
    const [report, dir] = process.argv.slice(1);
    let e = 0; for (const p of require(report).pluginReports) for (const v of p.violations) if (v.severity === "error") e++;
    let nag = 0, pci = 0, serverless = 0, validator = 0;
    const walk = (d) => { for (const f of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, f.name);
      if (f.isDirectory() && !f.name.startsWith("asset.")) walk(p);
      else if (f.name.endsWith(".metadata.json")) for (const entries of Object.values(JSON.parse(fs.readFileSync(p, "utf8"))))
        for (const m of entries) if (m.type === "aws:cdk:acknowledged-rules") for (const id of Object.keys(m.data)) {
          if (id.includes("AwsSolutions-")) nag++; else if (id.includes("PCI.DSS.321-")) pci++;
          else if (id.includes("Serverless-")) serverless++; else if (id.startsWith("CloudFormation-Validate::")) validator++;
        }
    } };
    walk(dir);
    console.log(e, nag, pci, serverless, validator);' "$PWD/$OUT/$stage/validation-report.json" "$PWD/$OUT/$stage")
  echo "-- cfn-lint $stage ($n templates)"
  set +e
  "$VENV/bin/cfn-lint" --format parseable $templates >"$OUT/$stage.cfn-lint.txt"
  set -e
  lint_errors=$(grep -c ':E[0-9]' "$OUT/$stage.cfn-lint.txt" || true)
  lint_warnings=$(grep -c ':W[0-9]' "$OUT/$stage.cfn-lint.txt" || true)
  [ "$lint_errors" -eq 0 ] || { grep ':E[0-9]' "$OUT/$stage.cfn-lint.txt"; echo "cfn-lint: $lint_errors errors in $stage" >&2; exit 1; }
  echo "-- checkov $stage"
  set +e
  "$VENV/bin/checkov" --quiet --compact --skip-download --config-file .checkov.yaml --framework cloudformation \
    -d "$OUT/$stage" --output json >"$OUT/$stage.checkov.json" 2>"$OUT/$stage.checkov.err"
  set -e
  read -r passed failed skipped < <(node -e '
    let r = require(process.argv[1]); if (!Array.isArray(r)) r = [r];
    const s = r.reduce((a, x) => { const m = x.summary || {}; return [a[0] + (m.passed || 0), a[1] + (m.failed || 0), a[2] + (m.skipped || 0)]; }, [0, 0, 0]);
    console.log(s.join(" "));' "$PWD/$OUT/$stage.checkov.json")
  if [ "$failed" -ne 0 ]; then
    node -e '
      let r = require(process.argv[1]); if (!Array.isArray(r)) r = [r];
      for (const x of r) for (const c of (x.results && x.results.failed_checks) || []) console.log(`${c.check_id} ${c.resource} ${c.file_path}`);' "$PWD/$OUT/$stage.checkov.json"
    echo "checkov: $failed failed checks in $stage" >&2; exit 1
  fi
  summary+=("$stage: $n templates; validator+nag unacknowledged errors $errors, acknowledged: cdk-nag AwsSolutions $nag_acks, PCI.DSS.321 $pci_acks, Serverless $serverless_acks (as recorded; the packs run where compliance.nagPacks says), validator $validator_acks; cfn-lint errors $lint_errors, warnings $lint_warnings; checkov passed $passed, failed $failed, skipped $skipped")
done
echo
printf '%s\n' "${summary[@]}"
echo "static gates passed in ${SECONDS}s"
