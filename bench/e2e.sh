#!/bin/bash
# SMTP -> Maildir, end to end, through the sandbox suite (scripts/sandbox): Postfix's
# smtp-source sends N messages of L bytes over S concurrent sessions to the sandbox mailbox alice;
# prints accepted msg/s (SMTP done), delivered msg/s (all N in Maildir/new) and the CPU seconds
# per 1,000 messages of every process of the suite (tcpserver, qmail-queued, qmail-send,
# the spawners, qmail-clean, qmail-local workers). A warm-up batch runs first.
# Every message is fsync'd by the queue writer and by qmail-local, directory entries included.
# With BREAKDOWN=1 it also prints each role's user and system CPU per 1,000 messages.
# Usage: bench/e2e.sh [N=5000] [S=10] [L=2048]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}; S=${2:-10}; L=${3:-2048}
command -v smtp-source >/dev/null || { echo "bench/e2e.sh: needs smtp-source (apt-get install postfix)" >&2; exit 1; }
dir=$(mktemp -d /tmp/qmail-e2e.XXXXXX); chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'scripts/sandbox remove "$dir" >/dev/null' EXIT
SANDBOX_SMTP_PORT=$port scripts/sandbox start "$dir" >/dev/null
new=$dir/home/alice/Maildir/new

suite_cpu_ticks() { # utime+stime of every live process started for this QMAIL_HOME
  local t=0 p f
  for p in /proc/[0-9]*; do
    f=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case $f in *"-Dqmail.home=$dir "*)
      t=$(( t + $(awk '{print $14 + $15}' "$p/stat" 2>/dev/null || echo 0) )) ;;
    esac
  done
  echo $t
}
role_ticks() { # "ROLE UTIME STIME" per live process of this QMAIL_HOME
  local p f r
  for p in /proc/[0-9]*; do
    f=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case $f in *"-Dqmail.home=$dir "*)
      case $f in
        *org.qmailj.local.LocalWorker*) r=qmail-local-worker ;;
        *-Dqmail.program=*) r=$(sed 's/.*-Dqmail.program=\([^ ]*\).*/\1/' <<< "$f") ;;
        *) r=other ;;
      esac
      awk -v r="$r" '{print r, $14, $15}' "$p/stat" 2>/dev/null || true ;;
    esac
  done
}
wait_for() { # count
  local deadline=$(( $(date +%s) + 600 ))
  while [ "$(ls "$new" | wc -l)" -lt "$1" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench/e2e.sh: only $(ls "$new" | wc -l) of $1 delivered after 600 s" >&2; exit 1; }
    sleep 0.05
  done
}
send() { smtp-source -s "$S" -l "$L" -m "$1" -f bench@example.com -t alice@sandbox.localdomain "127.0.0.1:$port"; }

warm=$(( N / 5 )); send "$warm"; wait_for "$warm"
hz=$(getconf CLK_TCK)
[ -z "${BREAKDOWN:-}" ] || role_ticks > "$dir/ticks0"
c0=$(suite_cpu_ticks); t0=$(date +%s%N)
send "$N"; t1=$(date +%s%N)
wait_for $(( warm + N )); t2=$(date +%s%N)
c1=$(suite_cpu_ticks)
[ -z "${BREAKDOWN:-}" ] || role_ticks > "$dir/ticks1"
awk -v n="$N" -v s="$S" -v l="$L" -v a=$(( t1 - t0 )) -v d=$(( t2 - t0 )) -v c=$(( c1 - c0 )) -v hz="$hz" 'BEGIN {
  printf "%d messages of %d bytes, %d SMTP sessions at a time\n", n, l, s
  printf "accepted:  %.0f msg/s\n", n / (a / 1e9)
  printf "delivered: %.0f msg/s (all in Maildir/new)\n", n / (d / 1e9)
  printf "CPU: %.2f s per 1000 messages (suite processes, user+system)\n", (c / hz) / n * 1000
}'
if [ -n "${BREAKDOWN:-}" ]; then
  # a process that exited during the run (a restarted worker) is left out of the breakdown
  awk -v n="$N" -v hz="$hz" 'FNR == NR { u[$1] -= $2; y[$1] -= $3; next } { u[$1] += $2; y[$1] += $3 }
    END { for (r in u) printf "  %-20s user %5.2f  sys %5.2f  CPU-s/1000 msg\n", r, u[r] / hz / n * 1000, y[r] / hz / n * 1000 }' \
    "$dir/ticks0" "$dir/ticks1" | sort
fi
