#!/bin/bash
# qmail-rspawn benchmark: N deliveries (default 2000) of one small message to Postfix's
# smtp-sink on 127.0.0.1, driven over qmail-rspawn's pipes as qmail-send drives it, with
# concurrencyremote 20, 200 and 2000 (qmail-rspawn's wide hello: two-byte delivery numbers).
# Prints deliveries per second and the peak RSS and thread count of the qmail-rspawn JVM.
# Needs: a JDK 25 (scripts/java-home), Maven, postfix (smtp-sink), python3. Run as root or
# any user; it builds qmail-rspawn first.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home 2>/dev/null || echo /usr/lib/jvm/temurin-25-jdk-amd64)}
export JAVA_HOME
total=${1:-2000}
levels=${LEVELS:-"20 200 2000"}
mvn -B -q -o -pl qmail-rspawn -am install -DskipTests >/dev/null 2>&1 || mvn -B -q -pl qmail-rspawn -am install -DskipTests
cpfile=$(mktemp)
mvn -B -q -o -pl qmail-rspawn dependency:build-classpath -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=runtime >/dev/null 2>&1
cp="qmail-rspawn/target/classes:$(cat "$cpfile")"
rm -f "$cpfile"

work=$(mktemp -d /tmp/bench-remote.XXXXXX)
chmod 755 "$work"
sinkpid=
cleanup() { [ -n "$sinkpid" ] && kill $sinkpid 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/sbin/smtp-sink -u nobody -m 4000 127.0.0.1:"$port" 4096 >"$work/sink.log" 2>&1 &
sinkpid=$!
# A second sink that waits 2 s before answering DATA: every session stays open that long,
# so at concurrency 2000 there really are 2000 SMTP sessions at once (parked virtual threads).
slowport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/sbin/smtp-sink -u nobody -m 4000 -w 2 127.0.0.1:"$slowport" 4096 >"$work/slowsink.log" 2>&1 &
sinkpid="$sinkpid $!"
sleep 0.5

home=$work/home
mkdir -p "$home/lib" "$home/control" "$home/queue/mess/7" "$home/queue/lock"
uid=$(id -u); gid=$(id -g)
printf 'qmailq:%s:%s\nqmailr:%s:%s\nqmail:%s\n' "$uid" "$gid" "$uid" "$gid" "$gid" >"$home/lib/ids"
echo bench.test >"$home/control/me"
printf 'sink.test:127.0.0.1:%s\nslow.test:127.0.0.1:%s\n' "$port" "$slowport" >"$home/control/smtproutes"
head -c 1024 /dev/zero >"$home/queue/lock/tcpto"
{ printf 'From: bench@bench.test\nTo: r@sink.test\nSubject: benchmark\n\n'; for i in $(seq 40); do echo "line $i of a small message body, about two kilobytes in all."; done; } >"$home/queue/mess/7/100"

printf '%-22s %10s %14s %12s %12s\n' concurrency deliveries deliveries/s "peak RSS MB" "peak threads"
for run in $levels slow:2000; do
  c=${run#slow:}; domain=sink.test
  case $run in slow:*) domain=slow.test ;; esac
  QMAIL_HOME=$home python3 - "$JAVA_HOME/bin/java" "$cp" "$c" "$total" "$domain" <<'PY'
import os, subprocess, sys, threading, time
java, cp, conc, total, domain = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
p = subprocess.Popen([java, "-XX:+UseSerialGC", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                      "-cp", cp, "org.qmailj.rspawn.QmailRspawn"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
assert p.stdout.read(3) == b"\0\xff\xff"  # the wide hello: two-byte delnums, max 65535
peak = {"rss": 0, "threads": 0}
stop = False
def sample():
    while not stop:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                k, _, v = line.partition(":")
                if k == "VmRSS": peak["rss"] = max(peak["rss"], int(v.split()[0]))
                if k == "Threads": peak["threads"] = max(peak["threads"], int(v))
        except OSError:
            return
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
def send(d, n):
    p.stdin.write(bytes([d & 0xff, d >> 8]) + b"7/100\0bench@bench.test\0r%d@%s\0" % (n, domain.encode()))
sent = 0
start = time.time()
for d in range(min(conc, total)):
    send(d, sent); sent += 1
p.stdin.flush()
done = ok = 0
out = p.stdout
while done < total:
    d = out.read(1)[0] | (out.read(1)[0] << 8)
    rep = bytearray()
    while (ch := out.read(1)) != b"\0":
        rep += ch
    done += 1
    if rep[:1] == b"K": ok += 1
    elif done - ok <= 3: print("  not delivered:", rep.decode("latin-1").strip(), file=sys.stderr)
    if sent < total:
        send(d, sent); sent += 1
        p.stdin.flush()
elapsed = time.time() - start
stop = True
p.stdin.close(); p.wait()
label = str(conc) + (" (DATA waits 2 s)" if domain == "slow.test" else "")
print("%-22s %10d %14.0f %12.1f %12d" % (label, ok, ok / elapsed, peak["rss"] / 1024, peak["threads"]))
PY
done
