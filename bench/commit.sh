#!/bin/bash
# The queue writer's durable commit (issue 14): two packaged trees, A and B (for instance the
# tree of the commit before a change, copied aside, and scripts/build's), measured in
# interleaved rounds (A, B, A, B, ...) on the same box, so that the noise of other work hits
# both alike; the script prints each round and the medians.
# Per tree and round, with only that tree's qmail-queued running on a queue of its own:
#   sendmail   ms per `bin/sendmail -t` call (JVM start-up included), median of CALLS
#   1 client   in-process SocketQueueClient (bench/QueueBench.java), one at a time: p50 ms
#   10 clients QueueBench with 10 threads (what 10 SMTP sessions of qmail-smtpd do): msgs/s
#   and, for both, the writer's CPU (user+system) in ms per message
# Then, once per tree, the writer's disk calls under strace -f -T (70 messages one at a time,
# then 250 by 10 clients): fsync/fdatasync per message, by what they synced, with their mean
# duration (group commit shows as fewer directory fsyncs per message with 10 clients).
# Usage: bench/commit.sh TREE_A TREE_B [ROUNDS=5] [CALLS=9] [MESSAGES=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/commit.sh TREE_A TREE_B [ROUNDS] [CALLS] [MESSAGES]" >&2; exit 100; }
trees=("$(readlink -f "$1")" "$(readlink -f "$2")"); rounds=${3:-5}; calls=${4:-9}; msgs=${5:-1000}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
work=$(mktemp -d /var/tmp/qmail-commit.XXXXXX); chmod 755 "$work"
daemon=
cleanup() { [ -z "$daemon" ] || { kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; } || true; rm -rf "$work"; }
trap cleanup EXIT
printf 'To: rcpt@example.com\nSubject: commit bench\n\n%s\n' "$(head -c 3000 /dev/zero | tr '\0' x)" > "$work/msg"
names=(A B)
for i in 0 1; do
  "${trees[$i]}/bin/qmail-install" "$work/${names[$i]}" --sandbox --me=bench.example >/dev/null
  cp=$(ls "${trees[$i]}"/lib/*.jar | tr '\n' ':')
  mkdir -p "$work/bench.${names[$i]}"
  "$JAVA_HOME/bin/javac" -d "$work/bench.${names[$i]}" -cp "$cp" bench/QueueBench.java
done

start_daemon() { # HOME
  "$1/bin/qmail-queued" 2>>"$work/queued.log" & daemon=$!
  for _ in $(seq 400); do [ -S "$1/queue/lock/qmail-queue.sock" ] && break; sleep 0.05; done
  sleep 0.3
}
stop_daemon() { kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=; }
empty_queue() { find "$1/queue/todo" "$1/queue/intd" "$1/queue/mess" -type f -delete; }
ticks() { awk '{print $14 + $15}' "/proc/$daemon/stat"; }
hz=$(getconf CLK_TCK)
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }
bench() { # TREE-INDEX THREADS MESSAGES
  local t=${trees[$1]} n=${names[$1]}
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$work/bench.$n:$(ls "$t"/lib/*.jar | tr '\n' ':')" \
    QueueBench "$work/$n/queue/lock/qmail-queue.sock" "$3" "$2" 3000
}

for r in $(seq "$rounds"); do
  for i in 0 1; do
    n=${names[$i]}; h=$work/$n
    empty_queue "$h"; start_daemon "$h"
    "$h/bin/sendmail" -t < "$work/msg" # warm the writer and the page cache
    for _ in $(seq "$calls"); do
      t0=$(date +%s%N); "$h/bin/sendmail" -t < "$work/msg"; t1=$(date +%s%N)
      echo $(( (t1 - t0) / 1000 ))
    done | awk '{print $1 / 1000}' | median > "$work/sm"
    c0=$(ticks)
    one=$(bench "$i" 1 300 | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')
    c1=$(ticks)
    ten=$(bench "$i" 10 "$msgs" | sed -n 's/.*: \([0-9]*\) msgs\/s.*/\1/p')
    c2=$(ticks)
    stop_daemon
    cpu1=$(awk -v c=$((c1 - c0)) -v hz="$hz" 'BEGIN {printf "%.2f", c / hz / 300 * 1000}')
    cpu10=$(awk -v c=$((c2 - c1)) -v hz="$hz" -v n="$msgs" 'BEGIN {printf "%.2f", c / hz / n * 1000}')
    printf 'round %d %s: sendmail %6.1f ms   1 client p50 %5.2f ms %s CPU-ms/msg   10 clients %5d msgs/s %s CPU-ms/msg\n' \
      "$r" "$n" "$(cat "$work/sm")" "$one" "$cpu1" "$ten" "$cpu10"
    printf '%s %s %s %s %s %s\n' "$n" "$(cat "$work/sm")" "$one" "$ten" "$cpu1" "$cpu10" >> "$work/rounds"
  done
done
echo
for n in A B; do
  printf 'median %s (%s): sendmail %s ms, 1 client p50 %s ms at %s CPU-ms/msg, 10 clients %s msgs/s at %s CPU-ms/msg\n' \
    "$n" "${trees[$([ $n = A ] && echo 0 || echo 1)]}" \
    "$(awk -v n=$n '$1 == n {print $2}' "$work/rounds" | median)" \
    "$(awk -v n=$n '$1 == n {print $3}' "$work/rounds" | median)" \
    "$(awk -v n=$n '$1 == n {print $5}' "$work/rounds" | median)" \
    "$(awk -v n=$n '$1 == n {print $4}' "$work/rounds" | median)" \
    "$(awk -v n=$n '$1 == n {print $6}' "$work/rounds" | median)"
done

# The writer's fsyncs, by what they synced (strace -y names the file behind each descriptor).
command -v strace >/dev/null || exit 0
echo
for threads in 1 10; do
for i in 0 1; do
  n=${names[$i]}; h=$work/$n; m=$((20 * threads))
  empty_queue "$h"; start_daemon "$h"
  bench "$i" "$threads" 20 >/dev/null # warm-up
  strace -q -f -y -T -e trace=fsync,fdatasync -o "$work/strace.$n" -p "$daemon" & st=$!
  sleep 1
  bench "$i" "$threads" "$m" >/dev/null
  kill -INT "$st"; wait "$st" 2>/dev/null || true
  stop_daemon
  awk -v name="$n" -v q="$h/queue/" -v msgs=$((50 + m)) -v threads="$threads" '
    function kind(p) {
      sub(q, "", p)
      # the message file is open under its first name, pid/PID.TIME.SEQ, unlinked since
      return p ~ /^pid\// || p ~ /^mess\/[0-9]+\/[0-9]+$/ ? "mess/S/N" : p ~ /^mess\/[0-9]+$/ ? "mess/S" : p ~ /^intd\/[0-9]+$/ ? "intd/N" : p
    }
    function took(k, line) { d = 0; if (match(line, /<[0-9.]+>$/)) d = substr(line, RSTART + 1, RLENGTH - 2); c[k]++; s[k] += d; all++ }
    /(fsync|fdatasync)\([0-9]+</ {
      match($0, /\([0-9]+<[^>]*>/); p = substr($0, RSTART, RLENGTH - 1); sub(/^\([0-9]+</, "", p); k = kind(p)
      if ($0 ~ /unfinished \.\.\.>$/) pending[$1] = k; else took(k, $0)
      next
    }
    /<\.\.\. (fsync|fdatasync) resumed>/ { took(pending[$1], $0) }
    END {
      printf "tree %s, %2d client(s): %.2f fsyncs per message (%d messages):", name, threads, all / msgs, msgs
      n = split("mess/S/N mess/S intd/N intd todo", order, " ")
      for (i = 1; i <= n; i++) if (order[i] in c) printf "  %s %.2f x %.2f ms", order[i], c[order[i]] / msgs, 1000 * s[order[i]] / c[order[i]]
      print ""
    }' "$work/strace.$n"
done
done
