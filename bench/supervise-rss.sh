#!/bin/bash
# Idle RSS of one supervise (issue 8): ours (the bin/supervise launcher, and with extra
# small-footprint flags through QMAIL_JAVA_OPTS) against Debian's /usr/bin/supervise, each
# supervising `sleep`, measured after SETTLE seconds. Usage: bench/supervise-rss.sh [SETTLE]
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${1:-5}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
tree=packaging/target/qmail
[ -x "$tree/bin/supervise" ] || scripts/build
work=$(mktemp -d)
cleanup() { svc -dx "$work"/* 2>/dev/null || true; sleep 1; rm -rf "$work"; }
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
