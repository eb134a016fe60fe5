#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, install what the tests need, then unit and lab tests.
# Lab tests need the lab's real binaries: they are built from Go modules into ~/.cache/meshferry when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
bash scripts/install-system-deps.sh
bash lab/build.sh >/dev/null
npx vitest run "$@"
