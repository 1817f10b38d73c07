#!/usr/bin/env bash
# Starts, stops and lists the six services as separate background processes.
#   scripts/services.sh start | stop | status
# Logs in .run/logs/<app>.log (JSON lines), pids in .run/pids/<app>.pid. A service that already
# runs and answers is reused. Ports: SHELFCAST_<APP>_PORT or the defaults below.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_PREFIX=services
cd "$SHELFCAST_ROOT"

APPS=(ingestion features trainer registry inference admin-api)
declare -A PORTS=([ingestion]=3001 [features]=3002 [trainer]=3003 [registry]=3004 [inference]=3005 [admin-api]=3006)
RUN=.run
# The services run with NODE_ENV=production, where server addresses must be given: these are the local ones.
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:${PGPORT:-5432}/shelfcast}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT:-6379}}"
mkdir -p "$RUN/logs" "$RUN/pids"

port_of() {
  local var="SHELFCAST_${1//-/_}_PORT"
  var=${var^^}
  printf '%s\n' "${!var:-${PORTS[$1]}}"
}

running_pid() {
  local pid_file="$RUN/pids/$1.pid"
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid=$(cat "$pid_file")
  pid_alive "$pid" && printf '%s\n' "$pid"
}

start_one() {
  local app=$1 port
  port=$(port_of "$app")
  if pid=$(running_pid "$app"); then
    log "$app already running (pid $pid, port $port)"
    return 0
  fi
  port_open 127.0.0.1 "$port" && die "$app: port $port is taken by another process (set SHELFCAST_${app//-/_}_PORT)"
  # apps/<app>/node-flags: the service's own Node flags (the image's CMD reads the same file).
  local flags=''
  [[ -f "apps/$app/node-flags" ]] && flags=$(tr '\n' ' ' < "apps/$app/node-flags")
  # shellcheck disable=SC2086 # the flags are words
  env "PORT=$port" NODE_ENV="${NODE_ENV:-production}" \
    setsid nohup node $flags -r @swc-node/register "apps/$app/src/main.ts" >>"$RUN/logs/$app.log" 2>&1 < /dev/null &
  printf '%s\n' "$!" > "$RUN/pids/$app.pid"
}

wait_ready() {
  local app=$1 port deadline
  port=$(port_of "$app")
  deadline=$((SECONDS + ${SERVICE_READY_TIMEOUT:-120}))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" == 200 ]]; do
    if ! running_pid "$app" >/dev/null; then
      tail -n 20 "$RUN/logs/$app.log" >&2 || true
      die "$app exited; its log is $RUN/logs/$app.log"
    fi
    if ((SECONDS >= deadline)); then
      curl -s "http://127.0.0.1:$port/health/ready" >&2 || true
      die "$app not ready after ${SERVICE_READY_TIMEOUT:-120}s; its log is $RUN/logs/$app.log"
    fi
    sleep 0.5
  done
}

case "${1:-}" in
  start)
    for app in "${APPS[@]}"; do start_one "$app"; done
    for app in "${APPS[@]}"; do wait_ready "$app"; done
    printf '\n%-10s  %-28s  %s\n' service url log
    for app in "${APPS[@]}"; do
      printf '%-10s  %-28s  %s\n' "$app" "http://127.0.0.1:$(port_of "$app")" "$RUN/logs/$app.log"
    done
    printf '\n'
    ;;
  stop)
    for app in "${APPS[@]}"; do
      if pid=$(running_pid "$app"); then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do pid_alive "$pid" || break; sleep 0.5; done
        pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
        log "$app stopped"
      fi
      rm -f "$RUN/pids/$app.pid"
    done
    ;;
  status)
    for app in "${APPS[@]}"; do
      if pid=$(running_pid "$app"); then
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(port_of "$app")/health/ready" || true)
        printf '%-10s pid %-7s ready %s\n' "$app" "$pid" "$code"
      else
        printf '%-10s stopped\n' "$app"
      fi
    done
    ;;
  *) die "usage: scripts/services.sh start|stop|status" ;;
esac
