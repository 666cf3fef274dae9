#!/bin/bash
# Queue writer benchmark (issue 3): messages per second and per-message latency
#  - through bin/qmail-queue, a JVM per message (thin client of qmail-queued), 1 and 8 at once;
#  - through the in-process SocketQueueClient (what qmail-smtpd & co. use), 1 and 8 writers;
#  - fsyncs per message, counted with strace -f -c -e trace=fsync,fdatasync, for the daemon
#    and for bin/qmail-queue's direct path.
# Usage: bench/queue.sh [MESSAGES_PER_PROCESS_RUN] [MESSAGES_IN_PROCESS] [MESSAGE_BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
nproc_runs=${1:-100}
ninproc=${2:-3000}
size=${3:-4000}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
tree=packaging/target/qmail
[ -x "$tree/bin/qmail-queue" ] || scripts/build
work=$(mktemp -d); 
daemon=
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
home=$work/qmail
"$tree/bin/qmail-install" "$home" --sandbox --me=bench.example >/dev/null
head -c "$size" /dev/zero | tr '\0' x > "$work/msg"
printf 'Fbench@example.com\0Trcpt@example.com\0\0' > "$work/env"
sock=$home/queue/lock/qmail-queue.sock

start_daemon() {
  "$home/bin/qmail-queued" & daemon=$!
  for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
  sleep 0.3
}
stop_daemon() { kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=; }
now() { date +%s%N; }
queued() { find "$home/queue/todo" -type f | wc -l; }

start_daemon
# One JVM per message: 1 at a time, then 8 at once.
for par in 1 8; do
  before=$(queued)
  t0=$(now)
  seq "$nproc_runs" | xargs -P "$par" -I{} sh -c "'$home/bin/qmail-queue' <'$work/msg' 1<'$work/env'"
  t1=$(now)
  got=$(( $(queued) - before ))
  awk -v n="$got" -v ns="$((t1 - t0))" -v p="$par" 'BEGIN {
    s = ns / 1e9; printf "bin/qmail-queue (process per message), %d at once: %.1f msgs/s, mean latency %.1f ms (%d msgs)\n", p, n / s, 1000 * s * p / n, n }'
done

# In-process client.
cp=$(ls "$tree"/lib/*.jar | tr '\n' ':')
"$JAVA_HOME/bin/javac" -d "$work/bench" -cp "$cp" bench/QueueBench.java
for par in 1 8; do
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$work/bench:$cp" QueueBench "$sock" "$ninproc" "$par" "$size"
done

# fsyncs per message in the daemon.
n=200
strace -q -f -c -e trace=fsync,fdatasync -o "$work/strace.daemon" -p "$daemon" 2>/dev/null & st=$!
sleep 1
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$work/bench:$cp" QueueBench "$sock" "$n" 1 "$size" >/dev/null
kill -INT "$st"; wait "$st" 2>/dev/null || true
calls=$(awk '$NF=="fsync" || $NF=="fdatasync" {s += $4} END {print s+0}' "$work/strace.daemon")
echo "qmail-queued: $calls fsync/fdatasync calls for $((n + 50)) messages: $(awk -v c="$calls" -v n="$((n + 50))" 'BEGIN {printf "%.2f", c / n}') per message"
stop_daemon

# fsyncs of one direct-path bin/qmail-queue (no daemon running).
strace -f -c -e trace=fsync,fdatasync -o "$work/strace.direct" sh -c "'$home/bin/qmail-queue' <'$work/msg' 1<'$work/env'"
calls=$(awk '$NF=="fsync" || $NF=="fdatasync" {s += $4} END {print s+0}' "$work/strace.direct")
echo "bin/qmail-queue direct path: $calls fsync/fdatasync calls for 1 message"
