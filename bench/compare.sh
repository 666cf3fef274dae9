#!/bin/bash
# Our suite against a private Postfix, side by side in one run on this machine (the figures
# the performance issue asks for). Run as root, after scripts/build:
#
#   bench/compare.sh                      N=2000 messages of L=2048 bytes per load
#   N=500 SESSIONS="1 10" bench/compare.sh  a quick run
#   SYNCS=1 bench/compare.sh              also the fsyncs per message at 1 session (strace)
#   ROUNDS=3 bench/compare.sh             each load 3 times, alternating, medians reported
#
# Postfix: Debian's package, started as its own instance (postfix -c DIR) with its own config,
# queue and data directories under a temporary directory, SMTP on a loopback port, delivering
# with virtual(8) into one Maildir. The system's Postfix configuration is not read or touched.
# Ours: scripts/sandbox (the README's sandbox), delivering to the mailbox alice.
#
# For each load, interleaved (Postfix, then ours), smtp-source sends N messages:
#   sN   N sessions at a time, one message per connection
#   sNd  N sessions, each sending its messages over one connection (-d): 100 per connection
# and the script waits until all N are in the Maildir. Then, per system:
#   msg/s    delivered messages per second (first SMTP connect to the last file in new/)
#   cpu/1k   CPU seconds (user+system) of the whole system per 1,000 messages: every process
#            of the tree, and the children it reaped (cutime+cstime) during the load
#   PSS      MiB, whole system, right after the load (smaps_rollup); also right after start
#            and idle IDLE=15 seconds later
#   disk     write requests (data and metadata) and cache flushes per message that reached
#            the block device holding both systems' files (/sys/dev/block/M:m/stat: the whole
#            device during the load; the kernel counts a flush as a write too, subtracted
#            here): each is a round trip to the disk, and at 1 session they are most of the
#            time a message waits for
# then the drain (N messages queued while delivery is stopped, the acceptance rate of that at 1
# and at 10 sessions, then delivery started), one
# injection through each sendmail, 200 in a shell loop, and a bare JVM start for scale (run
# through the same setpriv as our sendmail, in loops before and after it).
# The ratio column is ours / Postfix (above 1 is better for msg/s, below 1 for cpu and PSS).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}; L=${L:-2048}; SESSIONS=${SESSIONS:-"1 10 50 200"}; INJECT=${INJECT:-200}; ROUNDS=${ROUNDS:-1}
[ "$(id -u)" = 0 ] || { echo "bench/compare.sh: run as root (Postfix's master and the sandbox's account)" >&2; exit 100; }
for t in smtp-source postfix postconf; do
  command -v $t >/dev/null || { echo "bench/compare.sh: needs $t (apt-get install postfix)" >&2; exit 100; }
done
[ -x packaging/target/qmail/bin/qmail-start ] || scripts/build >/dev/null
hz=$(getconf CLK_TCK)
work=$(mktemp -d /var/tmp/qmail-compare.XXXXXX); chmod 755 "$work"
# The block device under $work (a partition has a stat file of its own).
blockstat=/sys/dev/block/$(stat -c '%Hd:%Ld' "$work")/stat
[ -r "$blockstat" ] || blockstat=
disk_ops() { # -> "writes flushes" so far on that device (fields 5 and 16), or "0 0"
  if [ -n "$blockstat" ]; then awk '{print $5, (NF >= 16 ? $16 : 0)}' "$blockstat"; else echo 0 0; fi
}
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- Postfix, private instance -------------------------------------------------------------
pf=$work/postfix; pfport=$(freeport)
mkdir -p "$pf/etc" "$pf/queue" "$pf/data" "$pf/mail"
chown postfix: "$pf/data"; chown 65534:65534 "$pf/mail"
cp /usr/share/postfix/master.cf.dist "$pf/etc/master.cf"
cat > "$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = bench.localdomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = bench.example
virtual_mailbox_base = $pf/mail
virtual_mailbox_maps = texthash:$pf/etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
maillog_file = $pf/maillog
biff = no
EOF
echo "alice@bench.example alice/Maildir/" > "$pf/etc/vmailbox"
# No chroot (the queue is not under /var/spool/postfix), and smtpd on our loopback port only.
postconf -c "$pf/etc" -F '*/*/chroot = n'
postconf -c "$pf/etc" -MX smtp/inet
postconf -c "$pf/etc" -M "127.0.0.1:$pfport/inet=127.0.0.1:$pfport inet n - n - - smtpd"
pfnew=$pf/mail/alice/Maildir/new
# Made now, as virtual(8) would make it at the first delivery: the arrivals are watched in it.
mkdir -p "$pf/mail/alice/Maildir/cur" "$pf/mail/alice/Maildir/tmp" "$pfnew"; chown -R 65534:65534 "$pf/mail"

# --- ours: the sandbox ---------------------------------------------------------------------
qm=$work/qmail; qmport=$(freeport)
qmnew=$qm/home/alice/Maildir/new

cleanup() {
  [ -z "${watcher:-}" ] || kill "$watcher" 2>/dev/null || true
  postfix -c "$pf/etc" stop >/dev/null 2>&1 || true
  scripts/sandbox remove "$qm" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
postfix -c "$pf/etc" start >/dev/null 2>&1 || { cat "$pf/maillog" 2>/dev/null; echo "bench/compare.sh: postfix did not start" >&2; exit 111; }
SANDBOX_SMTP_PORT=$qmport scripts/sandbox start "$qm" >/dev/null

# --- measuring -----------------------------------------------------------------------------
pf_pids() { # Postfix's master and everything below it
  local master; master=$(head -1 "$pf/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
  [ -n "$master" ] || return 0
  ps -e -o pid=,ppid= | awk -v m="$master" '{p[$1]=$2} END {for (x in p) {y=x; while (y && y!=m && y in p) y=p[y]; if (y==m) print x}}'
}
qm_pids() { # every process of the sandbox: its launchers all carry -Dqmail.home=DIR
  local p f
  for p in /proc/[0-9]*; do
    f=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case $f in *"-Dqmail.home=$qm "*|*"$qm/bin/"*) echo "${p#/proc/}" ;; esac
  done
}
cpu_ticks() { # pids on stdin -> utime+stime+cutime+cstime
  local t=0 p
  while read -r p; do t=$(( t + $(awk '{print $14+$15+$16+$17}' "/proc/$p/stat" 2>/dev/null || echo 0) )); done
  echo $t
}
pss_kib() { # pids on stdin -> summed Pss
  local t=0 p
  while read -r p; do t=$(( t + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0) )); done
  echo $t
}
. bench/arrivals.sh # watch DIR COUNT, the load, arrived
declare -A R
median() { # numbers as arguments -> their median
  printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f", (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
keep() { # key value: one round's figure; R[key] is the median of the rounds so far
  R[$1.all]="${R[$1.all]:-} $2"
  # shellcheck disable=SC2086 # the list splits on purpose
  R[$1]=$(median ${R[$1.all]})
}
# load NAME SYS PORT NEWDIR RCPT PIDSFN SMTPSOURCEARGS... -> R[NAME.SYS.rate|cpu|pss]
load() {
  local name=$1 sys=$2 port=$3 new=$4 rcpt=$5 pids=$6; shift 6
  local c0 c1 t0 t1 d0 d1
  watch "$new" "$N"
  d0=$(disk_ops)
  c0=$($pids | cpu_ticks); t0=$(date +%s%N)
  smtp-source "$@" -l "$L" -m "$N" -f bench@example.com -t "$rcpt" "127.0.0.1:$port"
  arrived; t1=$(date +%s%N)
  c1=$($pids | cpu_ticks)
  d1=$(disk_ops)
  keep "$name.$sys.writes" "$(echo "$d0 $d1" | awk -v n="$N" '{printf "%.1f", ($3 - $1 - ($4 - $2)) / n}')"
  keep "$name.$sys.flushes" "$(echo "$d0 $d1" | awk -v n="$N" '{printf "%.1f", ($4 - $2) / n}')"
  keep "$name.$sys.rate" "$(awk -v n="$N" -v d=$(( t1 - t0 )) 'BEGIN {printf "%.0f", n / (d / 1e9)}')"
  keep "$name.$sys.cpu" "$(awk -v c=$(( c1 - c0 )) -v hz="$hz" -v n="$N" 'BEGIN {printf "%.2f", c / hz / n * 1000}')"
  keep "$name.$sys.pss" "$(awk -v k="$($pids | pss_kib)" 'BEGIN {printf "%.0f", k / 1024}')"
}
# ROUNDS=R: each load R times, the two systems alternating, and the medians reported: this
# box's speed drifts from minute to minute, and a single pair of runs once put one system's
# CPU per message at twice its usual figure (R=1, the default, runs each load once).
both() { # name smtp-source args...
  local name=$1 r; shift
  for r in $(seq "$ROUNDS"); do
    load "$name" pf "$pfport" "$pfnew" alice@bench.example pf_pids "$@"
    load "$name" qm "$qmport" "$qmnew" alice@sandbox.localdomain qm_pids "$@"
  done
}

R[start.pf.pss]=$(awk -v k="$(pf_pids | pss_kib)" 'BEGIN {printf "%.0f", k / 1024}')
R[start.qm.pss]=$(awk -v k="$(qm_pids | pss_kib)" 'BEGIN {printf "%.0f", k / 1024}')
# Idle: the same, IDLE seconds later with no mail (each JVM has given back its start-up
# malloc arenas by then: TrimNativeHeapInterval is 5 s).
sleep "${IDLE:-15}"
R[idle.pf.pss]=$(awk -v k="$(pf_pids | pss_kib)" 'BEGIN {printf "%.0f", k / 1024}')
R[idle.qm.pss]=$(awk -v k="$(qm_pids | pss_kib)" 'BEGIN {printf "%.0f", k / 1024}')
# Warm-up: the JIT, the AOT cache's misses, Postfix's process pool.
save_n=$N; save_rounds=$ROUNDS; N=$(( N / 2 )); ROUNDS=1; both warm -s 10; N=$save_n; ROUNDS=$save_rounds
loads=
for s in $SESSIONS; do both "s$s" -s "$s"; loads="$loads s$s"; done
for s in $SESSIONS; do [ "$s" -le 50 ] || continue; both "s${s}d" -s "$s" -d; loads="$loads s${s}d"; done
# The target "200 sessions keep 0.9 of the 10-session rate" compares two loads that the rows
# above measure minutes apart, on a box whose speed drifts by more than that: here ours runs
# the two back to back, ROUNDS pairs, and each pair gives a ratio (the median is printed).
if [[ " $SESSIONS " == *" 10 "* && " $SESSIONS " == *" 200 "* ]]; then
  for r in $(seq "$ROUNDS"); do
    load pair10 qm "$qmport" "$qmnew" alice@sandbox.localdomain qm_pids -s 10
    load pair200 qm "$qmport" "$qmnew" alice@sandbox.localdomain qm_pids -s 200
    keep pair.ratio "$(awk -v a="${R[pair10.qm.rate.all]##* }" -v b="${R[pair200.qm.rate.all]##* }" 'BEGIN {printf "%.2f", b / a}')"
  done
fi

# SYNCS=1: at 1 session, every fsync and fdatasync of each whole system over N/4 more
# messages, counted and timed (wall clock inside the call) by strace -f on all its processes.
# strace slows the run, so only the counts and the time per call are figures here.
traced() { # sys pidsfn port newdir rcpt -> R[syncs.SYS.n|us]
  local sys=$1 pids=$2 port=$3 new=$4 rcpt=$5 n=$(( N / 4 )) args=() p tr
  for p in $($pids); do args+=(-p "$p"); done
  strace -f -q -c -w -e trace=fsync,fdatasync -o "$work/syncs.$sys" "${args[@]}" & tr=$!
  sleep 2
  watch "$new" "$n"
  smtp-source -s 1 -l "$L" -m "$n" -f bench@example.com -t "$rcpt" "127.0.0.1:$port"
  arrived; sleep 1
  kill -INT "$tr"; wait "$tr" || true
  R[syncs.$sys.n]=$(awk -v n="$n" '$NF == "fsync" || $NF == "fdatasync" {c += $4} END {printf "%.2f", c / n}' "$work/syncs.$sys")
  R[syncs.$sys.us]=$(awk '$NF == "fsync" || $NF == "fdatasync" {c += $4; s += $2} END {printf "%.0f", c ? s / c * 1e6 : 0}' "$work/syncs.$sys")
}
if [ -n "${SYNCS:-}" ]; then
  command -v strace >/dev/null || { echo "bench/compare.sh: SYNCS=1 needs strace" >&2; exit 100; }
  traced pf pf_pids "$pfport" "$pfnew" alice@bench.example
  traced qm qm_pids "$qmport" "$qmnew" alice@sandbox.localdomain
fi

# Drain: N queued while delivery is stopped, then the time until all are in the Maildir.
# The filling is timed too: acceptance alone, nothing delivered meanwhile (N/4 messages over
# 1 session, the rest over 10), which tells the SMTP-and-queue path from the delivery's share.
fill() { # port rcpt sys -> R[accept1.SYS.rate], R[accept10.SYS.rate]
  local one=$(( N / 4 )) t0 t1 t2
  t0=$(date +%s%N)
  smtp-source -s 1 -l "$L" -m "$one" -f bench@example.com -t "$2" "127.0.0.1:$1"
  t1=$(date +%s%N)
  smtp-source -s 10 -l "$L" -m $(( N - one )) -f bench@example.com -t "$2" "127.0.0.1:$1"
  t2=$(date +%s%N)
  R[accept1.$3.rate]=$(awk -v n="$one" -v d=$(( t1 - t0 )) 'BEGIN {printf "%.0f", n / (d / 1e9)}')
  R[accept10.$3.rate]=$(awk -v n=$(( N - one )) -v d=$(( t2 - t1 )) 'BEGIN {printf "%.0f", n / (d / 1e9)}')
}
postconf -c "$pf/etc" -e 'defer_transports = virtual'; postfix -c "$pf/etc" reload >/dev/null 2>&1
sleep 1
fill "$pfport" alice@bench.example pf
watch "$pfnew" "$N"
postconf -c "$pf/etc" -e 'defer_transports ='; t0=$(date +%s%N)
postfix -c "$pf/etc" reload >/dev/null 2>&1; postqueue -c "$pf/etc" -f
arrived; t1=$(date +%s%N)
R[drain.pf.rate]=$(awk -v n="$N" -v d=$(( t1 - t0 )) 'BEGIN {printf "%.0f", n / (d / 1e9)}')

sendpid=$(cat "$qm/run/qmail-send.pid"); kill -TERM "$sendpid"
while kill -0 "$sendpid" 2>/dev/null; do sleep 0.05; done
fill "$qmport" alice@sandbox.localdomain qm
watch "$qmnew" "$N"
t0=$(date +%s%N)
SANDBOX_SMTP_PORT=$qmport scripts/sandbox start "$qm" >/dev/null
arrived; t1=$(date +%s%N)
R[drain.qm.rate]=$(awk -v n="$N" -v d=$(( t1 - t0 )) 'BEGIN {printf "%.0f", n / (d / 1e9)}')

# Injection: one sendmail call, and INJECT of them in a shell loop. Ours runs as the sandbox's
# account through setpriv (~1.5 ms a call here), and so does its yardstick, a bare JVM start
# (java -cp . Hello), timed in loops of INJECT/4 right before and right after ours: the ratio
# compares the programs, not the launcher, at the box's speed of that minute.
msg=$work/msg; printf 'Subject: inject\n\nhello\n' > "$msg"
inject_loop() { # count command... -> nanoseconds for count calls
  local n=$1 t0 t1 i; shift
  t0=$(date +%s%N)
  for i in $(seq "$n"); do "$@" < "$msg"; done
  t1=$(date +%s%N)
  echo $(( t1 - t0 ))
}
qmuser=$(awk -F= '/^account=/ {print $2}' "$qm/.sandbox")
as_qm() { setpriv --reuid="$qmuser" --regid="$qmuser" --init-groups -- "$@"; }
cat > "$work/Hello.java" <<'EOF'
public class Hello { public static void main(String[] a) { System.out.print(""); } }
EOF
jdk=$(readlink -f packaging/target/qmail/lib/jdk)
"$jdk/bin/javac" -d "$work" "$work/Hello.java"; chmod 644 "$work/Hello.class"
jvm_n=$(( INJECT / 4 > 0 ? INJECT / 4 : 1 ))
jvmns1=$(inject_loop "$jvm_n" as_qm "$jdk/bin/java" -Xshare:auto -cp "$work" Hello)
pfns=$(inject_loop "$INJECT" /usr/sbin/sendmail -C "$pf/etc" -f bench@example.com alice@bench.example)
qmns=$(inject_loop "$INJECT" as_qm "$qm/bin/sendmail" -f bench@example.com alice@sandbox.localdomain)
jvmns2=$(inject_loop "$jvm_n" as_qm "$jdk/bin/java" -Xshare:auto -cp "$work" Hello)
R[inject.pf.ms]=$(awk -v d="$pfns" -v n="$INJECT" 'BEGIN {printf "%.1f", d / n / 1e6}')
R[inject.qm.ms]=$(awk -v d="$qmns" -v n="$INJECT" 'BEGIN {printf "%.1f", d / n / 1e6}')
R[inject.pf.rate]=$(awk -v d="$pfns" -v n="$INJECT" 'BEGIN {printf "%.1f", n / (d / 1e9)}')
R[inject.qm.rate]=$(awk -v d="$qmns" -v n="$INJECT" 'BEGIN {printf "%.1f", n / (d / 1e9)}')
R[jvm.ms]=$(awk -v a="$jvmns1" -v b="$jvmns2" -v n="$jvm_n" 'BEGIN {printf "%.1f", (a + b) / (2 * n) / 1e6}')

# --- the table -----------------------------------------------------------------------------
row() { # label pf qm -> label, Postfix, ours, ours/Postfix
  awk -v l="$1" -v p="$2" -v q="$3" 'BEGIN {r = (p > 0) ? sprintf("%.2f", q / p) : "-"; printf "| %-46s | %10s | %10s | %6s |\n", l, p, q, r}'
}
echo "bench/compare.sh: $(date -u +%Y-%m-%d) $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(postconf -d mail_version | sed 's/ = / /'), N=$N L=$L$( [ "$ROUNDS" = 1 ] || echo ", loads: medians of $ROUNDS rounds")"
printf '| %-46s | %10s | %10s | %6s |\n' "" Postfix ours ratio
printf '|%s|%s|%s|%s|\n' ------------------------------------------------ ------------ ------------ --------
for l in $loads; do
  case $l in *d) what="${l#s}"; what="${what%d} sessions, one connection each" ;; *) what="${l#s} sessions, 1 msg/connection" ;; esac
  row "$what: msg/s" "${R[$l.pf.rate]}" "${R[$l.qm.rate]}"
  row "$what: CPU-s/1000 msg" "${R[$l.pf.cpu]}" "${R[$l.qm.cpu]}"
  row "$what: PSS MiB after" "${R[$l.pf.pss]}" "${R[$l.qm.pss]}"
  [ -z "$blockstat" ] || row "$what: disk writes/msg" "${R[$l.pf.writes]}" "${R[$l.qm.writes]}"
  [ -z "$blockstat" ] || row "$what: disk flushes/msg" "${R[$l.pf.flushes]}" "${R[$l.qm.flushes]}"
done
row "PSS MiB right after start" "${R[start.pf.pss]}" "${R[start.qm.pss]}"
row "PSS MiB idle, ${IDLE:-15} s after start" "${R[idle.pf.pss]}" "${R[idle.qm.pss]}"
row "accepted, delivery stopped, 1 session: msg/s" "${R[accept1.pf.rate]}" "${R[accept1.qm.rate]}"
row "accepted, delivery stopped, 10 sessions: msg/s" "${R[accept10.pf.rate]}" "${R[accept10.qm.rate]}"
if [ -n "${SYNCS:-}" ]; then
  row "1 session, strace'd: syncs per message" "${R[syncs.pf.n]}" "${R[syncs.qm.n]}"
  row "1 session, strace'd: microseconds per sync" "${R[syncs.pf.us]}" "${R[syncs.qm.us]}"
fi
row "drain of $N queued: msg/s" "${R[drain.pf.rate]}" "${R[drain.qm.rate]}"
row "one sendmail call: ms" "${R[inject.pf.ms]}" "${R[inject.qm.ms]}"
row "$INJECT sendmail calls in a loop: msg/s" "${R[inject.pf.rate]}" "${R[inject.qm.rate]}"
[ -z "${R[pair.ratio]:-}" ] || echo "200 against 10 sessions, ours back to back, $ROUNDS pairs: 10 sessions${R[pair10.qm.rate.all]}, 200 sessions${R[pair200.qm.rate.all]} msg/s; ratio median ${R[pair.ratio]} (pairs${R[pair.ratio.all]})"
echo "bare JVM start (java -cp . Hello through the same setpriv, before and after ours), for scale: ${R[jvm.ms]} ms; sendmail/JVM: $(awk -v a="${R[inject.qm.ms]}" -v b="${R[jvm.ms]}" 'BEGIN {printf "%.2f", a / b}')"
if [ "$ROUNDS" != 1 ]; then
  echo "each round, msg/s and CPU-s/1000 msg (Postfix | ours):"
  for l in $loads; do
    echo "  $l: ${R[$l.pf.rate.all]# } | ${R[$l.qm.rate.all]# };  ${R[$l.pf.cpu.all]# } | ${R[$l.qm.cpu.all]# }"
  done
fi
