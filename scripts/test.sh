#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what the tests need, then unit and lab tests.
# dist/ is built by the tests' global setup (test/support/build-dist.ts), so CLI tests always run this tree.
# Lab tests need the lab's real binaries: they are built from Go modules into ~/.cache/meshferry when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/install-system-deps.sh
bash lab/build.sh >/dev/null
report=$(mktemp -t meshferry-vitest.XXXXXX.json)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One closing line in the plain form CI reads: "tests: N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  if (r.numTotalTests === 0) { console.log("tests: 0 passed, 0 failed (no test ran)"); process.exit(1); }
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || { [ "$status" -ne 0 ] || status=1; }
exit "$status"
