# Sourced by the benchmarks that wait for deliveries (bash): watch DIR COUNT, then the load,
# then arrived. watch starts bench/arrivals.py (inotify) in the background as $watcher and
# returns once it watches DIR; arrived waits until COUNT files have arrived there since.
# Counting by listing the Maildir every 20-50 ms took ~39 ms of CPU a listing at 20,000 files,
# CPU the measured daemons compete for, and more with every load (an A/B showed no rate effect
# beyond the noise; the waiter now costs nothing). Either failure stops the benchmark with a
# message, not silently under set -e.
watch() {
  local ready
  ready=$(mktemp)
  python3 "$(dirname "${BASH_SOURCE[0]}")/arrivals.py" "$1" "$2" > "$ready" & watcher=$!
  while [ ! -s "$ready" ]; do
    kill -0 "$watcher" 2>/dev/null || { rm -f "$ready"; echo "$0: cannot watch $1" >&2; exit 111; }
    sleep 0.01
  done
  rm -f "$ready"
}
arrived() { wait "$watcher" || { echo "$0: the messages did not all arrive within 900 s" >&2; exit 111; }; }
