#!/bin/bash
# Kill -9 campaign (issue 12): N trials, each a kill -9 of one daemon of the sandbox suite
# picked at random (qmail-send, qmail-lspawn, a qmail-local worker, qmail-rspawn,
# qmail-clean when it runs as a process, qmail-queued, tcpserver) at a random moment under continuous load, then a
# restart of what died the way supervise would (scripts/sandbox start restarts the stopped
# top-level daemons; qmail-send's helpers die with it and come back with qmail-start).
# Load: SMTP sessions to the catch-all and qmail-inject to the catch-all and to a remote
# domain routed by control/smtproutes to a local smtp-sink; every message has a unique
# Subject. Afterwards the queue is drained (SIGALRM to qmail-send) and the script prints
#   acknowledged  SMTP 250 after DATA, or qmail-inject exit 0
#   delivered     distinct acknowledged messages found in the Maildir or the sink
#   lost          acknowledged, never delivered (must be 0: exit 1 otherwise)
#   duplicated    extra copies (qmail duplicates a delivery done but not yet recorded)
#   unacked       delivered although the client saw no acknowledgement (a kill between
#                 the queue's commit and the reply)
# Usage: bench/killcampaign.sh [N=100] [SESSIONS=2]. `bench/killcampaign.sh 5` is the CI-sized run.
# ROLES="qmail-queued" bench/killcampaign.sh 10: kill only the roles named (the queue writer).
# Set KEEP=1 to keep the work directory (logs, Maildir, sink) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
N=${1:-100}; SESSIONS=${2:-2}
for t in smtp-sink python3; do
  command -v "$t" >/dev/null || { echo "bench/killcampaign.sh: needs $t (apt-get install postfix python3)" >&2; exit 1; }
done
# The sandbox wants a new directory of its own; the campaign's files live beside it.
top=$(mktemp -d /tmp/qmail-kill.XXXXXX); chmod 755 "$top"
dir=$top/sandbox
work=$top/campaign; mkdir -p "$work/sink"; chmod 1777 "$work" "$work/sink"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); sinkport=$(free_port)
export SANDBOX_SMTP_PORT=$port

loader= sink=
cleanup() {
  touch "$work/stop"
  [ -z "$loader" ] || { kill "$loader" 2>/dev/null; wait "$loader" 2>/dev/null; } || true
  "$repo/scripts/sandbox" stop "$dir" >/dev/null 2>&1 || true
  # qmail-send's helpers outlive a killed qmail-send for a moment; wait for every one.
  local deadline=$(( $(date +%s) + 30 ))
  while [ -n "$(suite)" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
  [ -z "$sink" ] || { kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null; } || true
  if [ -n "${KEEP:-}" ]; then echo "work directory kept: $top"
  else "$repo/scripts/sandbox" remove "$dir" >/dev/null 2>&1 || true; rm -rf "$top"; fi
}
trap cleanup EXIT

# The sandbox's layout, in small functions: where mail lands, where the logs are, what runs.
maildir_files() { find "$dir/home/alice/Maildir/new" "$dir/home/alice/Maildir/cur" -type f 2>/dev/null; }
send_log() { cat "$dir/log/qmail-send" 2>/dev/null || cat "$dir/log/qmail-send/current" 2>/dev/null; }
# Messages qmail-send still has to deliver: todo/ (not yet processed) and info/ entries. A
# mess/ file without either is a leftover that qmail-send's cleanup removes later, as qmail's:
# a message whose queue writer died before todo/ (never acknowledged; intd/ says so) or one
# done whose qmail-send died between removing info/ and mess/.
queue_messages() { find "$dir/queue/todo" "$dir/queue/info" -type f 2>/dev/null | wc -l; }
leftover_mess() { find "$dir/queue/mess" -type f 2>/dev/null | wc -l; }
qmail_send_pid() { cat "$dir/run/qmail-send.pid" 2>/dev/null; }
# "PID ROLE" for every live process of this suite (launchers carry -Dqmail.program=NAME;
# qmail-lspawn's workers run org.qmailj.local.LocalWorker with this tree's class path).
suite() {
  ps -ww -eo pid=,args= | awk -v home="-Dqmail.home=$dir" '
    index($0, home " ") && /org\.qmailj\.local\.LocalWorker/ {print $1, "qmail-local-worker"; next}
    index($0, home " ") && match($0, /-Dqmail\.program=[^ ]+/) {print $1, substr($0, RSTART + 16, RLENGTH - 16)}'
}
pids_of() { suite | awk -v r="$1" '$2 == r {print $1}'; }
# A process that has exited is gone, though its zombie lingers until its parent reaps it: an
# orphan's parent is pid 1, which on some machines reaps late (here up to seconds: "gone in"
# measured that, not the suite, until 2026-12-07).
running_pid() { # no fork: it runs every 50 ms while the suite is measured
  local st
  { read -r st < "/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
# Up: the three top-level daemons and qmail-send's spawners (qmail-clean is a session in
# qmail-queued, a process of its own only when no writer took it).
suite_up() {
  local s; s=$(suite | awk '{print $2}' | sort -u | tr '\n' ' ')
  for r in qmail-queued qmail-send tcpserver qmail-lspawn qmail-rspawn; do
    case " $s" in *" $r "*) ;; *) return 1 ;; esac
  done
}
# What supervise does for the three services: start again what is not running (it waits a
# second before a restart; scripts/sandbox start waits one before checking).
restart() {
  local deadline=$(( $(date +%s) + ${1:-60} ))
  until suite_up; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    "$repo/scripts/sandbox" start "$dir" >/dev/null 2>&1 || true
    suite_up || sleep 0.5
  done
}

"$repo/scripts/sandbox" start "$dir" >/dev/null
echo "remote.test:127.0.0.1:$sinkport" > "$dir/control/smtproutes"
# smtp-sink drops to nobody; one file per transaction, the envelope then the message.
smtp-sink -u nobody -d "$work/sink/%H/%M." "127.0.0.1:$sinkport" 256 & sink=$!

# The load: SESSIONS SMTP clients and one qmail-inject loop until $work/stop appears; each
# appends a message's id to acked.* only after the 250 reply / exit status 0.
cat > "$work/load.py" <<'PY'
import os, smtplib, subprocess, sys, threading, time
work, port, sessions, inject, uid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
# A user injects as itself: the sandbox's account when root runs the campaign (root's
# qmail-queue would write root-owned files while qmail-queued is down).
ids = dict(user=uid, group=uid, extra_groups=[]) if os.getuid() == 0 else {}
stop = os.path.join(work, "stop")
def smtp(t):
    n = 0
    with open(os.path.join(work, "acked.smtp.%d" % t), "a", buffering=1) as acked:
        while not os.path.exists(stop):
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
                    for _ in range(20):
                        if os.path.exists(stop): break
                        n += 1; mid = "kc-s%d-%d" % (t, n)
                        s.sendmail("kc@sandbox.localdomain", ["alice@sandbox.localdomain"],
                                   "Subject: %s\r\nMessage-ID: <%s@kc>\r\n\r\nkill campaign %s\r\n" % (mid, mid, mid))
                        acked.write(mid + "\n")
            except (OSError, smtplib.SMTPException):
                time.sleep(0.2)
def injects():
    n = 0
    with open(os.path.join(work, "acked.inject"), "a", buffering=1) as acked:
        while not os.path.exists(stop):
            n += 1; mid = "kc-i-%d" % n
            to = "alice@sandbox.localdomain" if n % 2 else "kc%d@remote.test" % n
            msg = "From: kc@sandbox.localdomain\nTo: %s\nSubject: %s\nMessage-ID: <%s@kc>\n\nkill campaign %s\n" % (to, mid, mid, mid)
            try:
                r = subprocess.run([inject], input=msg.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, **ids)
                if r.returncode == 0: acked.write(mid + "\n")
                else: time.sleep(0.2)
            except subprocess.TimeoutExpired:
                pass
ts = [threading.Thread(target=smtp, args=(t,)) for t in range(sessions)] + [threading.Thread(target=injects)]
for t in ts: t.start()
for t in ts: t.join()
PY
python3 "$work/load.py" "$work" "$port" "$SESSIONS" "$dir/bin/qmail-inject" "$(stat -c %u "$dir/queue")" & loader=$!

roles=(qmail-send qmail-lspawn qmail-local-worker qmail-rspawn qmail-clean qmail-queued tcpserver)
# ROLES="qmail-queued" (space-separated) kills only those roles: a campaign aimed at one daemon.
[ -z "${ROLES:-}" ] || read -ra roles <<< "$ROLES"
declare -A killed
start=$(date +%s)
for i in $(seq "$N"); do
  sleep "$(( RANDOM % 20 / 10 )).$(( RANDOM % 10 ))"   # 0.0 to 1.9 s of load first
  # A role at random among those running (the sandbox has no workers: it delivers in
  # qmail-lspawn, since it never runs as root), then one of its processes at random.
  running=$(suite)
  role=$(echo "$running" | awk '{print $2}' | sort -u | grep -Fx -f <(printf '%s\n' "${roles[@]}") | shuf -n 1)
  pid=$(echo "$running" | awk -v r="$role" '$2 == r {print $1}' | shuf -n 1)
  [ -n "$pid" ] || { printf 'trial %3d: nothing to kill (suite down?)\n' "$i"; restart 60 || exit 1; continue; }
  helpers=$(echo "$running" | awk '$2 ~ /^qmail-(lspawn|rspawn|clean)$/ {print $1}')
  kill -9 "$pid" 2>/dev/null || true
  killed[$role]=$(( ${killed[$role]:-0} + 1 ))
  t0=$(date +%s%N)
  while running_pid "$pid"; do sleep 0.05; done
  # qmail-send and its helpers go together: a helper's death takes qmail-send down (qmail:
  # "lost spawn connection"), qmail-send's death the helpers (end of their input). Wait for
  # that, as supervise would only see qmail-send exit. qmail-queued serves qmail-clean for
  # qmail-send when no qmail-clean process runs: its death takes qmail-send down too.
  group="qmail-send|qmail-lspawn|qmail-rspawn|qmail-clean"
  echo "$running" | awk '$2 == "qmail-clean"' | grep -q . || group="$group|qmail-queued"
  if [[ $role =~ ^($group)$ ]]; then
    deadline=$(( $(date +%s) + 30 ))
    for p in $(qmail_send_pid) $helpers; do
      while running_pid "$p" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
    done
  fi
  t1=$(date +%s%N)
  restart 60 || { echo "bench/killcampaign.sh: trial $i: the suite did not come back within 60 s after killing $role" >&2; exit 1; }
  printf 'trial %3d: kill -9 %-18s pid %-7s gone in %5d ms, suite up again %5d ms later\n' "$i" "$role" "$pid" \
    $(( (t1 - t0) / 1000000 )) $(( ($(date +%s%N) - t1) / 1000000 ))
done
trials_s=$(( $(date +%s) - start ))

# Drain: stop the load, then retry everything (SIGALRM) until the queue is empty.
touch "$work/stop"; wait "$loader" || true; loader=
restart 60 || { echo "bench/killcampaign.sh: the suite did not come back within 60 s for the drain" >&2; exit 1; }
deadline=$(( $(date +%s) + 600 ))
while [ "$(queue_messages)" -gt 0 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "bench/killcampaign.sh: $(queue_messages) messages still queued after 600 s" >&2; break; }
  restart 60 || true
  kill -ALRM "$(qmail_send_pid)" 2>/dev/null || true
  sleep 2
done
drain_s=$(( $(date +%s) - start - trials_s ))

# Count: the first Subject of each delivered file names the message (a bounce's own Subject
# is "failure notice"; the bounced message's subject is only in its body).
cat "$work"/acked.* | sort > "$work/acked"
{ maildir_files; find "$work/sink" -type f; } | tr '\n' '\0' | xargs -0 -r awk '
  FNR == 1 {done = 0; h = 0}
  done {next}
  /^Subject: / {print $2; done = 1; next}
  /^$/ && h {done = 1}
  /^[A-Za-z-]+:/ {h = 1}' | sort > "$work/delivered.all"
grep '^kc-' "$work/delivered.all" > "$work/delivered" || true
acked=$(wc -l < "$work/acked")
delivered=$(sort -u "$work/delivered" | comm -12 - "$work/acked" | wc -l)
lost_ids=$(sort -u "$work/delivered" | comm -13 - "$work/acked")
lost=$(printf '%s' "$lost_ids" | grep -c . || true)
dups=$(uniq -d "$work/delivered" | wc -l)
extra=$(( $(wc -l < "$work/delivered") - $(sort -u "$work/delivered" | wc -l) ))
unacked=$(sort -u "$work/delivered" | comm -23 - "$work/acked" | wc -l)
other=$(grep -vc '^kc-' "$work/delivered.all" || true)

echo
echo "kill -9 campaign: $N trials in $trials_s s, queue drained in $drain_s s"
printf '  killed:       '; for r in "${roles[@]}"; do printf '%s %d  ' "$r" "${killed[$r]:-0}"; done; echo
echo "  acknowledged: $acked ($(cat "$work"/acked.smtp.* | wc -l) SMTP, $(wc -l < "$work/acked.inject") qmail-inject)"
echo "  delivered:    $delivered"
echo "  lost:         $lost"
echo "  duplicated:   $extra extra copies of $dups messages"
echo "  unacked:      $unacked delivered without an acknowledgement"
echo "  other mail:   $other (bounces or anything not sent by the campaign)"
echo "  still queued: $(queue_messages) (todo/ and info/), leftover mess/ files: $(leftover_mess)"
if [ "$lost" -gt 0 ]; then
  echo "LOST: $(echo $lost_ids)" >&2
  send_log | grep -E 'alert|warning|deferral' | tail -20 >&2
  exit 1
fi
