#!/bin/bash
# Memory of the sandbox suite (issue 12 item 8): starts scripts/sandbox in a fresh directory
# and prints, per role and for the whole suite, the proportional set size (PSS, from
# /proc/PID/smaps_rollup) idle, at its peak while Postfix's smtp-source sends N messages over
# S sessions, and after they are all delivered; plus each role's peak Java heap: the largest
# heap in use before a collection and the live set under load (what survives a full collection
# forced halfway through, what -Xmx must hold), from GC logs switched on at run time with
# `jcmd PID VM.log` (the launchers keep logging off).
# Usage: bench/pss.sh [N=6000] [S=10] [L=2048] [SETTLE=5]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-6000}; S=${2:-10}; L=${3:-2048}; SETTLE=${4:-5}
command -v smtp-source >/dev/null || { echo "bench/pss.sh: needs smtp-source (apt-get install postfix)" >&2; exit 1; }
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
dir=$(mktemp -d /tmp/qmail-pss.XXXXXX); chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SANDBOX_SMTP_PORT=$port scripts/sandbox start "$dir" >/dev/null
trap 'scripts/sandbox remove "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
gc=$dir/gclog; mkdir -p "$gc"; chmod 1777 "$gc"

# Where delivered mail lands; one function so a change of the sandbox's layout is one line.
delivered() { ls "$dir/home/alice/Maildir/new" | wc -l; }

# "PID ROLE" for every live process of this suite: launchers carry -Dqmail.program=NAME,
# qmail-lspawn's workers (root installs only; the sandbox delivers in qmail-lspawn) run
# org.qmailj.local.LocalWorker.
suite() {
  ps -ww -eo pid=,args= | awk -v home="-Dqmail.home=$dir" '
    index($0, home " ") && /org\.qmailj\.local\.LocalWorker/ {print $1, "qmail-local-worker"; next}
    index($0, home " ") && match($0, /-Dqmail\.program=[^ ]+/) {print $1, substr($0, RSTART + 16, RLENGTH - 16)}'
}
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

# GC logging into $gc/PID.log for every suite JVM not yet logging.
declare -A logging
log_gc() {
  local pid role
  while read -r pid role; do
    [ -n "${logging[$pid]:-}" ] && continue
    logging[$pid]=$role
    "$JAVA_HOME/bin/jcmd" "$pid" VM.log output="$gc/$pid.log" what=gc >/dev/null 2>&1 || true
  done < <(suite)
}

# One sample: "ROLE COUNT PSS_KB" per role, and "suite N TOTAL_KB".
sample() {
  suite | while read -r pid role; do echo "$role $(pss_kb "$pid")"; done |
    awk '{n[$1]++; s[$1]+=$2; t+=$2; c++} END {for (r in n) print r, n[r], s[r]; print "suite", c, t}'
}

declare -A idle peak after count
wait_delivered() { # count
  local deadline=$(( $(date +%s) + 900 ))
  while [ "$(delivered)" -lt "$1" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench/pss.sh: only $(delivered) of $1 delivered after 900 s" >&2; exit 1; }
    log_gc; sleep 0.5
  done
}

# A first message starts a qmail-local worker, so idle includes one, as a running system has.
# Idle is sampled before GC logging is switched on: jcmd's attach starts a listener thread and
# buffers in each JVM that a running system does not have.
echo "to: alice@sandbox.localdomain" | "$dir/bin/qmail-inject"
deadline=$(( $(date +%s) + 120 ))
until [ "$(delivered)" -ge 1 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "bench/pss.sh: the first message was not delivered in 120 s" >&2; exit 1; }
  sleep 0.5
done
sleep "$SETTLE"
while read -r role n kb; do idle[$role]=$kb; count[$role]=$n; done < <(sample)
log_gc

smtp-source -s "$S" -l "$L" -m "$N" -f pss@sandbox.localdomain -t alice@sandbox.localdomain "127.0.0.1:$port" &
src=$!
halfway=
t0=$(date +%s)
while [ "$(delivered)" -lt $(( N + 1 )) ]; do
  [ $(( $(date +%s) - t0 )) -lt 900 ] || { echo "bench/pss.sh: only $(delivered) of $(( N + 1 )) delivered after 900 s" >&2; exit 1; }
  log_gc
  # Halfway, a full collection in every JVM: what survives it is the live set under load.
  if [ -z "$halfway" ] && [ "$(delivered)" -gt $(( N / 2 )) ]; then
    halfway=1
    for pid in "${!logging[@]}"; do "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null 2>&1 || true; done
  fi
  while read -r role n kb; do
    [ "$kb" -gt "${peak[$role]:-0}" ] && peak[$role]=$kb
    [ "$n" -gt "${count[$role]:-0}" ] && count[$role]=$n
  done < <(sample)
  sleep 1
done
wait "$src"
t1=$(date +%s)
sleep "$SETTLE"
while read -r role n kb; do after[$role]=$kb; done < <(sample)

# Peak heap per role from the GC logs: "... Pause Young (...) 30M->2M(116M) ..." lines.
heap() { # role -> "USED LIVE" in MiB, the largest over the role's processes
  local pid files=()
  for pid in "${!logging[@]}"; do [ "${logging[$pid]}" = "$1" ] && [ -f "$gc/$pid.log" ] && files+=("$gc/$pid.log"); done
  [ ${#files[@]} -gt 0 ] || { echo "- -"; return; }
  # used: the most in use before any collection; live: after the halfway full collection.
  cat "${files[@]}" | grep -o 'Pause [A-Za-z]*.*[0-9]*M->[0-9]*M' | sed 's/^Pause \([A-Za-z]*\).* \([0-9]*\)M->\([0-9]*\)M$/\1 \2 \3/' | awk '
    $2 > b {b = $2} $1 == "Full" && $3 > a {a = $3} END {print (b ? b : "-"), (a ? a : "-")}'
}

printf '%d messages of %d bytes over %d sessions, delivered in %d s\n' "$N" "$L" "$S" $(( t1 - t0 ))
printf '%-20s %5s %10s %10s %10s %12s %12s\n' role procs 'idle MiB' 'peak MiB' 'after MiB' 'heap used' 'heap live'
for role in $(printf '%s\n' "${!count[@]}" | grep -vx suite | sort) suite; do
  read -r hb ha < <(if [ "$role" = suite ]; then echo "- -"; else heap "$role"; fi)
  awk -v r="$role" -v n="${count[$role]}" -v i="${idle[$role]:-0}" -v p="${peak[$role]:-0}" -v a="${after[$role]:-0}" -v hb="$hb" -v ha="$ha" \
    'BEGIN {printf "%-20s %5d %10.1f %10.1f %10.1f %12s %12s\n", r, n, i/1024, p/1024, a/1024, hb, ha}'
done
echo "(PSS from smaps_rollup; procs = most processes of the role seen at once; suite peak = largest sum"
echo " of one sample; heap used = most heap in use before a collection, heap live = what survived the"
echo " full collection forced halfway through the load (jcmd GC.run), MiB, from GC logs)"

# The service tree's programs (installs run the daemons under them; the sandbox does not):
# svscan over one service whose ./run prints 6,000 lines after a pause, logged by multilog,
# each directory under our supervise. PSS idle (before the lines) and after them.
tree=$(pwd)/packaging/target/qmail
svc_dir=$dir/svscan; mkdir -p "$svc_dir/s/log"
printf '#!/bin/sh\nsleep %s\nseq 6000 | sed "s/^/log line /"\nexec sleep 100000\n' $(( SETTLE * 2 )) > "$svc_dir/s/run"
printf '#!/bin/sh\nexec multilog t s999999 ./main\n' > "$svc_dir/s/log/run"
chmod +x "$svc_dir/s/run" "$svc_dir/s/log/run"
PATH=$tree/bin:$PATH "$tree/bin/svscan" "$svc_dir" & scan=$!
# Each step may fail (svscan already gone) and set -e holds inside a trap too: hence || true,
# or a failing svc would skip the removal and leave the sandbox running.
trap 'PATH=$tree/bin:$PATH svc -dx "$svc_dir/s" "$svc_dir/s/log" 2>/dev/null || true; kill "$scan" 2>/dev/null || true; sleep 2
      scripts/sandbox remove "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
tools() { # "PID ROLE" of the tree's svscan, supervise and multilog
  ps -ww -eo pid=,args= | awk -v home="-Dqmail.home=$tree " '
    index($0, home) && match($0, /-Dqmail\.program=(svscan|supervise|multilog) /) {print $1, substr($0, RSTART + 16, RLENGTH - 17)}'
}
tool_pss() { tools | while read -r pid role; do echo "$role $(pss_kb "$pid")"; done | awk '{n[$1]++; s[$1]+=$2} END {for (r in n) print r, n[r], s[r]}' | sort; }
deadline=$(( $(date +%s) + 60 ))
until [ "$(tools | wc -l)" -ge 4 ]; do [ "$(date +%s)" -lt "$deadline" ] || break; sleep 0.5; done
sleep "$SETTLE"; tool_pss > "$dir/tools.idle"
until [ "$(cat "$svc_dir/s/log/main/current" 2>/dev/null | wc -l)" -ge 6000 ]; do [ "$(date +%s)" -lt $(( deadline + 120 )) ] || break; sleep 0.5; done
sleep 1; tool_pss > "$dir/tools.after"
PATH=$tree/bin:$PATH svc -dx "$svc_dir/s" "$svc_dir/s/log" 2>/dev/null || true
kill "$scan" 2>/dev/null; wait "$scan" 2>/dev/null || true
deadline=$(( $(date +%s) + 30 ))
while [ -n "$(tools)" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
echo
printf '%-20s %5s %10s %10s   (svscan, 1 service + log, 6,000 lines through multilog)\n' role procs 'idle MiB' 'after MiB'
join <(cat "$dir/tools.idle") <(awk '{print $1, $3}' "$dir/tools.after") | awk '{printf "%-20s %5d %10.1f %10.1f\n", $1, $2, $3/1024, $4/1024}'
