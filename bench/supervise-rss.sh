#!/bin/bash
# Idle RSS of one supervise (issue 8): ours (the bin/supervise launcher, and with extra
# small-footprint flags through QMAIL_JAVA_OPTS) against Debian's /usr/bin/supervise, each
# supervising `sleep`, measured after SETTLE seconds; then svscan-inprocess supervising N
# services (with logs) in one JVM. Usage: bench/supervise-rss.sh [SETTLE] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${1:-5}
n=${2:-10}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
tree=packaging/target/qmail
[ -x "$tree/bin/supervise" ] || scripts/build
work=$(mktemp -d)
scan=
cleanup() {
  # down first; x only once svscan-inprocess is gone (it would restart what exits)
  svc -d "$work"/* "$work"/scan/* "$work"/scan/*/log 2>/dev/null || true
  sleep 2
  [ -z "$scan" ] || kill "$scan" 2>/dev/null || true
  svc -dx "$work"/* 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
small='-Xmx8m -Xss256k -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=4m -XX:MaxMetaspaceSize=24m -XX:TieredStopAtLevel=1'
declare -A pids
for s in ours small debian; do
  mkdir -p "$work/$s"
  printf '#!/bin/sh\nexec sleep 1000\n' > "$work/$s/run"; chmod +x "$work/$s/run"
done
"$tree/bin/supervise" "$work/ours" & pids[ours]=$!
QMAIL_JAVA_OPTS="$small" "$tree/bin/supervise" "$work/small" & pids[small]=$!
/usr/bin/supervise "$work/debian" & pids[debian]=$!
sleep "$settle"
for s in ours small debian; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/${pids[$s]}/status")
  printf 'supervise %-7s idle RSS %6d kB  (%s)\n' "$s" "$rss" "$(svstat "$work/$s" | sed 's/.*: //')"
done

mkdir -p "$work/scan"
for i in $(seq "$n"); do
  mkdir -p "$work/scan/s$i/log"
  printf '#!/bin/sh\nexec sleep 1000\n' > "$work/scan/s$i/run"
  printf '#!/bin/sh\nexec cat > /dev/null\n' > "$work/scan/s$i/log/run"
  chmod +x "$work/scan/s$i/run" "$work/scan/s$i/log/run"
done
"$tree/bin/svscan-inprocess" "$work/scan" & scan=$!
sleep "$settle"
up=$(svstat "$work"/scan/* "$work"/scan/*/log | grep -c ': up ')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$scan/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$scan/status")
printf 'svscan-inprocess with %d services + %d logs (%d up): RSS %d kB in one JVM (%d threads), %d kB per supervised dir\n' \
  "$n" "$n" "$up" "$rss" "$threads" $(( rss / (2 * n) ))
