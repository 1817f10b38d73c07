#!/usr/bin/env bash
# A local single-node Apache Kafka broker (KRaft, broker+controller) without Docker.
#
#   scripts/kafka/kafka.sh start | stop | status | wait | logs [-f] [LINES] | reset
#
# Jars: fetched once with Maven (scripts/kafka/pom.xml) into
#   ${SHELFCAST_CACHE:-$HOME/.cache/shelfcast}/kafka-<version>/libs, shared by every clone on the machine.
# State: config, data, logs, pid file in <repo>/.run/kafka (git-ignored), or KAFKA_RUN_DIR.
#
# Environment (all optional):
#   KAFKA_VERSION          Kafka version (default: <kafka.version> in pom.xml)
#   KAFKA_PORT             client listener on 127.0.0.1 (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener on 127.0.0.1 (default 9093)
#   KAFKA_HEAP             broker max heap (default 512m)
#   KAFKA_WAIT_TIMEOUT     seconds start/wait wait for a metadata answer (default 90)
#   KAFKA_STOP_TIMEOUT     seconds stop waits after SIGTERM before SIGKILL (default 30)
#   KAFKA_JVM_OPTS         extra JVM options for the broker
#   KAFKA_MVN_OPTS         extra Maven options for the fetch (e.g. -Dmaven.repo.local=...)
#   KAFKA_RUN_DIR          state folder (default <repo>/.run/kafka)
#   SHELFCAST_CACHE        cache root (default $HOME/.cache/shelfcast)
#   LOG_QUIET=1            print only the final line of start (used by scripts/infra.sh)
set -euo pipefail

KAFKA_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/lib.sh
source "$KAFKA_SCRIPT_DIR/../lib.sh"
LOG_PREFIX=kafka

POM="$KAFKA_SCRIPT_DIR/pom.xml"
pom_version() { sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$POM" | head -n1; }
KAFKA_VERSION="${KAFKA_VERSION:-$(pom_version)}"
[[ -n "$KAFKA_VERSION" ]] || die "cannot read <kafka.version> from $POM (or set KAFKA_VERSION)"

CACHE_ROOT="${SHELFCAST_CACHE:-$HOME/.cache/shelfcast}"
DIST_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$DIST_DIR/libs"
STAMP="$DIST_DIR/.complete"

RUN_DIR="$(realpath -m "${KAFKA_RUN_DIR:-$SHELFCAST_ROOT/.run/kafka}")"
DATA_DIR="$RUN_DIR/data"
LOG_DIR="$RUN_DIR/logs"
CONFIG="$RUN_DIR/server.properties"
LOG4J_CONFIG="$RUN_DIR/log4j2.properties"              # Kafka 4.x (log4j2)
TOOLS_LOG4J_CONFIG="$RUN_DIR/tools-log4j2.properties"
LOG4J1_CONFIG="$RUN_DIR/log4j.properties"              # Kafka 3.x fallback (reload4j)
TOOLS_LOG4J1_CONFIG="$RUN_DIR/tools-log4j.properties"
PID_FILE="$RUN_DIR/kafka.pid"
BROKER_ENV="$RUN_DIR/broker.env"       # what the running broker was started with
FORMAT_ENV="$RUN_DIR/formatted.env"    # what the storage was formatted with
OUT="$RUN_DIR/broker.out"

HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${KAFKA_HEAP:-512m}"
WAIT_TIMEOUT="${KAFKA_WAIT_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
BOOTSTRAP="$HOST:$PORT"
# Marker on the broker's command line: lets stop/status tell our broker from a reused pid.
MARKER="-Dshelfcast.kafka.run=$RUN_DIR"
# Short-lived tool JVMs: small heap, C1 only, quick start (~1 s).
TOOL_JVM=(-Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
  -Dlog4j2.configurationFile="$TOOLS_LOG4J_CONFIG" -Dlog4j.configuration="file:$TOOLS_LOG4J1_CONFIG")

# result WHAT MESSAGE: the final line of a command. Under LOG_QUIET=1 (scripts/infra.sh) only
# "<what-without-kafka> MESSAGE", for the caller's own one-line summary.
result() {
  if [[ "${LOG_QUIET:-0}" == 1 ]]; then
    printf '%s\n' "${1#kafka}, $2" | sed 's/^, //; s/^ //'
  else
    log "$1 on $BOOTSTRAP: $2"
  fi
}

rel() { local p=$1; printf '%s\n' "${p#"$SHELFCAST_ROOT"/}"; }

need_java() {
  have java || die "java not found (Java 17+ needed: apt-get install -y openjdk-17-jre-headless)"
}

# ---------------------------------------------------------------------------------------------
# Jars: Maven once per version (and per pom content), into the shared cache.
pom_digest() { sha256sum "$POM" | cut -c1-16; }

ensure_jars() {
  local want
  want="$KAFKA_VERSION $(pom_digest)"
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] && return 0
  have mvn || die "mvn not found (needed once to fetch the Kafka jars: apt-get install -y maven)"
  mkdir -p "$CACHE_ROOT"
  # One fetch at a time per version, across clones and concurrent CI jobs.
  exec 9>"$CACHE_ROOT/.kafka-$KAFKA_VERSION.lock"
  flock -w 900 9 || die "timed out waiting for another fetch of kafka $KAFKA_VERSION"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then exec 9>&-; return 0; fi
  local t0 tmp
  t0=$(now_ms)
  log "fetching kafka $KAFKA_VERSION jars with Maven into $DIST_DIR (once per machine)"
  tmp=$(mktemp -d "$CACHE_ROOT/.kafka-$KAFKA_VERSION.XXXXXX")
  chmod 755 "$tmp" # mktemp makes it 700; the cache is shared
  # shellcheck disable=SC2086  # KAFKA_MVN_OPTS is a list of options
  if ! mvn -q -B -f "$POM" ${KAFKA_MVN_OPTS:-} -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$tmp/libs" -DincludeScope=runtime \
    >"$tmp/mvn.log" 2>&1; then
    tail -n 30 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "Maven could not fetch kafka $KAFKA_VERSION (see above)"
  fi
  [[ -f "$tmp/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; }
  if compgen -G "$tmp/libs/slf4j-reload4j-*.jar" >/dev/null; then
    # Kafka 3.x brings its own binding (reload4j, log4j 1 config): drop ours to keep one binding.
    rm -f "$tmp"/libs/log4j-slf4j-impl-*.jar
  else
    check_log4j_versions "$tmp/libs"
  fi
  printf '%s\n' "$want" >"$tmp/.complete"
  rm -rf "$DIST_DIR"
  mv "$tmp" "$DIST_DIR"
  exec 9>&-
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS" | cut -f1)) in $(since "$t0")"
}

# The slf4j binding must match log4j-api/core; warn when Kafka pulls another log4j than the pom's.
check_log4j_versions() {
  local api impl
  api=$(cd "$1" && ls log4j-api-*.jar 2>/dev/null | sed 's/log4j-api-\(.*\)\.jar/\1/' | head -n1)
  impl=$(cd "$1" && ls log4j-slf4j-impl-*.jar 2>/dev/null | sed 's/log4j-slf4j-impl-\(.*\)\.jar/\1/' | head -n1)
  if [[ -n "$api" && -n "$impl" && "$api" != "$impl" ]]; then
    warn "log4j-api $api but log4j-slf4j-impl $impl: set <log4j.version> in $POM to $api"
  fi
}

# ---------------------------------------------------------------------------------------------
# Config, formatting, launch.
write_config() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  cat >"$CONFIG" <<EOF
# Written by scripts/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=3
# The platform creates its topics (libs/kafka topic admin); a typo must not create one.
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  # Broker logs: rolling files in logs/, nothing on stdout (broker.out keeps JVM output and errors).
  cat >"$LOG4J_CONFIG" <<EOF
# Written by scripts/kafka/kafka.sh.
status = warn
name = shelfcast-kafka
appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = $LOG_DIR/server.log
appender.server.filePattern = $LOG_DIR/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 20MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 5
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF
  # The same for Kafka 3.x (KAFKA_VERSION=3.9.x), whose binding is reload4j.
  cat >"$LOG4J1_CONFIG" <<EOF
# Written by scripts/kafka/kafka.sh.
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=$LOG_DIR/server.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=5
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
EOF
  write_tools_config
}

# Tools (format, readiness check): errors only, on stderr.
write_tools_config() {
  mkdir -p "$LOG_DIR"
  cat >"$TOOLS_LOG4J_CONFIG" <<'EOF'
# Written by scripts/kafka/kafka.sh.
status = error
name = shelfcast-kafka-tools
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = ERROR
rootLogger.appenderRef.err.ref = err
EOF
  cat >"$TOOLS_LOG4J1_CONFIG" <<'EOF'
# Written by scripts/kafka/kafka.sh.
log4j.rootLogger=ERROR, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=%p %m (%c)%n
EOF
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    if [[ -f "$FORMAT_ENV" ]]; then
      # A changed KAFKA_CONTROLLER_PORT is fine (checked: the single voter comes up on the new port).
      local fversion
      fversion=$(sed -n 's/^KAFKA_VERSION=//p' "$FORMAT_ENV")
      if [[ -n "$fversion" && "$fversion" != "$KAFKA_VERSION" ]]; then
        warn "storage was formatted by kafka $fversion, running $KAFKA_VERSION (a downgrade fails; '$0 reset' wipes the data)"
      fi
    fi
    return 0
  fi
  local cluster_id
  cluster_id=$(java "${TOOL_JVM[@]}" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/format.log")
  [[ -n "$cluster_id" ]] || die "StorageTool random-uuid failed: $(tail -n 5 "$LOG_DIR/format.log")"
  if ! java "${TOOL_JVM[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format --standalone \
    -t "$cluster_id" -c "$CONFIG" >>"$LOG_DIR/format.log" 2>&1; then
    tail -n 20 "$LOG_DIR/format.log" >&2
    die "formatting $(rel "$DATA_DIR") failed"
  fi
  printf 'CLUSTER_ID=%s\nKAFKA_VERSION=%s\nCONTROLLER_PORT=%s\n' "$cluster_id" "$KAFKA_VERSION" "$CONTROLLER_PORT" >"$FORMAT_ENV"
  log "formatted storage $(rel "$DATA_DIR") (cluster id $cluster_id)"
}

launch() {
  local -a jvm=(-Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dlog4j.configuration="file:$LOG4J1_CONFIG"
    -Dkafka.logs.dir="$LOG_DIR" "$MARKER")
  # shellcheck disable=SC2206  # KAFKA_JVM_OPTS is a list of options
  [[ -n "${KAFKA_JVM_OPTS:-}" ]] && jvm+=(${KAFKA_JVM_OPTS})
  rm -f "$PID_FILE"
  printf '=== %s start kafka %s on %s\n' "$(date -Is)" "$KAFKA_VERSION" "$BOOTSTRAP" >>"$OUT"
  # New session + nohup: survives the calling shell and its terminal. The inner bash writes its own
  # pid (the java pid after exec) so the pid file is right whatever setsid does. Lock fds are closed.
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    java "${jvm[@]}" -cp "$LIBS/*" kafka.Kafka "$CONFIG" \
    </dev/null >>"$OUT" 2>&1 8>&- 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  [[ -s "$PID_FILE" ]] || die "broker did not start (no pid file); see $(rel "$OUT")"
  printf 'PORT=%s\nCONTROLLER_PORT=%s\nKAFKA_VERSION=%s\n' "$PORT" "$CONTROLLER_PORT" "$KAFKA_VERSION" >"$BROKER_ENV"
}

# ---------------------------------------------------------------------------------------------
# State.
our_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  pid_alive "$pid" || return 1
  # The pid must still be our broker (not a recycled pid).
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$MARKER" || return 1
  printf '%s\n' "$pid"
}

running_port() { sed -n 's/^PORT=//p' "$BROKER_ENV" 2>/dev/null || true; }

# kafka-broker-api-versions: a Java tool since Kafka 4.0, a Scala one in kafka_2.13 before.
check_class() {
  local jar
  for jar in "$LIBS"/kafka-tools-*.jar; do
    if [[ -f "$jar" ]] && grep -qaF 'org/apache/kafka/tools/BrokerApiVersionsCommand.class' "$jar"; then
      echo org.apache.kafka.tools.BrokerApiVersionsCommand
      return
    fi
  done
  echo kafka.admin.BrokerApiVersionsCommand
}

# One metadata round trip (ApiVersions to every broker found through Metadata). Prints the broker line.
metadata_check() {
  local out
  out=$(timeout 30 java "${TOOL_JVM[@]}" -cp "$LIBS/*" "$CHECK_CLASS" \
    --bootstrap-server "$BOOTSTRAP" 2>>"$LOG_DIR/check.log") || return 1
  grep -m1 -- '-> (' <<<"$out"
}

tail_logs() {
  local f
  for f in "$LOG_DIR/server.log" "$OUT"; do
    [[ -s "$f" ]] || continue
    printf -- '----- last lines of %s -----\n' "$(rel "$f")" >&2
    tail -n 40 "$f" >&2
  done
}

# wait_ready [PID]: wait (bounded) for the port, then for a metadata answer. With PID, fail fast
# when that process exits.
wait_ready() {
  local pid=${1:-} deadline=$((SECONDS + WAIT_TIMEOUT))
  mkdir -p "$LOG_DIR"
  until port_open "$HOST" "$PORT"; do
    if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
      tail_logs
      die "broker (pid $pid) exited before listening on $BOOTSTRAP"
    fi
    if ((SECONDS >= deadline)); then
      tail_logs
      die "nothing listens on $BOOTSTRAP after ${WAIT_TIMEOUT}s${pid:+ (broker pid $pid still running; '$0 stop' stops it)}"
    fi
    sleep 0.3
  done
  ensure_jars
  [[ -f "$TOOLS_LOG4J1_CONFIG" ]] || write_tools_config
  [[ -n "${CHECK_CLASS:-}" ]] || CHECK_CLASS=$(check_class)
  until metadata_check >/dev/null; do
    if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
      tail_logs
      die "broker (pid $pid) exited before answering metadata requests"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 5 "$LOG_DIR/check.log" >&2 || true
      tail_logs
      die "$BOOTSTRAP does not answer metadata requests after ${WAIT_TIMEOUT}s (is it Kafka?)"
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Commands.
cmd_start() {
  local t0 pid other
  t0=$(now_ms)
  need_java
  mkdir -p "$RUN_DIR"
  # One start at a time per state folder.
  exec 8>"$RUN_DIR/.start.lock"
  flock -w $((WAIT_TIMEOUT + 120)) 8 || die "timed out waiting for another '$0 start'"

  if pid=$(our_pid); then
    other=$(running_port)
    if [[ -n "$other" && "$other" != "$PORT" ]]; then
      die "the broker of $(rel "$RUN_DIR") (pid $pid) runs on port $other, not $PORT: stop it first or set KAFKA_RUN_DIR"
    fi
    wait_ready "$pid"
    result "kafka $KAFKA_VERSION" "already running (pid $pid), reused ($(since "$t0"))"
    return 0
  fi
  if port_open "$HOST" "$PORT"; then
    other=$(listener_pid "$PORT")
    log "something already answers on $BOOTSTRAP${other:+ (pid $other)}, not started by this script: reusing it"
    wait_ready
    result kafka "already running${other:+ (pid $other)}, not started by kafka.sh; answers metadata requests, reused ($(since "$t0"))"
    return 0
  fi
  if port_open "$HOST" "$CONTROLLER_PORT"; then
    die "controller port $HOST:$CONTROLLER_PORT is taken$(other=$(listener_pid "$CONTROLLER_PORT"); [[ -n "$other" ]] && echo " by pid $other"); set KAFKA_CONTROLLER_PORT"
  fi

  ensure_jars
  write_config
  format_storage
  launch
  pid=$(cat "$PID_FILE")
  log "started broker pid $pid (heap $HEAP); waiting up to ${WAIT_TIMEOUT}s for metadata on $BOOTSTRAP"
  wait_ready "$pid"
  result "kafka $KAFKA_VERSION" "started (pid $pid), ready in $(since "$t0"); logs $(rel "$LOG_DIR")/server.log"
}

cmd_stop() {
  local t0 pid other i
  t0=$(now_ms)
  if ! pid=$(our_pid); then
    rm -f "$PID_FILE" "$BROKER_ENV"
    if port_open "$HOST" "$PORT"; then
      other=$(listener_pid "$PORT")
      log "not started by this script: something${other:+ (pid $other)} answers on $BOOTSTRAP; leaving it alone"
    else
      log "not running"
    fi
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    pid_alive "$pid" || break
    sleep 0.2
  done
  if pid_alive "$pid"; then
    warn "broker pid $pid still running ${STOP_TIMEOUT}s after SIGTERM: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
  fi
  pid_alive "$pid" && die "could not stop broker pid $pid"
  rm -f "$PID_FILE" "$BROKER_ENV"
  log "stopped kafka (pid $pid) in $(since "$t0")"
}

cmd_status() {
  local pid other
  if pid=$(our_pid); then
    echo "running: kafka $(sed -n 's/^KAFKA_VERSION=//p' "$BROKER_ENV" 2>/dev/null) on $HOST:$(running_port) (pid $pid, state $(rel "$RUN_DIR"))"
    return 0
  fi
  if port_open "$HOST" "$PORT"; then
    other=$(listener_pid "$PORT")
    echo "running: something answers on $BOOTSTRAP${other:+ (pid $other)}, not started by this script"
    return 0
  fi
  echo "not running (nothing on $BOOTSTRAP)"
  return 3
}

cmd_wait() {
  local t0 pid=""
  t0=$(now_ms)
  need_java
  pid=$(our_pid) || pid=""
  wait_ready "$pid"
  result kafka "answers metadata requests ($(since "$t0"))"
}

cmd_logs() {
  local follow=0 lines=100 f="$LOG_DIR/server.log"
  while (($#)); do
    case "$1" in -f | --follow) follow=1 ;; *[!0-9]* | '') die "usage: $0 logs [-f] [LINES]" ;; *) lines=$1 ;; esac
    shift
  done
  [[ -f "$f" ]] || f="$OUT"
  [[ -f "$f" ]] || die "no logs yet in $(rel "$RUN_DIR")"
  if ((follow)); then exec tail -n "$lines" -F "$f"; else tail -n "$lines" "$f"; fi
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA_DIR" "$LOG_DIR" "$FORMAT_ENV" "$OUT"
  log "removed data and logs in $(rel "$RUN_DIR")"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  logs) shift; cmd_logs "$@" ;;
  reset) cmd_reset ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
