#!/bin/bash
# Two (or more) builds side by side, in steady state, on a box whose speed changes from minute
# to minute: one sandbox per tree, all running at once, and batches of smtp-source loads that
# alternate between them. Run as root (or as a user, then all sandboxes are that user's):
#
#   cp -a packaging/target/qmail /var/tmp/before      # the build to compare against
#   ... change, scripts/build ...
#   bench/interleave.sh /var/tmp/before packaging/target/qmail
#   S=1 N=1000 R=3 bench/interleave.sh A B            S sessions, N messages per batch, R rounds
#
# Each sandbox gets a fresh directory (/var/tmp/interleave.PID.K): one made where another was
# just deleted would create its files among the recently freed inodes, which ext4 without a
# journal scans on every allocation, and pay for it. W=4000 messages warm each one up first.
# Per batch and tree: delivered msg/s (first connect to the last file in Maildir/new), the
# CPU-s per 1,000 messages of each daemon (with the children it reaped) and of all of them,
# and each daemon's context switches per message (every thread's, /proc/PID/task/*/status;
# threads that ended during the batch are not counted). Compare medians, not single batches.
set -euo pipefail
cd "$(dirname "$0")/.."
S=${S:-10}; N=${N:-2000}; R=${R:-4}; W=${W:-4000}; L=${L:-2048}
[ $# -ge 2 ] || { echo "usage: bench/interleave.sh TREE TREE..." >&2; exit 100; }
command -v smtp-source >/dev/null || { echo "bench/interleave.sh: needs smtp-source (apt-get install postfix)" >&2; exit 100; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
trees=(); dirs=(); ports=()
cleanup() { for d in "${dirs[@]}"; do scripts/sandbox remove "$d" >/dev/null 2>&1 || true; rm -f "$d".cpu0 "$d".cpu1 "$d".sw0 "$d".sw1; done; }
trap cleanup EXIT
k=0
for t in "$@"; do
  t=$(cd "$t" && pwd -P); [ -x "$t/bin/qmail-start" ] || { echo "bench/interleave.sh: no built tree: $t" >&2; exit 100; }
  d=/var/tmp/interleave.$$.$k; port=$(freeport); status=$(freeport)
  SANDBOX_TREE=$t SANDBOX_SMTP_PORT=$port SANDBOX_STATUS_PORT=$status scripts/sandbox start "$d" >/dev/null
  trees+=("$t"); dirs+=("$d"); ports+=("$port"); k=$((k + 1))
done
# Per daemon of the sandbox in $1: "role value", value from $2 (cpu: ticks of it and its reaped
# children; switches: of all its threads).
sample() {
  for p in $(pgrep -f "qmail.home=$1 " || true); do
    # A process that ended since pgrep is skipped: under set -e its failed read ended the
    # whole script, silently, after the first round it happened in.
    r=$(tr '\0' ' ' 2>/dev/null < /proc/$p/cmdline | grep -o 'qmail.program=[^ ]*' | cut -d= -f2) || continue
    case $2 in
      cpu) v=$(cut -d' ' -f14-17 /proc/$p/stat 2>/dev/null | awk '{print $1+$2+$3+$4}') || continue ;;
      switches) v=$(cat /proc/$p/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s+=$2} END {print s+0}') ;;
    esac
    echo "$r $v"
  done | sort
}
send() { smtp-source -s "$S" -l "$L" -m "$2" -f bench@example.com -t alice@sandbox.localdomain "127.0.0.1:$1"; }
hz=$(getconf CLK_TCK)
. bench/arrivals.sh # watch DIR COUNT, the load, arrived
new() { echo "${dirs[$1]}/home/alice/Maildir/new"; }
for i in "${!trees[@]}"; do watch "$(new "$i")" "$W"; send "${ports[$i]}" "$W"; arrived; done
sleep 3
echo "bench/interleave.sh: $(date -u +%FT%TZ) S=$S N=$N L=$L, $R rounds"
for i in "${!trees[@]}"; do echo "  tree $i: ${trees[$i]}"; done
for r in $(seq "$R"); do
  for i in "${!trees[@]}"; do
    d=${dirs[$i]}
    watch "$(new "$i")" "$N"
    sample "$d" cpu > "$d.cpu0"; sample "$d" switches > "$d.sw0"
    t0=$(date +%s.%N)
    send "${ports[$i]}" "$N"
    arrived
    t1=$(date +%s.%N)
    sample "$d" cpu > "$d.cpu1"; sample "$d" switches > "$d.sw1"
    cpu=$(join "$d.cpu0" "$d.cpu1" | awk -v n="$N" -v hz="$hz" '{t+=$3-$2; printf "%s %.2f  ", $1, ($3-$2)/hz*1000/n} END {printf "| all %.2f", t/hz*1000/n}')
    sw=$(join "$d.sw0" "$d.sw1" | awk -v n="$N" '{printf "%s %.1f  ", $1, ($3-$2)/n}')
    printf "tree %s round %s: %5.0f msg/s | CPU-s/1000: %s | switches/msg: %s\n" "$i" "$r" "$(echo "$N / ($t1 - $t0)" | bc -l)" "$cpu" "$sw"
    sleep 1
  done
done
