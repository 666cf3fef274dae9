#!/bin/bash
# Local delivery figures (issue 5): qmail-lspawn driven over its spawn protocol as qmail-send
# drives it (10 deliveries in flight, concurrencylocal's default), delivering into Maildirs
# through warm per-user qmail-local worker JVMs. Prints deliveries per second
#   1. into one user's Maildir (N1 messages; the first one starts the worker),
#   2. over USERS users, cold: one message each, so every delivery starts a worker,
#   3. over USERS users, warm: PER more messages each to the running workers,
# then the number of workers and the total RSS (and PSS) of qmail-lspawn and its workers.
# Needs root (it creates the users qlb000.. and removes them). Usage:
#   bench/local.sh [N1=2000] [USERS=100] [PER=10]
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/local.sh: run as root (it creates users)" >&2; exit 1; }
n1=${1:-2000}; nusers=${2:-100}; per=${3:-10}
tree=packaging/target/qmail
[ -x "$tree/bin/qmail-lspawn" ] || scripts/build
work=$(mktemp -d /tmp/qlbench.XXXXXX); chmod 755 "$work"
users=()
cleanup() {
  for u in "${users[@]}"; do userdel -f "$u" 2>/dev/null || true; groupdel "$u" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
"$tree/bin/qmail-install" "$work/qmail" --sandbox --me=bench.example >/dev/null
mkdir -p "$work/home"
for i in $(seq 0 $((nusers - 1))); do
  u=$(printf 'qlb%03d' "$i")
  userdel -f "$u" 2>/dev/null || true; groupdel "$u" 2>/dev/null || true
  useradd -M -d "$work/home/$u" -s /bin/sh -U "$u"
  users+=("$u")
  mkdir -p "$work/home/$u/Maildir/"{tmp,new,cur}
  chown -R "$u:$u" "$work/home/$u"; chmod 755 "$work/home/$u"; chmod 700 "$work/home/$u/Maildir"
done
# A root install's lib/ids (not the sandbox's all-one-uid), the alias role given to qlb000.
a=$(id -u qlb000); g=$(id -g qlb000)
printf 'alias:%s:%s\nqmaild:1:1\nqmaill:2:2\nroot:0:0\nqmailp:3:3\nqmailq:4:4\nqmailr:5:5\nqmails:6:6\nnofiles:7\nqmail:8\n' \
  "$a" "$g" > "$work/qmail/lib/ids"

python3 - "$work/qmail" "$n1" "$nusers" "$per" <<'PY'
import os, subprocess, sys, time
qhome, n1, nusers, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
body = "Subject: bench\nFrom: a@b.example\n\n" + ("x" * 70 + "\n") * 30
os.makedirs(qhome + "/queue/mess/1", exist_ok=True)
with open(qhome + "/queue/mess/1/24", "w") as f:
    f.write(body)
# qmail-local checks the message's owner: qmailq, uid 4 in the lib/ids above.
os.chown(qhome + "/queue/mess/1/24", 4, 4)
p = subprocess.Popen([qhome + "/bin/qmail-lspawn", "./Maildir/"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out = p.stdout
# The hello: 0 then the maximum, little-endian (two-byte delivery numbers, FORMATS.md).
assert out.read(1) == b"\0"
lohi = out.read(2)
conc = lohi[0] | lohi[1] << 8

def result():
    lohi = out.read(2)
    d = lohi[0] | lohi[1] << 8
    b = bytearray()
    while True:
        c = out.read(1)
        if c == b"\0":
            return d, bytes(b)
        b += c

def run(rcpts, window=10):
    free = list(range(window)); bad = 0; sent = 0; done = 0
    t0 = time.time()
    while done < len(rcpts):
        while free and sent < len(rcpts):
            d = free.pop()
            p.stdin.write(bytes([d & 0xff, d >> 8]) + b"1/24\0bench@b.example\0" + rcpts[sent].encode() + b"\0")
            sent += 1
        p.stdin.flush()
        d, rep = result()
        if not rep.startswith(b"K"):
            bad += 1
            if bad < 4: print("  report:", rep.decode("latin-1").strip(), file=sys.stderr)
        free.append(d); done += 1
    dt = time.time() - t0
    return len(rcpts) / dt, dt, bad

def rss_kb(pid):
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def pss_kb(pid):
    try:
        for line in open("/proc/%d/smaps_rollup" % pid):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def workers():
    kids = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                st = open("/proc/%s/stat" % e).read()
                if int(st[st.rindex(")") + 2:].split()[1]) == p.pid:
                    kids.append(int(e))
            except (OSError, ValueError):
                pass
    return kids

users = ["qlb%03d" % i for i in range(nusers)]
print("qmail-lspawn announced concurrency: %d; 10 deliveries in flight; message %d bytes" % (conc, len(body)))
r, dt, bad = run(["qlb000@bench.example"] * n1)
print("one user's Maildir:     %6.0f deliveries/s (%d in %.1f s, %d failed)" % (r, n1, dt, bad))
r, dt, bad = run([u + "@bench.example" for u in users[1:]])
print("%d users, cold workers: %6.1f deliveries/s (%d in %.1f s, %d failed)" % (nusers, r, nusers - 1, dt, bad))
r, dt, bad = run([u + "@bench.example" for _ in range(per) for u in users])
print("%d users, warm workers: %6.0f deliveries/s (%d in %.1f s, %d failed)" % (nusers, r, nusers * per, dt, bad))
ks = workers()
total = rss_kb(p.pid) + sum(rss_kb(k) for k in ks)
print("workers: %d; RSS: qmail-lspawn %d MB, workers %d MB, total %d MB (%.1f MB per worker)" % (
    len(ks), rss_kb(p.pid) // 1024, (total - rss_kb(p.pid)) // 1024, total // 1024,
    (total - rss_kb(p.pid)) / 1024 / max(1, len(ks))))
pss = pss_kb(p.pid) + sum(pss_kb(k) for k in ks)
print("PSS (shared pages such as libjvm and the AOT cache counted once): total %d MB (%.1f MB per worker)" % (
    pss // 1024, (pss - pss_kb(p.pid)) / 1024 / max(1, len(ks))))
p.stdin.close()
p.wait()
PY
