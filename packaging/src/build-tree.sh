#!/bin/bash
# Lays out the relocatable QMAIL_HOME tree: bin/ launchers from src/programs, lib/ (the jars
# are copied there by maven-dependency-plugin just before), man/ from src/man.
# Every launcher finds QMAIL_HOME as the parent of its own bin/, so the tree works wherever
# it is copied; lib/jdk links to the JDK that built it (qmail-install relinks it).
set -euo pipefail
tree=$1
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$tree/bin" "$tree/lib" "$tree/man"

# The jars, in a fixed order: the AOT cache needs the same classpath every time.
jars=$(cd "$tree/lib" && ls *.jar | sort)
cp=
for j in $jars; do cp="${cp:+$cp:}\$h/lib/$j"; done
# The injection tools (what scripts call in loops) run on two jars with a cache of their own,
# lib/inject.aot: the first socket a JVM opens makes it look for a SelectorProvider service in
# every jar of the class path, and a cache must be used with the class path it was made with.
inject_cp='$h/lib/qmail-common.jar:$h/lib/qmail-queue.jar'

[ -n "${JAVA_HOME:-}" ] || { echo "build-tree.sh: JAVA_HOME is not set" >&2; exit 1; }
ln -sfn "$JAVA_HOME" "$tree/lib/jdk"

# JVM flags. Warnings go to stderr, never to stdout: stdout is a protocol pipe for many
# programs (qmail-queue's envelope, the spawners' reports) or a client's socket (a program
# tcpserver spawns). So does what the JVM itself prints (DisplayVMOutputToStderr): a thread dump
# on SIGQUIT, "Terminating due to java.lang.OutOfMemoryError". On stdout, a kill -QUIT of
# qmail-lspawn put 5 KB of dump into its report pipe: qmail-send logged "delivery report out of
# range" and waited for that delivery's report for as long as the spawner lived.
# ArchiveRelocationMode=0 maps the AOT cache where it was built instead of at a random address
# (JDK 25's default): relocation writes every pointer in it, which made all 12 MiB of it
# private to each process; mapped in place, its read-only part is shared by every JVM.
common='-XX:+UseSerialGC -XX:-UsePerfData -XX:+DisplayVMOutputToStderr --enable-native-access=ALL-UNNAMED -Xlog:disable -Xlog:all=warning:stderr -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0'
tool_flags="$common -XX:TieredStopAtLevel=1 -Xss512k"
# Long-lived programs: a broken daemon (heap exhausted) exits so supervise restarts it, and
# nothing grows toward the JVM's default limits (a quarter of RAM for the heap).
# TrimNativeHeapInterval hands malloc's freed memory (the compilers' arenas above all) back to
# the kernel every few seconds; MALLOC_ARENA_MAX (in the launcher) keeps glibc from giving each
# busy thread an arena of its own.
# The string and symbol tables start at 4096 buckets instead of 65536 and 32768 (0.5 and 0.25
# MiB of zeroed malloc per JVM); they grow as they fill, and the cache's own are apart.
# jdk.pollerMode=1: a socket that becomes readable wakes a platform poller thread, which
# unparks the virtual thread waiting on it. JDK 25's default (2) adds a hop: a master poller
# wakes a virtual sub-poller, which then unparks the waiting thread, one more thread switch per
# read: at 1 session, tcpserver's context switches per message went from 28-30 to 18-20.
daemon_flags="$common -Djdk.pollerMode=1 -XX:+ExitOnOutOfMemoryError -Xss512k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:TrimNativeHeapInterval=5000 -XX:StringTableSize=4096 -XX:+UnlockExperimentalVMOptions -XX:SymbolTableSize=4096"
# C1 only and one compiler thread: for daemons whose work is waiting (no C2 arena spikes), and
# for tcpserver: with C2 it spent ~4 CPU-s compiling (~380 methods) over its first ~12,000
# connections, 20-35% more CPU per message in that window, and kept 50 against 40 MiB PSS
# after 14,000 messages; fully warmed up, C2 saved ~0.05 CPU-s per 1,000 messages (~3% of the
# suite's, inside the noise of bench/interleave.sh): a break-even after some 80,000 messages.
small="-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
# The loggers, mostly asleep, compile less: without the AOT cache's training replay (profiles of
# the tools' start-up, which had each compile ~300 methods it never runs hot) and at 10x the
# call counts, so start-up paths stay interpreted while the per-line path still compiles within
# a few thousand lines: idle multilog 758 -> ~240 nmethods, USS -1.1 MiB, and no more CPU
# (50,000 lines: 0.38-0.44 s against 0.44-0.53). Not for the other daemons: in 4,000-message
# runs the 10x thresholds cost the C1 daemons 15-40% CPU, and without the replay tcpserver
# (then C2) took ~30% more CPU per message.
logger="$small -XX:-AOTReplayTraining -XX:CompileThresholdScaling=10"
# qmail-lspawn passes these to its qmail-local workers (one JVM per uid; after its defaults),
# with the daemons' cache mapping and malloc trim (MALLOC_ARENA_MAX comes from lspawn's own
# environment): 36 -> 25-32 MiB PSS per worker (bench/installed-pss.sh).
worker="-Dqmail.worker.jvm='-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -XX:TrimNativeHeapInterval=1000 -Xmx32m -Xmn1m -XX:MaxMetaspaceSize=32m -XX:ReservedCodeCacheSize=8m -XX:+ExitOnOutOfMemoryError -XX:CompileCommand=quiet -XX:CompileCommand=exclude,jdk.internal.classfile.impl.*::*'"

# Per-role budgets, sized from bench/pss.sh (peak live heap at 10 and 200 SMTP sessions, with
# headroom); the table is in packaging/README.md. QMAIL_JAVA_OPTS comes later and overrides.
# A young generation, once touched, stays resident: qmail-send and qmail-queued keep 4 and 6 MiB
# (twice the young collections, ~1 ms each at their live sets); qmail-lspawn keeps 8, since at
# 4 its in-flight deliveries were promoted and grew the old generation (65 MiB after a load).
budget() { # name -> extra flags
  case $1 in
    qmail-send) echo "-Xmx32m -Xmn4m $small" ;;
    qmail-lspawn) echo "-Xmx48m -Xmn8m $small $worker" ;;
    qmail-rspawn) echo "-Xmx16m -Xmn2m $small" ;;
    qmail-clean) echo "-Xmx16m -Xmn1m $small" ;;
    qmail-queued) echo "-Xmx48m -Xmn6m $small" ;;
    tcpserver) echo "-Xmx96m -Xmn16m $small" ;;
    qmail-smtpd|qmail-qmtpd|qmail-qmqpd) echo "-Xmx64m $small" ;;
    multilog|splogger|multilogs) echo "-Xmx16m -Xmn512k $logger" ;;
    # a JVM per POP3 connection for now; messages are streamed (tested at -Xmx16m)
    qmail-popup) echo "-Xmx16m -Xss256k" ;;
    # qmail-pop3d runs as the user, who may signal it: no JVM signal handlers (-Xrs), so a
    # SIGQUIT ends it instead of writing a thread dump into the service's log on stderr.
    qmail-pop3d) echo "-Xmx16m -Xss256k -Xrs" ;;
    supervise|svscan) echo "-Xmx8m -XX:MaxMetaspaceSize=24m -XX:ReservedCodeCacheSize=4m -Xss256k $small" ;;
    # Every supervisor in one JVM, mostly asleep: a 1 MiB young generation and no JIT. With
    # nine service directories, private memory 25.1 -> 17.0 MiB 25 s after start, and 9 -> 5
    # CPU ticks in the next idle minute (no compiles); start-up +0.06 s CPU.
    svscan-inprocess) echo "-Xmx32m -Xmn1m -Xint $small" ;;
  esac
}

launcher() { # name kind class file
  local flags run= classpath=$cp cache=qmail.aot
  case $2 in
    tool) flags=$tool_flags ;;
    # A signal ignored when the JVM starts (nohup, a shell's background job) keeps the JVM
    # from installing its handler, silently: qmail's daemons catch HUP, TERM and ALRM
    # whatever they inherit, so a daemon starts with those at their defaults.
    daemon) flags=$daemon_flags; run='/usr/bin/env --default-signal=HUP,TERM,ALRM MALLOC_ARENA_MAX=2 ' ;;
    *) echo "build-tree.sh: $1: unknown kind $2" >&2; exit 1 ;;
  esac
  # Their one reflective call (the JDK's SecureRandom for Unix sockets, at the first connect)
  # would spin method handles and load the class-file API; native accessors do not.
  # The SelectorProvider named outright: the first socket otherwise looks for a provider
  # service (ServiceLoader) in every jar (sendmail -t 1.75x -> 1.62x a bare JVM).
  case $1 in qmail-inject|sendmail|qmail-queue|aot-train-inject)
    classpath=$inject_cp; cache=inject.aot
    flags="$flags -Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.EPollSelectorProvider -Djdk.reflect.useNativeAccessorOnly=true" ;;
  esac
  # -Xint for what users and scripts call per message: a call lives ~35 ms, its work is
  # start-up and bulk copies, and the JIT's threads cost more CPU than they save (sendmail -t
  # 1.75x -> 1.67x alone, 1.50x with the provider; CPU 1.82x -> 1.25x). Not for qmail-queue,
  # the bulk interface (mailing-list managers, $QMAILQUEUE filters): interpreted, a
  # 200,000-recipient envelope took 0.59 s instead of 0.28 s, and a small call gains ~1 ms.
  # (sendmail with a 2,000-address To: takes 103 ms instead of 61; QMAIL_JAVA_OPTS=-Xmixed.)
  case $1 in qmail-inject|sendmail|aot-train-inject) flags="$flags -Xint" ;; esac
  flags="$flags $(budget "$1")"
  # QMAIL_HOME: readlink -f (a fork and an exec) only when \$0 is a symbolic link
  # (/usr/sbin/sendmail -> QMAIL_HOME/bin/sendmail) or relative; an absolute \$0 names it as is.
  cat > "$4.new" <<SH
#!/bin/sh
# $1: generated by packaging/src/build-tree.sh. QMAIL_HOME is this file's ../
case \$0 in /*/*/*) if [ -L "\$0" ]; then h=\$(readlink -f "\$0"); else h=\$0; fi ;; *) h=\$(readlink -f "\$0") ;; esac; h=\${h%/*/*}
if [ -n "\$QMAIL_AOT_OUTPUT" ]; then a=-XX:AOTCacheOutput=\$QMAIL_AOT_OUTPUT
elif [ -f "\$h/lib/$cache" ]; then a=-XX:AOTCache=\$h/lib/$cache
else a=; fi
exec $run"\$h/lib/jdk/bin/java" \$a $flags \$QMAIL_JAVA_OPTS -Dqmail.home="\$h" -Dqmail.program=$1 -Dqmail.argv0="\$0" -cp "$classpath" $3 "\$@"
SH
  chmod 755 "$4.new"
  mv -f "$4.new" "$4"
}

grep -v '^#' "$src/programs" | while read -r name kind class; do
  [ -n "$name" ] || continue
  launcher "$name" "$kind" "$class" "$tree/bin/$name"
done
# The training run for the AOT cache: flags of a tool, since tools are what start most often.
launcher aot-train tool org.qmailj.install.Training "$tree/lib/aot-train"
launcher aot-train-inject tool org.qmailj.queue.InjectTraining "$tree/lib/aot-train-inject"

# Man pages: .9 pages carry QMAILHOME placeholders; a tree may be anywhere, so say so.
for f in "$src"/man/*; do
  [ -e "$f" ] || continue
  b=$(basename "$f")
  case $b in
    *.9) sec=$(sed -n '1s/^\.TH [^ ]* \([0-9]\).*/\1/p' "$f"); sec=${sec:-8}
         mkdir -p "$tree/man/man$sec"
         sed -e 's#QMAILHOME#/var/qmail#g' -e 's#^SPAWN\.#65000.#' -e 's#deliveries to SPAWN\.#deliveries to 65000.#' "$f" > "$tree/man/man$sec/${b%.9}.$sec" ;;
    *.[1-8]) sec=${b##*.}; mkdir -p "$tree/man/man$sec"; cp "$f" "$tree/man/man$sec/$b" ;;
  esac
done
echo "build-tree.sh: $tree ready ($(ls "$tree/bin" | wc -l) programs)"
