#!/usr/bin/env bash
# Everything the platform needs on this machine, without Docker:
#
#   scripts/infra.sh up       PostgreSQL, Redis (reused when running; else started; else installed
#                             with apt-get and started), databases, then Kafka (scripts/kafka/kafka.sh)
#   scripts/infra.sh down     stops Kafka only; the machine's PostgreSQL and Redis are shared, left running
#   scripts/infra.sh status   one line per server; exit 1 when one is down
#
# Environment (all optional): PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres),
#   REDIS_HOST (127.0.0.1), REDIS_PORT (6379), SHELFCAST_DATABASES ("shelfcast shelfcast_test"),
#   and the KAFKA_* variables of scripts/kafka/kafka.sh (KAFKA_PORT, KAFKA_HEAP, ...).
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/lib.sh
source "$INFRA_DIR/lib.sh"
LOG_PREFIX=infra

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
DATABASES="${SHELFCAST_DATABASES:-shelfcast shelfcast_test}"
KAFKA_SH="$INFRA_DIR/kafka/kafka.sh"
STATE_DIR="$SHELFCAST_ROOT/.run/infra"

# line NAME ADDRESS MESSAGE: the one line printed per server.
line() { printf '[infra] %-8s %-15s %s\n' "$1" "$2" "$3"; }

apt_install() {
  have apt-get || die "$1 is not installed and apt-get is missing: install it by hand"
  mkdir -p "$STATE_DIR"
  log "installing $* with apt-get (log: ${STATE_DIR#"$SHELFCAST_ROOT"/}/apt.log)" >&2
  {
    as_root apt-get update &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  } >>"$STATE_DIR/apt.log" 2>&1 || { tail -n 20 "$STATE_DIR/apt.log" >&2; die "apt-get install $* failed"; }
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
PG_ADDR="$PGHOST:$PGPORT"

pg_up() {
  if have pg_isready; then pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 3; else port_open "$PGHOST" "$PGPORT"; fi
}
pg_sql() { psql -X -q -w -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAc "$1"; }

# "<version> <name>" of the local cluster configured on PGPORT (Debian's postgresql-common).
pg_cluster_on_port() {
  have pg_lsclusters || return 0
  pg_lsclusters -h 2>/dev/null | awk -v p="$PGPORT" '$3 == p { print $1, $2; exit }'
}

# Trust local TCP connections on a cluster this script has just installed, as on the CI machines.
pg_trust_localhost() {
  local hba="/etc/postgresql/$1/$2/pg_hba.conf"
  [[ -f "$hba" ]] || return 0
  grep -q '^# shelfcast: trust localhost' "$hba" && return 0
  as_root sed -i '1i # shelfcast: trust localhost (scripts/infra.sh, freshly installed cluster)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$1" "$2" reload
}

ensure_postgres() {
  local t0 how="already running" installed=0 cluster i
  t0=$(now_ms)
  if ! pg_up; then
    is_local_host "$PGHOST" || die "PostgreSQL on $PG_ADDR does not answer (not a local address: start it there)"
    cluster=$(pg_cluster_on_port)
    if [[ -z "$cluster" ]]; then
      if have pg_lsclusters && [[ -n "$(pg_lsclusters -h 2>/dev/null)" ]]; then
        die "no local PostgreSQL cluster on port $PGPORT (clusters: $(pg_lsclusters -h | awk '{print $1 "/" $2 ":" $3}' | paste -sd' ')); set PGPORT"
      fi
      apt_install postgresql postgresql-client
      installed=1
      cluster=$(pg_cluster_on_port)
      [[ -n "$cluster" ]] || die "apt-get installed postgresql but no cluster listens on port $PGPORT"
    fi
    if ! pg_up; then
      # shellcheck disable=SC2086  # "<version> <name>"
      as_root pg_ctlcluster --skip-systemctl-redirect $cluster start
    fi
    for ((i = 0; i < 60; i++)); do pg_up && break; sleep 0.5; done
    pg_up || die "PostgreSQL $cluster did not come up on $PG_ADDR (see /var/log/postgresql/)"
    # shellcheck disable=SC2086
    ((installed)) && pg_trust_localhost $cluster
    how=$([[ $installed == 1 ]] && echo "installed and started" || echo "started cluster ${cluster/ //}")
  fi
  have psql || apt_install postgresql-client
  local version existing created=() db
  version=$(pg_sql 'SHOW server_version' 2>/dev/null) ||
    die "cannot connect to PostgreSQL on $PG_ADDR as $PGUSER: $(pg_sql "SELECT 1" 2>&1 | tail -n1) (set PGPASSWORD, or trust 127.0.0.1 in pg_hba.conf)"
  for db in $DATABASES; do
    existing=$(pg_sql "SELECT 1 FROM pg_database WHERE datname = '$db'")
    if [[ -z "$existing" ]]; then
      # A concurrent run may create it first: check again before failing.
      pg_sql "CREATE DATABASE \"$db\"" 2>/dev/null || [[ -n "$(pg_sql "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]] ||
        die "cannot create database $db on $PG_ADDR"
      created+=("$db")
    fi
  done
  local dbs="databases ${DATABASES// /, } present"
  if ((${#created[@]})); then dbs="databases ${DATABASES// /, } present (created: ${created[*]})"; fi
  line postgres "$PG_ADDR" "up: PostgreSQL ${version%% *}, $how; $dbs ($(since "$t0"))"
}

# ---------------------------------------------------------------------------------------------
# Redis
REDIS_ADDR="$REDIS_HOST:$REDIS_PORT"

redis_ping() {
  if have redis-cli; then
    [[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
  else
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"; printf "PING\r\n" >&3; read -r r <&3; [[ $r == "+PONG"* ]]' _ "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
  fi
}

redis_start() {
  local dir=/var/lib/redis logdir=/var/log/redis logfile
  if [[ ! -w "$dir" || ! -w "$logdir" ]]; then
    dir="$SHELFCAST_ROOT/.run/redis" logdir="$SHELFCAST_ROOT/.run/redis"
    mkdir -p "$dir"
  fi
  logfile="$logdir/ci.log"
  [[ "$REDIS_PORT" == 6379 ]] || logfile="$logdir/ci-$REDIS_PORT.log"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$dir" --logfile "$logfile" >/dev/null
}

ensure_redis() {
  local t0 how="already running" i version
  t0=$(now_ms)
  if ! redis_ping; then
    is_local_host "$REDIS_HOST" || die "Redis on $REDIS_ADDR does not answer (not a local address: start it there)"
    if ! have redis-server; then
      apt_install redis-server redis-tools
      how="installed and started"
      # The package may have started its own server on 6379.
      redis_ping || redis_start
    else
      how="started"
      redis_start
    fi
    for ((i = 0; i < 30; i++)); do redis_ping && break; sleep 0.5; done
    redis_ping || die "Redis did not come up on $REDIS_ADDR"
  fi
  version=""
  have redis-cli && version=$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info server 2>/dev/null | tr -d '\r' | sed -n 's/^redis_version://p')
  line redis "$REDIS_ADDR" "up: Redis ${version:-?}, $how ($(since "$t0"))"
}

# ---------------------------------------------------------------------------------------------
# Kafka (scripts/kafka/kafka.sh prints its progress on stderr only on errors, its result on stdout)
KAFKA_ADDR="127.0.0.1:${KAFKA_PORT:-9092}"

ensure_kafka() {
  local out
  out=$(LOG_QUIET=1 bash "$KAFKA_SH" start) || exit 1
  line kafka "$KAFKA_ADDR" "up: Kafka $(tail -n1 <<<"$out")"
}

# ---------------------------------------------------------------------------------------------
cmd_up() {
  local t0
  t0=$(now_ms)
  ensure_postgres
  ensure_redis
  ensure_kafka
  log "infrastructure up in $(since "$t0")"
}

cmd_down() {
  local out
  out=$(bash "$KAFKA_SH" stop)
  line kafka "$KAFKA_ADDR" "$(tail -n1 <<<"$out" | sed 's/^\[kafka\] //')"
  line postgres "$PG_ADDR" "left running (shared by the machine)"
  line redis "$REDIS_ADDR" "left running (shared by the machine)"
}

cmd_status() {
  local rc=0 out
  if pg_up; then line postgres "$PG_ADDR" "up"; else line postgres "$PG_ADDR" "DOWN"; rc=1; fi
  if redis_ping; then line redis "$REDIS_ADDR" "up"; else line redis "$REDIS_ADDR" "DOWN"; rc=1; fi
  if out=$(bash "$KAFKA_SH" status); then
    line kafka "$KAFKA_ADDR" "up (${out#running: })"
  else
    line kafka "$KAFKA_ADDR" "DOWN"; rc=1
  fi
  return $rc
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
