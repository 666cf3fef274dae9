#!/bin/bash
# One qmail-inject / sendmail call (performance issue 14): starts a sandbox (scripts/sandbox) in
# a fresh directory and prints the median wall time of N interleaved runs of
#   - a bare `java -cp DIR Hello` (same JDK, default flags: the issue's yardstick),
#   - bin/qmail-inject -n (the whole client without queueing),
#   - bin/sendmail -t (a full injection through the queue writer's socket),
# then the rate of a shell loop of L sendmail calls (msg/s). Targets: sendmail at most 1.5x the
# bare JVM, the loop at 20 msg/s or better. The sandbox is removed again on every exit.
# Usage: bench/inject.sh [N=21] [L=200]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}; loop=${2:-200}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
[ -x packaging/target/qmail/bin/sendmail ] || scripts/build

dir=$(mktemp -d /var/tmp/qmail-inject-bench.XXXXXX); chmod 755 "$dir"
work=$(mktemp -d); chmod 755 "$work"
cleanup() {
  scripts/sandbox remove "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir" || true
  rm -rf "$work" || true
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SANDBOX_SMTP_PORT=$port scripts/sandbox start "$dir" >/dev/null

printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$work/Hello.java"
"$JAVA_HOME/bin/javac" -d "$work" "$work/Hello.java"
printf 'To: alice\nSubject: bench\n\nhello\n' > "$work/msg"

# Runs as the sandbox's account when root started it (as a user would), else as the caller.
account=$(sed -n 's/^account=//p' "$dir/.sandbox")
as() { if [ -n "$account" ]; then runuser -u "$account" -- "$@"; else "$@"; fi; }
hello() { "$JAVA_HOME/bin/java" -cp "$work" Hello >/dev/null; }
inject_n() { "$dir/bin/qmail-inject" -n < "$work/msg" >/dev/null; }
sendmail() { "$dir/bin/sendmail" -t < "$work/msg"; }
export -f hello inject_n sendmail
export JAVA_HOME work dir

# One timed run in microseconds; runuser's own cost is outside the clock (it execs bash).
timed() { # function
  as bash -c 't0=$(date +%s%N); '"$1"' || exit 1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 ))'
}
median_ms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

: > "$work/hello.t"; : > "$work/inject_n.t"; : > "$work/sendmail.t"
inject_n >/dev/null; sendmail # first runs warm the page cache
for _ in $(seq "$runs"); do
  for f in hello inject_n sendmail; do timed "$f" >> "$work/$f.t"; done
done
h=$(median_ms < "$work/hello.t"); n=$(median_ms < "$work/inject_n.t"); s=$(median_ms < "$work/sendmail.t")

t=$(as bash -c 't0=$(date +%s%N); for _ in $(seq '"$loop"'); do sendmail || exit 1; done; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 ))')
rate=$(awk -v l="$loop" -v t="$t" 'BEGIN {printf "%.1f", l / (t / 1e6)}')

ratio() { awk -v a="$1" -v b="$h" 'BEGIN {printf "%.2f", a / b}'; }
echo "bare JVM (java -cp . Hello):   $h ms"
echo "qmail-inject -n:               $n ms ($(ratio "$n")x)"
echo "sendmail -t (queued):          $s ms ($(ratio "$s")x)   median of $runs"
echo "loop of $loop sendmail calls:   $rate msg/s"
