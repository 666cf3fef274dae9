#!/bin/bash
# PSS of the supervision an installed system runs: the four services qmail-install --mta
# writes (qmail-queued, qmail-send, qmail-smtpd, qmail-submission, the last one down), each
# with a log service, supervised by svscan (one supervise JVM per directory, daemontools'
# model) and by svscan-inprocess (every supervisor in one JVM: what qmail.service runs).
# The runs are `sleep` and the logs `cat`, so only the supervision is measured.
# Usage: bench/supervisors.sh [SETTLE=20]
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${1:-20}
tree=$PWD/packaging/target/qmail
[ -x "$tree/bin/svscan-inprocess" ] || scripts/build >/dev/null
work=$(mktemp -d); scan=
cleanup() {
  [ -z "$scan" ] || kill "$scan" 2>/dev/null || true
  [ -z "$scan" ] || wait "$scan" 2>/dev/null || true
  for d in "$work"/*/*/ "$work"/*/*/log/; do svc -dx "$d" 2>/dev/null || true; done
  sleep 1
  rm -rf "$work" || true
}
trap cleanup EXIT
pss() { # total PSS in KiB of the tree's svscan/supervise JVMs, and their count
  local tot=0 n=0 k p
  for p in $(pgrep -f "qmail.home=$tree .*-Dqmail.program=(svscan|svscan-inprocess|supervise) " || true); do
    k=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0); tot=$((tot + k)); n=$((n + 1))
  done
  echo "$tot $n"
}
for mode in svscan svscan-inprocess; do
  dir=$work/$mode/service
  for s in qmail-queued qmail-send qmail-smtpd qmail-submission; do
    mkdir -p "$dir/$s/log"
    printf '#!/bin/sh\nexec sleep 100000\n' > "$dir/$s/run"
    printf '#!/bin/sh\nexec cat > /dev/null\n' > "$dir/$s/log/run"
    chmod +x "$dir/$s/run" "$dir/$s/log/run"
  done
  touch "$dir/qmail-submission/down"
  PATH=$tree/bin:$PATH "$tree/bin/$mode" "$dir" > "$work/$mode.out" 2>&1 < /dev/null & scan=$!
  sleep "$settle"
  read -r kib n < <(pss)
  printf '%-17s %d JVMs  PSS %4d MiB  (%d supervised directories up: %d)\n' "$mode" "$n" $((kib / 1024)) 8 \
    "$(svstat "$dir"/* "$dir"/*/log | grep -c ': up ' || true)"
  if [ "$mode" = svscan ]; then
    kill "$scan"; wait "$scan" 2>/dev/null || true
  else
    kill -TERM "$scan"; wait "$scan" 2>/dev/null || true # takes its services down with it
  fi
  scan=
  for d in "$dir"/* "$dir"/*/log; do svc -dx "$d" 2>/dev/null || true; done
  sleep 2
done
