# shellcheck shell=bash
# Small shared helpers for the scripts in scripts/. Source it; do not run it.
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"          (from scripts/)
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"       (from scripts/<dir>/)
# Callers set `set -euo pipefail` themselves and may set LOG_PREFIX before logging.

[[ -n "${_SHELFCAST_LIB_SH:-}" ]] && return 0
_SHELFCAST_LIB_SH=1

# Repository root: the folder above scripts/ (works without .git, e.g. in a copied tree).
SHELFCAST_ROOT="${SHELFCAST_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)}"
repo_root() { printf '%s\n' "$SHELFCAST_ROOT"; }

LOG_PREFIX="${LOG_PREFIX:-shelfcast}"
# LOG_QUIET=1 silences `log` (info) lines; `warn` and `die` always print.
log()  { [[ "${LOG_QUIET:-0}" == 1 ]] || printf '[%s] %s\n' "$LOG_PREFIX" "$*"; }
warn() { printf '[%s] WARN: %s\n' "$LOG_PREFIX" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$LOG_PREFIX" "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }

# Milliseconds since the epoch, and "1.2s" since a start taken with now_ms.
now_ms() { local t; t=$(date +%s%N); printf '%s\n' $((t / 1000000)); }
since() { local d=$(($(now_ms) - $1)); printf '%d.%01ds\n' $((d / 1000)) $(((d % 1000) / 100)); }

# port_open HOST PORT: true when a TCP connection to HOST:PORT succeeds (within 2 s).
port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
}

# wait_for_port HOST PORT TIMEOUT_S [LABEL]: poll until the port accepts connections.
wait_for_port() {
  local host=$1 port=$2 timeout_s=$3 label=${4:-$1:$2}
  local deadline=$((SECONDS + timeout_s))
  until port_open "$host" "$port"; do
    if ((SECONDS >= deadline)); then
      warn "$label: nothing answers on $host:$port after ${timeout_s}s"
      return 1
    fi
    sleep 0.5
  done
}

# is_local_host HOST: true for the loopback names we may start servers for.
is_local_host() {
  case "$1" in 127.0.0.1 | localhost | ::1 | '[::1]') return 0 ;; *) return 1 ;; esac
}

# as_root CMD...: run directly when root, else via sudo when present.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif have sudo; then sudo "$@"
  else die "needs root to run: $*"
  fi
}

# pid_alive PID: the process exists (and is not a zombie).
pid_alive() {
  [[ -n "${1:-}" && -d "/proc/$1" ]] || return 1
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
  [[ "$state" != Z ]]
}

# listener_pid PORT: pid of the process listening on TCP PORT (empty if unknown).
listener_pid() {
  have ss || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1
}
