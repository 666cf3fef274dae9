#!/bin/bash
# multilog throughput (issue 8): lines per second of our multilog against Debian's
# /usr/bin/multilog on the same input, for a plain log and a timestamped one, and the ratio
# ours/Debian (above 1 means ours is faster). Best of RUNS runs each.
# Usage: bench/multilog.sh [LINES] [RUNS]        (default 500000 lines of ~80 bytes, 3 runs)
# The 100 MB exactly-once burst is a test: mvn -pl splogger -am test \
#   -Dtest=MultilogBurstTest -Dsurefire.failIfNoSpecifiedTests=false -Dmultilog.burst.mb=100
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-500000}
runs=${2:-3}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
tree=packaging/target/qmail
[ -x "$tree/bin/multilog" ] || scripts/build
[ -x /usr/bin/multilog ] || { echo "bench/multilog.sh: needs Debian's daemontools (apt-get install daemontools)" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
awk -v n="$lines" 'BEGIN { for (i = 1; i <= n; i++) printf "%09d qmail-send: delivery %d: success: did_0+0+1/ line\n", i, i }' > "$work/in"
bytes=$(wc -c < "$work/in")

best_ms() { # label command...
  local best=
  for _ in $(seq "$runs"); do
    rm -rf "$work/log"
    local t0 t1
    t0=$(date +%s%N); "$@" < "$work/in"; t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
    # every line landed exactly once
    local got
    got=$(cat "$work"/log/@* "$work/log/current" 2>/dev/null | wc -l)
    [ "$got" -eq "$lines" ] || { echo "bench/multilog.sh: $* wrote $got lines, not $lines" >&2; exit 1; }
  done
  echo "$best"
}

printf 'input: %d lines, %d bytes; best of %d runs\n' "$lines" "$bytes" "$runs"
for script in "s16777215 n100 $work/log" "t s16777215 n100 $work/log" "s99999 n10000 $work/log"; do
  # shellcheck disable=SC2086
  deb=$(best_ms /usr/bin/multilog $script)
  # shellcheck disable=SC2086
  ours=$(best_ms "$tree/bin/multilog" $script)
  printf '%-28s debian %9d lines/s   ours %9d lines/s   ratio ours/debian %.2f\n' \
    "multilog ${script% $work/log}" $(( lines * 1000 / (deb > 0 ? deb : 1) )) $(( lines * 1000 / (ours > 0 ? ours : 1) )) \
    "$(echo "$deb / ($ours + 0.0001)" | bc -l)"
done
