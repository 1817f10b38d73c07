#!/usr/bin/env bash
# `npm start`: set up what is missing, then run the platform: Kafka, PostgreSQL, Redis and the six services.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_PREFIX=start
cd "$SHELFCAST_ROOT"

bash scripts/setup.sh
bash scripts/services.sh start
log "Shelfcast is running. Stop it with \`npm stop\`; logs are in .run/logs/."
