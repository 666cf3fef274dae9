#!/bin/bash
# SMTP intake figure (issue 7): Postfix's smtp-source against tcpserver running qmail-smtpd
# in-process, messages of 2 KiB, at 20 and 200 concurrent sessions: 5,000 messages with one
# message per session, then 100 messages per session over one connection (-d; 2,000 and
# 20,000 messages). Prints accepted messages per second, and tcpserver's peak RSS and
# thread count.
# The queue is $QMAILQUEUE if set, else QMAIL_HOME/bin/qmail-queue if the tree has one, else
# a sink (sh + cat: it reads message and envelope and keeps nothing), which is what the
# figure then measures. Usage: bench/smtpd.sh [MESSAGES]  (MESSAGES: the one-per-session runs)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-5000}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
tree=packaging/target/qmail
[ -x "$tree/bin/tcpserver" ] || scripts/build
command -v smtp-source >/dev/null || PATH=$PATH:/usr/sbin
work=$(mktemp -d)
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$tree/bin/qmail-install" "$work/qmail" --sandbox --me=bench.example >/dev/null
echo bench.example > "$work/qmail/control/rcpthosts"
if [ -n "${QMAILQUEUE:-}" ]; then queue=$QMAILQUEUE
elif [ -x "$work/qmail/bin/qmail-queue" ]; then queue=$work/qmail/bin/qmail-queue
else
  queue=$work/sink
  printf '#!/bin/sh\ncat >/dev/null; cat 0<&1 >/dev/null\n' > "$queue"; chmod +x "$queue"
fi
echo "queue program: $queue"

QMAILQUEUE=$queue "$work/qmail/bin/tcpserver" -1 -c 400 -b 400 -RH -l0 127.0.0.1 0 qmail-smtpd >"$work/port" 2>"$work/log" &
srv=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

peak_threads=0
sample() { while kill -0 "$srv" 2>/dev/null; do
    t=$(awk '/^Threads:/ {print $2}' "/proc/$srv/status" 2>/dev/null || echo 0)
    [ "${t:-0}" -gt "$(cat "$work/threads" 2>/dev/null || echo 0)" ] && echo "$t" > "$work/threads"
    sleep 0.2; done; }
echo 0 > "$work/threads"
sample &

run() { # sessions messages extra-flags label
  local t0 t1
  t0=$(date +%s%N)
  smtp-source -s "$1" -m "$2" -l 2048 $3 -f bench@example.net -t rcpt@bench.example "127.0.0.1:$port"
  t1=$(date +%s%N)
  awk -v n="$2" -v ns=$((t1 - t0)) -v l="$4" 'BEGIN { printf "%-44s %6.0f msg/s (%d messages in %.2f s)\n", l, n / (ns / 1e9), n, ns / 1e9 }'
}
# Warm-up (JIT), not counted.
smtp-source -s 20 -m 500 -l 2048 -f bench@example.net -t rcpt@bench.example "127.0.0.1:$port"
run 20 "$messages" "" "20 sessions, 1 message per session"
run 200 "$messages" "" "200 sessions, 1 message per session"
run 20 2000 "-d" "20 sessions, 100 messages per session"
run 200 20000 "-d" "200 sessions, 100 messages per session"
awk '/^VmHWM:|^VmRSS:/ {printf "tcpserver %s %d MB\n", $1, $2 / 1024}' "/proc/$srv/status"
echo "tcpserver peak threads: $(cat "$work/threads")"
