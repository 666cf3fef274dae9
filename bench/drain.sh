#!/bin/bash
# The delivery side alone (performance issue 14): a queue drain through the sandbox, per daemon.
# Each round queues N messages (smtp-source, 10 sessions, L bytes) while delivery is held, then
# lets it go and times until all N are in alice's Maildir/new:
#   cold  as bench/compare.sh's drain: qmail-send is stopped (TERM) while the messages are
#         queued, then `scripts/sandbox start` starts qmail-start again (JVM starts included)
#   warm  qmail-send and its children keep running; qmail-send is SIGSTOPped while the messages
#         are queued and SIGCONTed: the drain with warm JVMs, and the CPU seconds per 1,000
#         messages of each daemon (utime+stime from /proc/PID/stat, before and after) and
#         its context switches per message (all its threads, /proc/PID/task/*/status)
# Rounds alternate cold and warm; each line is one round. With STRACE=1 a last warm round runs
# under `strace -f -c` per daemon and prints the syscalls per message of each.
# A/B: LIBS="a=DIR1 b=DIR2" runs each round once per variant, interleaved: before each, the
# suite is stopped and the jars of that DIR (e.g. copies of packaging/target/qmail/lib/qmail-*.jar
# of two builds) are put into the sandbox's lib/; each line then starts with the variant's name,
# and medians per variant follow.
# Usage (root or not): bench/drain.sh [N=2000] [ROUNDS=3] [L=2048]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}; ROUNDS=${2:-3}; L=${3:-2048}
command -v smtp-source >/dev/null || { echo "bench/drain.sh: needs smtp-source (apt-get install postfix)" >&2; exit 1; }
[ -x packaging/target/qmail/bin/qmail-start ] || scripts/build >/dev/null
dir=$(mktemp -d /var/tmp/qmail-drain.XXXXXX); chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'scripts/sandbox remove "$dir" >/dev/null' EXIT
start() { SANDBOX_SMTP_PORT=$port scripts/sandbox start "$dir" >/dev/null; }
start
new=$dir/home/alice/Maildir/new
hz=$(getconf CLK_TCK)
count() { find "$new" -maxdepth 1 -type f | wc -l; }
wait_for() {
  local deadline=$(( $(date +%s) + 600 ))
  while [ "$(count)" -lt "$1" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench/drain.sh: only $(count) of $1 delivered after 600 s" >&2; exit 1; }
    sleep 0.01
  done
}
send() { smtp-source -s 10 -l "$L" -m "$1" -f bench@example.com -t alice@sandbox.localdomain "127.0.0.1:$port"; }
sendpid() { cat "$dir/run/qmail-send.pid"; }
# The daemons under qmail-send: qmail-lspawn, qmail-rspawn, qmail-clean (children of qmail-send's
# pid, which qmail-start exec'd into qmail-send), by their launcher's main class. qmail-clean is
# usually a session in qmail-queued: then "clean" is that JVM (it does nothing else in a drain).
daemon_pid() { # name
  local p f
  for p in /proc/[0-9]*; do
    f=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case $f in *"-Dqmail.home=$dir "*) ;; *) continue ;; esac
    case $1:$f in
      send:*QmailSend*|lspawn:*QmailLspawn*|rspawn:*QmailRspawn*|clean:*QmailClean*|queued:*QmailQueued*) echo "${p#/proc/}"; return ;;
    esac
  done
  [ "$1" != clean ] || daemon_pid queued
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Context switches of all its threads (hand-offs between threads and processes, waits for I/O).
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s + 0}'; }
names="send lspawn clean rspawn"
send 200; wait_for 200 # warm-up of the writer and smtpd
variant() { # name=DIR: the suite restarted on DIR's jars
  scripts/sandbox stop "$dir" >/dev/null
  for j in "${1#*=}"/*.jar; do cp "$j" "$dir/lib/"; chown --reference="$dir/lib" "$dir/lib/${j##*/}"; done
  start
}
results=$dir/results; : > "$results"
for r in $(seq "$ROUNDS"); do
 for v in ${LIBS:-=}; do
  [ "$v" = = ] || variant "$v"
  tag=${v%%=*}; tag=${tag:+$tag: }
  for mode in cold warm; do
    before=$(count)
    if [ $mode = cold ]; then
      p=$(sendpid); kill -TERM "$p"; while [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; do sleep 0.05; done
      send "$N"
      t0=$(date +%s%N); start
      wait_for $(( before + N )); t1=$(date +%s%N)
      awk -v n="$N" -v d=$(( t1 - t0 )) -v t="$tag" 'BEGIN {printf "%scold drain of %d: %.0f msg/s\n", t, n, n / (d / 1e9)}' | tee -a "$results"
    else
      declare -A pid c0
      for x in $names; do pid[$x]=$(daemon_pid $x); c0[$x]=$(ticks "${pid[$x]}"); done
      kill -STOP "${pid[send]}"
      send "$N"
      declare -A s0
      for x in $names; do c0[$x]=$(ticks "${pid[$x]}"); s0[$x]=$(switches "${pid[$x]}"); done
      t0=$(date +%s%N); kill -CONT "${pid[send]}"
      wait_for $(( before + N )); t1=$(date +%s%N)
      line=$(awk -v n="$N" -v d=$(( t1 - t0 )) -v t="$tag" 'BEGIN {printf "%swarm drain of %d: %.0f msg/s; CPU-s/1000:", t, n, n / (d / 1e9)}')
      tot=0
      for x in $names; do
        c=$(( $(ticks "${pid[$x]}") - c0[$x] )); tot=$(( tot + c ))
        line="$line $x $(awk -v c="$c" -v hz="$hz" -v n="$N" 'BEGIN {printf "%.2f", c / hz / n * 1000}')"
      done
      line="$line total $(awk -v c="$tot" -v hz="$hz" -v n="$N" 'BEGIN {printf "%.2f", c / hz / n * 1000}'); context switches per message:"
      for x in send lspawn clean; do
        line="$line ${x}cs $(awk -v a="$(switches "${pid[$x]}")" -v b="${s0[$x]}" -v n="$N" 'BEGIN {printf "%.2f", (a - b) / n}')"
      done
      echo "$line" | tee -a "$results"
    fi
  done
 done
done
if [ -n "${LIBS:-}" ]; then
  echo "medians per variant:"
  for v in $LIBS; do
    for mode in cold warm; do
      grep "^${v%%=*}: $mode " "$results" | python3 -c '
import re, statistics, sys
rows = [l for l in sys.stdin]
if not rows: sys.exit()
cols = {}
for l in rows:
    cols.setdefault("msg/s", []).append(float(re.search(r"([0-9.]+) msg/s", l).group(1)))
    for k, x in re.findall(r" ([a-z]+) ([0-9]+\.[0-9]+)", l): cols.setdefault(k, []).append(float(x))
print("  %s %s: " % (sys.argv[1], sys.argv[2]) + "  ".join("%s %.2f" % (k, statistics.median(x)) if k != "msg/s" else "%.0f msg/s" % statistics.median(x) for k, x in cols.items()))
' "${v%%=*}" "$mode"
    done
  done
fi
if [ "${STRACE:-0}" = 1 ]; then
  declare -A pid st
  for x in $names; do pid[$x]=$(daemon_pid $x); done
  kill -STOP "${pid[send]}"
  before=$(count); send "$N"
  for x in $names; do strace -q -f -c -o "$dir/strace.$x" -p "${pid[$x]}" & st[$x]=$!; done
  sleep 1
  kill -CONT "${pid[send]}"
  wait_for $(( before + N ))
  sleep 0.5
  for x in $names; do kill -INT "${st[$x]}"; done; wait
  for x in $names; do
    echo "== $x: syscalls per message (strace -f -c, N=$N)"
    awk -v n="$N" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {printf "  %-16s %8.2f\n", $NF, $4 / n}' "$dir/strace.$x" | sort -k2 -rn | head -15
  done
fi
