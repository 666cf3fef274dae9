#!/bin/bash
# fsyncs per message under SMTP load, per daemon, and the system time spent inside them
# (strace -c counts system time by default): the sandbox of this tree, a warm-up of N/5
# messages, then N messages over S sessions to alice, with strace attached to qmail-queued,
# qmail-send and qmail-lspawn. Run it for two trees alternately (bench/fsyncs.sh of each
# checkout) to see whether a change altered the count or only the cost of the same fsyncs.
# Usage: bench/fsyncs.sh [N=4000] [S=10] [L=2048]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-4000}; S=${2:-10}; L=${3:-2048}
for t in smtp-source strace; do command -v $t >/dev/null || { echo "bench/fsyncs.sh: needs $t" >&2; exit 100; }; done
[ -x packaging/target/qmail/bin/qmail-start ] || scripts/build >/dev/null
dir=$(mktemp -d /tmp/qmail-fsyncs.XXXXXX); chmod 755 "$dir"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport); status=$(freeport)
tracers=()
cleanup() {
  for t in "${tracers[@]}"; do kill -INT "$t" 2>/dev/null || true; done
  scripts/sandbox remove "$dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
SANDBOX_SMTP_PORT=$port SANDBOX_STATUS_PORT=$status scripts/sandbox start "$dir" >/dev/null
new=$dir/home/alice/Maildir/new
send() { smtp-source -s "$S" -l "$L" -m "$1" -f bench@example.com -t alice@sandbox.localdomain "127.0.0.1:$port"; }
wait_for() {
  local deadline=$(( $(date +%s) + 600 ))
  while [ "$(ls "$new" | wc -l)" -lt "$1" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench/fsyncs.sh: only $(ls "$new" | wc -l) of $1 delivered" >&2; exit 1; }
    sleep 0.2
  done
}
warm=$(( N / 5 )); send "$warm"; wait_for "$warm"
roles="qmail-queued qmail-send qmail-lspawn"
for r in $roles; do
  pid=$(pgrep -f "qmail.home=$dir .*qmail.program=$r " | head -1)
  strace -f -q -c -e trace=fsync,fdatasync -o "$dir/strace.$r" -p "$pid" & tracers+=($!)
done
sleep 1
send "$N"; wait_for $(( warm + N )); sleep 1
for t in "${tracers[@]}"; do kill -INT "$t"; wait "$t" 2>/dev/null || true; done
tracers=()
echo "$N messages of $L bytes, $S sessions: fsyncs per message, and system seconds inside them"
for r in $roles; do
  awk -v r="$r" -v n="$N" '$NF == "fsync" || $NF == "fdatasync" {
    printf "  %-13s %-9s %5.2f per message  %7.3f s\n", r, $NF, $4 / n, $2 }' "$dir/strace.$r"
done
