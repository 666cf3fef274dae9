#!/bin/bash
# Start-up figure (issue 2): median wall time of 10 runs of bin/qmail-showctl against a bare
# `java -cp hello.jar Hello` started with the same JDK and the same JVM flags (and an AOT
# cache of its own, so the baseline gets every advantage ours gets). Prints both medians and
# the ratio; the target is 1.5x or less. Usage: bench/startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
JAVA_HOME=$(scripts/java-home); export JAVA_HOME
tree=packaging/target/qmail
[ -x "$tree/bin/qmail-showctl" ] || scripts/build
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$tree/bin/qmail-install" "$work/qmail" --sandbox --me=bench.example >/dev/null

# The baseline with the launcher's own flags, read from the generated launcher.
flags=$(sed -n 's/^exec "\$h\/lib\/jdk\/bin\/java" \$a \(.*\) \$QMAIL_JAVA_OPTS.*/\1/p' "$work/qmail/bin/qmail-showctl")
mkdir -p "$work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$work/hello/Hello.java"
"$JAVA_HOME/bin/javac" -d "$work/hello" "$work/hello/Hello.java"
"$JAVA_HOME/bin/jar" cf "$work/hello/hello.jar" -C "$work/hello" Hello.class
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" -XX:AOTCacheOutput="$work/hello/hello.aot" $flags -cp "$work/hello/hello.jar" Hello >/dev/null 2>&1

median_ms() { # command...
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'
}

# shellcheck disable=SC2086
hello=$(median_ms "$JAVA_HOME/bin/java" -XX:AOTCache="$work/hello/hello.aot" $flags -cp "$work/hello/hello.jar" Hello)

showctl=$(median_ms "$work/qmail/bin/qmail-showctl")
# A usage error of qmail-install: picocli's programmatic parser and logback configured in code.
libs=$(median_ms sh -c "'$work/qmail/bin/qmail-install' --bogus 2>/dev/null; true")
ratio() { awk -v a="$1" -v b="$hello" 'BEGIN {printf "%.2f", a/b}'; }
echo "java Hello (same JDK, flags, own AOT cache):   ${hello} ms (median of $runs)"
echo "bin/qmail-showctl (launcher + AOT cache):        ${showctl} ms, ratio $(ratio "$showctl")x (target <= 1.5x)"
echo "bin/qmail-install --bogus (picocli + logback):   ${libs} ms, ratio $(ratio "$libs")x"
