#!/bin/bash
# qmail-send figures (issue 4). Runs qmail-start / qmail-send / qmail-clean for real, with
# fake spawners that record each delivery in a file (the real qmail-lspawn is another
# module), and a queue written in C qmail's on-disk format by one thread.
#   1. drain: inject N (default 10000) messages as fast as possible; injections/s,
#      deliveries/s, time to drain, the todo backlog and qmail-send's RSS every second
#   2. startup: M (default 100000) preprocessed messages queued with qmail-send stopped;
#      time from qmail-start to the first delivery, qmail-send's RSS and heap then
#   3. crash: the crash-safety test with C (default 500) messages
# Usage: bench/send.sh [N [M [C]]]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}; m=${2:-100000}; c=${3:-500}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
# Build this checkout's modules (never rely on what another checkout installed in ~/.m2).
mvn -B -q -o -pl qmail-send -am test-compile >/dev/null 2>&1 || mvn -B -q -pl qmail-send -am test-compile
picocli=$(ls ~/.m2/repository/info/picocli/picocli/*/picocli-*.jar | grep -v sources | tail -1)
cp="$PWD/qmail-send/target/test-classes:$PWD/qmail-send/target/classes:$PWD/qmail-clean/target/classes"
cp="$cp:$PWD/qmail-common/target/classes:$PWD/qmail-common/target/test-classes:$picocli"
run() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.qmailj.send.SendBench "$@"; }
echo "== drain $n"; run drain "$n"
echo "== startup $m"; run startup "$m"
echo "== crash $c"
mvn -B -q -o -pl qmail-send -am test -Dtest=CrashTest -Dsurefire.failIfNoSpecifiedTests=false -Dcrash.messages="$c" >/dev/null 2>&1 \
  && echo "crash test with $c messages: passed" || echo "crash test with $c messages: FAILED"
