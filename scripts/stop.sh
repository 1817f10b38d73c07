#!/usr/bin/env bash
# `npm stop`: stop the six services and the Kafka broker the project started (PostgreSQL and Redis are the machine's).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/services.sh stop
bash scripts/infra.sh down
