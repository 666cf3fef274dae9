#!/bin/bash
# PSS of an installed system, the configuration users get: qmail-install --mta into a
# scratch QMAIL_HOME, the unit's own ExecStart (svscan-inprocess), and U local users who each
# get M messages over SMTP, so that qmail-lspawn runs a qmail-local worker JVM per user.
# Prints per role PSS idle (SETTLE s after start), after the deliveries, and per worker.
#
#   QMAIL_BENCH_SYSTEM=1 bench/installed-pss.sh [U=3] [M=50] [SETTLE=20]
#
# It changes the machine while it runs, as the system install does: the qmail users,
# /usr/sbin/sendmail, /etc/systemd/system/qmail.service (never started through systemd),
# /var/log/qmail (removed again); U users qbenchN. Hence the flag, and it refuses to run where qmail's users
# or unit exist already. Everything is undone at the end (qmail-install --uninstall, userdel).
set -euo pipefail
cd "$(dirname "$0")/.."
U=${1:-3}; M=${2:-50}; SETTLE=${3:-20}
[ "$(id -u)" = 0 ] && [ "${QMAIL_BENCH_SYSTEM:-}" = 1 ] || {
  echo "bench/installed-pss.sh: installs on this machine for a while: run as root with QMAIL_BENCH_SYSTEM=1" >&2; exit 100; }
for u in qmaild qmaill qmailq qmailr qmails alias; do
  ! getent passwd $u >/dev/null || { echo "bench/installed-pss.sh: user $u exists: not on a machine with qmail" >&2; exit 100; }
done
[ ! -e /etc/systemd/system/qmail.service ] || { echo "bench/installed-pss.sh: qmail.service exists" >&2; exit 100; }
[ ! -e /var/log/qmail ] || { echo "bench/installed-pss.sh: /var/log/qmail exists" >&2; exit 100; }
tree=$PWD/packaging/target/qmail
[ -x "$tree/bin/qmail-install" ] || scripts/build >/dev/null
work=$(mktemp -d /var/tmp/qmail-ipss.XXXXXX); chmod 755 "$work"; home=$work/qmail
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
scan=
cleanup() {
  for s in qmail-smtpd qmail-send qmail-queued; do "$home/bin/svc" -d "$home/service/$s" 2>/dev/null || true; done
  "$tree/bin/qmail-install" --uninstall "$home" >/dev/null 2>&1 || true
  [ -z "$scan" ] || { kill "$scan" 2>/dev/null || true; wait "$scan" 2>/dev/null || true; }
  for i in $(seq "$U"); do userdel -r "qbench$i" 2>/dev/null || true; done
  rm -rf "$work" /var/log/qmail || true # uninstall keeps logs; there were none before
}
trap cleanup EXIT
"$tree/bin/qmail-install" --mta "$home" --me=bench.example --smtp=127.0.0.1:$port >/dev/null
for i in $(seq "$U"); do
  useradd -m -d "$work/home$i" -s /bin/sh "qbench$i"
  su "qbench$i" -c "$home/bin/maildirmake $work/home$i/Maildir"
done
exec_line=$(sed -n 's/^ExecStart=//p' /etc/systemd/system/qmail.service)
env - PATH="$home/bin:/usr/bin:/bin:/usr/sbin:/sbin" $exec_line > "$work/svscan.log" 2>&1 < /dev/null & scan=$!
for _ in $(seq 600); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
[ -S "$home/queue/lock/qmail-queue.sock" ] || sleep 5

pids() { # every process of this install: its command line names $home, or it runs below it (the log services' cat)
  for d in /proc/[0-9]*; do
    if tr '\0' ' ' < "$d/cmdline" 2>/dev/null | grep -qF "$home" || [[ $(readlink "$d/cwd" 2>/dev/null) == "$home"/* ]]; then
      echo "${d#/proc/}"
    fi
  done
}
roles() { # "ROLE PSS_KiB" for every process of this install, workers separately
  for p in $(pids); do
    c=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) || continue
    k=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    case $c in
      *org.qmailj.local.LocalWorker*) r=qmail-local-worker ;;
      *-Dqmail.program=*) r=$(sed 's/.*-Dqmail.program=\([^ ]*\).*/\1/' <<< "$c") ;;
      *java*) r="other-jvm" ;;
      /bin/cat*) r="cat (log feeder)" ;;
      *) continue ;; # sleep, sh: not JVMs
    esac
    echo "$r $k"
  done
}
table() { awk '{r=$1; for (i=2; i<NF; i++) r=r " " $i; n[r]++; k[r]+=$NF; t+=$NF} END {for (r in n) printf "  %-20s %2d  %6.1f MiB\n", r, n[r], k[r]/1024; printf "  %-20s     %6.1f MiB\n", "total", t/1024}' | sort; }
sleep "$SETTLE"
echo "installed system, idle ${SETTLE}s after start (role, processes, PSS):"; roles | table
for i in $(seq "$U"); do
  smtp-source -s 5 -m "$M" -l 2048 -f bench@bench.example -t "qbench$i@bench.example" 127.0.0.1:$port
done
want=$((M))
for i in $(seq "$U"); do
  for _ in $(seq 600); do [ "$(ls "$work/home$i/Maildir/new" | wc -l)" -ge "$want" ] && break; sleep 0.2; done
done
sleep 5
echo "after $M messages to each of $U users:"; roles | table
roles | awk '$1 == "qmail-local-worker" {printf "  worker PSS %.1f MiB\n", $2/1024}'
echo "processes (pid uid role):"
for p in $(pids); do
  c=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) || continue
  printf '  %s %s %s\n' "$p" "$(awk '/^Uid:/ {print $2}' /proc/$p/status 2>/dev/null)" "$(cut -c1-150 <<< "$c" | sed "s|$home|H|g")"
done
[ ! -s "$work/svscan.log" ] || { echo "svscan-inprocess's output:"; tail -20 "$work/svscan.log"; }
# HOLD=SECONDS keeps the system running that long before it is undone (to look at it).
[ -z "${HOLD:-}" ] || sleep "$HOLD"
