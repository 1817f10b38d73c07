#!/usr/bin/env bash
# `npm test`: the same set-up as `npm start`, then lint, typecheck, format check, unit and integration tests.
# Extra arguments go to both Jest runs (e.g. `npm test -- libs/kafka`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_PREFIX=test
cd "$SHELFCAST_ROOT"
export TZ=UTC
started=$(now_ms)

bash scripts/setup.sh

step() {
  local name=$1
  shift
  local t
  t=$(now_ms)
  log "$name"
  "$@"
  log "$name: ok ($(since "$t"))"
}

mkdir -p .run/test
step "format" npx prettier --check --log-level warn .
step "typecheck" npx tsc -p tsconfig.json --noEmit
step "lint" bash -c 'npx nx show projects >/dev/null && npx eslint --max-warnings 0 .'

status=0
npx jest -c jest.unit.config.js --json --outputFile=.run/test/unit.json "$@" || status=1
npx jest -c jest.int.config.js --json --outputFile=.run/test/int.json "$@" || status=1

node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  for (const f of [".run/test/unit.json", ".run/test/int.json"]) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
'
log "done in $(since "$started")"
exit "$status"
