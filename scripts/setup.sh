#!/usr/bin/env bash
# Everything a fresh machine needs before the platform or its tests run; safe to run again.
#   1. Node packages (npm ci when node_modules is missing or older than package-lock.json)
#   2. Kafka, PostgreSQL and Redis (scripts/infra.sh up)
#   3. Prisma client generated, migrations applied to the `shelfcast` database
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_PREFIX=setup
cd "$SHELFCAST_ROOT"
started=$(now_ms)

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
((node_major >= 20)) || die "Node.js 20 or newer is needed (found $(node --version 2>/dev/null || echo none))"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.shelfcast-lock-hash || "$(cat node_modules/.shelfcast-lock-hash)" != "$lock_hash" ]]; then
  log "installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  printf '%s\n' "$lock_hash" > node_modules/.shelfcast-lock-hash
else
  log "Node packages up to date"
fi

bash scripts/infra.sh up

node scripts/db.mjs generate
node scripts/db.mjs migrate
log "ready in $(since "$started")"
